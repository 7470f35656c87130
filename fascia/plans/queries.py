from uuid import UUID

from django.db.models import Count
from django.http import Http404

from fascia.core.models import User
from fascia.evaluations.models import Evaluation
from fascia.lib.prepared import PreparedQuery
from fascia.patients.models import Patient
from fascia.plans.models import TreatmentPlan


def get_plan_for_user(user: User, public_id: UUID) -> TreatmentPlan:
    try:
        return TreatmentPlan.objects.select_related("patient", "evaluation", "practitioner__user", "previous").get(
            public_id=public_id, patient__organization_id=user.organization_id
        )
    except TreatmentPlan.DoesNotExist as e:
        raise Http404("No such plan.") from e


# The chart's plans with their goal counts, and the latest signed evaluation a new plan would answer:
# compiled once per connection (see fascia.lib.prepared), as the chart reads them on every view. The
# plans are ordered explicitly: a grouped query leaves Meta.ordering out.
CHART_PLANS = PreparedQuery(
    lambda patient_id: (
        TreatmentPlan.objects.filter(patient_id=patient_id)
        .only("patient", "public_id", "version", "start_date", "visits_per_week", "duration_weeks", "status")
        .annotate(goal_count=Count("goals"))
        .order_by(*TreatmentPlan._meta.ordering)
    )
)
LATEST_SIGNED_EVALUATION = PreparedQuery(
    lambda patient_id: (
        Evaluation.objects.filter(patient_id=patient_id, status="signed")
        .only("patient", "public_id", "kind", "evaluated_on")
        .order_by("-evaluated_on", "-id")
    )
)


def chart_context(patient: Patient, user: User) -> dict:
    # The evaluation only for those who may write a plan.
    may_create = user.has_perm("plans.add_treatmentplan") and hasattr(user, "practitioner")
    signed = LATEST_SIGNED_EVALUATION.first(patient.pk) if may_create else None
    return {
        "plans": CHART_PLANS.all(patient.pk),
        "can_create": may_create and signed,
        "latest_signed_evaluation": signed,
    }
