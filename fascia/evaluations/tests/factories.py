from datetime import date

from fascia.core.models import User
from fascia.evaluations import services
from fascia.evaluations.models import Evaluation
from fascia.patients.models import Patient


def complete_draft(
    actor: User, patient: Patient, *, diagnoses: list[str] | None = None, **fields: object
) -> Evaluation:
    """A draft with everything signing needs: chief complaint, a diagnosis (M54.50 unless `diagnoses` says),
    a pain rating."""
    evaluation = services.start_evaluation(actor=actor, patient=patient, evaluated_on=date(2026, 11, 2))
    defaults = {"chief_complaint": "Low back pain after lifting", "nprs_now": 6, "nprs_best": 3, "nprs_worst": 8}
    return services.save_evaluation(
        actor=actor, evaluation=evaluation, diagnoses=diagnoses or ["M54.50"], **{**defaults, **fields}
    )
