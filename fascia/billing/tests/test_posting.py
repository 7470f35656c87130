"""Posting 835 remittances against claims in a real database: every file here is X12 text, parsed.

The running example (issue 24): a visit charged 69.00 (97140 x2 at 20.50, 97124 at 28.00), the payer
allows 55.20, pays 45.20, writes 13.80 off (CO-45) and leaves the 10.00 copay to the patient (PR-3).
"""

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.claims import services
from fascia.billing.models import Claim, Coverage, Fee, Posting, ProviderAdjustment, Remittance
from fascia.billing.remittance.parse import RemittanceError
from fascia.billing.remittance.posting import AlreadyImported, UnknownClaim, import_835
from fascia.billing.reports import PATIENTS, aging, denials, standing
from fascia.billing.tests.factories import billable_patient
from fascia.billing.x12.validate import validate_837
from fascia.conftest import make_user
from fascia.core.models import Organization, User
from fascia.core.roles import Role
from fascia.demo.era import DEDUCTIBLE, DENIED, PARTIAL, REVERSED, demo_cases, write_835

START = date(2026, 11, 2)
ALLOWED_RATE = Decimal("0.80")  # what the demo payer allows of a charge
ISA = "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*FASCIA         *261125*0930*^*00501*000000042*0*P*:"


def login(client: Client, user: User) -> None:
    client.force_login(user)


def coverage_for(tess: User, organization: Organization, *, visits: int = 1) -> Coverage:
    coverage = billable_patient(tess, organization, start=START, visits=visits)
    # 97140 x2 at 20.50 and 97124 at 28.00: 69.00 a visit.
    Fee.objects.filter(payer=coverage.payer, cpt_code="97140").update(amount=Decimal("20.50"))
    return coverage


def drafted(tess: User, coverage: Coverage) -> Claim:
    return services.create_claim(
        actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )


def sent(tess: User, bill: User, coverage: Coverage) -> Claim:
    claim = services.mark_ready(actor=bill, claim=drafted(tess, coverage), today=START)
    claim = services.move(claim, Claim.Status.SUBMITTED, actor=bill)
    Claim.objects.filter(pk=claim.pk).update(submitted_at=claim.updated_at)
    return Claim.objects.get(pk=claim.pk)


def paid_claim(number: str, *, status: str = "1", sign: int = 1, pcn: str = "PCN1") -> list[str]:
    """The example's claim payment: 45.20 paid, 13.80 CO-45, 10.00 PR-3 (negated for a reversal)."""

    def m(amount: str) -> str:
        return str(Decimal(amount) * sign)

    return [
        f"CLP*{number}*{status}*{m('69.00')}*{m('45.20')}*{m('10.00')}*12*{pcn}",
        "NM1*QC*1*DOE*JANE****MI*XYZ123456789",
        f"SVC*HC:97140*{m('41.00')}*{m('31.20')}**2",
        "DTM*472*20261102",
        f"CAS*CO*45*{m('9.80')}",
        f"SVC*HC:97124*{m('28.00')}*{m('14.00')}**1",
        "DTM*472*20261102",
        f"CAS*CO*45*{m('4.00')}",
        f"CAS*PR*3*{m('10.00')}",
    ]


def era(*transactions: tuple[str, str, list[str]], total: str | None = None, plb: tuple[str, ...] = ()) -> str:
    """An 835 file: each transaction is (payer name, trace number, claim segments). BPR02 is the claims'
    payments less the PLB amounts unless `total` says otherwise."""
    lines = [ISA, "GS*HP*ACMEHEALTH*FASCIA*20261125*0930*1*X*005010X221A1"]
    for number, (name, trace, claims) in enumerate(transactions, start=1):
        segments = claims
        paid = sum(
            (Decimal(s.split("*")[4]) for s in segments if s.startswith("CLP*")),
            Decimal("0"),
        ) - sum((Decimal(amount) for p in plb for amount in p.split("*")[4::2]), Decimal("0"))
        body = [
            f"ST*835*{number:04d}",
            f"BPR*I*{total or paid}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20261125",
            f"TRN*1*{trace}*1{int(hashlib.sha256(name.encode()).hexdigest(), 16) % 10**9:09d}",
            "DTM*405*20261125",
            f"N1*PR*{name}",
            "N3*PO BOX 14079",
            "N4*LEXINGTON*KY*405124079",
            "PER*BL*PROVIDER SERVICES*TE*8005550100",
            "N1*PE*TEST MASSAGE CLINIC*XX*1234567893",
            "LX*1",
            *segments,
            *plb,
        ]
        lines += body + [f"SE*{len(body) + 1}*{number:04d}"]
    lines += [f"GE*{len(transactions)}*1", "IEA*1*000000042"]
    return "~\n".join(lines) + "~\n"


def import_text(bill: User, organization: Organization, text: str) -> list[Remittance]:
    """Post a file the tests wrote, once pyx12 has found it a valid 835 (005010X221A1)."""
    assert validate_837(text) == []  # pyx12 picks the 835 map from GS08
    return import_835(actor=bill, organization=organization, text=text, filename="era.835")


def command(tmp_path: Path, text: str) -> tuple[int, str]:
    """`fascia import_835 FILE`: its exit status and what it prints. Django's run_from_argv() turns a
    CommandError into "CommandError: <message>" on stderr and exit status e.returncode (1); it also closes
    the database connections, which the test's transaction cannot survive, so call_command() runs it here."""
    path = tmp_path / "era.835"
    path.write_text(text)
    out = StringIO()
    try:
        call_command("import_835", str(path), stdout=out)
    except CommandError as e:
        return e.returncode, f"CommandError: {e}"
    return 0, out.getvalue().strip()


class TestTheExample:
    def test_it_adds_up_on_the_claim_the_ledger_and_aging(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        assert claim.total_charge == Decimal("69.00")
        import_text(bill, organization, era(("ACME HEALTH", "EFT100", paid_claim(claim.number))))
        claim.refresh_from_db()
        assert (claim.status, claim.paid, claim.adjusted, claim.patient_responsibility) == (
            "paid",
            Decimal("45.20"),
            Decimal("13.80"),
            Decimal("10.00"),
        )
        assert claim.balance == Decimal("0.00")
        assert [line.paid for line in claim.lines.order_by("cpt_code")] == [Decimal("14.00"), Decimal("31.20")]
        login(client, bill)
        page = client.get(reverse("billing:claim", args=[claim.public_id])).content.decode()
        assert "adjusted off 13.80" in page and "<strong>10.00</strong>" in page and "payer balance 0.00" in page
        assert "CO-45 Contractual obligation: charge is above the fee schedule" in page
        chart = client.get(claim.patient.get_chart_url()).content.decode()
        assert "<td>45.20</td><td>13.80</td><td>10.00</td><td>0.00</td>" in chart
        assert claim.submitted_at is not None
        report = aging(organization, timezone.localdate(claim.submitted_at) + timedelta(days=30))
        assert report["rows"] == [(PATIENTS, {"0-30": Decimal("10.00"), "31-60": 0, "61-90": 0, "90+": 0})]
        assert report["totals"]["0-30"] == Decimal("10.00")
        assert str(report["rows"][0][1]["0-30"]) == "10.00"  # as the page prints it (SQLite's SUM gives more places)

    def test_a_claim_waiting_for_its_payer_is_its_charge_in_aging(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        assert claim.submitted_at is not None
        report = aging(organization, timezone.localdate(claim.submitted_at) + timedelta(days=45))
        assert report["rows"] == [(claim.payer.name, {"0-30": 0, "31-60": Decimal("69.00"), "61-90": 0, "90+": 0})]


class TestStatus:
    def test_a_zero_payment_to_the_deductible_is_processed_not_denied(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        deductible = [
            f"CLP*{claim.number}*1*69.00*0*69.00*12*PCN2",
            "NM1*QC*1*DOE*JANE****MI*XYZ123456789",
            "SVC*HC:97140*41.00*0**2",
            "CAS*PR*1*41.00",
            "SVC*HC:97124*28.00*0**1",
            "CAS*PR*1*28.00",
        ]
        import_text(bill, organization, era(("ACME HEALTH", "EFT101", deductible)))
        claim.refresh_from_db()
        assert (claim.status, claim.paid, claim.patient_responsibility, claim.balance) == (
            "paid",
            Decimal("0"),
            Decimal("69.00"),
            Decimal("0.00"),
        )

    def test_a_denial_is_denied_with_its_remarks_in_words(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        denial = [
            f"CLP*{claim.number}*4*69.00*0**12*PCN3",
            "CAS*CO*50*69.00",
            "NM1*QC*1*DOE*JANE****MI*XYZ123456789",
            "MOA***N386",
        ]
        import_text(bill, organization, era(("ACME HEALTH", "EFT102", denial)))
        claim.refresh_from_db()
        assert claim.status == "denied" and claim.paid == 0
        login(client, bill)
        page = client.get(reverse("billing:claim", args=[claim.public_id])).content.decode()
        assert "denied, paid 0.00" in page
        assert "remark N386: decision based on a national coverage determination (NCD)" in page

    @pytest.mark.parametrize("group", ["CO", "PI", "OA"])
    def test_every_group_but_pr_settles_its_share(
        self, group: str, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        segments = [s.replace("CAS*CO*", f"CAS*{group}*") for s in paid_claim(claim.number)]
        import_text(bill, organization, era(("ACME HEALTH", "EFT103", segments)))
        claim.refresh_from_db()
        assert (claim.status, claim.adjusted, claim.balance) == ("paid", Decimal("13.80"), Decimal("0.00"))

    def test_a_reversal_reopens_the_claim_and_its_correction_posts(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        import_text(bill, organization, era(("ACME HEALTH", "EFT104", paid_claim(claim.number))))
        # The payer takes the payment back (amounts negated) and pays again without the copay.
        corrected = [
            f"CLP*{claim.number}*1*69.00*55.20**12*PCN5",
            "NM1*QC*1*DOE*JANE****MI*XYZ123456789",
            "SVC*HC:97140*41.00*31.20**2",
            "CAS*CO*45*9.80",
            "SVC*HC:97124*28.00*24.00**1",
            "CAS*CO*45*4.00",
        ]
        reversal = paid_claim(claim.number, status="22", sign=-1, pcn="PCN4")
        import_text(bill, organization, era(("ACME HEALTH", "EFT105", reversal + corrected)))
        claim.refresh_from_db()
        assert (claim.status, claim.paid, claim.adjusted, claim.patient_responsibility) == (
            "paid",
            Decimal("55.20"),
            Decimal("13.80"),
            Decimal("0.00"),
        )
        events = [(e.from_status, e.to_status) for e in claim.events.all()][-2:]
        assert events == [("paid", "accepted"), ("accepted", "paid")]
        assert "reversed its payment of 45.20; reopened" in claim.events.get(to_status="accepted").note
        assert [p.state for p in claim.postings.order_by("id")] == ["reversed", "posted", "posted"]
        # The denials report reads the payment that stands: the corrected one's two CO-45 lines.
        [(reason, times, amount)] = denials(standing(organization, date(2026, 11, 1)))
        assert (reason.startswith("CO-45:"), times, amount) == (True, 2, Decimal("13.80"))

    def test_a_reversal_alone_leaves_the_claim_with_its_payer(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        import_text(bill, organization, era(("ACME HEALTH", "EFT106", paid_claim(claim.number))))
        reversal = paid_claim(claim.number, status="22", sign=-1)
        import_text(bill, organization, era(("ACME HEALTH", "EFT107", reversal)))
        claim.refresh_from_db()
        assert (claim.status, claim.paid, claim.adjusted, claim.patient_responsibility, claim.balance) == (
            "accepted",
            Decimal("0"),
            Decimal("0"),
            Decimal("0"),
            Decimal("69.00"),
        )
        assert all(line.paid == 0 for line in claim.lines.all())

    def test_a_reversal_of_a_payment_never_posted_is_held(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        import_text(bill, organization, era(("ACME HEALTH", "EFT108", paid_claim(claim.number, status="22", sign=-1))))
        claim.refresh_from_db()
        assert (claim.status, claim.paid) == ("submitted", Decimal("0"))
        posting = Posting.objects.get()
        assert posting.state == "held" and "has no such payment posted" in posting.hold_reason


class TestHeld:
    def test_a_payment_to_a_claim_never_sent_is_held_and_listed(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = drafted(tess, coverage_for(tess, organization))
        import_text(bill, organization, era(("ACME HEALTH", "EFT200", paid_claim(claim.number))))
        claim.refresh_from_db()
        assert (claim.status, claim.paid, claim.patient_responsibility) == ("draft", 0, 0)
        assert all(line.paid == 0 for line in claim.lines.all())
        login(client, bill)
        page = client.get(reverse("billing:remittances")).content.decode()
        assert f"held for review: Claim {claim.number} was never sent to a payer (it is draft)." in page

    def test_a_second_payment_to_a_settled_claim_is_held(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        import_text(bill, organization, era(("ACME HEALTH", "EFT201", paid_claim(claim.number))))
        import_text(bill, organization, era(("ACME HEALTH", "EFT202", paid_claim(claim.number))))
        claim.refresh_from_db()
        assert (claim.paid, claim.patient_responsibility) == (Decimal("45.20"), Decimal("10.00"))
        held = Posting.objects.get(remittance__trace_number="EFT202")
        assert (held.state, held.hold_reason) == ("held", f"Claim {claim.number} is already settled (paid).")

    def test_a_payment_beyond_the_charge_is_held(self, tess: User, bill: User, organization: Organization) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        # A claim twice the size of ours (334.80 paid on a 69.00 charge would be the same).
        double = [
            f"CLP*{claim.number}*1*138.00*90.40*20.00*12*PCN6",
            "CAS*CO*45*27.60",
            "CAS*PR*3*20.00",
            "NM1*QC*1*DOE*JANE****MI*XYZ123456789",
        ]
        import_text(bill, organization, era(("ACME HEALTH", "EFT203", double)))
        claim.refresh_from_db()
        assert (claim.status, claim.paid) == ("submitted", 0)
        assert "would settle more than the 69.00 the payer still owes" in Posting.objects.get().hold_reason


class TestIdentity:
    def test_the_same_payment_laid_out_otherwise_never_posts_twice(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        text = era(("ACME HEALTH", "EFT300", paid_claim(claim.number)))
        import_text(bill, organization, text)
        for other in (text.replace("~\n", "~"), text.replace("~\n", "~\r\n"), text.replace("~\n", "!")):
            assert other != text
            with pytest.raises(AlreadyImported, match=r"Payment EFT300 from ACME HEALTH was already posted on .*"):
                import_text(bill, organization, other)
        claim.refresh_from_db()
        assert claim.paid == Decimal("45.20") and Remittance.objects.count() == 1 and Posting.objects.count() == 1

    def test_already_posted_says_when_in_clinic_time(
        self, tess: User, bill: User, organization: Organization, settings
    ) -> None:
        settings.TIME_ZONE = "America/New_York"
        claim = sent(tess, bill, coverage_for(tess, organization))
        text = era(("ACME HEALTH", "EFT301", paid_claim(claim.number)))
        import_text(bill, organization, text)
        # Posted at 22:30 in New York on 1 March, which is already 2 March 03:30 in UTC.
        Remittance.objects.update(created_at=datetime(2026, 3, 2, 3, 30, tzinfo=UTC))
        with pytest.raises(AlreadyImported, match=r"already posted on 2026-03-01 22:30; nothing posted"):
            import_text(bill, organization, text)

    def test_one_remittance_per_transaction_with_its_own_payer_and_trace(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        first = sent(tess, bill, coverage_for(tess, organization))
        second = sent(tess, bill, coverage_for(tess, organization))
        text = era(
            ("ACME HEALTH", "EFT400", paid_claim(first.number)),
            ("LAKESIDE MUTUAL", "CHK9", paid_claim(second.number)),
        )
        remittances = import_text(bill, organization, text)
        assert [(r.payer_name, r.trace_number, r.total_paid, r.transaction) for r in remittances] == [
            ("ACME HEALTH", "EFT400", Decimal("45.20"), "0001"),
            ("LAKESIDE MUTUAL", "CHK9", Decimal("45.20"), "0002"),
        ]
        assert [list(r.postings.values_list("claim_number", flat=True)) for r in remittances] == [
            [first.number],
            [second.number],
        ]

    def test_one_payment_twice_in_a_file_is_refused(self, tess: User, bill: User, organization: Organization) -> None:
        first = sent(tess, bill, coverage_for(tess, organization))
        second = sent(tess, bill, coverage_for(tess, organization))
        text = era(
            ("ACME HEALTH", "EFT401", paid_claim(first.number)), ("ACME HEALTH", "EFT401", paid_claim(second.number))
        )
        with pytest.raises(RemittanceError, match="transaction 0002 repeats the payment EFT401 of transaction 0001"):
            import_text(bill, organization, text)
        assert not Remittance.objects.exists()


class TestProviderAdjustments:
    def test_plb_is_posted_and_reconciled_with_bpr(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        # 45.20 for the claim, 5.00 of an earlier overpayment taken back, 0.35 interest paid: 40.55.
        plb = ("PLB*1234567893*20261231*WO:PCN0*5.00*L6*-0.35",)
        [remittance] = import_text(
            bill, organization, era(("ACME HEALTH", "EFT500", paid_claim(claim.number)), plb=plb)
        )
        assert remittance.total_paid == Decimal("40.55")
        assert [(a.reason, a.reference, a.amount) for a in ProviderAdjustment.objects.all()] == [
            ("WO", "PCN0", Decimal("5.00")),
            ("L6", "", Decimal("-0.35")),
        ]
        login(client, bill)
        page = client.get(reverse("billing:remittances")).content.decode()
        assert "WO overpayment recovery (ref. PCN0): 5.00" in page and "L6 interest owed to the provider" in page

    def test_a_total_that_forgets_the_plb_is_refused(self, tess: User, bill: User, organization: Organization) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        plb = ("PLB*1234567893*20261231*WO:PCN0*5.00",)
        text = era(("ACME HEALTH", "EFT501", paid_claim(claim.number)), plb=plb, total="45.20")
        with pytest.raises(RemittanceError, match=r"Segment 4 \(BPR\): .*BPR02 total paid 45.20, but .* make 40.20"):
            import_text(bill, organization, text)
        assert not Remittance.objects.exists() and Claim.objects.get(pk=claim.pk).paid == 0


class TestCommand:
    def test_it_exits_0_when_posted_and_1_when_already_posted(
        self, tmp_path: Path, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        text = era(("ACME HEALTH", "EFT600", paid_claim(claim.number)))
        assert command(tmp_path, text) == (
            0,
            "Posted 1 claim payment(s) from era.835 (1 payment: ACME HEALTH EFT600).",
        )
        status, output = command(tmp_path, text.replace("~\n", "~"))
        assert status == 1 and "\n" not in output
        assert output.startswith("CommandError: era.835: Payment EFT600 from ACME HEALTH was already posted on ")

    @pytest.mark.parametrize(
        ("damage", "reason"),
        [
            (
                lambda t, n: t.replace("CAS*CO*45*9.80", "CAS*CO*45*9.00"),
                "Segment 15 (SVC): claim {number}, line 97140: charge 41.00 - paid 31.20 = 9.80, but the line's "
                "adjustments add up to 9.00; the payment does not balance. Nothing was posted.",
            ),
            (
                lambda t, n: t.replace("*69.00*45.20*", "*69.00*46.20*").replace("BPR*I*45.20*", "BPR*I*46.20*"),
                "Segment 13 (CLP): claim {number}: charge 69.00 - paid 46.20 = 22.80, but the adjustments add up to "
                "23.80; the payment does not balance. Nothing was posted.",
            ),
            (
                lambda t, n: t.replace(f"CLP*{n}*", "CLP*99999999*"),
                "Segment 13 (CLP): claim 99999999 is not a claim of this clinic; nothing posted.",
            ),
            (lambda t, n: t[: len(t) // 2], "looks truncated. Nothing was posted."),
        ],
    )
    def test_it_refuses_with_one_line_and_posts_nothing(
        self,
        damage: Callable[[str, str], str],
        reason: str,
        tmp_path: Path,
        tess: User,
        bill: User,
        organization: Organization,
    ) -> None:
        claim = sent(tess, bill, coverage_for(tess, organization))
        text = era(("ACME HEALTH", "EFT601", paid_claim(claim.number)))
        status, output = command(tmp_path, damage(text, claim.number))
        assert status == 1 and "\n" not in output
        assert output.startswith("CommandError: era.835: ") and output.endswith(reason.format(number=claim.number))
        assert not Remittance.objects.exists() and not Posting.objects.exists()
        claim.refresh_from_db()
        assert (claim.status, claim.paid) == ("submitted", 0)


def test_unknown_claims_refuse_the_whole_file(tess: User, bill: User, organization: Organization) -> None:
    known = sent(tess, bill, coverage_for(tess, organization))
    text = era(("ACME HEALTH", "EFT700", paid_claim(known.number) + paid_claim("99999999")))
    with pytest.raises(UnknownClaim, match=r"Segment 22 \(CLP\): claim 99999999 is not a claim of this clinic"):
        import_text(bill, organization, text)
    assert not Remittance.objects.exists() and Claim.objects.get(pk=known.pk).paid == 0


def test_the_demo_writer_answers_as_a_payer(tess: User, bill: User, organization: Organization) -> None:
    paid = sent(tess, bill, billable_patient(tess, organization, start=START))
    denied = sent(tess, bill, billable_patient(tess, organization, start=START))
    text = write_835([paid, denied], paid_on=date(2026, 11, 25), trace="EFT1001", cases={denied.number: DENIED})
    import_text(bill, organization, text)
    paid.refresh_from_db()
    # 186.00 charged, 80% allowed (148.80), the patient's 10.00 copay: the payer pays 138.80.
    assert (paid.status, paid.paid, paid.patient_responsibility, paid.adjusted, paid.balance) == (
        "paid",
        Decimal("138.80"),
        Decimal("10.00"),
        Decimal("37.20"),
        Decimal("0.00"),
    )
    denied.refresh_from_db()
    assert (denied.status, denied.paid) == ("denied", Decimal("0"))
    assert {a.reason for a in Posting.objects.get(claim=denied).adjustments.all()} == {"50"}


def test_the_demo_remittance_holds_every_answer_and_balances(
    tess: User, bill: User, organization: Organization
) -> None:
    """`fascia demo_835`'s mix: paid, split (partly paid), deductible, denied, reversed and corrected with
    interest (PLB L6). Each claim: charge = paid + adjusted + patient's share + what the payer still owes. A
    claim to a secondary payer is processed as secondary (CLP02 2) and never picked for the other answers."""
    secondary, *claims = [
        sent(tess, bill, billable_patient(tess, organization, start=START, visits=3)) for _ in range(6)
    ]
    Coverage.objects.filter(pk=secondary.coverage_id).update(rank=2)
    secondary = Claim.objects.select_related("coverage").get(pk=secondary.pk)
    cases = demo_cases([secondary, *claims])
    split, paid, deductible, denied, reversed_ = claims
    assert cases == {
        split.number: PARTIAL,
        deductible.number: DEDUCTIBLE,
        denied.number: DENIED,
        reversed_.number: REVERSED,
    }
    remittances = import_text(
        bill, organization, write_835([secondary, *claims], paid_on=date(2026, 11, 25), trace="EFT3", cases=cases)
    )
    secondary.refresh_from_db()
    assert (secondary.status, secondary.paid, Posting.objects.get(claim=secondary).status_code) == (
        "paid",
        Decimal("213.20"),
        "2",
    )
    for claim in claims:
        claim.refresh_from_db()
    lines = list(split.lines.order_by("service_date", "id"))
    assert len(lines) == 6  # three visits, two codes each

    def state(claim: Claim) -> tuple:
        return (claim.status, claim.paid, claim.adjusted, claim.patient_responsibility, claim.balance)

    # Paid: 80% of 279.00 allowed (223.20), less the 10.00 copay.
    assert state(paid) == ("paid", Decimal("213.20"), Decimal("55.80"), Decimal("10.00"), Decimal("0.00"))
    # Split: the first line paid (its 80% less the copay), the middle ones denied past the plan's visit limit
    # (CO-119, N640), the last one still owed by the payer.
    first, last = lines[0].amount, lines[-1].amount
    assert state(split) == (
        "partially-paid",
        first * ALLOWED_RATE - Decimal("10.00"),
        split.total_charge - last - first * ALLOWED_RATE,
        Decimal("10.00"),
        last,
    )
    posting = Posting.objects.get(claim=split)
    assert {
        (a.reason, r["code"]) for a in posting.adjustments.all() for r in posting.remarks if a.where == r["where"]
    } == {("119", "N640")}
    # Deductible: processed, nothing paid; the allowed amount is the patient's, and nothing is a denial.
    assert state(deductible) == ("paid", Decimal("0"), Decimal("55.80"), Decimal("223.20"), Decimal("0.00"))
    assert Posting.objects.get(claim=deductible).status_code == "1"
    assert state(denied) == ("denied", Decimal("0"), Decimal("279.00"), Decimal("0"), Decimal("0.00"))
    # Reversed: paid at 80% two weeks before, taken back, paid again at 90% (251.10 less the copay).
    assert state(reversed_) == ("paid", Decimal("241.10"), Decimal("27.90"), Decimal("10.00"), Decimal("0.00"))
    assert list(reversed_.postings.order_by("id").values_list("status_code", "state", "paid")) == [
        ("1", "reversed", Decimal("213.20")),
        ("22", "posted", Decimal("-213.20")),
        ("1", "posted", Decimal("241.10")),
    ]
    assert list(reversed_.events.values_list("to_status", flat=True).order_by("id"))[-3:] == [
        "paid",
        "accepted",
        "paid",
    ]
    # The interest on the corrected claim: a negative PLB, added to the payment (BPR02 = CLP04s − PLBs).
    plb = ProviderAdjustment.objects.get()
    assert (plb.reason, plb.reference, plb.amount) == ("L6", reversed_.number, Decimal("-4.82"))
    for remittance in remittances:
        claims_paid = sum(remittance.postings.values_list("paid", flat=True), Decimal("0"))
        withheld = sum(remittance.provider_adjustments.values_list("amount", flat=True), Decimal("0"))
        assert remittance.total_paid == claims_paid - withheld


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_post_once_and_answer_already_posted(
    tess: User, bill: User, organization: Organization
) -> None:
    """The same 835 imported five times at the same instant: one posts, four answer "already posted"; no
    IntegrityError escapes. On PostgreSQL the second INSERT of the payment waits for the first transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("a race between connections: PostgreSQL")
    claim = sent(tess, bill, coverage_for(tess, organization))
    text = era(("ACME HEALTH", "EFT800", paid_claim(claim.number)))
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def attempt(layout: str) -> None:
        try:
            barrier.wait()
            import_835(actor=bill, organization=organization, text=text.replace("~\n", layout))
            outcomes.append("posted")
        except AlreadyImported:
            outcomes.append("already posted")
        except Exception as e:  # anything else is the bug this test is about
            outcomes.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(layout,)) for layout in ("~\n", "~", "~\r\n", "~\n\n", "~ ")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already posted"] * 4 + ["posted"]
    claim.refresh_from_db()
    assert claim.paid == Decimal("45.20") and Remittance.objects.count() == 1 and Posting.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_on_the_page_answer_with_a_message(
    tess: User, bill: User, organization: Organization
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a race between connections: PostgreSQL")
    claim = sent(tess, bill, coverage_for(tess, organization))
    text = era(("ACME HEALTH", "EFT801", paid_claim(claim.number)))
    barrier = threading.Barrier(3)
    answers: list[tuple[int, bool]] = []

    def upload() -> None:
        try:
            client = Client(raise_request_exception=False)
            client.force_login(bill)
            barrier.wait()
            r = client.post(reverse("billing:remittances"), {"file": SimpleUploadedFile("era.835", text.encode())})
            answers.append((r.status_code, "already posted" in r.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [(200, True), (200, True), (302, False)]
    assert Remittance.objects.count() == 1


class TestActingOnHeld:
    """Billing staff post a held payment once its reason is gone, or dismiss it with a note."""

    def held(self, tess: User, bill: User, organization: Organization, trace: str) -> tuple[Claim, Posting]:
        claim = drafted(tess, coverage_for(tess, organization))
        import_text(bill, organization, era(("ACME HEALTH", trace, paid_claim(claim.number))))
        return claim, Posting.objects.get(remittance__trace_number=trace)

    def messages(self, response: HttpResponse) -> list[str]:
        return [str(m) for m in response.context["messages"]]

    def test_posting_waits_for_the_claim_to_be_sent(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        claim, posting = self.held(tess, bill, organization, "EFT300")
        login(client, bill)
        url = reverse("billing:post_held", args=[posting.pk])
        refused = client.post(url, follow=True)
        assert self.messages(refused) == [f"Not posted: Claim {claim.number} was never sent to a payer (it is draft)."]
        claim.refresh_from_db()
        assert (claim.status, claim.paid, Posting.objects.get(pk=posting.pk).state) == ("draft", 0, "held")
        services.move(services.mark_ready(actor=bill, claim=claim, today=START), Claim.Status.SUBMITTED, actor=bill)
        posted = client.post(url, follow=True)
        assert self.messages(posted) == [f"Posted the payment of 45.20 to claim {claim.number}."]
        claim.refresh_from_db()
        assert (claim.status, claim.paid, claim.adjusted, claim.patient_responsibility, claim.balance) == (
            "paid",
            Decimal("45.20"),
            Decimal("13.80"),
            Decimal("10.00"),
            Decimal("0.00"),
        )
        assert sorted(line.paid for line in claim.lines.all()) == [Decimal("14.00"), Decimal("31.20")]
        posting.refresh_from_db()
        assert (posting.state, posting.hold_reason) == ("posted", "")
        assert list(claim.events.values_list("to_status", "note").order_by("id"))[-1] == (
            "paid",
            "835 EFT300: paid 45.20, patient owes 10.00",
        )
        assert AuditEvent.objects.filter(action=AuditAction.HELD_PAYMENT_POSTED, actor=bill).count() == 1
        again = client.post(url, follow=True)
        assert self.messages(again) == [f"The payment for claim {claim.number} is not held for review."]

    def test_dismissing_needs_a_note_and_keeps_it(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        claim, posting = self.held(tess, bill, organization, "EFT301")
        login(client, bill)
        url = reverse("billing:dismiss_held", args=[posting.pk])
        page = client.get(reverse("billing:remittances")).content.decode()
        assert url in page
        empty = client.post(url, {"note": "  "}, follow=True)
        assert self.messages(empty) == ["Say why the payment is dismissed, e.g. a refund was asked of the payer."]
        assert Posting.objects.get(pk=posting.pk).state == "held"
        done = client.post(url, {"note": "Refund requested from the payer"}, follow=True)
        assert self.messages(done) == [f"Dismissed the payment of 45.20 for claim {claim.number}."]
        posting.refresh_from_db()
        assert (posting.state, posting.dismissal_note) == ("dismissed", "Refund requested from the payer")
        claim.refresh_from_db()
        assert (claim.status, claim.paid) == ("draft", 0)
        entry = AuditEvent.objects.get(action=AuditAction.HELD_PAYMENT_DISMISSED)
        assert (entry.actor, entry.detail["note"]) == (bill, "Refund requested from the payer")
        assert url not in client.get(reverse("billing:remittances")).content.decode()
        claim_page = client.get(reverse("billing:claim", args=[claim.public_id])).content.decode()
        assert "dismissed: Refund requested from the payer" in claim_page
        refused = client.post(reverse("billing:post_held", args=[posting.pk]), follow=True)
        assert self.messages(refused) == [f"The payment for claim {claim.number} is not held for review."]

    def test_another_clinics_payment_is_no_such_payment(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        _, posting = self.held(tess, bill, organization, "EFT302")
        other = Organization.objects.create(legal_name="Other Clinic", tax_id="98-7654321", group_npi="1245319599")
        login(client, make_user(other, "otherbill", Role.BILLING))
        for name, data in [("billing:post_held", {}), ("billing:dismiss_held", {"note": "mine now"})]:
            response = client.post(reverse(name, args=[posting.pk]), data, follow=True)
            assert self.messages(response) == ["There is no such payment."]
        assert Posting.objects.get(pk=posting.pk).state == "held"
        assert not AuditEvent.objects.filter(action__startswith="billing.posting.").exists()
