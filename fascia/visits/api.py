from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from ninja import Body, Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import StrictBool

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.api import ABSENT, WHOLE, Pages, api_user, inline, limits, plausible
from fascia.core.models import User
from fascia.patients.models import BodyRegion, Patient
from fascia.patients.queries import get_patient_for_user
from fascia.scheduling.models import Appointment
from fascia.techniques.api import Finding, Region, Symptom
from fascia.techniques.models import Technique
from fascia.visits import queries, services
from fascia.visits.minutes import MinuteSummary
from fascia.visits.models import NoteAddendum, VisitNote, VisitTechnique

router = Router(tags=["visit notes"])

# What every note answer shows besides the note row itself: two more queries however many notes.
ROWS = (
    Prefetch("techniques", queryset=VisitTechnique.objects.select_related("technique")),
    Prefetch("addenda", queryset=NoteAddendum.objects.select_related("author")),
)


class NoteTechniqueOut(Schema):
    technique: str = Field(..., alias="technique.code", description="Catalog code")
    name: str = Field(..., alias="technique.name")
    cpt_code: str = Field(..., alias="technique.cpt_code")
    timed: bool = Field(..., alias="technique.timed")
    region: str
    minutes: int | None
    pressure: str
    position: str
    response: str
    screening_level: str
    override_reason: str


class CodeMinutesOut(Schema):
    cpt_code: str
    timed: bool
    minutes: int


class NoteMinutesOut(Schema):
    codes: list[CodeMinutesOut]
    timed_total: int = Field(..., description="The minutes of timed codes, which billing turns into units")
    total: int


class NoteAddendumOut(Schema):
    created_at: datetime
    author: str = Field(..., alias="author.display_name")
    text: str


class NoteOut(Schema):
    id: UUID = Field(..., alias="public_id")
    patient_id: UUID = Field(..., alias="patient.public_id")
    practitioner: str
    appointment_id: UUID | None
    plan_id: UUID | None
    kind: str
    status: str
    visited_on: date
    subjective: str
    nprs_before: int | None
    health_changes: str
    symptoms: list[str]
    local_findings: list[dict[str, str]] = Field(..., description="Today's, each {finding, region}")
    findings: list[dict[str, Any]]
    rom: list[dict[str, Any]]
    objective: str
    response: str
    nprs_after: int | None
    goal_progress: list[dict[str, Any]]
    assessment: str
    next_visit: str
    plan_changes: str
    home_care: str
    recommendations: str
    copied_fields: list[str] = Field(..., description="Parts prefilled from the last note or the plan, not yet edited")
    techniques: list[NoteTechniqueOut]
    minutes: NoteMinutesOut
    signed_at: datetime | None
    signed_by: str | None
    addenda: list[NoteAddendumOut]

    @staticmethod
    def resolve_practitioner(n: VisitNote) -> str:
        return str(n.practitioner)

    @staticmethod
    def resolve_appointment_id(n: VisitNote) -> UUID | None:
        return n.appointment.public_id if n.appointment is not None else None

    @staticmethod
    def resolve_plan_id(n: VisitNote) -> UUID | None:
        return n.plan.public_id if n.plan is not None else None

    @staticmethod
    def resolve_minutes(n: VisitNote) -> MinuteSummary:
        return queries.minute_summary(list(n.techniques.all()))

    @staticmethod
    def resolve_signed_by(n: VisitNote) -> str | None:
        return n.signed_by.display_name if n.signed_by is not None else None


class NoteTechniqueIn(Schema):
    technique: str = Field(..., description="Catalog code, e.g. deep-tissue (see GET /techniques)")
    region: Annotated[BodyRegion, inline(BodyRegion)]
    minutes: Annotated[int, limits(VisitTechnique, "minutes"), WHOLE] | None = Field(
        None, description="All rows together fit in the appointment"
    )
    pressure: Annotated[VisitTechnique.Pressure, inline(VisitTechnique.Pressure)] | None = None
    position: Annotated[VisitTechnique.Position, inline(VisitTechnique.Position)] | None = None
    response: Annotated[str, limits(VisitTechnique, "response")] = Field("")
    override_reason: Annotated[str, limits(VisitTechnique, "override_reason")] = Field(
        "", description="Required to go ahead despite a caution"
    )


class LocalFindingIn(Schema):
    finding: Finding
    region: Region


def _limits(field: str) -> Any:
    return limits(VisitNote, field)


# A field left out is left as it is (ABSENT); null only where the note holds null.
class NoteFields(Schema):
    kind: Annotated[VisitNote.Kind, inline(VisitNote.Kind)] = ABSENT
    visited_on: Annotated[date, plausible(VisitNote, "visited_on")] = ABSENT
    subjective: str = ABSENT
    nprs_before: Annotated[int, _limits("nprs_before"), WHOLE] | None = None
    health_changes: str = ABSENT
    symptoms: list[Symptom] = Field(ABSENT, description="Today's")
    local_findings: list[LocalFindingIn] = Field(ABSENT, description="Today's local findings, each with its region")
    findings: list[dict[str, Any]] = ABSENT
    rom: list[dict[str, Any]] = ABSENT
    objective: str = ABSENT
    response: str = ABSENT
    nprs_after: Annotated[int, _limits("nprs_after"), WHOLE] | None = None
    goal_progress: list[dict[str, Any]] = Field(ABSENT, description="[{goal, status, note}] for the plan's goals")
    assessment: str = ABSENT
    next_visit: Annotated[str, _limits("next_visit")] = ABSENT
    plan_changes: str = ABSENT
    home_care: str = ABSENT
    recommendations: str = ABSENT
    techniques: list[NoteTechniqueIn] = Field(ABSENT, description="When given, replaces the note's techniques")


class NoteCreate(NoteFields):
    appointment_id: UUID | None = Field(None, description="The visit's appointment, in your organization")


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _technique_rows(rows: list[NoteTechniqueIn], organization_id: int) -> list[dict]:
    """The rows as save_note takes them: codes of the organization's catalog turned into technique ids."""
    ids = dict(
        Technique.objects.filter(
            organization_id=organization_id, code__in={r.technique for r in rows}, is_active=True
        ).values_list("code", "pk")
    )
    unknown = [
        f"Technique {number}: no technique {row.technique!r} in the catalog."
        for number, row in enumerate(rows, start=1)
        if row.technique not in ids
    ]
    if unknown:
        raise ValidationError({"techniques": unknown})
    return [
        {
            "technique_id": ids[row.technique],
            "region": row.region.value,
            "minutes": row.minutes,
            "pressure": _plain(row.pressure) or "",
            "position": _plain(row.position) or "",
            "response": row.response,
            "override_reason": row.override_reason,
        }
        for row in rows
    ]


def _changes(
    payload: NoteFields, organization_id: int, *, exclude: tuple[str, ...] = ()
) -> tuple[dict[str, Any], list[dict] | None]:
    """The fields the payload sets, and its technique rows (None: leave the techniques alone)."""
    data = payload.dict(exclude_unset=True, exclude={"techniques", *exclude})
    fields = {name: _plain(value) for name, value in data.items()}
    techniques = _technique_rows(payload.techniques, organization_id) if payload.techniques is not None else None
    return fields, techniques


def _read(user: User, note_id: UUID) -> VisitNote:
    note = queries.get_note_for_user(user, note_id)
    prefetch_related_objects([note], *ROWS)
    return note


# Paged like the patient search: ten years of twice-weekly visits are hundreds of notes (one seeded
# patient's 58 made an answer of 100 KB).
@router.get(
    "/patients/{patient_id}/notes", response=list[NoteOut], summary="A patient's visit notes, newest first, 25 a page"
)
@paginate(Pages, page_size=25)
def list_notes(request: HttpRequest, patient_id: UUID) -> QuerySet[VisitNote]:
    user = api_user(request, roles.VIEW_NOTE)
    patient = get_patient_for_user(user, patient_id)
    audit.record(actor=user, action=AuditAction.NOTE_VIEWED, target=patient, detail={"via": "api"})
    return notes_of(user, patient)


def notes_of(user: User, patient: Patient) -> QuerySet[VisitNote]:
    """A patient's notes, newest first, with what NoteOut shows (the chart's API reads its latest too)."""
    return (
        queries.notes_for_user(user)
        .filter(patient=patient)
        .select_related("patient", "practitioner__user", "signed_by", "plan", "appointment")
        .prefetch_related(*ROWS)
        .order_by("-visited_on", "-id")
    )


@router.post(
    "/patients/{patient_id}/notes",
    response={201: NoteOut},
    summary="Start a visit note (a draft, copied forward from the last note or the plan), optionally with its fields",
)
def create_note(request: HttpRequest, patient_id: UUID, payload: NoteCreate) -> Status:
    user = api_user(request, roles.ADD_NOTE)
    patient = get_patient_for_user(user, patient_id)
    appointment = None
    if payload.appointment_id is not None:
        appointment = Appointment.objects.filter(
            public_id=payload.appointment_id, location__organization_id=user.member_organization_id
        ).first()
        if appointment is None:
            raise ValidationError({"appointment_id": "No such appointment in your organization."})
    fields, techniques = _changes(payload, patient.organization_id, exclude=("appointment_id", "visited_on"))
    # One transaction: when the fields or techniques are refused, no half-made draft is left behind.
    with transaction.atomic():
        try:
            note = services.start_note(
                actor=user, patient=patient, appointment=appointment, visited_on=payload.visited_on
            )
        except services.NoteError as e:
            # Past the practitioner check, what start_note refuses is the appointment.
            about_appointment = appointment is not None and hasattr(user, "practitioner")
            raise ValidationError({"appointment_id" if about_appointment else NON_FIELD_ERRORS: str(e)}) from None
        if fields or techniques is not None:
            services.save_note(actor=user, note=note, techniques=techniques, **fields)
    return Status(201, _read(user, note.public_id))


@router.get("/notes/{note_id}", response=NoteOut, summary="Read a visit note")
def get_note(request: HttpRequest, note_id: UUID) -> VisitNote:
    user = api_user(request, roles.VIEW_NOTE)
    note = _read(user, note_id)
    audit.record(actor=user, action=AuditAction.NOTE_VIEWED, target=note, patient=note.patient, detail={"via": "api"})
    return note


@router.patch("/notes/{note_id}", response=NoteOut, summary="Change a draft visit note (409 once signed)")
def update_note(request: HttpRequest, note_id: UUID, payload: NoteFields) -> VisitNote:
    user = api_user(request, roles.ADD_NOTE)
    note = queries.get_note_for_user(user, note_id, to_change=True)
    fields, techniques = _changes(payload, note.patient.organization_id)
    try:
        services.save_note(actor=user, note=note, techniques=techniques, **fields)
    except services.NoteLocked as e:
        raise HttpError(409, str(e)) from None
    return _read(user, note_id)


class SignIn(Schema):
    patient_arrived: StrictBool = Field(
        False,
        description="For an appointment never checked in: the signer confirms the patient came, which checks the "
        "appointment in as the note is signed (without it, such a note is refused with 422)",
    )


NO_SIGN_IN = Body(None)  # the body may be left out, but is never null (the schema says SignIn, not required)


class _SignedNote:
    """A note just signed with the warnings its signature drew, read by SignedNoteOut as a note with `warnings`."""

    def __init__(self, note: VisitNote, warnings: list[str]) -> None:
        self.note, self.warnings = note, warnings

    def __getattr__(self, name: str) -> Any:
        return getattr(self.note, name)


class SignedNoteOut(NoteOut):
    warnings: list[str] = Field(
        ...,
        description="The documentation check's findings for the visit's claim (units, referral and authorization "
        "visits, certification, progress report, diagnoses): warnings only, the note is signed",
    )


@router.post(
    "/notes/{note_id}/sign",
    response=SignedNoteOut,
    summary="Sign and lock a visit note (409 once signed; 422 before its appointment starts, or when the patient's "
    "arrival is neither checked in nor confirmed)",
)
def sign_note(request: HttpRequest, note_id: UUID, payload: SignIn = NO_SIGN_IN) -> _SignedNote:
    user = api_user(request, roles.SIGN_NOTE)
    note = queries.get_note_for_user(user, note_id, to_change=True)
    arrived = payload is not None and payload.patient_arrived
    found: list[str] = []
    try:
        services.sign_note(actor=user, note=note, arrived=arrived, warnings=found)
    except services.NoteLocked as e:
        raise HttpError(409, str(e)) from None
    except services.NoteIncomplete as e:
        raise HttpError(422, str(e)) from None
    except services.NoteError as e:
        if note.practitioner.user_id != user.pk:
            raise PermissionDenied(str(e)) from None
        raise HttpError(422, str(e)) from None  # e.g. a technique is contraindicated as the record stands now
    return _SignedNote(_read(user, note_id), found)
