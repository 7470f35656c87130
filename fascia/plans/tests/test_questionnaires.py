"""A plan's questionnaires between visits: the default from its goals, edits on the plan page (in place), and
what a new version keeps."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services
from fascia.plans.models import Questionnaire, TreatmentPlan
from fascia.plans.tests.test_services import odi_goal, technique
from fascia.plans.tests.test_treats import LOW_BACK, signed_plan

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def plan(tess: User, organization: Organization) -> TreatmentPlan:
    return signed_plan(tess, PatientFactory(organization=organization), [LOW_BACK])


def timings(plan: TreatmentPlan) -> list[tuple[str, str, int | None]]:
    return list(plan.questionnaires.order_by("instrument", "rule").values_list("instrument", "rule", "every"))


def active(tess: User, plan: TreatmentPlan) -> TreatmentPlan:
    services.add_technique(
        diagnoses=[LOW_BACK], actor=tess, plan=plan, technique=technique("swedish"), region="lower-back"
    )
    return services.activate_plan(actor=tess, plan=plan)


@pytest.mark.django_db
class TestSchedule:
    def test_a_goals_instrument_is_asked_every_4th_visit_and_at_discharge(self, tess: User, plan) -> None:
        services.add_goal(diagnoses=[LOW_BACK], actor=tess, plan=plan, **odi_goal())
        services.add_goal(diagnoses=[LOW_BACK], actor=tess, plan=plan, **odi_goal(term="short", target=30))
        services.add_goal(
            diagnoses=[LOW_BACK],
            actor=tess,
            plan=plan,
            **odi_goal(measure="function", instrument="", unit="hours", target=8),
        )
        assert timings(plan) == [("ODI", "discharge", None), ("ODI", "visits", 4)]

    def test_an_active_plans_questionnaires_change_without_a_new_version(self, tess: User, plan) -> None:
        services.add_goal(diagnoses=[LOW_BACK], actor=tess, plan=plan, **odi_goal())
        plan = active(tess, plan)
        weekly = services.add_questionnaire(actor=tess, plan=plan, instrument="NPRS", rule="days", every=7)
        assert str(weekly) == "NPRS every 7 days"
        services.remove_questionnaire(actor=tess, questionnaire=plan.questionnaires.get(rule="visits"))
        assert timings(plan) == [("NPRS", "days", 7), ("ODI", "discharge", None)]
        revision = services.revise_plan(actor=tess, plan=plan)
        assert timings(revision) == timings(plan)

    def test_an_ended_plan_refuses(self, tess: User, plan) -> None:
        services.add_goal(diagnoses=[LOW_BACK], actor=tess, plan=plan, **odi_goal())
        plan = services.end_plan(actor=tess, plan=active(tess, plan), status="completed")
        with pytest.raises(services.PlanError, match="ended"):
            services.add_questionnaire(actor=tess, plan=plan, instrument="NPRS", rule="discharge")

    @pytest.mark.parametrize(
        "fields, problem",
        [
            ({"instrument": "NPRS", "rule": "visits"}, "how many"),
            ({"instrument": "NPRS", "rule": "days", "every": 0}, "greater than or equal to 1"),
            ({"instrument": "XYZ", "rule": "discharge"}, "not a valid choice"),
            ({"instrument": "NPRS", "rule": "weekly", "every": 7}, "not a valid choice"),
            ({"instrument": "ODI", "rule": "discharge"}, "already has this timing"),
        ],
    )
    def test_bad_timings_are_refused(self, tess: User, plan, fields: dict, problem: str) -> None:
        services.add_goal(diagnoses=[LOW_BACK], actor=tess, plan=plan, **odi_goal())
        with pytest.raises(ValidationError, match=problem):
            services.add_questionnaire(actor=tess, plan=plan, **fields)
        assert plan.questionnaires.count() == 2

    def test_a_timing_without_a_count_keeps_none(self, tess: User, plan) -> None:
        services.add_questionnaire(actor=tess, plan=plan, instrument="NDI", rule="progress", every=3)
        assert timings(plan) == [("NDI", "progress", None)]


@pytest.mark.django_db
class TestOnThePlanPage:
    def test_adding_answers_with_the_section_alone(self, client: Client, tess: User, plan) -> None:
        login(client, tess)
        url = reverse("plans:add_questionnaire", args=[plan.public_id])
        r = client.post(
            url, {"questionnaire-instrument": "NPRS", "questionnaire-rule": "days", "questionnaire-every": "14"}, **HTMX
        )
        html = r.content.decode()
        assert html.lstrip().startswith('<section class="card mb-4" id="questionnaires"')
        assert "Questionnaire added." in html and "every 14 days" in html
        assert AuditEvent.objects.filter(action=AuditAction.PLAN_UPDATED, patient=plan.patient).count() == 1

    def test_a_refused_one_says_why(self, client: Client, tess: User, plan) -> None:
        login(client, tess)
        url = reverse("plans:add_questionnaire", args=[plan.public_id])
        r = client.post(url, {"questionnaire-instrument": "NPRS", "questionnaire-rule": "visits"}, **HTMX)
        assert "Say how many visits or days apart." in r.content.decode()
        assert not Questionnaire.objects.exists()

    def test_removing_one_of_another_plan_changes_nothing(self, client: Client, tess: User, plan) -> None:
        services.add_goal(diagnoses=[LOW_BACK], actor=tess, plan=plan, **odi_goal())
        other = services.create_plan(
            actor=tess,
            evaluation=plan.evaluation,
            start_date=plan.start_date,
            visits_per_week=1,
            duration_weeks=4,
            planned_visits=4,
        )
        login(client, tess)
        mine = plan.questionnaires.first()
        r = client.post(reverse("plans:remove_questionnaire", args=[other.public_id, mine.pk]), **HTMX)
        assert "no longer on the plan" in r.content.decode()
        assert plan.questionnaires.count() == 2

    def test_it_refuses_the_front_desk(self, client: Client, frank: User, plan) -> None:
        login(client, frank)
        r = client.post(
            reverse("plans:add_questionnaire", args=[plan.public_id]),
            {"questionnaire-instrument": "NPRS", "questionnaire-rule": "discharge"},
        )
        assert r.status_code == 403 and not Questionnaire.objects.exists()
