"""Each organization has its own technique catalog and CE requirements (issue 23, point 5): an admin of one
clinic changes its own, never another's, and so never another clinic's screening."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.patients import services as patient_services
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.practitioners.models import DEFAULT_REQUIREMENTS, RenewalRequirement
from fascia.techniques.catalog import TECHNIQUES
from fascia.techniques.models import Technique
from fascia.techniques.queries import screen_patient
from fascia.visits import services as visit_services


@pytest.fixture
def elsewhere(db) -> Organization:
    return Organization.objects.create(
        legal_name="Elsewhere Massage", tax_id="98-7654321", group_npi=with_check_digit("987654321")
    )


@pytest.fixture
def eve(elsewhere: Organization) -> User:
    """The other clinic's admin."""
    return make_user(elsewhere, "eve", Role.ADMIN)


def anticoagulated(actor: User, organization: Organization) -> Patient:
    patient = PatientFactory(organization=organization)
    patient_services.add_history_entry(actor=actor, patient=patient, kind="medication", name="Eliquis 5 mg BID")
    return patient


def deep_tissue_of(organization: Organization) -> Technique:
    return organization.techniques.get(code="deep-tissue")


def test_a_new_organization_starts_with_its_own_catalog_and_requirements(
    organization: Organization, elsewhere: Organization
) -> None:
    for clinic in (organization, elsewhere):
        assert sorted(clinic.techniques.values_list("code", flat=True)) == sorted(t.code for t in TECHNIQUES)
        assert clinic.renewal_requirements.count() == len(DEFAULT_REQUIREMENTS)
    assert not set(organization.techniques.all()) & set(elsewhere.techniques.all())


def test_another_clinics_edit_leaves_our_screening_alone(
    client: Client, tess: User, organization: Organization, elsewhere: Organization, eve: User
) -> None:
    patient = anticoagulated(tess, organization)
    (finding,) = screen_patient(patient, deep_tissue_of(organization), "leg-right")
    assert finding.rule == "anticoagulant"

    login(client, eve)  # the other clinic's admin takes the screening tags off deep tissue, in their catalog
    edit = reverse("techniques:edit", args=["deep-tissue"])
    page = client.get(edit)
    form = {k: v for k, v in page.context["form"].initial.items() if v not in (None, False)}
    r = client.post(edit, {**form, "tags": [], "is_active": "on", "timed": "on"})
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    assert deep_tissue_of(elsewhere).tags == []
    # Their page says what their edit switched off; the code, fixed once saved, stays as it was.
    assert "Not screened as deep, vigorous" in client.get(reverse("techniques:catalog")).content.decode()
    client.post(edit, {**form, "code": "deep-tissue-2", "tags": [], "is_active": "on", "timed": "on"})
    assert not elsewhere.techniques.filter(code="deep-tissue-2").exists()

    assert deep_tissue_of(organization).tags == ["deep", "vigorous"]
    client = Client()
    login(client, tess)
    assert "Not screened as" not in client.get(reverse("techniques:catalog")).content.decode()
    (finding,) = screen_patient(patient, deep_tissue_of(organization), "leg-right")
    assert finding.rule == "anticoagulant"
    # Theirs is now unscreened for deep work, as they chose; ours is not.
    theirs = anticoagulated(eve, elsewhere)
    assert screen_patient(theirs, deep_tissue_of(elsewhere), "leg-right") == []


def test_a_clinic_sees_and_edits_only_its_own_techniques(
    client: Client, ada: User, organization: Organization, elsewhere: Organization, eve: User
) -> None:
    login(client, eve)
    data = {"code": "cupping", "name": "Cupping", "description": "Suction cups lift the tissue."}
    data |= {"cpt_code": "97140", "timed": "on", "tags": ["vigorous"], "is_active": "on"}
    assert client.post(reverse("techniques:create"), data).status_code == 302
    assert elsewhere.techniques.filter(code="cupping").exists()

    client = Client()
    login(client, ada)
    assert "Cupping" not in client.get(reverse("techniques:catalog")).content.decode()
    assert client.get(reverse("techniques:edit", args=["cupping"])).status_code == 404
    # The same code in our catalog is ours to add, and is another row.
    assert client.post(reverse("techniques:create"), {**data, "tags": []}).status_code == 302
    assert organization.techniques.get(code="cupping").tags == []
    assert elsewhere.techniques.get(code="cupping").tags == ["vigorous"]
    # Twice in one catalog is a clear error, nothing saved.
    r = client.post(reverse("techniques:create"), {**data, "name": "Cupping again"})
    assert "already has a technique with this code" in str(r.context["form"].errors)
    assert organization.techniques.filter(code="cupping").count() == 1

    listed = client.get("/api/v1/techniques").json()
    assert [t["tags"] for t in listed if t["code"] == "cupping"] == [[]]


def test_a_note_cannot_name_another_clinics_technique(
    tess: User, organization: Organization, elsewhere: Organization
) -> None:
    patient = PatientFactory(organization=organization)
    note = visit_services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 3))
    rows = [{"technique_id": deep_tissue_of(elsewhere).pk, "region": "lower-back", "minutes": 25}]
    with pytest.raises(ValidationError, match="choose a technique from the catalog"):
        visit_services.save_note(actor=tess, note=note, techniques=rows)
    assert not note.techniques.exists()


def test_each_clinic_edits_its_own_ce_requirements(
    client: Client, ada: User, organization: Organization, elsewhere: Organization, eve: User
) -> None:
    theirs = elsewhere.renewal_requirements.get(state="WA")
    login(client, ada)
    assert client.get(reverse("practitioners:requirement_edit", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("practitioners:requirements")).content.decode()
    assert page.count("WAC 246-830-475") == 1  # ours, not theirs too

    ours = organization.renewal_requirements.get(state="WA")
    client = Client()
    login(client, eve)
    assert client.get(reverse("practitioners:requirement_edit", args=[ours.pk])).status_code == 404
    assert RenewalRequirement.objects.filter(state="WA").count() == 2
