"""The 835 reader against the public sample remittances and hand-built files.

Every expected value below was read off the sample file named in the test.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fascia.billing.remittance.codes import CARC, CLAIM_STATUS, RARC, describe_adjustment
from fascia.billing.remittance.parse import Adjustment, RemittanceError, imbalances, parse_835

# /work/main/fascia/billing/tests/ -> /work/shared/domain/samples/x12/835 (no skip if it moves: tests fail)
SAMPLES = Path(__file__).parent / "samples" / "835"

# An interchange header of exactly 106 characters: ':' components, '~' terminator.
ISA = "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*FASCIA         *250110*0930*^*00501*000000042*0*T*:~"

THERAPY_CLAIM = [
    "ST*835*0001",
    "BPR*I*72.00*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*999988880*DA*98765*20250110",
    "TRN*1*EFT0001*1234567890",
    "DTM*405*20250109",
    "N1*PR*ACME HEALTH PLAN",
    "REF*2U*ACME01",
    "N1*PE*TEST MASSAGE CLINIC*XX*1234567893",
    "LX*1",
    "CLP*PC1001*1*120.00*72.00*18.00*12*CLM555",
    "NM1*QC*1*DOE*JANE****MI*W123",
    "SVC*HC:97140:GP:59*120.00*72.00**2",
    "DTM*472*20250103",
    "CAS*PR*1*10.00**2*8.00*1",
    "CAS*CO*45*30.00",
    "REF*6R*LINE1",
    "LQ*HE*N130",
]


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def fixed(text: str, old: str, new: str) -> str:
    """Replace one exact piece of a sample, failing if it is not there exactly once."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def interchange(*groups: list[list[str]]) -> str:
    """An 835 file: each group is a list of transactions, each a list of segments without SE."""
    lines = [ISA]
    for number, transactions in enumerate(groups, start=1):
        lines.append(f"GS*HP*ACMEHEALTH*FASCIA*20250110*0930*{number}*X*005010X221A1~")
        for segments in transactions:
            control = segments[0].split("*")[2]
            lines += [f"{s}~" for s in segments] + [f"SE*{len(segments) + 1}*{control}~"]
        lines.append(f"GE*{len(transactions)}*{number}~")
    lines.append(f"IEA*{len(groups)}*000000042~")
    return "\n".join(lines) + "\n"


def _read_unchecked(text: str) -> list:
    """The transactions as read, before the balancing check (to list every imbalance)."""
    from fascia.billing.remittance.parse import _read, _split

    return _read(*_split(text))


def error_of(text: str) -> str:
    with pytest.raises(RemittanceError) as raised:
        parse_835(text)
    return str(raised.value)


class TestSamples:
    def test_the_sample_folder_holds_the_six_files(self) -> None:
        assert sorted(p.name for p in SAMPLES.iterdir()) == [
            "cob-contractural-adjustment.835",
            "managed-care.835",
            "medicare-part-a.835",
            "pyx12_835_mult_loops.txt",
            "secondary-payment.835",
            "tertiary-payment.835",
        ]

    def test_managed_care_has_an_impossible_payment_date(self) -> None:
        # BPR16 is 2000-23-16 in the published sample.
        assert error_of(sample("managed-care.835")) == (
            "Segment 4 (BPR): BPR16 payment date '20002316' is not a date (CCYYMMDD)."
        )

    def test_managed_care_with_a_real_payment_date(self) -> None:
        [r] = parse_835(fixed(sample("managed-care.835"), "*20002316~", "*20020316~"))
        assert (r.control_number, r.transaction, r.trace_number) == ("000000907", "112233", "7170066655")
        assert (r.payer_name, r.payer_id) == ("RUSHMORE LIFE", "")
        assert (r.payee_name, r.payee_npi) == ("ACME MEDICAL CENTER", "5544667733")
        assert (r.payment_method, r.total_paid) == ("ACH", Decimal("945.00"))
        first, second = r.claims
        assert (first.patient_control_number, first.status_code, first.status) == (
            "5554555444",
            "1",
            "Processed as primary",
        )
        assert (first.charge, first.paid, first.patient_responsibility) == (
            Decimal("800.00"),
            Decimal("450.00"),
            Decimal("300.00"),
        )
        assert (first.filing_indicator, first.payer_claim_number, first.patient_name) == (
            "12",
            "94060555410000",
            "BUDD, WILLIAM",
        )
        assert first.adjustments == [Adjustment("CO", "A2", Decimal("50.00"))]
        [service] = first.services
        assert (service.qualifier, service.procedure, service.modifiers) == ("HC", "99211", ())
        assert (service.charge, service.paid, service.units) == (Decimal("800.00"), Decimal("500.00"), Decimal(1))
        assert service.service_date == date(2002, 3, 1)  # DTM*150: there is no DTM*472
        assert service.adjustments == [Adjustment("PR", "1", Decimal("300.00"))]
        assert (second.patient_control_number, second.charge, second.paid) == (
            "8765432112",
            Decimal("1200.00"),
            Decimal("495.00"),
        )
        assert second.adjustments == [Adjustment("CO", "A2", Decimal("55.00"))]
        assert second.services[0].adjustments == [
            Adjustment("PR", "1", Decimal("600.00")),
            Adjustment("CO", "45", Decimal("50.00")),
        ]
        assert first.paid + second.paid == r.total_paid
        assert imbalances(r) == []

    def test_cob_contractual_adjustment(self) -> None:
        [r] = parse_835(sample("cob-contractural-adjustment.835"))
        assert (r.transaction, r.payer_name, r.payee_name) == ("0001", "YOUR TAX DOLLARS AT WORK", "ATONEWITHHEALTH")
        assert r.payee_npi == ""  # the payee is identified by tax id (FI), not NPI
        assert (r.payment_method, r.total_paid, r.trace_number) == ("CHK", Decimal("34.00"), "0063158ABC")
        # The sample has 15 BPR elements: its date sits in BPR15 (an account number), BPR16 is absent.
        assert r.payment_date is None
        [claim] = r.claims
        assert (claim.patient_control_number, claim.status) == ("0001000055", "Processed as secondary")
        assert (claim.charge, claim.paid, claim.patient_responsibility) == (
            Decimal("541.00"),
            Decimal("34.00"),
            Decimal(0),
        )
        assert claim.patient_name == "BURCK, RAYMOND W"
        assert claim.adjustments == []
        [service] = claim.services
        # Written "HC>55669" although ISA16 declares ':'.
        assert (service.qualifier, service.procedure) == ("HC", "55669")
        assert (service.units, service.service_date) == (Decimal("1.00"), date(2005, 2, 2))
        assert service.adjustments == [
            Adjustment("OA", "23", Decimal("516.00")),
            Adjustment("OA", "94", Decimal("-9.00")),
        ]
        assert imbalances(r) == []

    def test_medicare_part_a(self) -> None:
        [r] = parse_835(sample("medicare-part-a.835"))
        assert (r.transaction, r.payer_name, r.payer_id) == ("1234", "INSURANCE COMPANY OF TIMBUCKTU", "999")
        assert (r.payee_name, r.payee_npi) == ("REGIONAL HOPE HOSPITAL", "6543210903")
        assert (r.total_paid, r.payment_date, r.trace_number) == (Decimal("150000.00"), date(2002, 9, 13), "12345")
        first, second = r.claims
        assert (first.patient_control_number, first.filing_indicator, first.payer_claim_number) == (
            "666123",
            "MA",
            "1999999444444",
        )
        assert (first.charge, first.paid, first.patient_name) == (
            Decimal("211366.97"),
            Decimal("138018.40"),
            "JONES, SAM O",
        )
        assert first.adjustments == [Adjustment("CO", "45", Decimal("73348.57"))]
        assert (second.patient_control_number, second.filing_indicator) == ("777777", "MB")
        assert second.adjustments == [Adjustment("CO", "45", Decimal("3019.67"))]
        assert first.services == [] and second.services == []
        # The PLB provider adjustment of -1.27 makes up the rest of the payment.
        assert first.paid + second.paid == r.total_paid - Decimal("1.27")
        assert imbalances(r) == []

    def test_pyx12_denied_claim_with_remarks(self) -> None:
        [r] = parse_835(sample("pyx12_835_mult_loops.txt"))
        assert (r.control_number, r.transaction) == ("000238388", "0001")
        assert (r.payment_method, r.total_paid, r.payment_date) == ("NON", Decimal(0), date(2004, 10, 28))
        [claim] = r.claims
        assert (claim.patient_control_number, claim.status_code, claim.status) == ("2005555A", "4", "Denied")
        assert (claim.charge, claim.paid, claim.filing_indicator) == (Decimal("915.39"), Decimal(0), "MC")
        assert claim.patient_name == "BACH, JOHANN S"
        assert [(s.procedure, s.charge, s.units, s.service_date) for s in claim.services] == [
            ("T1005", Decimal("500.04"), Decimal(68), date(2003, 11, 29)),
            ("T1005", Decimal("127.8"), Decimal(16), date(2003, 10, 30)),
            ("T1005", Decimal("287.55"), Decimal(36), date(2003, 10, 31)),
        ]
        assert [s.adjustments for s in claim.services] == [
            [Adjustment("CO", "16", Decimal("500.04"))],
            [Adjustment("OA", "A7", Decimal("127.8"))],
            [Adjustment("OA", "A7", Decimal("287.55"))],
        ]
        assert [s.remarks for s in claim.services] == [("N14",)] * 3
        assert imbalances(r) == []

    def test_secondary_payment(self) -> None:
        [r] = parse_835(sample("secondary-payment.835"))
        assert (r.transaction, r.total_paid, r.trace_number) == ("1234", Decimal("1222.00"), "0012524965")
        first, second = r.claims
        assert (first.patient_control_number, first.charge, first.paid) == (
            "L0004828311",
            Decimal("10323.64"),
            Decimal("912.00"),
        )
        assert first.adjustments == [Adjustment("OA", "23", Decimal("9411.64"))]
        assert (second.patient_control_number, second.patient_responsibility, second.patient_name) == (
            "0001000053",
            Decimal("220.00"),
            "BAKI, ANGI",
        )
        # Written "HC>12345>26" although ISA16 declares ':'.
        assert [(s.procedure, s.modifiers, s.charge, s.paid) for s in second.services] == [
            ("12345", ("26",), Decimal("166.50"), Decimal("30.00")),
            ("66543", ("26",), Decimal("585.00"), Decimal("280.00")),
        ]
        # CAS*PR*1*150.00**2*70.00: two triplets in one segment.
        assert second.services[1].adjustments == [
            Adjustment("PR", "1", Decimal("150.00")),
            Adjustment("PR", "2", Decimal("70.00")),
            Adjustment("CO", "42", Decimal("85.00")),
        ]
        assert imbalances(r) == []

    def test_tertiary_payment_has_no_procedure_code(self) -> None:
        # "SVC*HC*24599.00*…": the code was written with '*' instead of a component separator.
        assert error_of(sample("tertiary-payment.835")) == (
            "Segment 20 (SVC): SVC01 procedure 'HC' is not a qualifier and a code (e.g. HC:97140)."
        )

    def test_tertiary_payment_with_the_procedure_repaired(self) -> None:
        text = fixed(sample("tertiary-payment.835"), "SVC*HC*24599.00*1766.50*", "SVC*HC:24599*1766.50*")
        [r] = parse_835(text)
        [claim] = r.claims
        assert (claim.patient_control_number, claim.status) == ("0001000054", "Processed as tertiary")
        assert (claim.charge, claim.paid) == (Decimal("1766.50"), Decimal("187.50"))
        [service] = claim.services
        assert (service.procedure, service.charge, service.paid) == ("24599", Decimal("1766.50"), Decimal("187.50"))
        assert service.adjustments == [Adjustment("OA", "23", Decimal("1579.00"))]
        assert imbalances(r) == []


class TestBuiltFiles:
    def test_a_therapy_claim_with_two_triplets_and_a_remark(self) -> None:
        [r] = parse_835(interchange([THERAPY_CLAIM]))
        assert (r.control_number, r.payer_id, r.payee_npi) == ("000000042", "ACME01", "1234567893")
        assert (r.payment_date, r.trace_number) == (date(2025, 1, 10), "EFT0001")
        [claim] = r.claims
        assert (claim.patient_name, claim.payer_claim_number) == ("DOE, JANE", "CLM555")
        [service] = claim.services
        assert (service.procedure, service.modifiers, service.units) == ("97140", ("GP", "59"), Decimal(2))
        assert (service.service_date, service.line_control_number) == (date(2025, 1, 3), "LINE1")
        assert service.adjustments == [
            Adjustment("PR", "1", Decimal("10.00")),
            Adjustment("PR", "2", Decimal("8.00"), Decimal(1)),
            Adjustment("CO", "45", Decimal("30.00")),
        ]
        assert service.remarks == ("N130",)
        assert imbalances(r) == []

    def test_dtm_472_wins_over_the_start_of_a_range(self) -> None:
        dated = list(THERAPY_CLAIM)
        dated.insert(dated.index("DTM*472*20250103"), "DTM*150*20250101")
        [r] = parse_835(interchange([dated]))
        assert r.claims[0].services[0].service_date == date(2025, 1, 3)

    def test_one_remittance_per_transaction_across_groups(self) -> None:
        second = [s.replace("ST*835*0001", "ST*835*0002").replace("PC1001", "PC1002") for s in THERAPY_CLAIM]
        third = [s.replace("ST*835*0001", "ST*835*0003").replace("PC1001", "PC1003") for s in THERAPY_CLAIM]
        remittances = parse_835(interchange([THERAPY_CLAIM, second], [third]))
        assert [(r.transaction, r.claims[0].patient_control_number) for r in remittances] == [
            ("0001", "PC1001"),
            ("0002", "PC1002"),
            ("0003", "PC1003"),
        ]

    def test_it_reads_the_delimiters_from_the_isa(self) -> None:
        text = interchange([THERAPY_CLAIM]).replace("*", "|").replace(":", ">").replace("~\n", "\r\n")
        [r] = parse_835(text)
        assert r.claims[0].services[0].modifiers == ("GP", "59")
        assert r.total_paid == Decimal("72.00")

    def test_an_unbalanced_claim_is_refused_naming_it(self) -> None:
        # The line's CAS and the claim's no longer explain charge - paid; the line itself still balances
        # once its payment moves with it, so the claim is what is named.
        off = [
            s.replace("CAS*CO*45*30.00", "CAS*CO*45*25.00").replace("*120.00*72.00**2", "*120.00*77.00**2")
            for s in THERAPY_CLAIM
        ]
        assert error_of(interchange([off])) == (
            "Segment 11 (CLP): claim PC1001: charge 120.00 - paid 72.00 = 48.00, but the adjustments add up to "
            "43.00; the payment does not balance."
        )

    def test_an_unbalanced_line_is_refused_naming_its_segment(self) -> None:
        off = [s.replace("CAS*CO*45*30.00", "CAS*CO*45*25.00") for s in THERAPY_CLAIM]
        [r] = _read_unchecked(interchange([off]))
        assert imbalances(r) == [
            "Segment 13 (SVC): claim PC1001, line 97140: charge 120.00 - paid 72.00 = 48.00, but the line's "
            "adjustments add up to 43.00; the payment does not balance.",
            "Segment 11 (CLP): claim PC1001: charge 120.00 - paid 72.00 = 48.00, but the adjustments add up to "
            "43.00; the payment does not balance.",
        ]
        assert error_of(interchange([off])) == imbalances(r)[0]

    def test_a_transaction_whose_total_is_not_its_claims_is_refused(self) -> None:
        off = [s.replace("BPR*I*72.00*", "BPR*I*70.00*") for s in THERAPY_CLAIM]
        assert error_of(interchange([off])) == (
            "Segment 4 (BPR): transaction 0001: BPR02 total paid 70.00, but the claims' payments 72.00 less the "
            "provider adjustments 0 make 72.00; the transaction does not balance."
        )

    def test_provider_adjustments_balance_the_transaction(self) -> None:
        # An overpayment of 30.00 recovered (WO, withheld) and 2.50 interest paid (L6, negative): BPR02 is
        # 72.00 - 30.00 + 2.50 = 44.50.
        plb = [s.replace("BPR*I*72.00*", "BPR*I*44.50*") for s in THERAPY_CLAIM]
        plb.append("PLB*1234567893*20251231*WO:PC0999*30.00*L6*-2.50")
        [r] = parse_835(interchange([plb]))
        assert [(a.reason, a.reference, a.amount, a.fiscal_period) for a in r.provider_adjustments] == [
            ("WO", "PC0999", Decimal("30.00"), date(2025, 12, 31)),
            ("L6", "", Decimal("-2.50"), date(2025, 12, 31)),
        ]
        unpaid = [s.replace("BPR*I*72.00*", "BPR*I*72.00*") for s in plb]
        assert "BPR02 total paid 72.00, but the claims' payments 72.00 less the provider adjustments 27.50" in (
            error_of(interchange([[s.replace("BPR*I*44.50*", "BPR*I*72.00*") for s in unpaid]]))
        )

    def test_a_plb_without_a_reason_is_refused(self) -> None:
        assert error_of(interchange([[*THERAPY_CLAIM, "PLB*1234567893*20251231"]])) == (
            "Segment 19 (PLB): PLB03 adjustment reason is missing."
        )

    def test_a_transaction_without_a_trace_number_is_refused(self) -> None:
        no_trn = [s for s in THERAPY_CLAIM if not s.startswith("TRN")]
        assert error_of(interchange([no_trn])) == (
            "Segment 18 (SE): transaction 0001 has no TRN segment (the trace number that names the payment)."
        )

    def test_the_payer_is_named_by_trn03(self) -> None:
        [r] = parse_835(interchange([THERAPY_CLAIM]))
        assert (r.payer_identifier, r.payer_key, r.trace_number) == ("1234567890", "1234567890", "EFT0001")
        no_trn03 = [s.replace("TRN*1*EFT0001*1234567890", "TRN*1*EFT0001") for s in THERAPY_CLAIM]
        [r] = parse_835(interchange([no_trn03]))
        assert r.payer_key == "ACME01"  # REF*2U after N1*PR

    def test_claim_remarks_from_mia(self) -> None:
        # MIA05 and MIA20-23 hold an inpatient claim's remark codes.
        mia = list(THERAPY_CLAIM)
        mia.insert(mia.index("NM1*QC*1*DOE*JANE****MI*W123") + 1, "MIA*0***0*MA01" + "*" * 15 + "N381")
        [r] = parse_835(interchange([mia]))
        assert r.claims[0].remarks == ("MA01", "N381")

    def test_claim_remarks_from_moa_and_reversals(self) -> None:
        reversal = [
            "ST*835*0001",
            "BPR*I*0*C*NON************20250110",
            "TRN*1*EFT0002*1234567890",
            "N1*PR*ACME HEALTH PLAN",
            "N1*PE*TEST MASSAGE CLINIC*XX*1234567893",
            "LX*1",
            "CLP*PC1001*22*-120.00*-72.00*-18.00*12*CLM555",
            "CAS*PR*1*-10.00**2*-8.00",
            "CAS*CO*45*-30.00",
            "MOA***MA01*N381",
            "CLP*PC1001*1*120.00*72.00*18.00*12*CLM556",
            "CAS*PR*1*10.00**2*8.00",
            "CAS*CO*45*30.00",
        ]
        [r] = parse_835(interchange([reversal]))
        back, again = r.claims
        assert (back.is_reversal, back.paid, back.remarks) == (True, Decimal("-72.00"), ("MA01", "N381"))
        assert (again.is_reversal, again.paid, again.remarks) == (False, Decimal("72.00"), ())

    def test_claim_and_service_adjustments_both_count(self) -> None:
        # Move the contractual adjustment from the service line to the claim.
        # The line then balances on its own (120.00 - 102.00 = the patient's 18.00), the claim with both
        # (120.00 - 72.00 = 30.00 + 18.00).
        moved = [s.replace("*120.00*72.00**2", "*120.00*102.00**2") for s in THERAPY_CLAIM if s != "CAS*CO*45*30.00"]
        moved.insert(moved.index("NM1*QC*1*DOE*JANE****MI*W123"), "CAS*CO*45*30.00")
        [r] = parse_835(interchange([moved]))
        assert r.claims[0].adjustments == [Adjustment("CO", "45", Decimal("30.00"))]
        assert imbalances(r) == []


class TestMalformed:
    def test_empty_text(self) -> None:
        assert error_of("") == "Segment 1 (ISA): an 835 file starts with an ISA segment, but the text is empty."

    def test_text_that_is_not_x12(self) -> None:
        assert (
            error_of("GS*HP*1~")
            == "Segment 1 (ISA): an 835 file starts with an ISA segment, but the text starts with 'GS*'."
        )

    def test_a_short_isa(self) -> None:
        assert error_of(ISA[:60]) == "Segment 1 (ISA): the ISA segment is cut short (60 characters, 106 expected)."

    def test_an_isa_with_a_missing_element(self) -> None:
        assert error_of(ISA.replace("*T*", "*") + "GS~" * 5).startswith("Segment 1 (ISA): the ISA segment is not 106")

    def test_cut_in_the_middle_of_a_segment(self) -> None:
        text = sample("secondary-payment.835")
        cut = text[: text.index("CLP*0001000053") + 20]
        assert error_of(cut) == (
            "Segment 24 (CLP): the file ends inside this segment (no '~' after it); it looks truncated."
        )

    def test_se_ge_and_iea_dropped(self) -> None:
        text = sample("secondary-payment.835")
        assert error_of(text[: text.index("SE*38")]) == (
            "Segment 39 (AMT): the file ends inside transaction 1234 (no SE); it looks truncated."
        )

    def test_iea_dropped(self) -> None:
        text = sample("secondary-payment.835")
        assert error_of(text[: text.index("IEA*")]) == (
            "Segment 41 (GE): the file ends without an IEA segment; it looks truncated."
        )

    def test_wrong_se_count(self) -> None:
        text = fixed(sample("secondary-payment.835"), "SE*38*1234", "SE*37*1234")
        assert error_of(text) == "Segment 40 (SE): SE01 says 37 segments, but ST to SE holds 38."

    def test_non_numeric_charge(self) -> None:
        text = fixed(sample("secondary-payment.835"), "CLP*0001000053*2*751.50*", "CLP*0001000053*2*abc*")
        assert error_of(text) == "Segment 24 (CLP): CLP03 charge 'abc' is not an amount."

    def test_non_numeric_service_payment(self) -> None:
        text = fixed(sample("pyx12_835_mult_loops.txt"), "SVC*HC:T1005*127.8*0*", "SVC*HC:T1005*127.8*1,0*")
        assert error_of(text) == "Segment 23 (SVC): SVC03 payment '1,0' is not an amount."

    def test_bad_service_date(self) -> None:
        text = fixed(sample("cob-contractural-adjustment.835"), "DTM*472*20050202", "DTM*472*20050230")
        assert error_of(text) == "Segment 22 (DTM): DTM02 date '20050230' is not a date (CCYYMMDD)."

    @pytest.mark.parametrize(
        "old, new, message",
        [
            ("CLP*PC1001*", "CLP**", "Segment 11 (CLP): CLP01 patient control number is missing."),
            ("*120.00*72.00*18.00*12*CLM555", "*120.00", "Segment 11 (CLP): CLP04 payment is missing."),
            ("BPR*I*72.00*", "BPR*I**", "Segment 4 (BPR): BPR02 total paid is missing."),
            ("SVC*HC:97140:GP:59*", "SVC**", "Segment 13 (SVC): SVC01 procedure is missing."),
            ("*72.00**2", "**2", "Segment 13 (SVC): SVC03 payment is missing."),
            ("CAS*PR*1*10.00**", "CAS*PR*1***", "Segment 15 (CAS): CAS03 amount is missing."),
        ],
    )
    def test_a_missing_required_element(self, old: str, new: str, message: str) -> None:
        segments = [s.replace(old, new) for s in THERAPY_CLAIM]
        assert segments != THERAPY_CLAIM
        assert error_of(interchange([segments])) == message

    def test_clp_before_any_transaction(self) -> None:
        text = interchange([THERAPY_CLAIM]).replace("ST*835*0001~", "CLP*PC1*1*10*10~\nST*835*0001~")
        assert error_of(text) == "Segment 3 (CLP): CLP is outside a transaction set (no ST*835 before it)."

    def test_no_835_transaction(self) -> None:
        assert error_of(interchange([])) == "Segment 4 (IEA): the file holds no 835 transaction (ST*835)."

    def test_another_transaction_type(self) -> None:
        text = interchange([THERAPY_CLAIM]).replace("ST*835*", "ST*837*")
        assert error_of(text) == "Segment 3 (ST): ST01 transaction set '837' is not an 835."

    def test_a_transaction_without_bpr(self) -> None:
        text = interchange([[s for s in THERAPY_CLAIM if not s.startswith("BPR")]])
        assert error_of(text) == "Segment 18 (SE): transaction 0001 has no BPR segment (BPR02 is the total paid)."

    def test_control_numbers_must_match(self) -> None:
        text = interchange([THERAPY_CLAIM]).replace("IEA*1*000000042", "IEA*1*000000043")
        assert error_of(text) == "Segment 21 (IEA): IEA02 control number '000000043' does not match ISA13 '000000042'."


class TestCodes:
    def test_it_describes_an_adjustment(self) -> None:
        assert describe_adjustment("PR", "1") == "Patient responsibility: deductible"
        assert describe_adjustment("CO", "45").startswith("Contractual obligation: charge is above the fee schedule")

    def test_it_falls_back_to_the_code(self) -> None:
        assert describe_adjustment("PR", "999") == "Patient responsibility: reason code 999"
        assert describe_adjustment("XX", "1") == "Group XX: deductible"

    def test_the_common_codes_are_described(self) -> None:
        common_carc = {"1", "2", "3", "4", "5", "16", "18", "22", "23", "27", "29", "45", "50", "96", "97"}
        common_carc |= {"109", "119", "151", "167", "197", "204", "236", "242", "253"}
        assert common_carc <= CARC.keys()
        assert {"N130", "M15", "N362", "MA130", "M80", "N20", "N522"} <= RARC.keys()
        assert {"1", "2", "3", "4", "19", "20", "21", "22"} <= CLAIM_STATUS.keys()
        # Every code used by the sample files reads as words, not "reason code …".
        for group, reason in [("CO", "A2"), ("OA", "23"), ("OA", "94"), ("OA", "A7"), ("CO", "42"), ("CO", "16")]:
            assert "reason code" not in describe_adjustment(group, reason)
