from uuid import UUID

from django.http import Http404

from fascia.core.models import User
from fascia.patients.models import Patient
from fascia.plans.models import TreatmentPlan


def get_plan_for_user(user: User, public_id: UUID) -> TreatmentPlan:
    try:
        return TreatmentPlan.objects.select_related("patient", "evaluation", "practitioner__user", "previous").get(
            public_id=public_id, patient__organization_id=user.organization_id
        )
    except TreatmentPlan.DoesNotExist as e:
        raise Http404("No such plan.") from e


def chart_context(patient: Patient, user: User) -> dict:
    plans = list(patient.plans.select_related("practitioner__user").prefetch_related("goals"))
    signed = patient.evaluations.filter(status="signed").order_by("-evaluated_on", "-id").first()
    return {
        "plans": plans,
        "can_create": user.has_perm("plans.add_treatmentplan") and hasattr(user, "practitioner") and signed,
        "latest_signed_evaluation": signed,
    }
