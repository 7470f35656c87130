"""The migration to per-organization catalogs (techniques 0004, practitioners 0003) on an installation with two
clinics sharing one catalog: each ends with its own, their plans and notes on their own rows, every seal intact."""

from datetime import date

import pytest

from fascia.conftest import make_user
from fascia.core.models import Location, Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.core.tests.migrations import migrate_to_latest, migrated
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import PlannedTechnique
from fascia.practitioners.models import DEFAULT_REQUIREMENTS, Practitioner, RenewalRequirement
from fascia.records import chain
from fascia.records.models import Seal
from fascia.records.tests.legacy import legacy_links, write_legacy
from fascia.techniques.catalog import TECHNIQUES
from fascia.techniques.models import Technique
from fascia.visits.models import VisitTechnique
from fascia.visits.tests.factories import active_plan, signed_note

BEFORE = [
    ("techniques", "0003_technique_required_specialty"),
    ("practitioners", "0002_renewalrequirement_courserecord_credential_and_more"),
]


def practitioner(organization: Organization, username: str, npi: str) -> User:
    user = make_user(organization, username, Role.PRACTITIONER)
    location = Location.objects.create(organization=organization, name=f"{username}'s clinic")
    Practitioner.objects.create(
        user=user, npi=with_check_digit(npi), license_number="MA60000009", license_state="WA"
    ).locations.add(location)
    return user


@pytest.mark.django_db(transaction=True)
def test_two_clinics_sharing_one_catalog_each_get_their_own_and_every_seal_still_verifies() -> None:
    first = Organization.objects.create(
        legal_name="First", tax_id="12-3456789", group_npi=with_check_digit("123456789")
    )
    second = Organization.objects.create(
        legal_name="Second", tax_id="98-7654321", group_npi=with_check_digit("987654321")
    )
    patients = []
    for organization, username, npi in ((first, "fay", "123456780"), (second, "sam", "223456780")):
        user = practitioner(organization, username, npi)
        patient = PatientFactory(organization=organization)
        active_plan(user, patient, start=date(2026, 11, 2))
        signed_note(user, patient, date(2026, 11, 3))
        patients.append(patient)

    # Before the migration there was one catalog, the first clinic's rows, and one set of requirements: the
    # second clinic's plans and notes named the shared rows, and its seals hashed their ids.
    shared = {t.code: t.pk for t in first.techniques.all()}
    for rows in (
        PlannedTechnique.objects.filter(plan__patient=patients[1]),
        VisitTechnique.objects.filter(note__patient=patients[1]),
    ):
        for row in rows.select_related("technique"):
            row.technique_id = shared[row.technique.code]
            row.save(update_fields=["technique"])
    # Their seals were taken then, with the code of the day: plain SHA-256 chained per patient (records 0002
    # re-keys them).
    links = legacy_links()
    second.techniques.all().delete()
    second.renewal_requirements.all().delete()
    deep_tissue_seen_by_the_second = VisitTechnique.objects.get(note__patient=patients[1]).technique_id

    migrated(BEFORE)
    write_legacy(links)
    migrate_to_latest()

    for organization in (first, second):
        assert sorted(organization.techniques.values_list("code", flat=True)) == sorted(t.code for t in TECHNIQUES)
        assert organization.renewal_requirements.count() == len(DEFAULT_REQUIREMENTS)
    assert first.techniques.get(code="deep-tissue").pk == shared["deep-tissue"]  # the first keeps its rows
    for patient, organization in zip(patients, (first, second), strict=True):
        assert PlannedTechnique.objects.get(plan__patient=patient).technique.organization == organization
        assert VisitTechnique.objects.get(note__patient=patient).technique.organization == organization
    moved = VisitTechnique.objects.get(note__patient=patients[1])
    assert moved.former_technique_id == deep_tissue_seen_by_the_second != moved.technique_id
    assert VisitTechnique.objects.get(note__patient=patients[0]).former_technique_id is None
    assert not chain.verify(Seal.objects.order_by("organization_id", "sequence"))
    assert not chain.unsealed()
    assert RenewalRequirement.objects.filter(organization=None).count() == 0
    assert Technique.objects.filter(organization=None).count() == 0
