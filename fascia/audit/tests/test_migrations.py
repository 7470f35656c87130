"""audit 0005: each existing event takes its clinic, from its patient, else its actor (the rows are
append-only; the migration lifts the trigger for its one UPDATE)."""

from collections.abc import Iterator

import pytest
from django.apps.registry import Apps

from fascia.core.models import Organization, User
from fascia.core.tests.migrations import migrate_to_latest, migrated
from fascia.patients.tests.factories import PatientFactory


@pytest.fixture
def at_0004(transactional_db: None, tess: User) -> Iterator[Apps]:
    try:
        yield migrated([("audit", "0004_audit_append_only")])
    finally:
        migrate_to_latest()


def test_0005_gives_each_event_its_clinic(at_0004: Apps, tess: User) -> None:
    AuditEvent = at_0004.get_model("audit", "AuditEvent")
    other = Organization.objects.create(legal_name="Another Clinic")
    theirs = PatientFactory(organization=other)
    by_actor = AuditEvent.objects.create(actor_id=tess.pk, action="core.location.saved", target_type="core.location")
    # The patient's clinic wins: an actor's organization is only the fallback.
    by_patient = AuditEvent.objects.create(
        actor_id=tess.pk, patient_id=theirs.pk, action="patients.patient.viewed", target_type="patients.patient"
    )
    nobody = AuditEvent.objects.create(action="core.login.failed", target_type="core.user")

    AuditEvent = migrated([("audit", "0005_auditevent_organization")]).get_model("audit", "AuditEvent")
    clinic = dict(AuditEvent.objects.values_list("pk", "organization_id"))
    assert clinic == {by_actor.pk: tess.organization_id, by_patient.pk: other.pk, nobody.pk: None}
