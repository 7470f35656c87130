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
        "coverage": edi837.Coverage(payer=ACME, member_id="W123456789", group_number="G-1"),
        "lines": (line(2, "97140", 2, "65"), line(2, "97124", 1, "28", modifiers=("59",))),
        "diagnoses": ("M54.50", "M62.830"),
    }
    return edi837.Claim(number=number, **{**values, **fields})


def write(claims: list[edi837.Claim], **envelope: object) -> str:
    values = {"control_number": 7, "now": NOW, "sender_id": "123456789", "receiver_id": "CLEARINGHOUSE"}
    return edi837.write_837(PRACTICE, claims, edi837.Envelope(**{**values, **envelope}))


def segments(text: str) -> list[str]:
    return text.split("~")[:-1]


def pyx12_accepts(text: str) -> bool:
    return pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None
    )


def test_it_writes_every_kind_of_claim_from_plain_data_and_pyx12_accepts_it() -> None:
    dependent = edi837.Coverage(
        payer=ACME, member_id="W987654321", relationship="19", subscriber=edi837.Person("Rowe", "Pat")
    )
    claims = [
        claim("00000001"),
        claim("00000002", coverage=dependent),
        claim(
            "00000003",
            payer=MEDICARE,
            coverage=edi837.Coverage(payer=MEDICARE, member_id="1EG4TE5MK73", primary=False),
            other_coverage=edi837.Coverage(payer=ACME, member_id="W123456789"),
        ),
        claim(
            "00000004",
            payer=AUTO,
            coverage=edi837.Coverage(payer=AUTO, member_id="PIP-55"),
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
        "NM1*41*2*HARBOR MASSAGE THERAPY LLC*****46*123456789",
        "PER*IC*HARBOR MASSAGE THERAPY LLC*TE*2065550100",
        "NM1*40*2*CLEARINGHOUSE*****46*CLEARINGHOUSE",
        "HL*1**20*1",
        "NM1*85*2*HARBOR MASSAGE THERAPY LLC*****XX*1234567893",
        "N3*100 MAIN ST*SUITE 2",
    ]
    assert "CLM*00000001*93***11:B:1*Y*A*Y*Y" in segs
    assert "HI*ABK:M5450*ABF:M62830" in segs
    assert "SV1*HC:97124:59*28*UN*1*11**1" in segs
    # The dependent: a patient loop (2000C) under the subscriber's.
    assert "NM1*IL*1*ROWE*PAT****MI*W987654321" in segs and "PAT*19" in segs
    # Medicare second, coordinating with the primary payer.
    assert {"SBR*S*18***47****MB", "SBR*P*18*******CI", "OI***Y***Y", "NM1*PR*2*ACME HEALTH*****PI*ACME1"} <= set(segs)
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
        ([claim("1")], {"sender_id": "1"}, "sender ID '1' must be 2 to 15"),
    ],
)
def test_it_refuses_what_cannot_go_in_one_837(claims: list, envelope: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write(claims, **envelope)


def test_the_submitter_needs_a_phone() -> None:
    with pytest.raises(ValueError, match="Harbor Massage Therapy LLC has no phone number"):
        edi837.write_837(replace(PRACTICE, phone=""), [claim("1")], edi837.Envelope(1, NOW, "123456789", "CH01"))


def test_the_writer_imports_no_django_and_no_model() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, fascia.billing.x12.edi837; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [m for m in loaded if m == "django" or m.startswith(("django.", "fascia.billing.models"))] == []
