from datetime import date
from decimal import Decimal

import pytest

from fascia.billing.claims import services
from fascia.billing.models import Claim, Posting, Remittance
from fascia.billing.remittance.parse import RemittanceError
from fascia.billing.remittance.posting import AlreadyImported, import_835
from fascia.billing.tests.factories import billable_patient
from fascia.core.models import Organization, User
from fascia.demo.era import write_835

START = date(2026, 11, 2)


def submitted_claim(tess: User, bill: User, organization: Organization) -> Claim:
    coverage = billable_patient(tess, organization, start=START)
    claim = services.create_claim(
        actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )
    claim = services.mark_ready(actor=bill, claim=claim, today=START)
    return services.move(claim, Claim.Status.SUBMITTED, actor=bill)


def test_a_remittance_settles_its_claims_once(tess: User, bill: User, organization: Organization) -> None:
    paid = submitted_claim(tess, bill, organization)
    denied = submitted_claim(tess, bill, organization)
    text = write_835([paid, denied], paid_on=date(2026, 11, 25), trace="EFT1001", deny=(denied.number,))
    import_835(actor=bill, organization=organization, text=text, filename="era.835")

    paid.refresh_from_db()
    # 186.00 charged, 80% allowed (148.80), the patient's 10.00 copay: the payer pays 138.80.
    assert (paid.status, paid.paid, paid.patient_responsibility) == ("paid", Decimal("138.80"), Decimal("10.00"))
    assert [line.paid for line in paid.lines.all()] == [
        Decimal("12.40"),
        Decimal("52.00"),
        Decimal("22.40"),
        Decimal("52.00"),
    ]
    denied.refresh_from_db()
    assert (denied.status, denied.paid) == ("denied", Decimal("0"))
    reasons = {a["reason"] for a in Posting.objects.get(claim=denied).adjustments}
    assert reasons == {"50"}

    with pytest.raises(AlreadyImported, match="already posted"):
        import_835(actor=bill, organization=organization, text=text, filename="era.835")
    paid.refresh_from_db()
    assert paid.paid == Decimal("138.80") and Remittance.objects.count() == 1


def test_unknown_claims_are_listed_not_dropped(tess: User, bill: User, organization: Organization) -> None:
    claim = submitted_claim(tess, bill, organization)
    text = write_835([claim], paid_on=date(2026, 11, 25), trace="EFT2002").replace(
        f"CLP*{claim.number}*", "CLP*99999999*"
    )
    import_835(actor=bill, organization=organization, text=text)
    posting = Posting.objects.get()
    assert posting.claim is None and posting.claim_number == "99999999"
    assert Claim.objects.get(pk=claim.pk).status == "submitted"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t[: len(t) // 2], "truncated"),
        (lambda t: t.replace("*1*186.00*", "*1*abc*"), "CLP"),
        (lambda t: "", "ISA"),
    ],
)
def test_a_bad_file_posts_nothing(tess: User, bill: User, organization: Organization, damage, message: str) -> None:
    claim = submitted_claim(tess, bill, organization)
    text = damage(write_835([claim], paid_on=date(2026, 11, 25), trace="EFT3003"))
    with pytest.raises(RemittanceError, match=message):
        import_835(actor=bill, organization=organization, text=text)
    assert not Remittance.objects.exists()
    assert Claim.objects.get(pk=claim.pk).paid == 0
