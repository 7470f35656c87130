from uuid import UUID

from django.db.models import Count, QuerySet
from django.http import Http404

from fascia.core.models import User
from fascia.evaluations.models import Evaluation
from fascia.evaluations.queries import red_flag_rows
from fascia.patients.models import Patient
from fascia.plans.models import TreatmentPlan


def get_plan_for_user(user: User, public_id: UUID) -> TreatmentPlan:
    try:
        return TreatmentPlan.objects.select_related("patient", "evaluation", "practitioner__user", "previous").get(
            public_id=public_id, patient__organization_id=user.member_organization_id
        )
    except TreatmentPlan.DoesNotExist as e:
        raise Http404("No such plan.") from e


def plan_red_flags(plan: TreatmentPlan) -> list[QuerySet]:
    """The red-flag rows screening and activation read for a plan (techniques' facts_for `also`): those of its
    evaluation and of every signed evaluation of the patient as new or newer, so that a flag raised on any of
    them holds until a referral or clearance covers it."""
    return red_flag_rows(plan.patient, since=Evaluation.objects.filter(pk=plan.evaluation_id))


def chart_context(patient: Patient, user: User) -> dict:
    # The evaluation only for those who may write a plan.
    may_create = user.has_perm("plans.add_treatmentplan") and hasattr(user, "practitioner")
    signed = (
        Evaluation.objects.filter(patient=patient, status="signed")
        .only("patient", "public_id", "kind", "evaluated_on")
        .order_by("-evaluated_on", "-id")
        .first()
        if may_create
        else None
    )
    # Ordered explicitly: a grouped query leaves Meta.ordering out.
    plans = (
        TreatmentPlan.objects.filter(patient=patient)
        .only("patient", "public_id", "version", "start_date", "visits_per_week", "duration_weeks", "status")
        .annotate(goal_count=Count("goals"))
        .order_by(*(TreatmentPlan._meta.ordering or ()))
    )
    return {
        "plans": list(plans),
        "can_create": may_create and signed,
        "latest_signed_evaluation": signed,
    }
