from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.api import ABSENT, NOT_BLANK, WHOLE, Plausible, api_user, inline, limits, plausible, refuse_nulls
from fascia.core.models import User
from fascia.evaluations import queries, services
from fascia.evaluations.models import Evaluation, RedFlagClearance
from fascia.patients.models import Patient
from fascia.patients.queries import get_patient_for_user

router = Router(tags=["evaluations"])


class DiagnosisOut(Schema):
    rank: int
    code: str
    description: str


class MeasureOut(Schema):
    instrument: str
    value: float
    band: str
    responses: list[int | None]


class RedFlagClearanceOut(Schema):
    """What was done about a red flag the evaluation raised."""

    id: UUID = Field(..., alias="public_id")
    flag: str = Field(..., description="The red flag's code, e.g. calf_swelling")
    flag_label: str
    kind: Annotated[RedFlagClearance.Kind, inline(RedFlagClearance.Kind)] = Field(
        ..., description="referred (to a provider) or cleared (for treatment)"
    )
    provider: str = Field(..., description="Who: referred to, or cleared by")
    decided_on: date = Field(..., description="When the referral was made or the clearance given")
    recorded_by: str = Field(..., description="The practitioner who recorded it")
    recorded_at: datetime = Field(..., alias="created_at")

    @staticmethod
    def resolve_flag_label(c: RedFlagClearance) -> str:
        return c.get_flag_display()

    @staticmethod
    def resolve_recorded_by(c: RedFlagClearance) -> str:
        return c.created_by.display_name


def _limits(field: str) -> Any:
    return limits(Evaluation, field)


# A field left out is left as it is (ABSENT); null only where the record holds null.
class EvaluationFields(Schema):
    kind: Annotated[Evaluation.Kind, inline(Evaluation.Kind)] = ABSENT
    evaluated_on: Annotated[date, plausible(Evaluation, "evaluated_on")] = ABSENT
    chief_complaint: Annotated[str, _limits("chief_complaint")] = ABSENT
    history: str = ABSENT
    onset: Annotated[Evaluation.Onset, inline(Evaluation.Onset)] = ABSENT
    injury_date: Annotated[date, plausible(Evaluation, "injury_date")] | None = None
    aggravating: Annotated[str, _limits("aggravating")] = ABSENT
    easing: Annotated[str, _limits("easing")] = ABSENT
    prior_treatment: Annotated[str, _limits("prior_treatment")] = ABSENT
    patient_goals: str = ABSENT
    red_flags: list[str] = ABSENT
    red_flag_notes: Annotated[str, _limits("red_flag_notes")] = ABSENT
    nprs_now: Annotated[int, _limits("nprs_now"), WHOLE] | None = None
    nprs_best: Annotated[int, _limits("nprs_best"), WHOLE] | None = None
    nprs_worst: Annotated[int, _limits("nprs_worst"), WHOLE] | None = None
    body_marks: list[dict[str, Any]] = ABSENT
    posture: str = ABSENT
    palpation: list[dict[str, Any]] = ABSENT
    rom: list[dict[str, Any]] = ABSENT
    special_tests: list[dict[str, Any]] = ABSENT
    impression: str = ABSENT
    prognosis: Annotated[Evaluation.Prognosis, inline(Evaluation.Prognosis)] = ABSENT
    prognosis_notes: Annotated[str, _limits("prognosis_notes")] = ABSENT
    precautions: str = ABSENT
    diagnoses: list[str] = Field(ABSENT, description="ICD-10-CM codes, primary first; billable only")


class EvaluationOut(Schema):
    id: UUID = Field(..., alias="public_id")
    patient_id: UUID = Field(..., alias="patient.public_id")
    practitioner: str
    kind: str
    status: str
    evaluated_on: date
    chief_complaint: str
    history: str
    onset: str
    injury_date: date | None
    aggravating: str
    easing: str
    prior_treatment: str
    patient_goals: str
    red_flags: list[str]
    red_flag_notes: str
    nprs_now: int | None
    nprs_best: int | None
    nprs_worst: int | None
    body_marks: list[dict[str, Any]]
    posture: str
    palpation: list[dict[str, Any]]
    rom: list[dict[str, Any]]
    special_tests: list[dict[str, Any]]
    impression: str
    prognosis: str
    prognosis_notes: str
    precautions: str
    diagnoses: list[DiagnosisOut]
    measures: list[MeasureOut]
    clearances: list[RedFlagClearanceOut] = Field(
        ..., description="The referrals and clearances recorded for its red flags, oldest first"
    )
    signed_at: datetime | None

    @staticmethod
    def resolve_practitioner(e: Evaluation) -> str:
        return str(e.practitioner)

    @staticmethod
    def resolve_clearances(e: Evaluation) -> list[RedFlagClearance]:
        return list(e.clearances.all())


def _shown(evaluation: Evaluation) -> Evaluation:
    """The evaluation with its clearances read as EvaluationOut shows them: one query, not one per row."""
    prefetch_related_objects([evaluation], queries.clearances_done())
    return evaluation


def _fields(payload: EvaluationFields) -> dict:
    """The model's field values the payload sets; a 422 for a null that the field cannot hold."""
    data = payload.dict(exclude_unset=True)
    data.pop("diagnoses", None)
    fields = {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}
    refuse_nulls(Evaluation, fields)
    return fields


def _save(user: User, evaluation: Evaluation, payload: EvaluationFields) -> Evaluation:
    diagnoses, fields = payload.diagnoses, _fields(payload)
    try:
        return _shown(services.save_evaluation(actor=user, evaluation=evaluation, diagnoses=diagnoses, **fields))
    except services.EvaluationLocked as e:
        raise PermissionDenied(str(e)) from None


@router.get("/patients/{patient_id}/evaluations", response=list[EvaluationOut], summary="A patient's evaluations")
def list_evaluations(request: HttpRequest, patient_id: UUID) -> list[Evaluation]:
    user = api_user(request, roles.VIEW_EVALUATION)
    patient = get_patient_for_user(user, patient_id)
    audit.record(actor=user, action=AuditAction.EVALUATION_VIEWED, target=patient, detail={"via": "api"})
    return evaluations_of(patient)


def evaluations_of(patient: Patient) -> list[Evaluation]:
    """A patient's evaluations with what EvaluationOut shows (the chart's API reads them too)."""
    return list(
        patient.evaluations.select_related("patient", "practitioner__user").prefetch_related(
            "diagnoses", "measures", queries.clearances_done()
        )
    )


@router.post(
    "/patients/{patient_id}/evaluations",
    response={201: EvaluationOut},
    summary="Start an evaluation (a draft), optionally with its first fields",
)
def create_evaluation(request: HttpRequest, patient_id: UUID, payload: EvaluationFields) -> Status:
    user = api_user(request, roles.ADD_EVALUATION)
    patient = get_patient_for_user(user, patient_id)
    _fields(payload)  # refused before a draft is started
    try:
        evaluation = services.start_evaluation(actor=user, patient=patient)
    except services.EvaluationError as e:
        raise PermissionDenied(str(e)) from None
    return Status(201, _save(user, evaluation, payload))


@router.get("/evaluations/{evaluation_id}", response=EvaluationOut, summary="Read an evaluation")
def get_evaluation(request: HttpRequest, evaluation_id: UUID) -> Evaluation:
    user = api_user(request, roles.VIEW_EVALUATION)
    evaluation = _shown(queries.get_evaluation_for_user(user, evaluation_id))
    audit.record(
        actor=user,
        action=AuditAction.EVALUATION_VIEWED,
        target=evaluation,
        patient=evaluation.patient,
        detail={"via": "api"},
    )
    return evaluation


@router.patch(
    "/evaluations/{evaluation_id}", response=EvaluationOut, summary="Change a draft evaluation (403 once signed)"
)
def update_evaluation(request: HttpRequest, evaluation_id: UUID, payload: EvaluationFields) -> Evaluation:
    user = api_user(request, roles.ADD_EVALUATION)
    return _save(user, queries.get_evaluation_for_user(user, evaluation_id), payload)


@router.post("/evaluations/{evaluation_id}/sign", response=EvaluationOut, summary="Sign and lock an evaluation")
def sign_evaluation(request: HttpRequest, evaluation_id: UUID) -> Evaluation:
    user = api_user(request, roles.SIGN_EVALUATION)
    evaluation = queries.get_evaluation_for_user(user, evaluation_id)
    try:
        return _shown(services.sign_evaluation(actor=user, evaluation=evaluation))
    except services.EvaluationIncomplete as e:
        raise HttpError(422, str(e)) from None
    except services.EvaluationError as e:
        raise PermissionDenied(str(e)) from None


class ClearanceIn(Schema):
    flag: str = Field(..., description="A red flag the evaluation raised (its code, e.g. calf_swelling)")
    kind: Annotated[RedFlagClearance.Kind, inline(RedFlagClearance.Kind)]
    provider: Annotated[str, NOT_BLANK, limits(RedFlagClearance, "provider")] = Field(
        ..., description="Referred to, or cleared by"
    )
    decided_on: Annotated[date, Plausible()] = Field(..., description="Not in the future")


class ClearanceOut(RedFlagClearanceOut):
    evaluation_id: UUID = Field(..., alias="evaluation.public_id")


@router.post(
    "/evaluations/{evaluation_id}/clearances",
    response={201: ClearanceOut},
    summary="Record a referral or a clearance for a red flag the evaluation raised",
)
def record_clearance(request: HttpRequest, evaluation_id: UUID, payload: ClearanceIn) -> Status:
    user = api_user(request, roles.ADD_EVALUATION)
    evaluation = queries.get_evaluation_for_user(user, evaluation_id)
    try:
        clearance = services.record_clearance(
            actor=user,
            evaluation=evaluation,
            flag=payload.flag,
            kind=payload.kind.value,
            provider=payload.provider,
            decided_on=payload.decided_on,
        )
    except services.EvaluationError as e:
        raise PermissionDenied(str(e)) from None
    return Status(201, clearance)
