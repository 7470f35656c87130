from typing import Any

from django.utils import timezone

from fascia.core.models import User
from fascia.evaluations.models import Evaluation
from fascia.evaluations.services import sign_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.plans import services
from fascia.plans.models import TreatmentPlan


def draft_plan(actor: User, patient: Patient, *, evaluation: Evaluation | None = None, **fields: Any) -> TreatmentPlan:
    """A draft plan of care written from `evaluation` (a complete draft signed now unless given): twice a week for
    six weeks, twelve visits, from today, unless `fields` say otherwise (a referral, say)."""
    return services.create_plan(
        actor=actor,
        evaluation=evaluation or sign_evaluation(actor=actor, evaluation=complete_draft(actor, patient)),
        **{
            "start_date": timezone.localdate(),
            "visits_per_week": 2,
            "duration_weeks": 6,
            "planned_visits": 12,
            **fields,
        },
    )
