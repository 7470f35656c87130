"""Records migration 0002 on an installation with plain SHA-256 seals chained per patient: each seal verified as
it was is sealed again with the key in its organization's chain; one that did not verify stays reported."""

from datetime import date

import pytest

from fascia.conftest import make_user
from fascia.core.models import Location, Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.core.tests.migrations import migrate_to_latest, migrated
from fascia.patients.tests.factories import PatientFactory
from fascia.practitioners.models import Practitioner
from fascia.records import chain
from fascia.records.models import Seal
from fascia.records.tests.legacy import legacy_links, write_legacy
from fascia.visits import services as visit_services
from fascia.visits.models import VisitNote
from fascia.visits.tests.factories import signed_note


@pytest.mark.django_db(transaction=True)
def test_rekeying_keeps_valid_records_valid_and_tampered_ones_reported(tess: User, organization: Organization) -> None:
    other = Organization.objects.create(
        legal_name="Other", tax_id="98-7654321", group_npi=with_check_digit("987654321")
    )
    sam = make_user(other, "sam", Role.PRACTITIONER)
    Practitioner.objects.create(
        user=sam, npi=with_check_digit("223456780"), license_number="MA60000009", license_state="WA"
    ).locations.add(Location.objects.create(organization=other, name="Sam's clinic"))
    first, second = PatientFactory(organization=organization), PatientFactory(organization=organization)
    notes = [
        signed_note(tess, first, date(2026, 11, 2)),
        signed_note(tess, second, date(2026, 11, 3)),
        signed_note(tess, first, date(2026, 11, 5)),
    ]
    visit_services.add_addendum(actor=tess, note=notes[0], text="Called the next day.")
    elsewhere = PatientFactory(organization=other)
    other_note = signed_note(sam, elsewhere, date(2026, 11, 4))
    links = legacy_links()
    VisitNote.objects.filter(pk=notes[1].pk).update(subjective="Rewritten before the upgrade.")

    migrated([("records", "0001_initial")])
    write_legacy(links)
    migrate_to_latest()

    seals = list(Seal.objects.order_by("organization_id", "sequence"))
    assert [(s.organization_id, s.sequence) for s in seals] == [(organization.pk, i) for i in range(1, 5)] + [
        (other.pk, 1)
    ]
    assert [s.record_id for s in seals if s.kind == "visit-note"] == [n.public_id for n in notes + [other_note]]
    assert [(p.seal.record_id, p.message[:32]) for p in chain.verify(seals)] == [
        (notes[1].public_id, "The record's content no longer m")
    ]
    # Signing goes on in the keyed chain.
    later = signed_note(tess, first, date(2026, 11, 9))
    assert Seal.objects.get(record_id=later.public_id).sequence == 5
    assert len(chain.verify(Seal.objects.order_by("organization_id", "sequence"))) == 1
