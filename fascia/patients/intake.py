"""A patient's intake: written by the patient, kept apart, and accepted into the chart item by item by staff.

Nothing the patient writes enters the clinical record until staff review it (DESIGN: "Nothing from outside
enters the record unreviewed"). `submit_intake` checks the answers and turns each one that is new or differs
from the chart into an IntakeItem; `decide_intake_item` accepts one (writing it into the chart through the
chart's own services, with the patient as the source) or rejects it, in one transaction with one audit entry.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.models import User
from fascia.lib.uploads import checked_upload
from fascia.patients import services
from fascia.patients.intake_forms import (
    DEMOGRAPHIC_GROUPS,
    GROUP_LABELS,
    LIST_FORMS,
    LIST_KINDS,
    SECTIONS,
    clean_section,
    model_field,
)
from fascia.patients.models import (
    Allergy,
    Condition,
    HistoryStatus,
    Implant,
    IntakeItem,
    IntakeSubmission,
    Medication,
    Patient,
    Source,
    Surgery,
)

CARD_LIMIT = 8 * 1024 * 1024  # a phone's photo of a card is a few MB; PDFs of a scan too
CARD_SIDES = ("card_front", "card_back")
Kind = IntakeItem.Kind

# Who may decide an item: the details and the insurance cards are the front desk's (CHANGE_PATIENT), the
# medical history and what the patient reports for the evaluation the clinicians' (CHANGE_HISTORY).
ITEM_PERMISSION: dict[str, str] = {
    Kind.DEMOGRAPHICS: roles.CHANGE_PATIENT,
    Kind.CARDS: roles.CHANGE_PATIENT,
    Kind.PREGNANCY: roles.CHANGE_HISTORY,
    Kind.CONDITION: roles.CHANGE_HISTORY,
    Kind.MEDICATION: roles.CHANGE_HISTORY,
    Kind.ALLERGY: roles.CHANGE_HISTORY,
    Kind.SURGERY: roles.CHANGE_HISTORY,
    Kind.IMPLANT: roles.CHANGE_HISTORY,
    Kind.COMPLAINT: roles.CHANGE_HISTORY,
}
HistoryEntry = Condition | Surgery | Medication | Allergy | Implant
# The field of each kind of history entry that says what it is, which an intake's entry is matched by.
MATCHED_BY = {"condition": "description", "medication": "name", "allergy": "substance", "surgery": "procedure"}
MATCHED_BY["implant"] = "description"
SECTION_OF = {kind: section for section, kind in LIST_KINDS.items()}


# The questionnaire the patient answered at the intake's step (fascia.measures.services.record_intake_questionnaire):
# the answers went to the chart as a patient-answered score; the intake keeps what it was, to show on the review.
QUESTIONNAIRE = "questionnaire"


class IntakeError(Exception):
    pass


def open_intake(patient: Patient) -> IntakeSubmission | None:
    """The patient's intake in the works (a draft, or one submitted and not yet reviewed)."""
    return (
        patient.intakes.filter(status__in=[IntakeSubmission.Status.DRAFT, IntakeSubmission.Status.SUBMITTED])
        .order_by("-id")
        .first()
    )


def intake_required(patient: Patient) -> bool:
    """Whether the patient has sent no intake: none submitted (or reviewed) yet. One query."""
    done = [IntakeSubmission.Status.SUBMITTED, IntakeSubmission.Status.REVIEWED]
    return not patient.intakes.filter(status__in=done).exists()


def intake_due(patient: Patient) -> bool:
    """Whether the patient owes their intake: none sent and no visit completed yet (no signed visit note), however
    their visits were booked. The portal's home page asks for it while this holds, and booking a visit tells them
    (fascia.scheduling.intake_mail). Online booking has its own, narrower rule:
    scheduling.online.intake_before_first_booking. Two queries at most."""
    # Visits sit above patients: read through the patient's relation, as scheduling.online.is_new_patient does.
    signed = patient.visit_notes.filter(status="signed").exists()
    return not signed and intake_required(patient)


def _draft_for_update(patient: Patient) -> IntakeSubmission:
    """The patient's draft, locked; a new one when there is none. Refused once submitted and not yet reviewed."""
    # The patient's row lock queues two saves of the same patient's intake (two tabs) one after the other.
    Patient.objects.select_for_update().filter(pk=patient.pk).exists()
    current = open_intake(patient)
    if current is not None and current.status == IntakeSubmission.Status.SUBMITTED:
        raise IntakeError("Your intake was sent; the clinic is reviewing it.")
    return current or IntakeSubmission(patient=patient)


def _store_cards(submission: IntakeSubmission, files: dict[str, File[bytes]] | None) -> list[str]:
    """Check and attach the uploaded card photos; the sides stored. ValidationError (nothing stored) if one is
    refused."""
    files = {side: upload for side, upload in (files or {}).items() if upload}
    unknown = sorted(set(files) - set(CARD_SIDES))
    if unknown:
        raise ValidationError({side: "No such file." for side in unknown})
    problems: dict[str, Any] = {}
    for side, upload in files.items():
        try:
            checked_upload(upload, side, limit=CARD_LIMIT)
        except ValidationError as e:
            problems |= e.message_dict
    if problems:
        raise ValidationError(problems)
    for side, upload in files.items():
        setattr(submission, side, upload)
    return sorted(files)


@transaction.atomic
def save_intake_draft(
    *, actor: User, patient: Patient, data: dict[str, Any], files: dict[str, File[bytes]] | None = None
) -> IntakeSubmission:
    """Keep the sections given (each checked, as in submit_intake) on the patient's draft, to finish later.
    Raises ValidationError, keeping nothing, when a section is refused."""
    submission = _draft_for_update(patient)
    cleaned = {section: clean_section(section, value) for section, value in data.items()}
    sides = _store_cards(submission, files)
    submission.answers = {**submission.answers, **cleaned}
    submission.save()
    audit.record(
        actor=actor,
        action=AuditAction.INTAKE_SAVED,
        target=submission,
        patient=patient,
        detail={"sections": sorted(cleaned), "cards": sides},
    )
    return submission


def questionnaire_draft(patient: Patient) -> IntakeSubmission:
    """The patient's draft (locked; a new one, unsaved, when there is none) to keep the questionnaire answered at
    the intake's step on. IntakeError once the intake was sent, or when it was answered already."""
    submission = _draft_for_update(patient)
    if QUESTIONNAIRE in submission.answers:
        raise IntakeError("You answered the questionnaire already.")
    return submission


def keep_questionnaire(*, submission: IntakeSubmission, value: dict[str, Any]) -> None:
    """Keep on the draft (questionnaire_draft) the questionnaire answered at the intake's step: its instrument,
    name, score, band and result's public_id. Part of the caller's write, in its transaction and audited by its
    entry (the score recorded)."""
    submission.answers = {**submission.answers, QUESTIONNAIRE: value}
    submission.save()


def questionnaire_answered(patient: Patient) -> dict[str, Any] | None:
    """The questionnaire the patient answered on the intake in the works, if any (keep_questionnaire)."""
    current = open_intake(patient)
    return current.answers.get(QUESTIONNAIRE) if current else None


@transaction.atomic
def submit_intake(
    *, actor: User, patient: Patient, data: dict[str, Any], files: dict[str, File[bytes]] | None = None
) -> IntakeSubmission:
    """Send the patient's intake to the clinic: the draft's sections with those in `data` (which win), and the
    card photos in `files` ("card_front", "card_back"). Each answer that is new or differs from the chart
    becomes an item for staff to review; nothing is written into the chart here. Raises ValidationError,
    changing nothing, when an answer or a file is refused; IntakeError when one was submitted already."""
    submission = _draft_for_update(patient)
    answers = {**submission.answers, **data}
    problems: dict[str, Any] = {}
    cleaned: dict[str, Any] = {}
    for section in SECTIONS:
        if section in answers:
            try:
                cleaned[section] = clean_section(section, answers[section])
            except ValidationError as e:
                problems |= e.message_dict
    for section in sorted(set(answers) - set(SECTIONS) - {QUESTIONNAIRE}):
        problems[section] = ["No such section."]
    if not answers and not any((files or {}).values()):
        problems["__all__"] = ["Fill in at least one section before sending the intake."]
    try:
        sides = _store_cards(submission, files)
    except ValidationError as e:
        problems |= e.message_dict
    if problems:
        raise ValidationError(problems)
    complaint = cleaned.get("complaint", {})
    if QUESTIONNAIRE in submission.answers:  # written by the server at its step, not by the patient
        cleaned[QUESTIONNAIRE] = submission.answers[QUESTIONNAIRE]
    submission.answers = cleaned
    submission.complaint = complaint.get("complaint", "")
    submission.goals = complaint.get("goals", "")
    submission.pain_regions = complaint.get("pain_regions", [])
    submission.status = IntakeSubmission.Status.SUBMITTED
    submission.submitted_at, submission.submitted_by = timezone.now(), actor
    submission.save()
    items = _items(submission, cleaned, patient)
    IntakeItem.objects.bulk_create(items)
    if not items:  # nothing new for the chart, nothing to report: there is nothing to review
        submission.status, submission.reviewed_at = IntakeSubmission.Status.REVIEWED, timezone.now()
        submission.save(update_fields=["status", "reviewed_at", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.INTAKE_SUBMITTED,
        target=submission,
        patient=patient,
        detail={"items": len(items), "cards": sides},
    )
    return submission


def _items(submission: IntakeSubmission, answers: dict[str, Any], patient: Patient) -> list[IntakeItem]:
    """An item for each answer that is new or differs from the chart (as it is now; the review compares again)."""
    items: list[IntakeItem] = []

    def add(kind: str, value: dict[str, Any], group: str = "") -> None:
        items.append(IntakeItem(submission=submission, kind=kind, group=group, value=value, position=len(items)))

    details = answers.get("demographics", {})
    for group, names in DEMOGRAPHIC_GROUPS.items():
        value = {name: details[name] for name in names if name in details}
        if value and _differs(patient, value):
            add(Kind.DEMOGRAPHICS, value, group)
    pregnancy = answers.get("pregnancy", {})
    if pregnancy and _differs(patient, pregnancy):
        add(Kind.PREGNANCY, pregnancy)
    chart = chart_entries(patient)
    for section, kind in LIST_KINDS.items():
        for entry in answers.get(section, []):
            if _history_status(kind, entry, chart[kind])[0] != SAME:
                add(kind, entry)
    complaint = answers.get("complaint", {})
    if any(complaint.values()):
        add(Kind.COMPLAINT, complaint)
    if submission.card_front or submission.card_back:
        add(Kind.CARDS, {side: bool(getattr(submission, side)) for side in CARD_SIDES})
    return items


# What an item is, against the chart as it is now.
NEW, CHANGED, SAME, REPORT = "new", "changed", "same", "report"
STATUS_LABELS = {
    NEW: "New",
    CHANGED: "Changed",
    SAME: "Already on the chart",
    REPORT: "For the evaluation",
}


def _stored(patient: Patient, name: str, value: Any) -> Any:
    """An answer (JSON) as the patient's field stores it, to compare with the chart."""
    return model_field(Patient, name).to_python(value) if value not in ("", None) else value


def _differs(patient: Patient, value: dict[str, Any]) -> bool:
    return any(_stored(patient, name, answer) != getattr(patient, name) for name, answer in value.items())


def _key(text: str) -> str:
    return " ".join(str(text).lower().split())


def _matches(said: str, recorded: str) -> bool:
    """The patient's words name the chart's entry: the same words, or one is the other with more after it
    ("warfarin" and "Warfarin 5 mg")."""
    a, b = _key(said), _key(recorded)
    return bool(a) and (a == b or b.startswith(f"{a} ") or a.startswith(f"{b} "))


def chart_entries(patient: Patient) -> dict[str, list[Any]]:
    """The patient's history entries that are not in error, by kind: one query a kind."""
    return {
        kind: list(model.objects.filter(patient=patient).exclude(status=HistoryStatus.ENTERED_IN_ERROR))
        for kind, model in services.HISTORY_MODELS.items()
    }


def _history_status(kind: str, value: dict[str, Any], entries: list[Any]) -> tuple[str, Any]:
    """NEW, CHANGED (a medication on the chart with another dose) or SAME, and the chart's entry it matches."""
    field_name = MATCHED_BY[kind]
    match = next((e for e in entries if _matches(value.get(field_name, ""), getattr(e, field_name))), None)
    if match is None:
        return NEW, None
    if kind == "medication" and value.get("dose") and _key(value["dose"]) != _key(match.dose):
        return CHANGED, match
    return SAME, match


@dataclass
class Row:
    """One line of an item's comparison: what the chart says and what the patient wrote."""

    label: str
    chart: str
    said: str
    differs: bool


@dataclass
class ReviewItem:
    item: IntakeItem
    title: str
    status: str
    rows: list[Row] = field(default_factory=list)
    can_decide: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _shown(value: Any) -> str:
    if value in ("", None):
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _ordered(item: IntakeItem) -> list[tuple[str, Any]]:
    """The item's answers in the form's order (PostgreSQL's jsonb keeps no order of keys)."""
    if item.kind == Kind.DEMOGRAPHICS:
        names: tuple[str, ...] = DEMOGRAPHIC_GROUPS.get(item.group, ())
    elif item.kind == Kind.PREGNANCY:
        names = ("is_pregnant", "pregnancy_due_date")
    else:
        names = tuple(LIST_FORMS[section]._meta.fields or ()) if (section := SECTION_OF.get(item.kind)) else ()
    return [(name, item.value[name]) for name in names if name in item.value]


def _patient_rows(patient: Patient, value: list[tuple[str, Any]]) -> list[Row]:
    rows = []
    for name, answer in value:
        found = model_field(Patient, name)
        stored = _stored(patient, name, answer)
        current = getattr(patient, name)
        choices = dict(found.choices or [])
        rows.append(
            Row(
                label=str(found.verbose_name).capitalize(),
                chart=_shown(choices.get(current, current)),
                said=_shown(choices.get(stored, stored)),
                differs=stored != current,
            )
        )
    return rows


def _entry_rows(kind: str, value: list[tuple[str, Any]], match: Any) -> list[Row]:
    model = services.HISTORY_MODELS[kind]
    rows = []
    for name, answer in value:
        found = model_field(model, name)
        choices = dict(found.choices or [])
        current = getattr(match, name) if match is not None else None
        rows.append(
            Row(
                label=str(found.verbose_name).capitalize(),
                chart=_shown(choices.get(current, current)),
                said=_shown(choices.get(answer, answer)),
                differs=match is None or _key(_shown(answer)) != _key(_shown(current)),
            )
        )
    return rows


def review_items(
    patient: Patient, items: list[IntakeItem], user: User, chart: dict[str, list[Any]]
) -> list[ReviewItem]:
    """Each item of an intake against the chart as it is now, with whether `user` may decide it. No queries:
    the patient, the items and the chart's entries (chart_entries) are read by the caller."""
    reviewed = []
    for item in items:
        if item.kind in (Kind.DEMOGRAPHICS, Kind.PREGNANCY):
            rows = _patient_rows(patient, _ordered(item))
            status = SAME if not any(r.differs for r in rows) else CHANGED
            if status == CHANGED and all(r.chart == "—" for r in rows if r.differs):
                status = NEW
            title = str(GROUP_LABELS.get(item.group, "Pregnancy")) if item.kind == Kind.DEMOGRAPHICS else "Pregnancy"
        elif item.kind in services.HISTORY_MODELS:
            status, match = _history_status(item.kind, item.value, chart[item.kind])
            rows = _entry_rows(item.kind, _ordered(item), match)
            title = item.get_kind_display()
        else:
            status, rows, title = REPORT, [], item.get_kind_display()
        reviewed.append(
            ReviewItem(
                item=item,
                title=title,
                status=status,
                rows=rows,
                can_decide=item.decision == IntakeItem.Decision.PENDING and user.has_perm(ITEM_PERMISSION[item.kind]),
            )
        )
    return reviewed


@transaction.atomic
def decide_intake_item(*, actor: User, item: IntakeItem, accept: bool) -> IntakeItem:
    """Accept an item into the chart (through the chart's services, the patient named as the source) or reject
    it; when it was the last one pending, the intake is reviewed. One audit entry: the chart's own (history
    added, patient updated …) with the intake's details, or, when accepting changes nothing on the chart (it
    already says so) or the item is not for the chart, INTAKE_ITEM_ACCEPTED; INTAKE_ITEM_REJECTED for a
    rejection. Raises IntakeError when the item was decided already, ValidationError when what it says can no
    longer be written (nothing changed)."""
    submission = IntakeSubmission.objects.select_for_update().select_related("patient").get(pk=item.submission_id)
    item = IntakeItem.objects.select_for_update().get(pk=item.pk)
    if submission.status != IntakeSubmission.Status.SUBMITTED or item.decision != IntakeItem.Decision.PENDING:
        raise IntakeError("This item was decided already.")
    patient = Patient.objects.select_for_update().get(pk=submission.patient_id)
    now = timezone.now()
    item.decision = IntakeItem.Decision.ACCEPTED if accept else IntakeItem.Decision.REJECTED
    item.decided_at, item.decided_by = now, actor
    item.save(update_fields=["decision", "decided_at", "decided_by"])
    last = not submission.items.filter(decision=IntakeItem.Decision.PENDING).exists()
    if last:
        submission.status, submission.reviewed_at = IntakeSubmission.Status.REVIEWED, now
        submission.save(update_fields=["status", "reviewed_at", "updated_at"])
    detail = {
        "source": Source.PATIENT.value,
        "intake": str(submission.public_id),
        "intake_item": str(item.public_id),
        "decision": item.decision,
        "intake_reviewed": last,
    }
    if not accept:
        audit.record(actor=actor, action=AuditAction.INTAKE_ITEM_REJECTED, target=item, patient=patient, detail=detail)
    elif not _write(actor, patient, item, detail):
        audit.record(actor=actor, action=AuditAction.INTAKE_ITEM_ACCEPTED, target=item, patient=patient, detail=detail)
    return item


def _write(actor: User, patient: Patient, item: IntakeItem, detail: dict[str, Any]) -> bool:
    """Write an accepted item into the chart; whether anything changed there (its service audited it)."""
    if item.kind in (Kind.DEMOGRAPHICS, Kind.PREGNANCY):
        value = dict(item.value)
        if item.kind == Kind.PREGNANCY and not value.get("is_pregnant"):
            value["pregnancy_due_date"] = None
        if not _differs(patient, value):
            return False
        fields = {name: _stored(patient, name, answer) for name, answer in value.items()}
        services.update_patient(actor=actor, patient=patient, audit_detail=detail, **fields)
        return True
    if item.kind not in services.HISTORY_MODELS:
        return False
    status, match = _history_status(item.kind, item.value, chart_entries(patient)[item.kind])
    if status == SAME:
        return False
    if status == CHANGED:
        services.update_medication(actor=actor, entry=match, audit_detail=detail, dose=item.value["dose"])
        return True
    services.add_history_entry(
        actor=actor, patient=patient, kind=item.kind, source=Source.PATIENT, audit_detail=detail, **item.value
    )
    return True
