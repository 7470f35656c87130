"""Medications by name: flags derived from what staff type, shown, corrected in place, and screened."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients import services
from fascia.patients.models import HistoryStatus, Medication, Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services as plan_services
from fascia.techniques.models import Technique
from fascia.techniques.queries import facts_for, screen_patient

START = date(2026, 11, 3)


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def add(actor: User, patient: Patient, name: str, **fields: object) -> Medication:
    return services.add_history_entry(actor=actor, patient=patient, kind="medication", name=name, **fields)


def deep_tissue(patient: Patient, region: str = "leg-right") -> list:
    return screen_patient(patient, Technique.objects.get(code="deep-tissue"), region)


def rules(findings: list) -> list[str]:
    return [f.rule for f in findings]


class TestDerivedFlags:
    @pytest.mark.parametrize("name", ["Apixaban", "Eliquis 5 mg BID", "XARELTO 20mg", "warfarin sodium"])
    def test_a_typed_anticoagulant_is_flagged_with_no_box_ticked(self, tess: User, patient: Patient, name: str) -> None:
        entry = add(tess, patient, name)
        assert entry.screening_flags == {"anticoagulant"} and entry.flags == ["anticoagulant"]
        assert entry.corrections == dict.fromkeys(entry.corrections)  # nothing corrected
        (finding,) = deep_tissue(patient)
        assert finding.rule == "anticoagulant" and finding.level == "caution"
        assert name in finding.reason and finding.source

    def test_the_dose_text_is_read_too(self, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Blood thinner", dose="apixaban 5 mg twice daily")
        assert entry.screening_flags == {"anticoagulant"}
        assert rules(deep_tissue(patient)) == ["anticoagulant"]

    def test_light_work_stays_clear(self, tess: User, patient: Patient) -> None:
        add(tess, patient, "Eliquis 5 mg BID")
        assert screen_patient(patient, Technique.objects.get(code="swedish"), "leg-right") == []

    def test_a_plan_on_the_legs_gets_the_caution_with_its_source(self, tess: User, patient: Patient) -> None:
        add(tess, patient, "Xarelto 20 mg")
        draft = complete_draft(tess, patient, rom=[{"motion": "thoracolumbar-flexion", "side": "", "degrees": 50}])
        evaluation_services.record_evaluation_measure(
            actor=tess, evaluation=draft, instrument="ODI", responses=[2] * 10
        )
        evaluation = evaluation_services.sign_evaluation(actor=tess, evaluation=draft)
        plan = plan_services.create_plan(
            actor=tess,
            evaluation=evaluation,
            start_date=START,
            visits_per_week=2,
            duration_weeks=6,
            planned_visits=12,
            re_evaluation_due=START + timedelta(weeks=6),
        )
        deep = Technique.objects.get(code="deep-tissue")
        with pytest.raises(plan_services.TechniqueRefused, match="needs a written reason"):
            plan_services.add_technique(diagnoses=["M54.50"], actor=tess, plan=plan, technique=deep, region="leg-left")
        planned = plan_services.add_technique(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            technique=deep,
            region="leg-left",
            override_reason="Light pressure only",
        )
        assert planned.screening_level == "caution"
        assert [(f["rule"], f["source"]) for f in planned.findings] == [("anticoagulant", "W&B; REFERENCE.md §8")]
        assert "Xarelto 20 mg" in planned.findings[0]["reason"]


class TestUnclassified:
    def test_an_unknown_name_is_kept_and_asks(self, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Zorblax 10 mg")
        assert entry.name == "Zorblax 10 mg" and entry.unclassified and entry.screening_flags is None
        assert rules(deep_tissue(patient)) == ["medication-unclassified"]

    def test_unknown_stays_asking_until_answered(self, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Zorblax", bleeding_answer="unknown")
        assert entry.unclassified and rules(deep_tissue(patient)) == ["medication-unclassified"]
        services.update_medication(actor=tess, entry=entry, bleeding_answer="no")
        assert not entry.unclassified and deep_tissue(patient) == []

    def test_yes_is_screened_as_a_blood_thinner(self, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Zorblax")
        services.update_medication(actor=tess, entry=entry, bleeding_answer="yes")
        assert rules(deep_tissue(patient)) == ["anticoagulant"]

    def test_another_flag_set_does_not_answer_the_question(self, tess: User, patient: Patient) -> None:
        add(tess, patient, "Zorblax", is_analgesic=True)
        facts = facts_for(patient)
        assert [(m.name, m.flags) for m in facts.medications] == [("Zorblax", None)]
        assert facts.medication_flags == {"analgesic"}
        assert rules(deep_tissue(patient)) == ["medication-unclassified"]


class TestCorrecting:
    def test_a_correction_changes_screening_and_keeps_the_entry(self, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Plavix 75 mg")
        assert rules(deep_tissue(patient)) == ["antiplatelet"]
        services.update_medication(actor=tess, entry=entry, is_antiplatelet=False)
        assert deep_tissue(patient) == []
        services.update_medication(actor=tess, entry=entry, is_anticoagulant=True)
        assert rules(deep_tissue(patient)) == ["anticoagulant"]
        assert Medication.objects.filter(patient=patient).count() == 1
        entry.refresh_from_db()
        assert entry.status == HistoryStatus.ACTIVE
        assert (entry.is_antiplatelet, entry.is_anticoagulant, entry.is_corticosteroid) == (False, True, None)
        events = AuditEvent.objects.filter(action=AuditAction.HISTORY_UPDATED, patient=patient)
        assert [e.detail["fields"] for e in events.order_by("id")] == [["is_antiplatelet"], ["is_anticoagulant"]]

    def test_nothing_changed_writes_no_audit(self, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Eliquis")
        services.update_medication(actor=tess, entry=entry, name="Eliquis")
        assert not AuditEvent.objects.filter(action=AuditAction.HISTORY_UPDATED).exists()

    def test_bad_input_saves_nothing(self, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Eliquis")
        with pytest.raises(ValidationError) as caught:
            services.update_medication(actor=tess, entry=entry, name="", is_anticoagulant=False)
        assert "name" in caught.value.message_dict
        entry.refresh_from_db()
        assert (entry.name, entry.is_anticoagulant) == ("Eliquis", None)
        with pytest.raises(ValidationError) as caught:
            services.update_medication(actor=tess, entry=entry, bleeding_answer="maybe")
        assert "bleeding_answer" in caught.value.message_dict
        with pytest.raises(ValidationError):
            services.update_medication(actor=tess, entry=entry, status="inactive")
        assert not AuditEvent.objects.filter(action=AuditAction.HISTORY_UPDATED).exists()


class TestPages:
    def test_the_chart_shows_derived_flags_and_asks_for_an_unknown_name(
        self, client: Client, tess: User, patient: Patient
    ) -> None:
        add(tess, patient, "Eliquis 5 mg BID")
        zorblax = add(tess, patient, "Zorblax")
        login(client, tess)
        body = client.get(reverse("patients:chart", args=[patient.public_id])).content.decode()
        assert "Anticoagulant: Eliquis 5 mg BID" in body
        assert 'anticoagulant <span class="small text-muted">(from the name)</span>' in body
        assert "Anticoagulant or antiplatelet?" in body
        answer = reverse("patients:medication_answer", args=[patient.public_id, zorblax.public_id])
        assert answer in body
        r = client.post(answer, {"bleeding_answer": "unknown"})
        assert r.status_code == 302
        body = client.get(reverse("patients:chart", args=[patient.public_id])).content.decode()
        assert answer in body  # unknown is no answer: still asked
        client.post(answer, {"bleeding_answer": "no"})
        body = client.get(reverse("patients:chart", args=[patient.public_id])).content.decode()
        assert answer not in body
        zorblax.refresh_from_db()
        assert zorblax.bleeding_answer == "no"

    def test_a_bad_answer_saves_nothing(self, client: Client, tess: User, patient: Patient) -> None:
        zorblax = add(tess, patient, "Zorblax")
        login(client, tess)
        client.post(
            reverse("patients:medication_answer", args=[patient.public_id, zorblax.public_id]),
            {"bleeding_answer": "perhaps"},
        )
        zorblax.refresh_from_db()
        assert zorblax.bleeding_answer == ""
        assert not AuditEvent.objects.filter(action=AuditAction.HISTORY_UPDATED).exists()

    def test_adding_with_no_box_ticked_derives_the_flag(self, client: Client, tess: User, patient: Patient) -> None:
        login(client, tess)
        form = {"medication-name": "Xarelto", "medication-dose": "20 mg", "medication-status": "active"}
        form |= {f"medication-{field}": "unknown" for field in ("is_anticoagulant", "is_antiplatelet")}
        r = client.post(reverse("patients:history_add", args=[patient.public_id, "medication"]), form)
        assert r.status_code == 302
        entry = Medication.objects.get(patient=patient)
        assert entry.is_anticoagulant is None and entry.screening_flags == {"anticoagulant"}

    def test_editing_flags_keeps_the_entry(self, client: Client, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Prednisone cream", dose="apply twice daily")
        login(client, tess)
        url = reverse("patients:medication_edit", args=[patient.public_id, entry.public_id])
        page = client.get(url).content.decode()
        assert "From the name: no" in page and "Save medication" in page
        r = client.post(
            url,
            {
                "name": "Prednisone cream",
                "dose": "apply twice daily",
                "is_corticosteroid": "true",
                "is_anticoagulant": "unknown",
                "notes": "Long course",
            },
        )
        assert r.status_code == 302
        entry.refresh_from_db()
        assert entry.is_corticosteroid is True and entry.status == HistoryStatus.ACTIVE and entry.notes == "Long course"
        assert Medication.objects.filter(patient=patient).count() == 1

    def test_an_edit_with_bad_input_shows_the_error(self, client: Client, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Eliquis")
        login(client, tess)
        url = reverse("patients:medication_edit", args=[patient.public_id, entry.public_id])
        r = client.post(url, {"name": "", "is_anticoagulant": "false"})
        assert r.status_code == 200 and 'aria-invalid="true"' in r.content.decode()
        entry.refresh_from_db()
        assert (entry.name, entry.is_anticoagulant) == ("Eliquis", None)

    def test_front_desk_cannot_correct(self, client: Client, tess: User, frank: User, patient: Patient) -> None:
        entry = add(tess, patient, "Eliquis")
        login(client, frank)
        url = reverse("patients:medication_edit", args=[patient.public_id, entry.public_id])
        assert client.post(url, {"name": "Eliquis", "is_anticoagulant": "false"}).status_code == 403
        entry.refresh_from_db()
        assert entry.is_anticoagulant is None

    def test_another_clinics_medication_is_not_found(self, client: Client, tess: User, patient: Patient) -> None:
        other = PatientFactory()
        entry = Medication.objects.create(patient=other, name="Eliquis")
        login(client, tess)
        url = reverse("patients:medication_edit", args=[other.public_id, entry.public_id])
        assert client.get(url).status_code == 404


class TestApi:
    def post(self, client: Client, patient: Patient, body: dict) -> dict:
        r = client.post(
            f"/api/v1/patients/{patient.public_id}/medications", json.dumps(body), content_type="application/json"
        )
        return {**r.json(), "http": r.status_code}

    def patch(self, client: Client, patient: Patient, id: str, body: dict) -> dict:
        r = client.patch(
            f"/api/v1/patients/{patient.public_id}/medications/{id}", json.dumps(body), content_type="application/json"
        )
        return {**r.json(), "http": r.status_code}

    def test_create_derives_and_returns_the_flags(self, client: Client, tess: User, patient: Patient) -> None:
        login(client, tess)
        out = self.post(client, patient, {"name": "Eliquis", "dose": "5 mg BID"})
        assert out["http"] == 201
        assert (out["derived_flags"], out["corrections"], out["flags"]) == (["anticoagulant"], {}, ["anticoagulant"])
        assert out["unclassified"] is False and out["bleeding_answer"] == ""
        assert AuditEvent.objects.filter(action=AuditAction.HISTORY_ADDED, patient=patient).count() == 1

    def test_an_unknown_name_asks_and_the_answer_is_kept(self, client: Client, tess: User, patient: Patient) -> None:
        login(client, tess)
        out = self.post(client, patient, {"name": "Zorblax"})
        assert (out["derived_flags"], out["flags"], out["unclassified"]) == (None, None, True)
        out = self.patch(client, patient, out["id"], {"bleeding_answer": "yes"})
        assert out["http"] == 200 and out["flags"] == ["anticoagulant"] and out["bleeding_answer"] == "yes"

    def test_update_corrects_in_place(self, client: Client, tess: User, patient: Patient) -> None:
        login(client, tess)
        created = self.post(client, patient, {"name": "Plavix", "corrections": {"corticosteroid": True}})
        assert created["flags"] == ["antiplatelet", "corticosteroid"]
        out = self.patch(
            client, patient, created["id"], {"corrections": {"antiplatelet": False, "corticosteroid": None}}
        )
        assert out["id"] == created["id"] and out["flags"] == [] and out["corrections"] == {"antiplatelet": False}
        assert Medication.objects.filter(patient=patient).count() == 1
        assert AuditEvent.objects.filter(action=AuditAction.HISTORY_UPDATED, patient=patient).count() == 1

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"name": ""}, "name"),
            ({"name": "Eliquis", "corrections": {"blood-thinner": True}}, "corrections.blood-thinner.[key]"),
            ({"name": "Eliquis", "bleeding_answer": "maybe"}, "bleeding_answer"),
            ({"name": "Eliquis", "dose": None}, "dose"),
        ],
    )
    def test_bad_input_is_a_field_error_and_nothing_is_saved(
        self, client: Client, tess: User, patient: Patient, body: dict, field: str
    ) -> None:
        login(client, tess)
        out = self.post(client, patient, body)
        assert out["http"] == 422 and field in [e.get("field") for e in out["errors"]], out
        assert not Medication.objects.exists()

    def test_a_bad_update_saves_nothing(self, client: Client, tess: User, patient: Patient) -> None:
        entry = add(tess, patient, "Eliquis")
        login(client, tess)
        out = self.patch(client, patient, str(entry.public_id), {"name": "", "corrections": {"anticoagulant": False}})
        assert out["http"] == 422 and [e["field"] for e in out["errors"]] == ["name"]
        entry.refresh_from_db()
        assert (entry.name, entry.is_anticoagulant) == ("Eliquis", None)
