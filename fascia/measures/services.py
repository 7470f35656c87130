from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.measures import score
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient


@transaction.atomic
def record_measure(
    *,
    actor: User,
    patient: Patient,
    instrument: str,
    responses: list[int | None],
    administered_on: date,
    activities: list[str] | None = None,
    evaluation: Any = None,
) -> MeasureResult:
    """Score and store one administration. Bad responses are a ValidationError on `responses`."""
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
        evaluation=evaluation,
    )
    measure.full_clean()
    measure.save()
    audit.record(actor=actor, action=AuditAction.MEASURE_RECORDED, target=measure, patient=patient)
    return measure
