import json
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.patients import services
from fascia.patients.tests.factories import PatientFactory
from fascia.techniques.models import Technique
from fascia.techniques.queries import facts_for


def screen(client: Client, patient_id: object, **body: object):
    return client.post(f"/api/v1/patients/{patient_id}/screen", json.dumps(body), content_type="application/json")


def test_a_new_organization_starts_with_the_catalog(organization: Organization) -> None:
    assert {"deep-tissue", "manual-lymphatic-drainage", "myofascial-release"} <= set(
        organization.techniques.values_list("code", flat=True)
    )
    assert organization.techniques.get(code="swedish").cpt_code == "97124"


def test_facts_come_from_the_active_history(tess: User) -> None:
    patient = PatientFactory(
        organization=tess.organization, is_pregnant=True, pregnancy_due_date=timezone.localdate() + timedelta(weeks=10)
    )
    services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Warfarin", is_anticoagulant=True)
    stopped = services.add_history_entry(
        actor=tess, patient=patient, kind="medication", name="Prednisone", is_corticosteroid=True
    )
    services.change_history_status(actor=tess, entry=stopped, status="inactive")
    services.add_history_entry(actor=tess, patient=patient, kind="condition", description="DVT", icd10_code="I82.401")
    today = timezone.localdate()
    services.add_history_entry(
        actor=tess, patient=patient, kind="condition", description="Low back pain", onset_date=today - timedelta(days=9)
    )
    for procedure, region, days_ago in (
        ("Discectomy", "lower-back", 400),
        ("Rotator cuff repair", "shoulder-left", 30),
    ):
        services.add_history_entry(
            actor=tess,
            patient=patient,
            kind="surgery",
            procedure=procedure,
            body_region=region,
            performed_on=today - timedelta(days=days_ago),
        )
    services.add_history_entry(actor=tess, patient=patient, kind="implant", description="Hip", body_region="pelvis")
    other = PatientFactory(organization=tess.organization)
    services.add_history_entry(actor=tess, patient=other, kind="implant", description="Knee", body_region="leg-left")
    services.add_history_entry(actor=tess, patient=other, kind="medication", name="Ibuprofen", is_analgesic=True)
    facts = facts_for(patient)
    assert facts.medication_flags == {"anticoagulant"}
    # Conditions and surgeries latest first, as the history lists them (an undated condition where the
    # database puts no date: first on PostgreSQL, last on SQLite).
    assert {c.icd10_code for c in facts.conditions} == {"I82.401", ""}
    assert [(s.procedure, s.region) for s in facts.surgeries] == [
        ("Rotator cuff repair", "shoulder-left"),
        ("Discectomy", "lower-back"),
    ]
    assert facts.surgeries[0].performed_on == today - timedelta(days=30)
    assert facts.implant_regions == {"pelvis"}
    assert facts.pregnancy_weeks == 30


def test_screening_a_patient_on_anticoagulants(client: Client, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization)
    services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Apixaban", is_anticoagulant=True)
    login(client, tess)
    r = screen(client, patient.public_id, technique="deep-tissue", region="lower-back")
    assert r.status_code == 200
    assert r.json()["level"] == "caution"
    assert "Anticoagulant therapy" in r.json()["findings"][0]["reason"]
    assert screen(client, patient.public_id, technique="swedish", region="lower-back").json()["level"] is None
    assert (
        screen(client, patient.public_id, technique="swedish", region="neck", symptoms=["fever"]).json()["level"]
        == "absolute"
    )
    assert AuditEvent.objects.filter(action=AuditAction.PATIENT_SCREENED, patient=patient).count() == 3


def test_bad_screening_input_is_422(client: Client, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization)
    login(client, tess)
    assert screen(client, patient.public_id, technique="reiki", region="neck").status_code == 422
    assert screen(client, patient.public_id, technique="swedish", region="elbow").status_code == 422
    assert (
        screen(client, patient.public_id, technique="swedish", region="neck", symptoms=["sneezing"]).status_code == 422
    )


def test_the_review_page_lists_techniques_and_rules(client: Client, tess: User) -> None:
    login(client, tess)
    body = client.get(reverse("techniques:catalog")).content.decode()
    assert "Manual lymphatic drainage" in body and "Heart failure" in body and "Földi" in body


def test_admins_add_a_technique_to_the_catalog(client: Client, ada: User) -> None:
    login(client, ada)
    data = {
        "code": "cupping",
        "name": "Cupping",
        "description": "Suction cups lift the tissue.",
        "cpt_code": "97140",
        "timed": "on",
        "tags": ["vigorous"],
        "is_active": "on",
    }
    assert client.post(reverse("techniques:create"), data).status_code == 302
    assert Technique.objects.get(code="cupping").tags == ["vigorous"]
    r = client.post(reverse("techniques:create"), {**data, "code": "cupping2", "cpt_code": "9714"})
    assert "five digits" in str(r.context["form"].errors) and not Technique.objects.filter(code="cupping2").exists()


def test_an_open_wound_refuses_its_region_only(client: Client, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization)
    login(client, tess)
    wound = [{"finding": "open-wound", "region": "lower-back"}]
    r = screen(client, patient.public_id, technique="deep-tissue", region="lower-back", findings=wound)
    assert r.status_code == 200
    assert r.json()["level"] == "local"
    assert r.json()["findings"][0]["rule"] == "local-finding"
    assert "open wound on the lower back" in r.json()["findings"][0]["reason"]
    assert screen(client, patient.public_id, technique="deep-tissue", region="neck", findings=wound).json() == {
        "technique": "deep-tissue",
        "region": "neck",
        "level": None,
        "findings": [],
    }
    event = AuditEvent.objects.filter(action=AuditAction.PATIENT_SCREENED, patient=patient).first()
    assert event is not None and event.detail["findings"] == wound


def test_deep_pressure_on_an_anticoagulated_patient_cautions_swedish(client: Client, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization)
    services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Eliquis 5 mg BID")
    login(client, tess)
    for pressure in (None, "light", "moderate"):
        assert (
            screen(client, patient.public_id, technique="swedish", region="neck", pressure=pressure).json()["level"]
            is None
        ), pressure
    for pressure in ("firm", "deep"):
        r = screen(client, patient.public_id, technique="swedish", region="neck", pressure=pressure)
        assert r.json()["level"] == "caution", pressure
        assert "Anticoagulant therapy (Eliquis 5 mg BID)" in r.json()["findings"][0]["reason"]


def test_an_unknown_finding_region_or_pressure_is_422_naming_it(client: Client, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization)
    login(client, tess)
    cases = [
        ({"findings": [{"finding": "blister", "region": "neck"}]}, "findings.0.finding", "'blister'"),
        ({"findings": [{"finding": "rash", "region": "elbow"}]}, "findings.0.region", "'elbow'"),
        ({"findings": [{"finding": "rash"}]}, "findings.0.region", "Field required"),
        ({"pressure": "crushing"}, "pressure", "'crushing'"),
    ]
    for body, field, named in cases:
        r = screen(client, patient.public_id, technique="swedish", region="neck", **body)
        assert r.status_code == 422, body
        assert [e["field"] for e in r.json()["errors"]] == [field], r.json()
        assert named in r.json()["errors"][0]["message"], r.json()
    assert not AuditEvent.objects.filter(action=AuditAction.PATIENT_SCREENED, patient=patient).exists()


def test_an_evaluations_red_flag_refuses_until_cleared(client: Client, tess: User) -> None:
    """The screening API reads the red flags of the patient's signed evaluations, as plans and notes do."""
    from fascia.evaluations import services as evaluation_services
    from fascia.evaluations.tests.factories import complete_draft

    patient = PatientFactory(organization=tess.organization)
    draft = complete_draft(tess, patient, red_flags=["calf_swelling"])
    evaluation = evaluation_services.sign_evaluation(actor=tess, evaluation=draft)
    login(client, tess)
    r = screen(client, patient.public_id, technique="swedish", region="leg-right").json()
    assert r["level"] == "absolute" and "possible-dvt-local" in [f["rule"] for f in r["findings"]]
    assert screen(client, patient.public_id, technique="swedish", region="neck").json()["level"] is None
    before = screen(client, patient.public_id, technique="deep-tissue", region="neck").json()

    evaluation_services.record_clearance(
        actor=tess,
        evaluation=evaluation,
        flag="calf_swelling",
        kind="cleared",
        provider="Dr Ruth Okafor, GP",
        decided_on=timezone.localdate(),
    )
    after = screen(client, patient.public_id, technique="deep-tissue", region="neck").json()
    assert (before["level"], after["level"]) == ("absolute", "caution"), (before, after)
