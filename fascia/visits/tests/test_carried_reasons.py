"""A caution's written reason carries to the patient's next note for the same technique, region and fact: shown
prefilled on the draft, editable, and saved only as the practitioner submits it. A new fact needs its own reason."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.patients import services as patient_services
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services as plan_services
from fascia.plans.tests.factories import draft_plan
from fascia.techniques.models import Technique
from fascia.visits import services
from fascia.visits.models import VisitNote, VisitTechnique
from fascia.visits.tests.test_views import note_form, technique_rows

REASON = "INR stable at 2.4; moderate pressure only"
DAY = date(2026, 11, 2)


@pytest.fixture
def patient(tess: User, organization: Organization) -> Patient:
    patient = PatientFactory(organization=organization)
    patient_services.add_history_entry(
        actor=tess, patient=patient, kind="medication", name="Apixaban", is_anticoagulant=True
    )
    return patient


def deep_tissue(region: str = "lower-back", reason: str = "") -> dict:
    technique = Technique.objects.get(code="deep-tissue")
    return {"technique_id": technique.pk, "region": region, "minutes": 25, "override_reason": reason}


@pytest.fixture
def signed_with_reason(tess: User, patient: Patient) -> VisitNote:
    note = services.start_note(actor=tess, patient=patient, visited_on=DAY)
    services.save_note(actor=tess, note=note, techniques=[deep_tissue(reason=REASON)], nprs_before=5)
    return services.sign_note(actor=tess, note=note)


@pytest.mark.django_db
class TestCarriedReasons:
    def test_the_next_note_gets_the_reason_for_the_same_technique_region_and_fact(
        self, tess: User, patient: Patient, signed_with_reason: VisitNote
    ) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 5))
        assert services.carried_reasons(note, {0: deep_tissue(), 1: deep_tissue("neck")}) == {0: REASON}

    def test_a_reason_already_typed_is_left_alone(self, tess: User, patient: Patient, signed_with_reason) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 5))
        assert services.carried_reasons(note, {0: deep_tissue(reason="Light work today")}) == {}

    def test_a_new_fact_needs_its_own_reason(self, tess: User, patient: Patient, signed_with_reason) -> None:
        patient_services.add_history_entry(
            actor=tess, patient=patient, kind="medication", name="Clopidogrel", is_anticoagulant=True
        )
        note = services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 5))
        assert services.carried_reasons(note, {0: deep_tissue()}) == {}

    def test_before_any_note_the_plans_reason_carries(self, tess: User, patient: Patient) -> None:
        plan = draft_plan(tess, patient, start_date=DAY)
        plan_services.add_goal(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            term="long",
            measure="function",
            description="Sit through a workday",
            target=8,
            unit="hours",
            target_date=date(2026, 12, 1),
        )
        plan_services.add_technique(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            technique=Technique.objects.get(code="deep-tissue"),
            region="lower-back",
            override_reason="Plan: moderate pressure, INR checked",
        )
        plan_services.activate_plan(actor=tess, plan=plan)
        note = services.start_note(actor=tess, patient=patient, visited_on=DAY)
        assert note.plan_id == plan.pk
        expected = {0: "Plan: moderate pressure, INR checked"}
        assert services.carried_reasons(note, {0: deep_tissue(), 1: deep_tissue("neck")}) == expected

    def test_another_patients_reasons_never_carry(self, tess: User, organization, signed_with_reason) -> None:
        other = PatientFactory(organization=organization)
        patient_services.add_history_entry(
            actor=tess, patient=other, kind="medication", name="Apixaban", is_anticoagulant=True
        )
        note = services.start_note(actor=tess, patient=other, visited_on=date(2026, 11, 5))
        assert services.carried_reasons(note, {0: deep_tissue()}) == {}


@pytest.mark.django_db
class TestTheNoteForm:
    def test_the_draft_shows_the_carried_reason_to_check_and_saves_it_as_submitted(
        self, client: Client, tess: User, patient: Patient, signed_with_reason
    ) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 5))
        login(client, tess)
        url = reverse("visits:edit", args=[note.public_id])
        page = client.get(url).content.decode()
        assert f'value="{REASON}"' in page and "Carried from the last time" in page
        # Nothing is saved until the practitioner saves the form: the stored copy has no reason yet.
        assert note.techniques.get().override_reason == ""
        data = note_form(note) | technique_rows(("deep-tissue", "lower-back", 25))
        r = client.post(url, data | {"techniques-0-override_reason": "Edited: INR 2.6"})
        assert r.status_code == 302
        assert VisitTechnique.objects.get(note=note).override_reason == "Edited: INR 2.6"

    def test_a_caution_refused_keeps_the_row_and_offers_the_last_reason(
        self, client: Client, tess: User, patient: Patient, signed_with_reason
    ) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 5))
        login(client, tess)
        url = reverse("visits:edit", args=[note.public_id])
        data = note_form(note) | technique_rows(("swedish", "neck", 10), ("deep-tissue", "lower-back", 20))
        r = client.post(url, data)
        page = r.content.decode()
        assert r.status_code == 200 and "needs a written reason" in page
        deep = str(Technique.objects.get(code="deep-tissue").pk)
        assert f'<option value="{deep}" selected>' in page  # the technique and region are kept
        assert 'name="techniques-1-region"' in page and '<option value="lower-back" selected>' in page
        assert f'value="{REASON}"' in page  # prefilled, to check and save again
        assert note.techniques.count() == 1  # nothing saved: only the copied row
        data["techniques-1-override_reason"] = REASON
        assert client.post(url, data).status_code == 302
        assert VisitTechnique.objects.get(note=note, region="lower-back").override_reason == REASON
