"""The 837P: what the file says, pyx12's verdict on it, and what exporting does to the claims."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import pyx12.params
import pyx12.x12n_document
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.claims import services
from fascia.billing.models import (
    Authorization,
    Batch,
    Claim,
    ClaimEvent,
    ClaimLine,
    Coverage,
    Payer,
)
from fascia.billing.models import Clearinghouse as ClearinghouseRow
from fascia.billing.scrubber import scrub
from fascia.billing.tests.factories import (
    billable_patient,
    clearinghouse,
    payer,
    post_835,
    second_coverage,
    sent_claim,
)
from fascia.billing.x12.edi837 import Clearinghouse, Envelope
from fascia.billing.x12.from_models import build_837
from fascia.billing.x12.validate import validate_837
from fascia.conftest import login, make_user
from fascia.core.models import Location, Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.patients.models import Consent, Patient
from fascia.practitioners.models import Practitioner

START = date(2026, 11, 2)  # visits on START and START + 2 days
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
ENVELOPE = Envelope(1, NOW, Clearinghouse("Availity", submitter_id="SUB4471", receiver_id="030240928"))
PAID_ON = date(2026, 11, 16)  # the primary payer's remittance
INJURY = "20261023"  # the factory's injury date, START - 10 days
S = Claim.Status


def ready(tess: User, bill: User, coverage: Coverage) -> Claim:
    claim = services.create_claim(
        actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )
    return services.mark_ready(actor=bill, claim=claim, today=TODAY)


def secondary_claim(bill: User, primary: Coverage) -> Claim:
    """The secondary claim drafted when the demo payer's 835 for the primary coverage's claim posts, ready."""
    sent = sent_claim(bill, primary, today=TODAY)
    post_835(bill, [sent], paid_on=PAID_ON)
    return services.mark_ready(actor=bill, claim=Claim.objects.get(primary_claim=sent), today=TODAY)


def ready_claim(tess: User, bill: User, organization: Organization, **kwargs: object) -> Claim:
    return ready(tess, bill, billable_patient(tess, organization, start=START, **kwargs))


def export(bill: User, claims: list[Claim], **kwargs: object) -> Batch:
    return services.export_claims(actor=bill, claims=claims, now=NOW, **kwargs)


def segments(content: str) -> list[str]:
    assert content.endswith("~")
    return content.split("~")[:-1]


def claim_loop(content: str, number: str) -> list[str]:
    """One claim's segments: its subscriber HL (2000B) through its last service line."""
    segs = segments(content)
    starts = [i for i, s in enumerate(segs) if s.startswith("HL*") and s.split("*")[3] == "22"]
    end = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
    for first, after in zip(starts, starts[1:] + [end], strict=True):
        if any(s.startswith(f"CLM*{number}*") for s in segs[first:after]):
            return segs[first:after]
    raise AssertionError(f"Claim {number} is not in the file")


def pyx12_accepts(content: str) -> bool:
    """pyx12's own verdict, independent of how validate_837 reads its findings."""
    return pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=io.StringIO(content), fd_997=None, fd_html=None
    )


def rename(patient: Patient, family: str, given: str, **fields: object) -> None:
    Patient.objects.filter(pk=patient.pk).update(family_name=family, given_name=given, **fields)


SERVICE_LINES = [
    "LX*1",
    "SV1*HC:97124:59*28*UN*1***1",
    "DTP*472*D8*20261102",
    "LX*2",
    "SV1*HC:97140*65*UN*2***1",
    "DTP*472*D8*20261102",
    "LX*3",
    "SV1*HC:97124:59*28*UN*1***1",
    "DTP*472*D8*20261104",
    "LX*4",
    "SV1*HC:97140*65*UN*2***1",
    "DTP*472*D8*20261104",
]


def rendering(tess: User) -> list[str]:
    return [f"NM1*82*1*TEST*TESS****XX*{tess.practitioner.npi}", "PRV*PE*PXC*225700000X"]


class TestFile:
    def test_every_kind_of_claim_in_one_valid_file(self, tess: User, bill: User, organization: Organization) -> None:
        claims = {
            kind: ready_claim(tess, bill, organization, kind=kind)
            for kind in ("commercial", "medicare", "medicaid", "workers-comp", "auto")
        }
        dependent = billable_patient(tess, organization, start=START)
        Coverage.objects.filter(pk=dependent.pk).update(
            relationship="19", subscriber_family_name="Parent", subscriber_given_name="Pat"
        )
        Patient.objects.filter(pk=dependent.patient_id).update(
            address_line1="5 Elm St", city="Seattle", state="WA", postal_code="98101"
        )
        claims["dependent"] = ready(tess, bill, Coverage.objects.get(pk=dependent.pk))
        primary = billable_patient(tess, organization, start=START)
        second_coverage(primary, Payer.Kind.MEDICARE, name="Medicare Part B", payer_id="MCRB1")
        claims["secondary"] = secondary_claim(bill, primary)

        batch = export(bill, list(claims.values()))

        assert validate_837(batch.content) == []
        assert pyx12_accepts(batch.content) is True
        indicators = {kind: claim_loop(batch.content, c.number)[1].rsplit("*", 1)[1] for kind, c in claims.items()}
        assert indicators == {
            "commercial": "CI",
            "medicare": "MB",
            "medicaid": "MC",
            "workers-comp": "WC",
            "auto": "AM",
            "dependent": "CI",
            "secondary": "MB",
        }
        segs = segments(batch.content)
        assert [s for s in segs if s.startswith("HL*")] == [
            "HL*1**20*1",
            "HL*2*1*22*0",
            "HL*3*1*22*0",
            "HL*4*1*22*0",
            "HL*5*1*22*0",
            "HL*6*1*22*0",
            "HL*7*1*22*1",
            "HL*8*7*23*0",
            "HL*9*1*22*0",
        ]
        assert {c.status for c in claims.values()} | {c.status for c in Claim.objects.filter(batch=batch)} == {
            S.READY,  # the objects as they were
            S.SUBMITTED,
        }
        assert Claim.objects.filter(batch=batch).count() == len(claims)

    def test_the_envelope_and_billing_provider(self, tess: User, bill: User, organization: Organization) -> None:
        claim = ready_claim(tess, bill, organization)
        segs = segments(export(bill, [claim]).content)
        isa = segs[0].split("*")
        assert len(segs[0]) == 105  # 106 with the terminator: ISA is fixed width
        # The clearinghouse's settings (the factory's), not the practice's tax ID or a placeholder.
        assert isa[5:9] == ["ZZ", "SUB4471        ", "01", "030240928      "]
        assert isa[11:] == ["^", "00501", "000000001", "0", "P", ":"]
        assert segs[1].split("*")[:3] == ["GS", "HC", "SUB4471"] and segs[1].split("*")[3] == "030240928"
        assert segs[1].split("*")[6:] == ["1", "X", "005010X222A1"]
        assert segs[2] == "ST*837*0001*005010X222A1"
        assert segs[3].split("*")[:3] == ["BHT", "0019", "00"] and segs[3].endswith("*CH")
        assert segs[4:12] == [
            "NM1*41*2*TEST MASSAGE CLINIC, LLC*****46*SUB4471",
            "PER*IC*BILLING OFFICE*TE*2065550199",
            "NM1*40*2*AVAILITY*****46*030240928",
            "HL*1**20*1",
            "NM1*85*2*TEST MASSAGE CLINIC, LLC*****XX*1234567893",
            "N3*1 TEST STREET",
            "N4*SEATTLE*WA*981011234",
            "REF*EI*123456789",
        ]
        se = segs.index(next(s for s in segs if s.startswith("SE*")))
        assert segs[se] == f"SE*{se - 2 + 1}*0001"  # ST through SE
        assert segs[se + 1 :] == ["GE*1*1", "IEA*1*000000001"]

    def test_a_commercial_claim(self, tess: User, bill: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        rename(coverage.patient, "O'Neil-Smith", "Zoë", birth_date=date(1980, 4, 1))
        # The card's copay is collected at the desk, not billed: the claim is the same (no AMT*F5, CLM02 the charge).
        Coverage.objects.filter(pk=coverage.pk).update(copay=Decimal("20.00"))
        claim = ready(tess, bill, coverage)
        content = export(bill, [claim]).content
        assert claim_loop(content, claim.number) == [
            "HL*2*1*22*0",
            "SBR*P*18*G-100******CI",
            "NM1*IL*1*O'NEIL-SMITH*ZOE****MI*XYZ123456789",
            "DMG*D8*19800401*F",
            "NM1*PR*2*COMMERCIAL HEALTH PLAN*****PI*60054",
            "N3*PO BOX 14079",
            "N4*LEXINGTON*KY*40512",
            f"CLM*{claim.number}*186***11:B:1*Y*A*Y*Y",
            "HI*ABK:M5450",
            "NM1*DN*1*ROWE*ADA****XX*1234567893",
            *rendering(tess),
            *SERVICE_LINES,
        ]
        assert "~HI*ABK:M5450~" in content and "~SV1*HC:97124:59*28*UN*1***1~" in content

    @pytest.mark.parametrize(
        ("kind", "cause", "indicator"),
        [(Payer.Kind.WORKERS_COMP, "EM", "WC"), (Payer.Kind.AUTO, "AA:::NY", "AM")],
    )
    def test_injury_claims(
        self, tess: User, bill: User, organization: Organization, kind: str, cause: str, indicator: str
    ) -> None:
        claim = ready_claim(tess, bill, organization, kind=kind)
        content = export(bill, [claim]).content
        loop = claim_loop(content, claim.number)
        assert loop[1] == f"SBR*P*18*G-100******{indicator}"
        assert loop[4] == "REF*Y4*WC-2026-0042"  # in 2010BA, after NM1*IL and DMG
        clm = loop.index(next(s for s in loop if s.startswith("CLM*")))
        assert loop[clm : clm + 4] == [
            f"CLM*{claim.number}*186***11:B:1*Y*A*Y*Y**{cause}",
            f"DTP*431*D8*{INJURY}",
            f"DTP*439*D8*{INJURY}",
            "HI*ABK:M5450",
        ]
        assert validate_837(content) == []

    def test_a_claim_without_injury_has_no_accident_date(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        content = export(bill, [ready_claim(tess, bill, organization)]).content
        assert "DTP*439*" not in content and "DTP*431*" not in content and "REF*Y4*" not in content

    def test_a_patient_who_is_not_the_subscriber(self, tess: User, bill: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        Coverage.objects.filter(pk=coverage.pk).update(
            relationship="01", subscriber_family_name="Nguyen", subscriber_given_name="Bao"
        )
        rename(
            coverage.patient,
            "Nguyen",
            "Linh",
            birth_date=date(1985, 6, 7),
            address_line1="12 Pine St #4",
            city="Seattle",
            state="WA",
            postal_code="98101-1234",
        )
        claim = ready(tess, bill, Coverage.objects.get(pk=coverage.pk))
        content = export(bill, [claim]).content
        assert validate_837(content) == []
        assert claim_loop(content, claim.number)[:15] == [
            "HL*2*1*22*1",
            "SBR*P**G-100******CI",
            "NM1*IL*1*NGUYEN*BAO****MI*XYZ123456789",
            "NM1*PR*2*COMMERCIAL HEALTH PLAN*****PI*60054",
            "N3*PO BOX 14079",
            "N4*LEXINGTON*KY*40512",
            "HL*3*2*23*0",
            "PAT*01",
            "NM1*QC*1*NGUYEN*LINH",
            "N3*12 PINE ST 4",
            "N4*SEATTLE*WA*981011234",
            "DMG*D8*19850607*F",
            f"CLM*{claim.number}*186***11:B:1*Y*A*Y*Y",
            "HI*ABK:M5450",
            "NM1*DN*1*ROWE*ADA****XX*1234567893",
        ]

    def test_a_secondary_claim_carries_the_primary_payers_decision(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second_coverage(primary, Payer.Kind.MEDICAID, name="State Medicaid", payer_id="SMCD1")
        claim = secondary_claim(bill, primary)
        content = export(bill, [claim]).content
        assert validate_837(content) == [] and pyx12_accepts(content)
        loop = claim_loop(content, claim.number)
        assert loop[1] == "SBR*S*18*******MC"  # 2000B: the secondary payer billed
        assert f"CLM*{claim.number}*186***11:B:1*Y*A*Y*Y" in loop  # the primary's charges
        other = loop.index("PRV*PE*PXC*225700000X") + 1
        patient = primary.patient
        # The demo payer allowed 80% per line (CO-45 the rest, at line level) and left a 10.00 copay (PR-3) on the
        # first line: paid 186 - 37.20 - 10 = 138.80. It sent no claim-level adjustment, so 2320 has no CAS.
        assert loop[other : other + 8] == [
            "SBR*P*18*G-100******CI",  # 2320: the primary coverage
            "AMT*D*138.8",  # what it paid
            "AMT*EAF*10",  # what it left to the patient
            "OI***Y***Y",
            f"NM1*IL*1*{patient.family_name.upper()}*{patient.given_name.upper()}****MI*XYZ123456789",
            "NM1*PR*2*COMMERCIAL HEALTH PLAN*****PI*60054",
            "DTP*573*D8*20261116",  # 2330B: the remittance's date
            "LX*1",
        ]
        # 2430 per line: the primary payer's ID as in 2330B, what it paid, the code as billed, the units; its
        # adjustments by group; the adjudication date. Each balances: charge = paid + adjustments.
        assert loop[other + 7 :] == [
            "LX*1",
            "SV1*HC:97124:59*28*UN*1***1",
            "DTP*472*D8*20261102",
            "SVD*60054*12.4*HC:97124:59**1",
            "CAS*CO*45*5.6",
            "CAS*PR*3*10",
            "DTP*573*D8*20261116",
            "LX*2",
            "SV1*HC:97140*65*UN*2***1",
            "DTP*472*D8*20261102",
            "SVD*60054*52*HC:97140**2",
            "CAS*CO*45*13",
            "DTP*573*D8*20261116",
            "LX*3",
            "SV1*HC:97124:59*28*UN*1***1",
            "DTP*472*D8*20261104",
            "SVD*60054*22.4*HC:97124:59**1",
            "CAS*CO*45*5.6",
            "DTP*573*D8*20261116",
            "LX*4",
            "SV1*HC:97140*65*UN*2***1",
            "DTP*472*D8*20261104",
            "SVD*60054*52*HC:97140**2",
            "CAS*CO*45*13",
            "DTP*573*D8*20261116",
        ]

    def test_a_decision_that_does_not_balance_is_not_exported(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second_coverage(primary)
        claim = secondary_claim(bill, primary)
        # The primary's posted line payment no longer adds up with its adjustments to the line's charge.
        ClaimLine.objects.filter(claim=claim.primary_claim, cpt_code="97140").update(paid=Decimal("50.00"))
        with pytest.raises(services.BillingError, match=rf"^Nothing was exported. Claim {claim.number}, line 2"):
            export(bill, [claim])
        assert Claim.objects.get(pk=claim.pk).status == S.READY and not Batch.objects.exists()

    def test_a_primary_claim_names_a_known_second_payer_without_amounts(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second_coverage(primary, Payer.Kind.MEDICARE, name="Medicare Part B", payer_id="MCRB1")
        claim = ready(tess, bill, primary)
        content = export(bill, [claim]).content
        assert validate_837(content) == [] and pyx12_accepts(content)
        loop = claim_loop(content, claim.number)
        assert loop[1] == "SBR*P*18*G-100******CI"
        other = loop.index("PRV*PE*PXC*225700000X") + 1
        patient = primary.patient
        # 2320 of the second payer: SBR01 S, and SBR05 12 as Medicare is secondary to an employer plan; no CAS,
        # AMT or DTP*573 (it has decided nothing).
        assert loop[other : other + 5] == [
            "SBR*S*18***12****MB",
            "OI***Y***Y",
            f"NM1*IL*1*{patient.family_name.upper()}*{patient.given_name.upper()}****MI*SEC-55",
            "NM1*PR*2*MEDICARE PART B*****PI*MCRB1",
            "LX*1",
        ]

    def test_authorization_diagnoses_and_a_second_practitioner(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START)
        Authorization.objects.create(
            coverage=coverage, number="AUTH-9", visits_allowed=12, starts_on=START, ends_on=START + timedelta(days=60)
        )
        claim = ready(tess, bill, coverage)
        Claim.objects.filter(pk=claim.pk).update(diagnoses=["M54.50", "M62.830"])
        other = Practitioner.objects.create(
            user=make_user(organization, "rita", Role.PRACTITIONER), npi=with_check_digit("123456781")
        )
        last = claim.lines.last()
        ClaimLine.objects.filter(pk=last.pk).update(rendering=other, diagnosis_pointers=[1, 2], amount=Decimal("32.50"))
        content = export(bill, [claim]).content
        assert validate_837(content) == []
        loop = claim_loop(content, claim.number)
        assert f"CLM*{claim.number}*153.5***11:B:1*Y*A*Y*Y" in loop  # 28 + 65 + 28 + 32.50
        assert "REF*G1*AUTH-9" in loop
        assert "HI*ABK:M5450*ABF:M62830" in loop
        assert loop[-5:] == [
            "LX*4",
            "SV1*HC:97140*32.5*UN*2***1:2",
            "DTP*472*D8*20261104",
            f"NM1*82*1*TEST*RITA****XX*{other.npi}",  # 2420A: not the claim's rendering provider
            "PRV*PE*PXC*225700000X",
        ]

    def test_text_is_sanitized(self, tess: User, bill: User, organization: Organization) -> None:
        Organization.objects.filter(pk=organization.pk).update(legal_name="Café Ñandú* Massage: ~Clinic^ #2")
        content = export(bill, [ready_claim(tess, bill, organization)]).content
        assert "~NM1*85*2*CAFE NANDU MASSAGE CLINIC 2*****XX*1234567893~" in content
        assert validate_837(content) == []


class TestExport:
    def test_it_marks_the_claims_submitted(self, tess: User, bill: User, organization: Organization) -> None:
        claim = ready_claim(tess, bill, organization)
        batch = export(bill, [claim])
        claim.refresh_from_db()
        assert (claim.status, claim.batch, claim.submitted_at) == (S.SUBMITTED, batch, NOW)
        assert (batch.organization, batch.created_by, batch.control_number) == (organization, bill, 1)
        event = claim.events.last()
        assert (event.from_status, event.to_status, event.note) == ("ready", "submitted", "837P batch 1")
        audit = AuditEvent.objects.get(action=AuditAction.CLAIMS_EXPORTED)
        assert audit.detail == {"claims": [claim.number], "replacements": []}

    def test_control_numbers_are_unique_and_increasing(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        Batch.objects.create(organization=organization, control_number=41, content="")
        first = export(bill, [ready_claim(tess, bill, organization)])
        second = export(bill, [ready_claim(tess, bill, organization)])
        assert (first.control_number, second.control_number) == (42, 43)
        for batch, number in ((first, "42"), (second, "43")):
            segs = segments(batch.content)
            assert segs[0].split("*")[13] == f"{int(number):09d}"
            assert segs[1].split("*")[6] == number
            assert segs[2] == f"ST*837*00{number}*005010X222A1"
            assert segs[-2:] == [f"GE*1*{number}", f"IEA*1*{int(number):09d}"]

    def test_a_second_export_refuses_claims_already_sent(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        sent = ready_claim(tess, bill, organization)
        waiting = ready_claim(tess, bill, organization)
        batch = export(bill, [sent])
        events = ClaimEvent.objects.count()
        with pytest.raises(services.BillingError, match=f"Claim {sent.number} was already sent"):
            export(bill, [sent, waiting])
        assert list(Batch.objects.all()) == [batch]
        assert ClaimEvent.objects.count() == events
        waiting.refresh_from_db()
        assert (waiting.status, waiting.batch, waiting.submitted_at) == (S.READY, None, None)

    def test_resubmit_sends_a_replacement(self, tess: User, bill: User, organization: Organization) -> None:
        claim = ready_claim(tess, bill, organization)
        export(bill, [claim])
        Claim.objects.filter(pk=claim.pk).update(payer_claim_number="PCN-778")
        batch = export(bill, [claim], resubmit=True)
        assert validate_837(batch.content) == []
        loop = claim_loop(batch.content, claim.number)
        assert loop[7:10] == [f"CLM*{claim.number}*186***11:B:7*Y*A*Y*Y", "REF*F8*PCN-778", "HI*ABK:M5450"]
        claim.refresh_from_db()
        assert (claim.status, claim.frequency, claim.batch, batch.control_number) == (S.SUBMITTED, "7", batch, 2)
        event = claim.events.last()
        assert (event.from_status, event.to_status) == ("submitted", "submitted")
        assert event.note == "837P batch 2: resubmitted as a replacement"
        audit = AuditEvent.objects.filter(action=AuditAction.CLAIMS_EXPORTED).order_by("id").last()
        assert audit.detail == {"claims": [claim.number], "replacements": [claim.number]}

    def test_a_denied_claim_resubmitted_waits_for_the_payer_again(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = ready_claim(tess, bill, organization)
        export(bill, [claim])
        services.change_status(actor=bill, claim=claim, to=S.DENIED)
        Claim.objects.filter(pk=claim.pk).update(payer_claim_number="PCN-9")
        export(bill, [claim], resubmit=True)
        claim.refresh_from_db()
        assert claim.status == S.SUBMITTED
        assert [(e.from_status, e.to_status) for e in claim.events.all()][-2:] == [
            ("submitted", "denied"),
            ("denied", "submitted"),
        ]

    def test_a_replacement_needs_the_payers_claim_number(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = ready_claim(tess, bill, organization)
        export(bill, [claim])
        with pytest.raises(services.BillingError, match=f"Claim {claim.number} has no payer claim number to replace"):
            export(bill, [claim], resubmit=True)
        claim.refresh_from_db()
        assert (claim.frequency, claim.batch.control_number, Batch.objects.count()) == ("1", 1, 1)

    def test_a_draft_is_refused_even_with_resubmit(self, tess: User, bill: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        draft = services.create_claim(
            actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
        )
        with pytest.raises(services.BillingError, match=f"Claim {draft.number} is draft, not ready"):
            export(bill, [draft], resubmit=True)
        assert not Batch.objects.exists()

    def test_a_paper_payer_is_refused(self, tess: User, bill: User, organization: Organization) -> None:
        claim = ready_claim(tess, bill, organization)
        Payer.objects.update(claim_method=Payer.ClaimMethod.PAPER)
        with pytest.raises(services.BillingError, match="by Paper \\(CMS-1500\\), not in an 837P"):
            export(bill, [claim])
        assert Claim.objects.get(pk=claim.pk).status == S.READY

    def test_a_claim_with_51_lines_is_refused(self, tess: User, bill: User, organization: Organization) -> None:
        claim = ready_claim(tess, bill, organization)
        first = claim.lines.first()
        ClaimLine.objects.bulk_create(
            ClaimLine(
                claim=claim,
                note=first.note,
                service_date=first.service_date,
                cpt_code="97140",
                units=1,
                diagnosis_pointers=[1],
                place_of_service="11",
                rendering=first.rendering,
                fee=Decimal("32.50"),
                amount=Decimal("32.50"),
            )
            for _ in range(47)
        )
        assert claim.lines.count() == 51
        with pytest.raises(ValueError, match="51 lines; an 837P claim holds at most 50"):
            build_837([claim], ENVELOPE)
        with pytest.raises(services.BillingError, match="at most 50"):
            export(bill, [claim])
        claim.refresh_from_db()
        assert (claim.status, claim.batch, Batch.objects.count()) == (S.READY, None, 0)

    def test_more_than_5000_claims_is_refused(self, tess: User, bill: User, organization: Organization) -> None:
        claim = ready_claim(tess, bill, organization)
        with pytest.raises(ValueError, match="5001 claims is more than the 5000"):
            build_837([claim] * 5001, ENVELOPE)

    def test_more_than_100_claims_go_in_one_valid_file(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        # Loop 2300 repeats at most 100 times under one subscriber; each claim has its own subscriber loop.
        claim = ready_claim(tess, bill, organization)
        text = build_837([claim] * 101, ENVELOPE)
        assert text.count("~CLM*") == 101
        assert validate_837(text) == []

    def test_a_broken_claim_fails_validation_and_nothing_is_marked(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        good = ready_claim(tess, bill, organization)
        broken = ready_claim(tess, bill, organization)
        Coverage.objects.filter(pk=broken.coverage_id).update(member_id="")  # after the scrubber passed it
        content = build_837([good, Claim.objects.get(pk=broken.pk)], ENVELOPE)
        findings = validate_837(content)
        assert any(f.startswith(f"Claim {broken.number}, segment ") and "(NM109) is missing" in f for f in findings)
        assert not any(good.number in f for f in findings)
        assert pyx12_accepts(content) is False
        with pytest.raises(services.BillingError, match=f"failed validation.*Claim {broken.number}.*NM109"):
            export(bill, [good, broken])
        assert not Batch.objects.exists()
        assert set(Claim.objects.values_list("status", "batch", "submitted_at")) == {(S.READY, None, None)}
        assert not AuditEvent.objects.filter(action=AuditAction.CLAIMS_EXPORTED).exists()

    def test_the_submitter_needs_a_phone(self, tess: User, bill: User, organization: Organization) -> None:
        claim = ready_claim(tess, bill, organization)
        Organization.objects.filter(pk=organization.pk).update(phone="")
        ClearinghouseRow.objects.update(contact_phone="")  # else the clearinghouse's contact phone is the submitter's
        with pytest.raises(services.BillingError, match="has no phone number"):
            export(bill, [claim])
        assert Claim.objects.get(pk=claim.pk).status == S.READY


class TestValidate:
    def test_it_reports_pyx12_findings(self, tess: User, bill: User, organization: Organization) -> None:
        content = export(bill, [ready_claim(tess, bill, organization)]).content
        se = next(s for s in segments(content) if s.startswith("SE*"))
        count = int(se.split("*")[1])
        broken = content.replace(f"~{se}~", f"~SE*{count + 1}*0001~")
        assert validate_837(broken) == [
            f"Transaction set: SE count of {count + 1} for SE02=0001 is wrong. I count {count}"
        ]

    def test_text_that_is_not_x12(self) -> None:
        assert validate_837("Dear payer, please pay.") != []

    def test_the_guides_example_is_valid(self) -> None:
        sample = Path(__file__).parent / "samples"
        assert validate_837((sample / "sample_837P_A1_guide_example.txt").read_text()) == []


class TestCommand:
    def test_it_writes_the_file_and_marks_claims_submitted(
        self, tess: User, bill: User, organization: Organization, tmp_path: Path
    ) -> None:
        claims = [ready_claim(tess, bill, organization), ready_claim(tess, bill, organization)]
        out, path = io.StringIO(), tmp_path / "claims.837"
        call_command("export_837", "--out", str(path), stdout=out)
        batch = Batch.objects.get()
        assert path.read_text(encoding="ascii") == batch.content
        assert validate_837(path.read_text(encoding="ascii")) == []
        assert out.getvalue() == f"Wrote 2 claim(s) to {path}: 837P control number 000000001.\n"
        assert [(c.status, c.batch) for c in Claim.objects.filter(pk__in=[c.pk for c in claims])] == [
            (S.SUBMITTED, batch),
            (S.SUBMITTED, batch),
        ]

    def test_nothing_to_export(self, organization: Organization, tmp_path: Path) -> None:
        path = tmp_path / "claims.837"
        with pytest.raises(CommandError, match="No ready electronic claims"):
            call_command("export_837", "--out", str(path))
        assert not path.exists()

    def test_it_never_sends_a_claim_twice_unless_resubmitted(
        self, tess: User, bill: User, organization: Organization, tmp_path: Path
    ) -> None:
        claim = ready_claim(tess, bill, organization)
        call_command("export_837", "--out", str(tmp_path / "first.837"), stdout=io.StringIO())
        with pytest.raises(CommandError, match="No ready electronic claims"):
            call_command("export_837", "--out", str(tmp_path / "again.837"))
        with pytest.raises(CommandError, match=f"Claim {claim.number} was already sent.*No file was written"):
            call_command("export_837", "--out", str(tmp_path / "again.837"), "--claim", claim.number)
        assert not (tmp_path / "again.837").exists()
        assert Batch.objects.count() == 1
        Claim.objects.filter(pk=claim.pk).update(payer_claim_number="PCN-1")
        path = tmp_path / "replacement.837"
        call_command("export_837", "--out", str(path), "--claim", claim.number, "--resubmit", stdout=io.StringIO())
        assert f"~CLM*{claim.number}*186***11:B:7*Y*A*Y*Y~REF*F8*PCN-1~" in path.read_text(encoding="ascii")

    def test_it_does_not_overwrite_a_file(
        self, tess: User, bill: User, organization: Organization, tmp_path: Path
    ) -> None:
        claim = ready_claim(tess, bill, organization)
        path = tmp_path / "claims.837"
        path.write_text("an earlier batch")
        with pytest.raises(CommandError, match="already exists"):
            call_command("export_837", "--out", str(path))
        assert path.read_text() == "an earlier batch"
        assert Claim.objects.get(pk=claim.pk).status == S.READY

    def test_an_unknown_claim_number(self, organization: Organization, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="No claim numbered 99999999"):
            call_command("export_837", "--out", str(tmp_path / "x.837"), "--claim", "99999999")
        assert not (tmp_path / "x.837").exists()

    def test_claims_of_several_practices_are_not_mixed(
        self, tess: User, bill: User, organization: Organization, tmp_path: Path
    ) -> None:
        ours = ready_claim(tess, bill, organization)
        theirs = ready_claim(tess, bill, organization)
        other = Organization.objects.create(legal_name="Other Clinic", tax_id="98-7654321", group_npi="1234567893")
        Claim.objects.filter(pk=theirs.pk).update(organization=other)
        path = tmp_path / "claims.837"
        with pytest.raises(CommandError, match="belong to 2 practices"):
            call_command("export_837", "--out", str(path))
        with pytest.raises(CommandError, match="more than one practice"):
            call_command("export_837", "--out", str(path), "--claim", ours.number, "--claim", theirs.number)
        assert not path.exists()
        assert set(Claim.objects.values_list("status", flat=True)) == {S.READY}


def test_the_claim_page_names_the_file_the_claim_went_in(
    client: Client, tess: User, bill: User, organization: Organization
) -> None:
    claim = ready_claim(tess, bill, organization)
    login(client, bill)
    page = reverse("billing:claim", args=[claim.public_id])
    assert "Last sent in 837P file" not in client.get(page).content.decode()
    batch = export(bill, [claim])
    shown = client.get(page).content.decode()
    assert f"Last sent in 837P file {batch.control_number:09d}" in shown
    download = reverse("billing:batch", args=[batch.control_number])
    assert f'href="{download}"' in shown and client.get(download).content.decode() == batch.content


def test_the_export_button_sends_a_bounded_file_lowest_numbers_first(
    client: Client, tess: User, bill: User, organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fascia.billing.views.EXPORT_CLAIMS", 2)
    claims = [ready_claim(tess, bill, organization) for _ in range(3)]
    login(client, bill)
    page = client.post(reverse("billing:export"), follow=True).content.decode()
    first = Batch.objects.get()
    assert f"2 claim(s) written to 837P file {first.control_number:09d}. 1 ready claim(s) wait" in page
    assert set(first.claims.all()) == set(claims[:2])
    page = client.post(reverse("billing:export"), follow=True).content.decode()
    assert "1 claim(s) written" in page and "wait for the next file" not in page
    assert Batch.objects.count() == 2 and not Claim.objects.filter(status=S.READY).exists()


class TestClearinghouseSettings:
    def test_without_a_clearinghouse_nothing_is_exported(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        claim = ready_claim(tess, bill, organization)
        ClearinghouseRow.objects.all().delete()
        with pytest.raises(services.BillingError, match="No clearinghouse is set for Commercial Health Plan: an admin"):
            export(bill, [claim])
        assert (Claim.objects.get(pk=claim.pk).status, Batch.objects.count()) == (S.READY, 0)
        assert scrub(claim, today=TODAY) == [
            "No clearinghouse is set for Commercial Health Plan's electronic claims: an admin enters one under "
            "Billing → Payers (its submitter and receiver IDs) and makes it the default or names it on the payer."
        ]

    def test_the_export_command_refuses_with_the_reason(
        self, tess: User, bill: User, organization: Organization, tmp_path: Path
    ) -> None:
        ready_claim(tess, bill, organization)
        ClearinghouseRow.objects.all().delete()
        with pytest.raises(CommandError, match="No clearinghouse is set for Commercial Health Plan"):
            call_command("export_837", out=tmp_path / "claims.837")
        assert not (tmp_path / "claims.837").exists()

    def test_a_payer_may_name_its_own_clearinghouse(self, tess: User, bill: User, organization: Organization) -> None:
        claim = ready_claim(tess, bill, organization)
        own = clearinghouse(
            organization, name="Office Ally", is_default=False, submitter_id="OA77", receiver_id="330897513"
        )
        Payer.objects.filter(pk=claim.payer_id).update(clearinghouse=own)
        content = export(bill, [claim]).content
        assert validate_837(content) == [] and pyx12_accepts(content)
        segs = segments(content)
        assert segs[0].split("*")[6:9] == ["OA77           ", "01", "330897513      "]
        assert segs[1].split("*")[2:4] == ["OA77", "330897513"]
        assert segs[6] == "NM1*40*2*OFFICE ALLY*****46*330897513"

    def test_claims_for_two_clearinghouses_are_refused(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        first, second = ready_claim(tess, bill, organization), ready_claim(tess, bill, organization)
        own = clearinghouse(organization, name="Office Ally", is_default=False)
        Payer.objects.filter(pk=second.payer_id).update(clearinghouse=own)
        with pytest.raises(services.BillingError, match=r"2 clearinghouses \(Availity, Office Ally\)"):
            export(bill, [first, second])
        assert set(Claim.objects.values_list("status", flat=True)) == {S.READY}


class TestServiceFacility:
    def test_a_visit_at_another_address_names_the_facility(
        self, tess: User, bill: User, organization: Organization, location: Location
    ) -> None:
        Location.objects.filter(pk=location.pk).update(
            address_line1="2400 River Road", city="Renton", state="WA", postal_code="98057-4321"
        )
        claim = ready_claim(tess, bill, organization)
        content = export(bill, [claim]).content
        assert validate_837(content) == [] and pyx12_accepts(content)
        loop = claim_loop(content, claim.number)
        rendering_at = loop.index("PRV*PE*PXC*225700000X")
        assert loop[rendering_at + 1 : rendering_at + 4] == [
            "NM1*77*2*MAIN STREET CLINIC",
            "N3*2400 RIVER ROAD",
            "N4*RENTON*WA*980574321",
        ]

    @pytest.mark.parametrize(
        "address",
        [
            {},  # a location without an address of its own is at the practice's (as box 32 shows it)
            {"address_line1": "1 Test Street", "city": "Seattle", "state": "WA", "postal_code": "98101"},
        ],
    )
    def test_at_the_practices_address_there_is_no_2310C(
        self, tess: User, bill: User, organization: Organization, location: Location, address: dict
    ) -> None:
        Location.objects.filter(pk=location.pk).update(**address)
        claim = ready_claim(tess, bill, organization)  # the scrubber asks no ZIP+4 of a location not named
        content = export(bill, [claim]).content
        assert validate_837(content) == [] and "~NM1*77*" not in content

    def test_a_five_digit_zip_is_flagged_and_never_written(
        self, tess: User, bill: User, organization: Organization, location: Location
    ) -> None:
        claim = ready_claim(tess, bill, organization)
        Location.objects.filter(pk=location.pk).update(
            address_line1="2400 River Road", city="Renton", state="WA", postal_code="98057"
        )
        Organization.objects.filter(pk=organization.pk).update(postal_code="98101")
        claim = Claim.objects.get(pk=claim.pk)
        assert scrub(claim, today=TODAY) == [
            "The billing provider's ZIP code (98101) must be ZIP+4, nine digits: enter it on the organization's page.",
            "The service location Main Street Clinic's ZIP code (98057) must be ZIP+4, nine digits: enter it on the "
            "location's page.",
        ]
        with pytest.raises(services.BillingError, match=r"Nothing was exported. The billing provider .* \(98101\)"):
            export(bill, [claim])
        Organization.objects.filter(pk=organization.pk).update(postal_code="98101-1234")
        with pytest.raises(
            services.BillingError, match=r"the service location Main Street Clinic's ZIP code \(98057\)"
        ):
            export(bill, [claim])
        assert (Claim.objects.get(pk=claim.pk).status, Batch.objects.count()) == (S.READY, 0)


class TestSignaturesOnFile:
    def test_clm08_and_clm09_come_from_the_recorded_signatures(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START)
        # A newer refusal for this payer supersedes the assignment given for all payers.
        Consent.objects.create(
            patient=coverage.patient,
            kind=Consent.Kind.ASSIGNMENT,
            granted=False,
            date=START,
            payer=coverage.payer,
            recorded_by=tess,
        )
        claim = ready(tess, bill, coverage)
        content = export(bill, [claim]).content
        assert validate_837(content) == [] and pyx12_accepts(content)
        assert f"CLM*{claim.number}*186***11:B:1*Y*C*W*Y" in claim_loop(content, claim.number)

    def test_a_claim_without_signatures_is_flagged_and_claims_none(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START)
        coverage.patient.consents.all().delete()
        claim = services.create_claim(
            actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
        )
        where = "record the signature under Consents on the patient's page."
        assert scrub(claim, today=TODAY) == [
            f"No assignment of benefits to the practice is on file for Commercial Health Plan: {where}",
            f"No release of information is on file for Commercial Health Plan: {where}",
        ]
        with pytest.raises(services.ScrubFailed):
            services.mark_ready(actor=bill, claim=claim, today=TODAY)
        content = build_837([Claim.objects.get(pk=claim.pk)], ENVELOPE)  # what it would say: nothing on file
        assert validate_837(content) == []
        assert f"CLM*{claim.number}*186***11:B:1*Y*C*N*I" in claim_loop(content, claim.number)

    def test_signatures_for_another_payer_do_not_count(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START)
        other = payer(organization, name="Other Plan")
        Consent.objects.filter(patient=coverage.patient).update(payer=other)
        claim = services.create_claim(
            actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
        )
        assert [p.split(":")[0] for p in scrub(claim, today=TODAY)] == [
            "No assignment of benefits to the practice is on file for Commercial Health Plan",
            "No release of information is on file for Commercial Health Plan",
        ]

    def test_a_declined_release_is_flagged(self, tess: User, bill: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        Consent.objects.filter(patient=coverage.patient, kind=Consent.Kind.RELEASE).update(granted=False)
        claim = services.create_claim(
            actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
        )
        assert scrub(claim, today=TODAY) == [
            "The patient declined the release of information on 2026-10-30; Commercial Health Plan needs it to "
            "process the claim: bill the patient, or record a new signature."
        ]

    def test_the_secondary_claims_oi_segment_says_what_the_primary_has(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        primary = billable_patient(tess, organization, start=START)
        second_coverage(primary, Payer.Kind.MEDICAID, name="State Medicaid", payer_id="SMCD1")
        claim = secondary_claim(bill, primary)
        # Once the primary payer has decided, the release for all payers is replaced, for it only, by a refusal.
        Consent.objects.create(
            patient=primary.patient,
            kind=Consent.Kind.RELEASE,
            granted=False,
            date=START,
            payer=primary.payer,
            recorded_by=tess,
        )
        content = export(bill, [claim]).content
        assert validate_837(content) == [] and pyx12_accepts(content)
        loop = claim_loop(content, claim.number)
        assert f"CLM*{claim.number}*186***11:B:1*Y*A*Y*Y" in loop and "OI***Y***I" in loop
