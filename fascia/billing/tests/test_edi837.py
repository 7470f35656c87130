"""The 837P writer on plain data: no database, no Django, checked by pyx12."""

import io
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import pyx12.params
import pyx12.x12n_document

from fascia.billing.x12 import edi837
from fascia.billing.x12.validate import validate_837

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
PRACTICE = edi837.BillingProvider(
    name="Harbor Massage Therapy LLC",
    npi="1234567893",
    tax_id="12-3456789",
    phone="206-555-0100",
    address=edi837.Address("100 Main St", "Suite 2", "Seattle", "WA", "98101-1234"),
)
TESS = edi837.Provider(edi837.Person("Test", "Tess"), npi="1134296023", taxonomy_code="225700000X")
MARK = edi837.Provider(edi837.Person("Other", "Mark"), npi="1295723567", taxonomy_code="225700000X")
ACME = edi837.Payer(name="Acme Health", payer_id="ACME1", filing_indicator="CI")
MEDICARE = edi837.Payer(name="Medicare Part B", payer_id="MCRB1", filing_indicator="MB", medicare=True)
AUTO = edi837.Payer(name="Safe Auto", payer_id="AUTO1", filing_indicator="AM", property_casualty=True)
HOUSE = edi837.Clearinghouse(name="Availity", submitter_id="SUB4471", receiver_id="030240928")
SIGNED = {"assignment": edi837.ASSIGNED, "release": edi837.RELEASE_SIGNED}
PATIENT = edi837.Patient(
    name=edi837.Person("Rowe", "Ada", "B"),
    birth_date=date(1980, 4, 5),
    sex="female",
    address=edi837.Address("5 Elm St", "", "Seattle", "WA", "98101"),
)


def line(day: int, code: str, units: int, charge: str, **fields: object) -> edi837.Line:
    values = {"place_of_service": "11", "rendering": TESS, "diagnosis_pointers": (1,), **fields}
    return edi837.Line(service_date=date(2026, 11, day), cpt_code=code, units=units, amount=Decimal(charge), **values)


def claim(number: str, **fields: object) -> edi837.Claim:
    values = {
        "patient": PATIENT,
        "payer": ACME,
        "coverage": edi837.Coverage(payer=ACME, member_id="W123456789", group_number="G-1", **SIGNED),
        "lines": (line(2, "97140", 2, "65"), line(2, "97124", 1, "28", modifiers=("59",))),
        "diagnoses": ("M54.50", "M62.830"),
    }
    return edi837.Claim(number=number, **{**values, **fields})


def write(claims: list[edi837.Claim], **envelope: object) -> str:
    values = {"control_number": 7, "now": NOW, "clearinghouse": HOUSE}
    return edi837.write_837(PRACTICE, claims, edi837.Envelope(**{**values, **envelope}))


def segments(text: str) -> list[str]:
    return text.split("~")[:-1]


def pyx12_accepts(text: str) -> bool:
    return pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None
    )


def test_it_writes_every_kind_of_claim_from_plain_data_and_pyx12_accepts_it() -> None:
    dependent = edi837.Coverage(
        payer=ACME, member_id="W987654321", relationship="19", subscriber=edi837.Person("Rowe", "Pat"), **SIGNED
    )
    claims = [
        claim("00000001"),
        claim("00000002", coverage=dependent),
        claim(
            "00000003",
            payer=MEDICARE,
            coverage=edi837.Coverage(payer=MEDICARE, member_id="1EG4TE5MK73", primary=False, **SIGNED),
            other_coverage=edi837.Coverage(payer=ACME, member_id="W123456789", **SIGNED),
        ),
        claim(
            "00000004",
            payer=AUTO,
            coverage=edi837.Coverage(payer=AUTO, member_id="PIP-55", **SIGNED),
            injury=edi837.Injury("AA", date(2026, 10, 23), accident_state="WA", claim_number="CL-9"),
            referring=edi837.Referring("Dr. Jane Q. Smith, MD", "1558598797"),
            authorization_number="AUTH-1",
            lines=(line(2, "97140", 2, "65"), line(4, "97140", 1, "32.50", rendering=MARK)),
        ),
        claim("00000005", frequency=edi837.REPLACEMENT, payer_claim_number="PCN-5"),
    ]

    text = write(claims)

    assert validate_837(text) == []
    assert pyx12_accepts(text) is True
    segs = segments(text)
    assert segs[2:10] == [
        "ST*837*0007*005010X222A1",
        "BHT*0019*00*000000007*20261120*1530*CH",
        "NM1*41*2*HARBOR MASSAGE THERAPY LLC*****46*SUB4471",
        "PER*IC*HARBOR MASSAGE THERAPY LLC*TE*2065550100",
        "NM1*40*2*AVAILITY*****46*030240928",
        "HL*1**20*1",
        "NM1*85*2*HARBOR MASSAGE THERAPY LLC*****XX*1234567893",
        "N3*100 MAIN ST*SUITE 2",
    ]
    assert "CLM*00000001*93***11:B:1*Y*A*Y*Y" in segs
    assert "HI*ABK:M5450*ABF:M62830" in segs
    assert "SV1*HC:97124:59*28*UN*1***1" in segs  # SV105 only when it differs from CLM05
    # The dependent: a patient loop (2000C) under the subscriber's.
    assert "NM1*IL*1*ROWE*PAT****MI*W987654321" in segs and "PAT*19" in segs
    # Medicare second to a commercial plan (SBR05 12), coordinating with the primary payer.
    assert {"SBR*S*18***12****MB", "SBR*P*18*******CI", "OI***Y***Y", "NM1*PR*2*ACME HEALTH*****PI*ACME1"} <= set(segs)
    # The auto claim: accident with state, dates, claim number, referral, authorization, a second practitioner.
    assert "CLM*00000004*97.5***11:B:1*Y*A*Y*Y**AA:::WA" in segs
    assert {"DTP*431*D8*20261023", "REF*Y4*CL-9", "REF*G1*AUTH-1", "NM1*DN*1*SMITH*JANE*Q.***XX*1558598797"} <= set(
        segs
    )
    assert "NM1*82*1*OTHER*MARK****XX*1295723567" in segs
    assert "REF*F8*PCN-5" in segs
    assert segs[-3] == f"SE*{len(segs) - 4}*0007"


def test_the_same_data_writes_the_same_bytes() -> None:
    assert write([claim("00000001")]) == write([claim("00000001")])


@pytest.mark.parametrize(
    ("claims", "envelope", "message"),
    [
        ([], {}, "needs at least one claim"),
        ([claim("1")] * 5001, {}, "5001 claims is more than the 5000"),
        ([claim("1", lines=())], {}, "Claim 1 has no service lines"),
        ([claim("1", lines=(line(2, "97140", 1, "32.50"),) * 51)], {}, "51 lines; an 837P claim holds at most 50"),
        ([claim("1")], {"control_number": 0}, "outside 1-999999999"),
        ([claim("1")], {"usage": "X"}, "Usage is P"),
        ([claim("1")], {"clearinghouse": replace(HOUSE, submitter_id="1")}, "submitter ID '1' must be 2 to 15"),
        ([claim("1")], {"clearinghouse": replace(HOUSE, receiver_id="")}, "receiver ID '' must be 2 to 15"),
        ([claim("1")], {"clearinghouse": replace(HOUSE, name="")}, "clearinghouse has no name"),
        ([claim("1")], {"clearinghouse": replace(HOUSE, receiver_qualifier="99")}, "'99' is not an interchange ID"),
    ],
)
def test_it_refuses_what_cannot_go_in_one_837(claims: list, envelope: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write(claims, **envelope)


def test_the_submitter_needs_a_phone() -> None:
    with pytest.raises(ValueError, match="Harbor Massage Therapy LLC has no phone number"):
        edi837.write_837(replace(PRACTICE, phone=""), [claim("1")], edi837.Envelope(1, NOW, HOUSE))


def test_the_writer_imports_no_django_and_no_model() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, fascia.billing.x12.edi837; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [m for m in loaded if m == "django" or m.startswith(("django.", "fascia.billing.models"))] == []


ANNEX = edi837.ServiceFacility("Riverside Rehab", edi837.Address("2400 River Road", "", "Renton", "WA", "98057-4321"))


def claim_segments(text: str, number: str) -> list[str]:
    segs = segments(text)
    start = next(i for i, s in enumerate(segs) if s.startswith(f"CLM*{number}*"))
    end = next((i for i, s in enumerate(segs[start + 1 :], start + 1) if s.startswith(("HL*", "SE*"))), len(segs))
    return segs[start:end]


class TestServiceFacility:
    def test_a_visit_elsewhere_names_the_facility_in_2310C_after_the_rendering_provider(self) -> None:
        text = write([claim("1", facility=ANNEX)])
        assert validate_837(text) == [] and pyx12_accepts(text)
        loop = claim_segments(text, "1")
        rendering = loop.index("PRV*PE*PXC*225700000X")
        assert loop[rendering + 1 : rendering + 4] == [
            "NM1*77*2*RIVERSIDE REHAB",
            "N3*2400 RIVER ROAD",
            "N4*RENTON*WA*980574321",
        ]

    @pytest.mark.parametrize(
        "address",
        [
            PRACTICE.address,
            # The same place spelled the ZIP's short way, and in other case: still the billing provider's address.
            edi837.Address("100 main st", "Suite 9", "SEATTLE", "WA", "98101"),
        ],
    )
    def test_no_2310C_at_the_billing_providers_address(self, address: edi837.Address) -> None:
        text = write([claim("1", facility=edi837.ServiceFacility("Main Street Clinic", address))])
        assert validate_837(text) == []
        assert not any(s.startswith("NM1*77*") for s in segments(text))

    def test_a_five_digit_zip_on_the_billing_provider_is_refused(self) -> None:
        practice = replace(PRACTICE, address=replace(PRACTICE.address, postal_code="98101"))
        with pytest.raises(ValueError, match=r"billing provider Harbor Massage Therapy LLC's ZIP code \(98101\)"):
            edi837.write_837(practice, [claim("1")], edi837.Envelope(1, NOW, HOUSE))

    @pytest.mark.parametrize(
        ("address", "message"),
        [
            (edi837.Address("2400 River Road", "", "Renton", "WA", "98057"), r"Riverside Rehab's ZIP code \(98057\)"),
            (edi837.Address(), "Riverside Rehab has no address"),
        ],
    )
    def test_a_facility_without_a_nine_digit_zip_is_refused(self, address: edi837.Address, message: str) -> None:
        with pytest.raises(ValueError, match=f"Claim 1: the service location {message}"):
            write([claim("1", facility=edi837.ServiceFacility("Riverside Rehab", address))])


def test_sv105_only_when_the_lines_place_differs_from_clm05() -> None:
    lines = (line(2, "97140", 2, "65"), line(3, "97140", 1, "32.50", place_of_service="12"))
    text = write([claim("1", lines=lines)])
    assert validate_837(text) == [] and pyx12_accepts(text)
    loop = claim_segments(text, "1")
    assert loop[0].split("*")[5] == "11:B:1"
    assert [s for s in loop if s.startswith("SV1*")] == ["SV1*HC:97140*65*UN*2***1", "SV1*HC:97140*32.5*UN*1*12**1"]


class TestSignatures:
    @pytest.mark.parametrize(
        ("assignment", "release", "clm"),
        [
            (edi837.ASSIGNED, edi837.RELEASE_SIGNED, "Y*A*Y*Y"),
            (edi837.ASSIGNMENT_REFUSED, edi837.RELEASE_SIGNED, "Y*C*W*Y"),  # refused: the payer pays the patient
            (edi837.NOT_ASSIGNED, edi837.RELEASE_INFORMED, "Y*C*N*I"),  # nothing on file: nothing claimed
        ],
    )
    def test_clm06_to_09_say_what_is_on_file(self, assignment: str, release: str, clm: str) -> None:
        coverage = edi837.Coverage(payer=ACME, member_id="W1", assignment=assignment, release=release)
        text = write([claim("1", coverage=coverage)])
        assert validate_837(text) == [] and pyx12_accepts(text)
        assert claim_segments(text, "1")[0] == f"CLM*1*93***11:B:1*{clm}"

    def test_oi03_and_oi06_say_what_is_on_file_for_the_other_payer(self) -> None:
        primary = edi837.Coverage(payer=ACME, member_id="W1", assignment=edi837.ASSIGNMENT_REFUSED)
        secondary = edi837.Coverage(payer=MEDICARE, member_id="1EG4TE5MK73", primary=False, **SIGNED)
        text = write([claim("1", payer=MEDICARE, coverage=secondary, other_coverage=primary)])
        assert validate_837(text) == [] and pyx12_accepts(text)
        assert "OI***W***I" in claim_segments(text, "1")


WORKERS_COMP = edi837.Payer(name="State Fund", payer_id="WC1", filing_indicator="WC", property_casualty=True)
MEDICAID = edi837.Payer(name="State Medicaid", payer_id="MCD1", filing_indicator="MC")


class TestCoordinationOfBenefits:
    DECIDED_ON = date(2026, 11, 16)

    def secondary(self, primary_payer: edi837.Payer, **decision: object) -> edi837.Claim:
        """Medicare second to `primary_payer`, which allowed 52 of 65 and 28 of 28 (CO-45 13), paid 70 and left
        a 10.00 copay (PR-3) on the second line."""
        values: dict = {
            "paid": Decimal("70"),
            "patient_liability": Decimal("10"),
            "adjudicated_on": self.DECIDED_ON,
            "lines": (
                edi837.LineAdjudication(Decimal("52"), (edi837.Adjustment("CO", "45", Decimal("13")),)),
                edi837.LineAdjudication(Decimal("18"), (edi837.Adjustment("PR", "3", Decimal("10")),)),
            ),
        }
        return claim(
            "1",
            payer=MEDICARE,
            coverage=edi837.Coverage(payer=MEDICARE, member_id="1EG4TE5MK73", primary=False, **SIGNED),
            other_coverage=edi837.Coverage(payer=primary_payer, member_id="P1", **SIGNED),
            adjudication=edi837.Adjudication(**{**values, **decision}),
        )

    @pytest.mark.parametrize(
        ("primary", "sbr05"),
        [(ACME, "12"), (WORKERS_COMP, "15"), (AUTO, "14"), (MEDICAID, "47")],
    )
    def test_sbr05_says_why_medicare_is_second_from_the_primarys_kind(self, primary: edi837.Payer, sbr05: str) -> None:
        text = write([self.secondary(primary)])
        assert validate_837(text) == [] and pyx12_accepts(text)
        assert f"SBR*S*18***{sbr05}****MB" in segments(text)

    def test_no_sbr05_when_medicare_is_primary(self) -> None:
        text = write([claim("1", payer=MEDICARE, coverage=edi837.Coverage(payer=MEDICARE, member_id="1E", **SIGNED))])
        assert "SBR*P*18*******MB" in segments(text)

    def test_more_than_six_reasons_of_a_group_take_a_second_cas(self) -> None:
        seven = tuple(edi837.Adjustment("CO", str(reason), Decimal("1")) for reason in range(1, 8))
        decision = {
            "paid": Decimal("61"),  # 93 = 61 + 2 (claim) + 7 + 23 (lines)
            "adjustments": (edi837.Adjustment("OA", "23", Decimal("2")),),
            "lines": (
                edi837.LineAdjudication(Decimal("58"), seven),
                edi837.LineAdjudication(Decimal("5"), (edi837.Adjustment("PR", "3", Decimal("23")),)),
            ),
        }
        text = write([self.secondary(ACME, **decision)])
        assert validate_837(text) == [] and pyx12_accepts(text)
        segs = segments(text)
        assert "CAS*OA*23*2" in segs  # claim level, in 2320
        assert "CAS*CO*1*1**2*1**3*1**4*1**5*1**6*1" in segs and "CAS*CO*7*1" in segs

    @pytest.mark.parametrize(
        ("decision", "message"),
        [
            (
                {"paid": Decimal("71")},
                "Claim 1: the charge 93 is not the other payer's paid 71 plus its adjustments 23.",
            ),
            (
                {"lines": (edi837.LineAdjudication(Decimal("52")), edi837.LineAdjudication(Decimal("18")))},
                "Claim 1, line 1 (97140): the charge 65 is not the other payer's paid 52 plus its adjustments 0.",
            ),
            ({"lines": ()}, "Claim 1: the other payer's decision does not name each service line."),
        ],
    )
    def test_a_decision_that_does_not_balance_is_refused(self, decision: dict, message: str) -> None:
        with pytest.raises(ValueError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
            write([self.secondary(ACME, **decision)])


class TestClearinghouse:
    def test_the_envelope_and_1000A_1000B_carry_the_clearinghouses_ids(self) -> None:
        house = edi837.Clearinghouse(
            name="Office Ally",
            submitter_id="OA12345",
            receiver_id="330897513",
            submitter_qualifier="ZZ",
            receiver_qualifier="30",
            application_sender="OA12345APP",
            application_receiver="OFFALLY",
            contact_name="Pat Biller",
            contact_phone="(206) 555-0177",
        )
        text = write([claim("1")], clearinghouse=house, usage="T")
        assert validate_837(text) == [] and pyx12_accepts(text)
        segs = segments(text)
        isa = segs[0].split("*")
        assert isa[5:9] == ["ZZ", "OA12345        ", "30", "330897513      "] and isa[15] == "T"
        assert segs[1].split("*")[1:4] == ["HC", "OA12345APP", "OFFALLY"]
        assert segs[4:7] == [
            "NM1*41*2*HARBOR MASSAGE THERAPY LLC*****46*OA12345",
            "PER*IC*PAT BILLER*TE*2065550177",
            "NM1*40*2*OFFICE ALLY*****46*330897513",
        ]
