"""Migration 0006 run through Django's MigrationExecutor: claims written as the old drafting left them (a visit on
two live claims to one payer included), then migrated forward, keep every claim as it was and gain the rows that
hold each visit on one live claim per payer."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps.registry import Apps

from fascia.billing.models import Claim, ClaimLine, ClaimNote, Coverage, NcciPair
from fascia.billing.scrubber import scrub
from fascia.billing.tests.factories import billable_patient
from fascia.core.models import User
from fascia.core.tests.migrations import migrate_to_latest, migrated

BEFORE = [("billing", "0005_claim_queue_index")]
AFTER = [("billing", "0013_payer_requires_referral_number")]  # the latest: the checks below read with today's models
START = date(2026, 11, 2)


@pytest.fixture
def before_0006(transactional_db: None, tess: User) -> Iterator[tuple[Apps, Coverage]]:
    """A patient with two signed visits (made with today's models), then the database as it was before 0006;
    migrated to the latest state again afterwards."""
    coverage = billable_patient(tess, tess.organization, start=START, visits=2)
    try:
        yield migrated(BEFORE), coverage
    finally:
        migrate_to_latest()


def test_0006_keeps_existing_claims_and_holds_each_visit_on_one_live_claim(
    before_0006: tuple[Apps, Coverage], tess: User
) -> None:
    apps, coverage = before_0006
    OldClaim = apps.get_model("billing", "Claim")
    OldLine = apps.get_model("billing", "ClaimLine")
    first, second = coverage.patient.visit_notes.order_by("visited_on")
    sent = datetime(2026, 11, 10, 15, tzinfo=UTC)

    def claim(number: str, status: str, submitted_at: datetime | None, notes: list) -> int:
        row = OldClaim.objects.create(
            organization_id=tess.organization.pk,
            number=number,
            patient_id=coverage.patient_id,
            coverage_id=coverage.pk,
            payer_id=coverage.payer_id,
            status=status,
            submitted_at=submitted_at,
            diagnoses=["M54.50"],
            created_by_id=tess.pk,
        )
        for note in notes:
            for code in ("97124", "97140"):
                OldLine.objects.create(
                    claim_id=row.pk,
                    note_id=note.pk,
                    service_date=note.visited_on,
                    cpt_code=code,
                    units=1,
                    minutes=15,
                    diagnosis_pointers=[1],
                    place_of_service="11",
                    rendering_id=tess.practitioner.pk,
                    fee="30.00",
                    amount="30.00",
                )
        return row.pk

    a = claim("A", "paid", sent, [first, second])  # sent first: keeps both visits
    b = claim("B", "submitted", sent + timedelta(days=1), [first])  # the old race: the first visit twice
    c = claim("C", "closed", None, [second])  # a draft closed unsent bills nothing
    d = claim("D", "draft", None, [second])  # an unsent duplicate
    statuses = dict(OldClaim.objects.values_list("pk", "status"))
    lines = list(OldLine.objects.order_by("pk").values_list("pk", "claim_id", "note_id", "units", "amount"))

    migrated(AFTER)
    live = {(n.claim_id, n.note_id): n.live for n in ClaimNote.objects.all()}
    assert live == {
        (a, first.pk): True,
        (a, second.pk): True,
        (b, first.pk): False,
        (c, second.pk): False,
        (d, second.pk): False,
    }
    # No claim nor line changed.
    assert dict(Claim.objects.values_list("pk", "status")) == statuses
    assert list(ClaimLine.objects.order_by("pk").values_list("pk", "claim_id", "note_id", "units", "amount")) == lines
    assert NcciPair.objects.filter(organization=tess.organization, column_1="97140", column_2="97124").exists()
    # The duplicates are named, so billing closes or voids them; the claim sent first is not. (Scrubbed with
    # today's models, so on today's schema.)
    migrate_to_latest()
    assert any("on claim A already" in p for p in scrub(Claim.objects.get(pk=d), today=START))
    assert any("on claim A already" in p for p in scrub(Claim.objects.get(pk=b), today=START))
    assert not any("already" in p for p in scrub(Claim.objects.get(pk=a), today=START))
