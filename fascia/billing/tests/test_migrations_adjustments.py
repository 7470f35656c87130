"""Migration 0016 moves each posting's list of adjustments to rows of their own, and back, through Django's
MigrationExecutor on rows an earlier Fascia wrote."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.apps.registry import Apps

from fascia.core.models import User
from fascia.core.tests.migrations import migrate_to_latest, migrated
from fascia.patients.tests.factories import PatientFactory

LISTS = [("billing", "0015_add_service_date_and_payment_date_indexes")]
ROWS = [("billing", "0016_posting_adjustments_table")]


@pytest.fixture
def at_0015(transactional_db: None, tess: User) -> Iterator[Apps]:
    try:
        yield migrated(LISTS)
    finally:
        migrate_to_latest()


def test_each_adjustment_becomes_a_row_and_back(at_0015: Apps, tess: User) -> None:
    Payer, Claim = at_0015.get_model("billing", "Payer"), at_0015.get_model("billing", "Claim")
    Remittance, Posting = at_0015.get_model("billing", "Remittance"), at_0015.get_model("billing", "Posting")
    organization_id = tess.organization.pk
    payer = Payer.objects.create(organization_id=organization_id, name="Acme Health", kind="commercial")
    patient = PatientFactory(organization=tess.organization)
    claim = Claim.objects.create(
        organization_id=organization_id, number="00000001", patient_id=patient.pk, payer=payer, created_by_id=tess.pk
    )
    remittance = Remittance.objects.create(
        organization_id=organization_id, payer_identifier="ACME", trace_number="EFT1", total_paid=Decimal("45.20")
    )
    kept = [
        {"where": "claim", "group": "OA", "reason": "23", "amount": "5.00", "text": "Other adjustment: …"},
        {"where": "97140 2026-11-02", "group": "CO", "reason": "45", "amount": "13.80", "text": "…"},
        {"where": "97140 2026-11-02", "group": "PR", "reason": "3", "amount": "10.00", "text": "…"},
    ]
    common = {"remittance": remittance, "claim": claim, "claim_number": "00000001", "status_code": "1"}
    money = {"charged": Decimal("74.00"), "paid": Decimal("45.20"), "patient_responsibility": Decimal("10.00")}
    paid = Posting.objects.create(**common, **money, adjustments=kept)
    bare = Posting.objects.create(**common, **money, adjustments=[])

    apps = migrated(ROWS)
    Adjustment = apps.get_model("billing", "Adjustment")
    rows = Adjustment.objects.order_by("id").values_list("posting_id", "where", "group", "reason", "amount")
    assert list(rows) == [
        (paid.pk, "claim", "OA", "23", Decimal("5.00")),
        (paid.pk, "97140 2026-11-02", "CO", "45", Decimal("13.80")),
        (paid.pk, "97140 2026-11-02", "PR", "3", Decimal("10.00")),
    ]

    Posting = migrated(LISTS).get_model("billing", "Posting")
    back = Posting.objects.get(pk=paid.pk).adjustments
    assert [(a["where"], a["group"], a["reason"], a["amount"]) for a in back] == [
        (a["where"], a["group"], a["reason"], a["amount"]) for a in kept
    ]
    assert (
        back[1]["text"]
        == "Contractual obligation: charge is above the fee schedule, maximum allowable or contracted fee"
    )
    assert Posting.objects.get(pk=bare.pk).adjustments == []
