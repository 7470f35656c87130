from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from fascia.core.models import Organization, User
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients import services as patient_services
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services
from fascia.plans.models import Goal, TreatmentPlan
from fascia.techniques.models import Technique

START = date(2026, 11, 3)


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


@pytest.fixture
def evaluation(tess: User, patient: Patient):
    draft = complete_draft(tess, patient, rom=[{"motion": "thoracolumbar-flexion", "side": "", "degrees": 50}])
    evaluation_services.record_evaluation_measure(actor=tess, evaluation=draft, instrument="ODI", responses=[2] * 10)
    return evaluation_services.sign_evaluation(actor=tess, evaluation=draft)


@pytest.fixture
def plan(tess: User, evaluation) -> TreatmentPlan:
    return services.create_plan(
        actor=tess,
        evaluation=evaluation,
        start_date=START,
        visits_per_week=2,
        duration_weeks=6,
        planned_visits=12,
        re_evaluation_due=START + timedelta(weeks=6),
    )


def technique(code: str) -> Technique:
    return Technique.objects.get(code=code)


def odi_goal(**overrides: object) -> dict:
    return {
        "term": "long",
        "measure": "instrument",
        "instrument": "ODI",
        "description": "Halve the disability",
        "target": 20,
        "target_date": START + timedelta(weeks=6),
        **overrides,
    }


class TestDrafts:
    def test_plans_come_from_signed_evaluations(self, tess: User, patient: Patient) -> None:
        with pytest.raises(services.PlanError, match="Sign the evaluation"):
            services.create_plan(
                actor=tess,
                evaluation=complete_draft(tess, patient),
                start_date=START,
                visits_per_week=2,
                duration_weeks=6,
                planned_visits=12,
            )

    def test_goal_baselines_come_from_the_evaluation(self, tess: User, plan: TreatmentPlan) -> None:
        odi = services.add_goal(diagnoses=["M54.50"], actor=tess, plan=plan, **odi_goal())
        nprs = services.add_goal(
            diagnoses=["M54.50"], actor=tess, plan=plan, **odi_goal(instrument="NPRS", target=2, term="short")
        )
        rom = services.add_goal(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            term="short",
            measure="rom",
            rom_motion="thoracolumbar-flexion",
            description="Bend to tie shoes",
            target=70,
            target_date=START + timedelta(weeks=3),
        )
        assert (odi.baseline, nprs.baseline, rom.baseline) == (40.0, 6.0, 50.0)

    @pytest.mark.parametrize(
        "overrides, field, message",
        [
            ({"target": None}, "target", "measurable target"),
            ({"target_date": START - timedelta(days=1)}, "target_date", "before the plan starts"),
            ({"target": 60}, "target", "better than the baseline 40"),
            ({"target": 120}, "target", "0-100"),
            ({"instrument": ""}, "instrument", "Choose the outcome instrument"),
            ({"measure": "function", "instrument": "", "unit": ""}, "unit", "what the target counts"),
        ],
    )
    def test_a_goal_must_be_measurable(
        self, tess: User, plan: TreatmentPlan, overrides: dict, field: str, message: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            services.add_goal(diagnoses=["M54.50"], actor=tess, plan=plan, **odi_goal(**overrides))
        assert message in " ".join(caught.value.message_dict[field])
        assert not Goal.objects.exists()


class TestTechniques:
    def test_an_anticoagulated_patient_needs_a_reason_for_deep_tissue(
        self, tess: User, plan: TreatmentPlan, patient: Patient
    ) -> None:
        patient_services.add_history_entry(
            actor=tess, patient=patient, kind="medication", name="Apixaban", is_anticoagulant=True
        )
        with pytest.raises(services.TechniqueRefused, match="needs a written reason"):
            services.add_technique(
                diagnoses=["M54.50"], actor=tess, plan=plan, technique=technique("deep-tissue"), region="lower-back"
            )
        planned = services.add_technique(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            technique=technique("deep-tissue"),
            region="lower-back",
            override_reason="Moderate pressure only; checked INR",
        )
        assert planned.screening_level == "caution" and planned.findings[0]["rule"] == "anticoagulant"
        assert planned.override_reason == "Moderate pressure only; checked INR"
        swedish = services.add_technique(
            diagnoses=["M54.50"], actor=tess, plan=plan, technique=technique("swedish"), region="lower-back"
        )
        assert swedish.screening_level == "" and swedish.findings == []

    def test_swedish_at_firm_or_deep_pressure_is_deep_work(
        self, tess: User, plan: TreatmentPlan, patient: Patient
    ) -> None:
        patient_services.add_history_entry(
            actor=tess, patient=patient, kind="medication", name="Warfarin", is_anticoagulant=True
        )
        swedish = technique("swedish")
        for pressure in ("firm", "deep"):
            with pytest.raises(services.TechniqueRefused, match="needs a written reason"):
                services.add_technique(
                    diagnoses=["M54.50"], actor=tess, plan=plan, technique=swedish, region="neck", pressure=pressure
                )
        planned = services.add_technique(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            technique=swedish,
            region="neck",
            pressure="deep",
            override_reason="INR checked.",
        )
        assert (planned.pressure, planned.screening_level) == ("deep", "caution")
        light = services.add_technique(
            diagnoses=["M54.50"], actor=tess, plan=plan, technique=swedish, region="upper-back", pressure="light"
        )
        assert light.screening_level == ""
        with pytest.raises(ValidationError, match="Choose light, moderate, firm or deep"):
            services.add_technique(
                diagnoses=["M54.50"], actor=tess, plan=plan, technique=swedish, region="lower-back", pressure="crushing"
            )

    def test_an_absolute_finding_refuses_the_technique(self, tess: User, plan: TreatmentPlan, patient: Patient) -> None:
        patient_services.add_history_entry(
            actor=tess, patient=patient, kind="condition", description="Heart failure", icd10_code="I50.9"
        )
        with pytest.raises(services.TechniqueRefused, match=r"contraindicated \(absolute\): Heart failure"):
            services.add_technique(
                diagnoses=["M54.50"],
                actor=tess,
                plan=plan,
                technique=technique("manual-lymphatic-drainage"),
                region="leg-left",
                override_reason="Physician said fine",
            )
        assert not plan.techniques.exists()


class TestLifecycle:
    def test_activation_needs_goals_and_techniques(self, tess: User, plan: TreatmentPlan) -> None:
        with pytest.raises(services.PlanError, match="Missing: a measurable goal; a technique"):
            services.activate_plan(actor=tess, plan=plan)

    def test_an_active_plan_changes_by_a_new_version(self, tess: User, plan: TreatmentPlan) -> None:
        services.add_goal(diagnoses=["M54.50"], actor=tess, plan=plan, **odi_goal())
        services.add_technique(
            diagnoses=["M54.50"], actor=tess, plan=plan, technique=technique("swedish"), region="lower-back"
        )
        services.activate_plan(actor=tess, plan=plan)
        with pytest.raises(services.PlanLocked):
            services.add_goal(diagnoses=["M54.50"], actor=tess, plan=plan, **odi_goal(target=30))
        revision = services.revise_plan(actor=tess, plan=plan)
        assert (revision.version, revision.status, revision.goals.count(), revision.techniques.count()) == (
            2,
            "draft",
            1,
            1,
        )
        services.update_plan(actor=tess, plan=revision, visits_per_week=1)
        services.activate_plan(actor=tess, plan=revision)
        plan.refresh_from_db()
        assert plan.status == TreatmentPlan.Status.SUPERSEDED and plan.visits_per_week == 2
        assert revision.previous == plan

    def test_discontinuing_needs_a_reason(self, tess: User, plan: TreatmentPlan) -> None:
        services.add_goal(diagnoses=["M54.50"], actor=tess, plan=plan, **odi_goal())
        services.add_technique(
            diagnoses=["M54.50"], actor=tess, plan=plan, technique=technique("swedish"), region="lower-back"
        )
        services.activate_plan(actor=tess, plan=plan)
        with pytest.raises(services.PlanError, match="why"):
            services.end_plan(actor=tess, plan=plan, status="discontinued")
        ended = services.end_plan(actor=tess, plan=plan, status="discontinued", reason="Moved away")
        assert ended.status == "discontinued"
