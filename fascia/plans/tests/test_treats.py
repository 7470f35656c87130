"""What each goal and planned technique treats: one or more of the plan's evaluation's diagnoses, said when it is
added, changed only on a draft, carried to a new version (claim lines point at them: REFERENCE.md §5a)."""

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.roles import Role
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services
from fascia.plans.models import Goal, PlannedTechnique, TreatmentPlan
from fascia.techniques.models import Technique

START = date(2026, 11, 3)
LOW_BACK, NECK = "M54.50", "M54.2"


def signed_plan(tess: User, patient: Patient, diagnoses: list[str]) -> TreatmentPlan:
    draft = complete_draft(tess, patient, diagnoses=diagnoses)
    evaluation = evaluation_services.sign_evaluation(actor=tess, evaluation=draft)
    return services.create_plan(
        actor=tess, evaluation=evaluation, start_date=START, visits_per_week=2, duration_weeks=6, planned_visits=12
    )


@pytest.fixture
def plan(tess: User, organization: Organization) -> TreatmentPlan:
    return signed_plan(tess, PatientFactory(organization=organization), [LOW_BACK, NECK])


def goal_fields(**overrides: object) -> dict:
    return {
        "term": "long",
        "measure": "function",
        "description": "Sit through a workday",
        "target": 8,
        "unit": "hours",
        "target_date": START + timedelta(weeks=6),
        **overrides,
    }


def treats(item: Goal | PlannedTechnique) -> list[str]:
    return [d.code for d in item.diagnoses.order_by("rank")]


class TestServices:
    def test_an_item_names_what_it_treats(self, tess: User, plan: TreatmentPlan) -> None:
        swedish = Technique.objects.get(code="swedish")
        planned = services.add_technique(
            actor=tess, plan=plan, technique=swedish, region="neck", diagnoses=[NECK.lower(), LOW_BACK]
        )
        goal = services.add_goal(actor=tess, plan=plan, diagnoses=[LOW_BACK], **goal_fields())
        assert treats(planned) == [LOW_BACK, NECK] and treats(goal) == [LOW_BACK]
        assert AuditEvent.objects.filter(action=AuditAction.PLAN_UPDATED, detail__diagnoses=[LOW_BACK]).exists()

    @pytest.mark.parametrize("diagnoses", [[], [" "]])
    def test_it_needs_one_at_least(self, tess: User, plan: TreatmentPlan, diagnoses: list[str]) -> None:
        with pytest.raises(ValidationError, match="Say which of the evaluation's diagnoses"):
            services.add_goal(actor=tess, plan=plan, diagnoses=diagnoses, **goal_fields())
        assert not plan.goals.exists()

    def test_another_evaluations_diagnosis_is_refused(
        self, tess: User, plan: TreatmentPlan, organization: Organization
    ) -> None:
        # Another patient's evaluation (another clinic's is no different: only the plan's own evaluation counts).
        other = signed_plan(tess, PatientFactory(organization=organization), [LOW_BACK, "G89.29"])
        assert other.evaluation.diagnoses.filter(code="G89.29").exists()
        with pytest.raises(ValidationError, match="G89.29: not a diagnosis of the evaluation"):
            services.add_technique(
                actor=tess,
                plan=plan,
                technique=Technique.objects.get(code="swedish"),
                region="neck",
                diagnoses=[NECK, "G89.29"],
            )
        assert not plan.techniques.exists()

    def test_a_draft_says_it_again_and_an_active_plan_only_through_a_new_version(
        self, tess: User, plan: TreatmentPlan
    ) -> None:
        goal = services.add_goal(actor=tess, plan=plan, diagnoses=[LOW_BACK], **goal_fields())
        planned = services.add_technique(
            actor=tess, plan=plan, technique=Technique.objects.get(code="swedish"), region="neck", diagnoses=[NECK]
        )
        services.change_treated(actor=tess, item=goal, diagnoses=[LOW_BACK, NECK])
        assert treats(goal) == [LOW_BACK, NECK]
        services.activate_plan(actor=tess, plan=plan)
        with pytest.raises(services.PlanLocked):
            services.change_treated(actor=tess, item=planned, diagnoses=[LOW_BACK])
        assert treats(planned) == [NECK]

        revision = services.revise_plan(actor=tess, plan=plan)
        assert [treats(g) for g in revision.goals.all()] == [[LOW_BACK, NECK]]
        assert [treats(t) for t in revision.techniques.all()] == [[NECK]]
        services.change_treated(actor=tess, item=revision.techniques.get(), diagnoses=[LOW_BACK, NECK])
        assert treats(PlannedTechnique.objects.get(plan=plan)) == [NECK]  # the active version unchanged


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestPages:
    def test_the_forms_offer_the_evaluations_diagnoses_with_the_primary_checked(
        self, client: Client, tess: User, plan: TreatmentPlan
    ) -> None:
        login(client, tess)
        page = client.get(reverse("plans:detail", args=[plan.public_id])).content.decode()
        for form in ("goal", "technique"):
            assert (
                f'name="{form}-diagnoses" value="M54.50" class="form-check-input" id="id_{form}-diagnoses_0" checked>'
            ) in page
            assert f'name="{form}-diagnoses" value="M54.2" class="form-check-input" id="id_{form}-diagnoses_1">' in page

    def test_adding_a_technique_without_a_diagnosis_is_refused(
        self, client: Client, tess: User, plan: TreatmentPlan
    ) -> None:
        login(client, tess)
        url = reverse("plans:add_technique", args=[plan.public_id])
        response = client.post(url, {"technique-technique": "swedish", "technique-region": "neck"})
        assert "Technique not added: Treats: Choose the diagnoses it addresses." in messages_of(response)
        response = client.post(
            url, {"technique-technique": "swedish", "technique-region": "neck", "technique-diagnoses": ["G89.29"]}
        )
        assert messages_of(response)[-1].startswith("Technique not added: Treats: Select a valid choice. G89.29")
        assert not plan.techniques.exists()
        client.post(url, {"technique-technique": "swedish", "technique-region": "neck", "technique-diagnoses": [NECK]})
        assert [treats(t) for t in plan.techniques.all()] == [[NECK]]

    def test_a_goal_posts_what_it_addresses_and_the_page_shows_it(
        self, client: Client, tess: User, plan: TreatmentPlan
    ) -> None:
        login(client, tess)
        fields = {f"goal-{k}": v for k, v in goal_fields().items()}
        client.post(reverse("plans:add_goal", args=[plan.public_id]), {**fields, "goal-diagnoses": [LOW_BACK, NECK]})
        goal = plan.goals.get()
        assert treats(goal) == [LOW_BACK, NECK]
        response = client.post(
            reverse("plans:change_treated", args=[plan.public_id, "goals", goal.pk]), {"diagnoses": [NECK]}
        )
        assert messages_of(response)[-1] == "Saved what it treats."
        assert treats(goal) == [NECK]
        page = client.get(reverse("plans:detail", args=[plan.public_id])).content.decode()
        assert f'<span class="text-nowrap" title="Cervicalgia">{NECK}</span>' in page
        assert client.post(reverse("plans:change_treated", args=[plan.public_id, "notes", goal.pk])).status_code == 404

    def test_another_clinics_plan_is_not_found(self, client: Client, plan: TreatmentPlan) -> None:
        elsewhere = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
        login(client, make_user(elsewhere, "tim", Role.PRACTITIONER))
        goal_url = reverse("plans:change_treated", args=[plan.public_id, "goals", 1])
        assert client.post(goal_url, {"diagnoses": [LOW_BACK]}).status_code == 404
