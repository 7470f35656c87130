from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fascia.core.models import User
from fascia.evaluations.models import Evaluation
from fascia.evaluations.queries import red_flag_rows
from fascia.patients.models import Patient
from fascia.plans.adherence import Stretch, days_expected
from fascia.plans.charts import goal_charts, scores_by_instrument
from fascia.plans.models import HomeCareCheck, HomeCareItem, TreatmentPlan


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


@dataclass(frozen=True)
class ItemAdherence:
    item: HomeCareItem
    done: int  # days ticked in the stretch
    expected: int  # days it was due in the stretch

    @property
    def short(self) -> bool:
        return self.done < self.expected


def home_care_adherence(plan: TreatmentPlan, stretch: Stretch) -> list[ItemAdherence]:
    """Each item of the plan's home care program with the days the patient ticked it and the days it was due over
    `stretch` (one query)."""
    if stretch.days == 0:
        return [ItemAdherence(item, 0, 0) for item in plan.home_care_items.all()]
    items = plan.home_care_items.annotate(
        done=Count("checks", filter=Q(checks__day__gte=stretch.first, checks__day__lte=stretch.last))
    ).order_by("id")  # an aggregate ignores Meta.ordering
    return [ItemAdherence(item, item.done, days_expected(stretch.days, item.days_per_week)) for item in items]


def program_start(plan: TreatmentPlan) -> date:
    """The first day the plan's home care program counts: its start, or its activation when later (a new version
    starts its own ticks)."""
    activated = timezone.localdate(plan.activated_at) if plan.activated_at else plan.start_date
    return max(plan.start_date, activated)


def last_week(plan: TreatmentPlan, today: date) -> Stretch:
    """The seven days before today, from the program's start at the earliest."""
    return Stretch(max(program_start(plan), today - timedelta(days=7)), today - timedelta(days=1))


WEEK = 7  # the days the patient sees and may tick: today and the six before (services.HOME_CARE_DAYS_BACK)


@dataclass(frozen=True)
class TickDay:
    day: date
    done: bool
    open: bool  # may be ticked: in the program, and today or the six days before


@dataclass(frozen=True)
class ItemWeek:
    item: HomeCareItem
    days: list[TickDay]  # the last seven days, oldest first, today last

    @property
    def today(self) -> TickDay:
        return self.days[-1]


def home_care_week(patient: Patient, today: date) -> tuple[TreatmentPlan | None, list[ItemWeek]]:
    """The patient's active plan and each item of its home care program with the last seven days' ticks (three
    queries)."""
    plan = (
        TreatmentPlan.objects.filter(patient=patient, status=TreatmentPlan.Status.ACTIVE)
        .order_by("-activated_at", "-id")
        .first()
    )
    if plan is None:
        return None, []
    items = list(plan.home_care_items.all())
    days = [today - timedelta(days=n) for n in range(WEEK - 1, -1, -1)]
    done = set(
        HomeCareCheck.objects.filter(item__plan=plan, day__gte=days[0], day__lte=today).values_list("item_id", "day")
    )
    start = program_start(plan)
    return plan, [
        ItemWeek(item, [TickDay(day, (item.pk, day) in done, day >= start) for day in days]) for item in items
    ]


def get_home_care_item_for_patient(patient: Patient, public_id: UUID) -> HomeCareItem:
    """An item of one of the patient's own plans (404 otherwise: another patient's, another clinic's)."""
    try:
        return HomeCareItem.objects.select_related("plan").get(public_id=public_id, plan__patient=patient)
    except HomeCareItem.DoesNotExist as e:
        raise Http404("No such home care item.") from e


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
    plans = list(
        TreatmentPlan.objects.filter(patient=patient)
        .only(
            "patient",
            "public_id",
            "version",
            "start_date",
            "visits_per_week",
            "duration_weeks",
            "status",
            "activated_at",
        )
        .annotate(goal_count=Count("goals"))
        .order_by(*(TreatmentPlan._meta.ordering or ()))
    )
    active = next((p for p in plans if p.status == TreatmentPlan.Status.ACTIVE), None)
    week = last_week(active, timezone.localdate()) if active is not None else None
    return {
        "plans": plans,
        "can_create": may_create and signed,
        "latest_signed_evaluation": signed,
        # The active plan's home care over the last week: one query, none without an active plan.
        "home_care": home_care_adherence(active, week) if active is not None and week is not None else [],
        "home_care_week": week,
    }


def outcome_chart_context(patient: Patient, user: User) -> dict:
    """The patient chart's outcome scores: a chart per instrument the patient was scored on (every score), against
    the goals of their active plan on it, and one for each goal's instrument not scored yet. Three queries."""
    plan = (
        TreatmentPlan.objects.filter(patient=patient, status=TreatmentPlan.Status.ACTIVE)
        .only("patient", "public_id", "version")
        .order_by("-version")
        .first()
    )
    goals = list(plan.goals.all()) if plan is not None else []
    scores = scores_by_instrument(patient.pk)
    return {"plan": plan, "charts": goal_charts(goals, scores, also=sorted(scores))}
