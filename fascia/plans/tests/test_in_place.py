"""Goals and techniques are added to a draft plan in place (htmx): the answer is the updated section alone, with
what was done or refused; a refused technique comes back as it was typed so only the reason is missing."""

import pytest
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.patients import services as patient_services
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import Goal, PlannedTechnique, TreatmentPlan
from fascia.plans.tests.test_treats import LOW_BACK, goal_fields, signed_plan

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def plan(tess: User, organization: Organization) -> TreatmentPlan:
    patient = PatientFactory(organization=organization)
    patient_services.add_history_entry(
        actor=tess, patient=patient, kind="medication", name="Apixaban", is_anticoagulant=True
    )
    return signed_plan(tess, patient, [LOW_BACK])


def goal_post(**overrides: object) -> dict:
    return {f"goal-{k}": v for k, v in goal_fields(**overrides).items()} | {"goal-diagnoses": [LOW_BACK]}


def technique_post(**overrides: str) -> dict:
    fields = {"technique": "deep-tissue", "region": "lower-back", "pressure": "", "override_reason": "", **overrides}
    return {f"technique-{k}": v for k, v in fields.items()} | {"technique-diagnoses": [LOW_BACK]}


@pytest.mark.django_db
class TestAddInPlace:
    def test_a_goal_comes_back_in_the_goals_section_alone(self, client: Client, tess: User, plan) -> None:
        login(client, tess)
        r = client.post(reverse("plans:add_goal", args=[plan.public_id]), goal_post(), **HTMX)
        assert r.status_code == 200
        html = r.content.decode()
        assert html.lstrip().startswith('<section class="card mb-4" id="goals"')
        assert "<html" not in html and 'id="techniques"' not in html
        assert "Goal added." in html and "Sit through a workday" in html
        assert plan.goals.get().description == "Sit through a workday"
        # The same service as the page's form: one audit entry for the change.
        assert AuditEvent.objects.filter(action=AuditAction.PLAN_UPDATED, patient=plan.patient).count() == 1

    def test_a_refused_goal_says_why_and_keeps_what_was_typed(self, client: Client, tess: User, plan) -> None:
        login(client, tess)
        r = client.post(reverse("plans:add_goal", args=[plan.public_id]), goal_post(target_date=""), **HTMX)
        html = r.content.decode()
        assert r.status_code == 200 and "Goal not added" in html
        assert 'value="Sit through a workday"' in html  # the description is still there
        assert not Goal.objects.exists()

    def test_a_caution_keeps_the_technique_and_region_and_asks_only_for_the_reason(
        self, client: Client, tess: User, plan
    ) -> None:
        login(client, tess)
        url = reverse("plans:add_technique", args=[plan.public_id])
        r = client.post(url, technique_post(), **HTMX)
        html = r.content.decode()
        assert "needs a written reason" in html and "Anticoagulant therapy (Apixaban)" in html
        assert '<option value="deep-tissue" selected>' in html and '<option value="lower-back" selected>' in html
        assert not PlannedTechnique.objects.exists()
        r = client.post(url, technique_post(override_reason="INR stable; moderate pressure"), **HTMX)
        assert "Technique added." in r.content.decode()
        planned = PlannedTechnique.objects.get()
        assert (planned.screening_level, planned.override_reason) == ("caution", "INR stable; moderate pressure")

    def test_removing_answers_in_place_too(self, client: Client, tess: User, plan) -> None:
        login(client, tess)
        client.post(reverse("plans:add_goal", args=[plan.public_id]), goal_post(), **HTMX)
        goal = plan.goals.get()
        r = client.post(reverse("plans:remove_goal", args=[plan.public_id, goal.pk]), **HTMX)
        assert "Goal removed: Sit through a workday." in r.content.decode()
        assert not Goal.objects.exists()
        r = client.post(reverse("plans:remove_goal", args=[plan.public_id, goal.pk]), **HTMX)
        assert r.status_code == 200 and "no longer on the plan" in r.content.decode()

    def test_without_htmx_the_page_is_reloaded_at_the_section(self, client: Client, tess: User, plan) -> None:
        login(client, tess)
        r = client.post(reverse("plans:add_goal", args=[plan.public_id]), goal_post())
        assert r.status_code == 302 and r["Location"].endswith("#goals")

    def test_it_refuses_the_front_desk(self, client: Client, frank: User, plan) -> None:
        login(client, frank)
        r = client.post(reverse("plans:add_goal", args=[plan.public_id]), goal_post(), **HTMX)
        assert r.status_code == 403
        assert not Goal.objects.exists()

    def test_an_active_plan_is_refused_in_place(self, client: Client, tess: User, plan) -> None:
        TreatmentPlan.objects.filter(pk=plan.pk).update(status=TreatmentPlan.Status.ACTIVE)
        login(client, tess)
        r = client.post(reverse("plans:add_goal", args=[plan.public_id]), goal_post(), **HTMX)
        assert r.status_code == 200 and 'role="alert"' in r.content.decode()
        assert not Goal.objects.exists()
