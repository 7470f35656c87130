import secrets
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.measures import instrument as get_instrument
from fascia.measures import score
from fascia.measures.models import InstrumentWording, MeasureResult, QuestionnaireLink
from fascia.measures.suited import instrument_for_regions
from fascia.notifications.models import Notification
from fascia.notifications.services import send
from fascia.patients import intake
from fascia.patients.accounts import check_link_birth_date, token_shape_ok
from fascia.patients.models import Patient


def record_measure(
    *,
    actor: User | None,
    patient: Patient,
    instrument: str,
    responses: list[int | None],
    administered_on: date,
    activities: list[str] | None = None,
    detail: dict[str, Any] | None = None,
) -> MeasureResult:
    """Score and store one administration. Bad responses are a ValidationError on `responses`.

    The record it was taken at (an evaluation, a visit note) links it, in the same transaction. With no
    `actor` (a questionnaire link) or the patient's own portal account as `actor`, the patient answered it;
    `detail` says more in its audit entry.
    """
    by_patient = actor is None or actor.is_patient_account
    try:
        result = score(instrument, responses)
    except ValueError as e:
        raise ValidationError({"responses": str(e)}) from None
    measure = MeasureResult(
        patient=patient,
        instrument=result.instrument,
        administered_on=administered_on,
        responses=list(responses),
        activities=activities or [],
        value=result.value,
        band=result.band or "",
        source=MeasureResult.Source.PATIENT if by_patient else MeasureResult.Source.STAFF,
        entered_by=actor,
    )
    # Its links are rows the caller has read (the patient, the actor): checking that each
    # exists would be a SELECT apiece, and the new random public_id needs no lookup; the database holds both.
    measure.full_clean(exclude=["patient", "entered_by"], validate_unique=False)
    # Checked before the transaction, so a refusal leaves a caller's transaction usable; the writes join the
    # caller's transaction (record_evaluation_measure, record_note_measure) without a savepoint of their own.
    with transaction.atomic(savepoint=False):
        measure.save()
        audit.record(
            actor=actor,
            action=AuditAction.MEASURE_RECORDED,
            target=measure,
            patient=patient,
            detail={"source": measure.source, **(detail or {})} if by_patient else detail,
        )
    return measure


@transaction.atomic
def record_intake_questionnaire(
    *, actor: User, patient: Patient, instrument: str, responses: list[int | None], activities: list[str] | None = None
) -> MeasureResult:
    """The patient answers, at the intake's step, the questionnaire suited to their complaint (suited.py): scored
    and recorded into the chart at once with the patient as the source, as the portal's questionnaire page does
    (record_measure: one audit entry, naming the intake), and kept on the intake's draft so the review shows it.
    Bad responses are a ValidationError; IntakeError once the intake was sent. Either way nothing is changed."""
    draft = intake.questionnaire_draft(patient)
    regions = draft.answers.get("complaint", {}).get("pain_regions", [])
    if instrument != instrument_for_regions(regions):
        raise ValidationError({"instrument": "This questionnaire is not the one for the complaint on the intake."})
    measure = record_measure(
        actor=actor,
        patient=patient,
        instrument=instrument,
        responses=responses,
        activities=activities,
        administered_on=timezone.localdate(),
        detail={"portal": True, "intake": str(draft.public_id)},
    )
    inst = get_instrument(measure.instrument)
    intake.keep_questionnaire(
        submission=draft,
        value={
            "instrument": inst.code,
            "name": inst.name,
            "value": measure.value,
            "band": measure.band,
            "result": str(measure.public_id),
        },
    )
    return measure


@transaction.atomic
def load_wording(*, instrument: str, items: list[str], licence: str) -> InstrumentWording:
    """Store (or replace) a licensed instrument's item wording; ValueError when it does not fit."""
    inst = get_instrument(instrument)
    if (
        not isinstance(items, list)
        or len(items) != inst.item_count
        or not all(isinstance(text, str) and text.strip() for text in items)
    ):
        raise ValueError(f"{inst.code} has {inst.item_count} items; give one non-empty text for each.")
    if not licence.strip():
        raise ValueError("Say who licensed the wording (the licence field).")
    wording, _ = InstrumentWording.objects.update_or_create(
        instrument=inst.code, defaults={"items": [t.strip() for t in items], "licence": licence.strip()}
    )
    return wording


LINK_DAYS = 7  # a questionnaire link expires a week after it is sent: long enough to answer before the next visit


class QuestionnaireError(Exception):
    pass


@transaction.atomic
def open_questionnaire_link(*, actor: User | None, patient: Patient, instrument: str) -> tuple[QuestionnaireLink, str]:
    """A new link for the patient to answer `instrument` once within LINK_DAYS, and its token (kept nowhere else:
    the caller hands it to the patient)."""
    inst = get_instrument(instrument)
    token = secrets.token_urlsafe(32)
    link = QuestionnaireLink.objects.create(
        patient=patient,
        instrument=inst.code,
        token_hash=QuestionnaireLink.hash(token),
        expires_at=timezone.now() + timedelta(days=LINK_DAYS),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.QUESTIONNAIRE_LINK_CREATED,
        target=link,
        patient=patient,
        detail={"instrument": inst.code},
    )
    return link, token


@transaction.atomic
def send_questionnaire(*, actor: User | None, patient: Patient, instrument: str, site: str) -> QuestionnaireLink:
    """Email the patient a new questionnaire link (open_questionnaire_link); `site` is the address the link starts
    with (https://clinic.example). Refused, changing nothing, when the patient cannot get it by email (no consent
    to it, or no address): the reason is the QuestionnaireError."""
    link, token = open_questionnaire_link(actor=actor, patient=patient, instrument=instrument)
    inst = get_instrument(link.instrument)
    notification = send(
        kind="questionnaire_due",
        recipient=patient,
        about=link,
        action=AuditAction.QUESTIONNAIRE_LINK_EMAILED,
        context={
            "patient": patient,
            "instrument": inst,
            "url": site.rstrip("/") + reverse("questionnaires:answer", args=[token]),
            "expires_on": timezone.localdate(link.expires_at),
            "clinic": str(patient.organization),
        },
    )
    if notification.status == Notification.Status.SKIPPED:
        # Nobody got the link: the error rolls back the link and the withheld message alike; staff see why.
        raise QuestionnaireError(f"Not sent: the patient has {notification.reason}.")
    return link


def link_for_token(token: str) -> QuestionnaireLink | None:
    """The link a token opens, whatever its state; None for a token that opens none (any string at all)."""
    if not token_shape_ok(token):
        return None
    return (
        QuestionnaireLink.objects.select_related("patient__organization")
        .filter(token_hash=QuestionnaireLink.hash(token))
        .first()
    )


def link_problem(link: QuestionnaireLink) -> str:
    """Why the link no longer opens, or "" while it does."""
    if link.used_at is not None:
        return "This questionnaire has already been answered. Thank you."
    if link.is_locked:
        return "This link is locked after too many wrong dates of birth. Please call the clinic for a new one."
    if link.expires_at <= timezone.now():
        return "This link has expired. Please call the clinic for a new one."
    return ""


@transaction.atomic
def check_birth_date(*, link: QuestionnaireLink, birth_date: date) -> bool:
    """Whether `birth_date` is the patient's (a wrong one counts towards the lock); a link that no longer opens is
    refused (QuestionnaireError)."""
    link = QuestionnaireLink.objects.select_for_update().select_related("patient").get(pk=link.pk)
    problem = link_problem(link)
    if problem:
        raise QuestionnaireError(problem)
    return check_link_birth_date(link=link, birth_date=birth_date, refused=AuditAction.QUESTIONNAIRE_LINK_REFUSED)


@transaction.atomic
def answer_questionnaire(
    *, link: QuestionnaireLink, responses: list[int | None], activities: list[str] | None = None
) -> MeasureResult:
    """Record the patient's answers through the link (once): scored and audited as staff entry is, with the
    patient as the source. Bad responses are a ValidationError; a link that no longer opens, a QuestionnaireError."""
    link = QuestionnaireLink.objects.select_for_update().select_related("patient").get(pk=link.pk)
    problem = link_problem(link)
    if problem:
        raise QuestionnaireError(problem)
    result = record_measure(
        actor=None,
        patient=link.patient,
        instrument=link.instrument,
        responses=responses,
        activities=activities,
        administered_on=timezone.localdate(),
        detail={"questionnaire_link": str(link.public_id)},
    )
    link.used_at, link.result = timezone.now(), result
    link.save(update_fields=["used_at", "result", "updated_at"])
    return result
