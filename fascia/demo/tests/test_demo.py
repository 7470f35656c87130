from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from fascia.core.models import Location, Organization, User
from fascia.demo.loader import DEMO_LOGINS, DEMO_PASSWORD
from fascia.patients import icd10
from fascia.patients.models import Condition, Medication, Patient, Surgery
from fascia.practitioners.models import Practitioner


@pytest.fixture
def demo(db) -> None:
    call_command("demo", quiet_logins=True)


def test_it_loads_a_whole_clinic(demo: None) -> None:
    assert Organization.objects.get().is_demo
    assert set(Location.objects.values_list("kind", flat=True)) == {"clinic", "rehabilitation-center"}
    assert Practitioner.objects.count() == 4
    assert 55 <= Patient.objects.count() <= 65


def test_the_histories_cover_what_screening_needs(demo: None) -> None:
    today = timezone.localdate()
    assert Medication.objects.filter(is_anticoagulant=True).values("patient").distinct().count() >= 3
    assert Surgery.objects.filter(performed_on__gte=today - timedelta(weeks=6)).exists()
    assert Patient.objects.filter(is_pregnant=True).exists()
    assert Condition.objects.filter(icd10_code="Z86.718").exists()  # history of DVT
    conditions = {"M54.50", "M54.2", "M54.31", "S13.4XXA", "M79.7", "M17.11", "R53.82", "Z47.1"}
    assert conditions <= set(Condition.objects.values_list("icd10_code", flat=True))


def test_every_demo_code_is_a_billable_icd10_cm_code(demo: None) -> None:
    for code in Condition.objects.values_list("icd10_code", flat=True):
        assert icd10.is_billable(code), code


def test_running_it_again_changes_nothing(demo: None) -> None:
    counts = (Patient.objects.count(), User.objects.count(), Condition.objects.count())
    call_command("demo", quiet_logins=True)
    assert (Patient.objects.count(), User.objects.count(), Condition.objects.count()) == counts


def test_it_refuses_a_database_with_real_data(organization: Organization) -> None:
    with pytest.raises(CommandError, match="not the demo clinic's"):
        call_command("demo", quiet_logins=True)
    assert not Patient.objects.exists()


@pytest.mark.parametrize("username, role", DEMO_LOGINS)
def test_every_demo_login_works(demo: None, username: str, role: str) -> None:
    client = Client()
    r = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302
    assert client.get("/patients/").status_code == 200


def test_every_patient_has_a_signed_evaluation_with_suited_measures(demo: None) -> None:
    from fascia.evaluations.models import Evaluation

    evaluations = Evaluation.objects.prefetch_related("measures", "diagnoses").select_related("patient")
    assert evaluations.count() == Patient.objects.count()
    suited = {"M54.50": "ODI", "M54.2": "NDI", "M25.561": "LEFS", "M25.512": "QUICKDASH", "M79.7": "PSFS"}
    for evaluation in evaluations:
        assert evaluation.is_signed and evaluation.kind == Evaluation.Kind.INITIAL
        instruments = {m.instrument for m in evaluation.measures.all()}
        assert "NPRS" in instruments and len(instruments) == 2
        primary = evaluation.diagnoses.all()[0].code
        if primary in suited:
            assert suited[primary] in instruments, (primary, instruments)


def test_every_patient_has_an_active_plan_and_facts_trigger_each_level(demo: None) -> None:
    from fascia.plans.models import PlannedTechnique, TreatmentPlan
    from fascia.techniques.models import Technique
    from fascia.techniques.queries import screen_patient
    from fascia.techniques.screening import worst_level

    assert TreatmentPlan.objects.filter(status="active").count() == Patient.objects.count()
    assert PlannedTechnique.objects.filter(screening_level="caution").exclude(override_reason="").exists()
    swedish, deep = Technique.objects.get(code="swedish"), Technique.objects.get(code="deep-tissue")
    dvt = Patient.objects.filter(conditions__icd10_code="I82.441").first()
    knee = Patient.objects.filter(surgeries__procedure="Total knee arthroplasty").first()
    anticoagulated = Patient.objects.filter(medications__name="Apixaban").first()
    assert worst_level(screen_patient(dvt, swedish, "lower-leg-right")) == "absolute"
    assert worst_level(screen_patient(knee, swedish, "leg-right")) == "local"
    assert worst_level(screen_patient(anticoagulated, deep, "lower-back")) == "caution"


def test_this_week_has_a_schedule_without_overlaps(demo: None) -> None:
    from fascia.scheduling.models import Appointment

    appointments = list(Appointment.objects.order_by("practitioner_id", "start_at"))
    assert len(appointments) > 40
    for earlier, later in zip(appointments, appointments[1:], strict=False):
        if earlier.practitioner_id == later.practitioner_id:
            assert earlier.end_at <= later.start_at
