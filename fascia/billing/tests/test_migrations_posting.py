"""The honest-posting migrations (0007-0009) on rows an earlier Fascia wrote, through Django's
MigrationExecutor: migrate back to 0005, write rows with the historical models, migrate forward."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.apps.registry import Apps

from fascia.core.models import User
from fascia.core.tests.migrations import migrate_to_latest, migrated
from fascia.patients.tests.factories import PatientFactory

BEFORE = [("billing", "0005_claim_queue_index")]
AFTER = [("billing", "0010_clearinghouses")]


@pytest.fixture
def at_0005(transactional_db: None, tess: User) -> Iterator[Apps]:
    try:
        yield migrated(BEFORE)
    finally:
        migrate_to_latest()


def test_existing_remittances_postings_and_claims_stay_correct(at_0005: Apps, tess: User) -> None:
    Payer, Claim = at_0005.get_model("billing", "Payer"), at_0005.get_model("billing", "Claim")
    Remittance, Posting = at_0005.get_model("billing", "Remittance"), at_0005.get_model("billing", "Posting")
    organization_id = tess.organization.pk
    payer = Payer.objects.create(organization_id=organization_id, name="Acme Health", kind="commercial")
    patient = PatientFactory(organization=tess.organization)
    claim = Claim.objects.create(
        organization_id=organization_id,
        number="00000001",
        patient_id=patient.pk,
        payer=payer,
        status="paid",
        paid=Decimal("45.20"),
        patient_responsibility=Decimal("10.00"),
        created_by_id=tess.pk,
    )
    common = {"organization_id": organization_id, "payer_name": "ACME HEALTH", "trace_number": "EFT1"}
    first = Remittance.objects.create(**common, digest="a" * 64, total_paid=Decimal("45.20"))
    # The same payment posted again under the old rule, its line breaks changed (the bug).
    again = Remittance.objects.create(**common, digest="b" * 64, total_paid=Decimal("45.20"))
    adjustments = [
        {"where": "claim", "group": "CO", "reason": "45", "amount": "13.80", "text": ""},
        {"where": "claim", "group": "PR", "reason": "3", "amount": "10.00", "text": ""},
    ]
    posted = Posting.objects.create(
        remittance=first,
        claim=claim,
        claim_number="00000001",
        status_code="1",
        charged=Decimal("69.00"),
        paid=Decimal("45.20"),
        patient_responsibility=Decimal("10.00"),
        adjustments=adjustments,
    )
    unmatched = Posting.objects.create(
        remittance=again,
        claim=None,
        claim_number="99999999",
        status_code="1",
        charged=Decimal("69.00"),
        paid=Decimal("45.20"),
        patient_responsibility=Decimal("10.00"),
        adjustments=adjustments,
    )

    apps = migrated(AFTER)
    Remittance, Posting = apps.get_model("billing", "Remittance"), apps.get_model("billing", "Posting")
    Claim = apps.get_model("billing", "Claim")
    assert Remittance.objects.get(pk=first.pk).payer_identifier == "ACME HEALTH"
    assert Remittance.objects.get(pk=again.pk).payer_identifier == f"ACME HEALTH (duplicate {again.pk})"
    assert (Posting.objects.get(pk=posted.pk).state, Posting.objects.get(pk=posted.pk).adjusted) == (
        "posted",
        Decimal("13.80"),
    )
    held = Posting.objects.get(pk=unmatched.pk)
    assert (held.state, held.hold_reason) == ("held", "No claim of the clinic has this number.")
    after = Claim.objects.get(pk=claim.pk)
    # 69.00 = 45.20 paid + 13.80 adjusted + 10.00 the patient's: the payer owes nothing.
    assert (after.paid, after.adjusted, after.patient_responsibility) == (
        Decimal("45.20"),
        Decimal("13.80"),
        Decimal("10.00"),
    )
