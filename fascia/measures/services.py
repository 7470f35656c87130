from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.measures import instrument as get_instrument
from fascia.measures import score
from fascia.measures.models import InstrumentWording, MeasureResult
from fascia.patients.models import Patient


def record_measure(
    *,
    actor: User,
    patient: Patient,
    instrument: str,
    responses: list[int | None],
    administered_on: date,
    activities: list[str] | None = None,
) -> MeasureResult:
    """Score and store one administration. Bad responses are a ValidationError on `responses`.

    The record it was taken at (an evaluation, a visit note) links it, in the same transaction.
    """
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
        entered_by=actor,
    )
    # Its links are rows the caller has read (the patient, the actor): checking that each
    # exists would be a SELECT apiece, and the new random public_id needs no lookup; the database holds both.
    measure.full_clean(exclude=["patient", "entered_by"], validate_unique=False)
    # Checked before the transaction, so a refusal leaves a caller's transaction usable; the writes join the
    # caller's transaction (record_evaluation_measure, record_note_measure) without a savepoint of their own.
    with transaction.atomic(savepoint=False):
        measure.save()
        audit.record(actor=actor, action=AuditAction.MEASURE_RECORDED, target=measure, patient=patient)
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
