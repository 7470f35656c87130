from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from pypdf import PdfReader

from fascia.billing.claims import services
from fascia.billing.models import Authorization, Claim, Coverage, Payer
from fascia.billing.paper.cms1500 import form_fields, render, render_superbill
from fascia.billing.tests.factories import billable_patient, payer
from fascia.core.models import Organization, User
from fascia.patients.models import Consent

START = date(2026, 11, 2)
TODAY = date(2026, 11, 20)
GROUP_NPI = "1234567893"  # the organization fixture's; Dr. Rowe's NPI is the same valid example


def claim_for(tess: User, coverage: Coverage) -> Claim:
    return services.create_claim(
        actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


def position_of(pdf: bytes, text: str) -> tuple[float, float]:
    """Where on page 1 a piece of text is drawn (x, y in points from the bottom left)."""
    found: list[tuple[float, float]] = []

    def visit(value: str, cm: list, tm: list, font_dict: object, font_size: float) -> None:
        if value.strip() == text:
            found.append((round(cm[4] + tm[4], 1), round(cm[5] + tm[5], 1)))

    PdfReader(BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    assert found, f"{text} is not on the page"
    return found[0]


class TestFormFields:
    def test_a_health_plan_claim_fills_the_boxes(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        coverage.copay = Decimal("20.00")  # collected at the desk, not billed: box 29 (amount paid) stays blank
        coverage.save(update_fields=["copay"])
        Authorization.objects.create(
            coverage=coverage, number="AUTH-7781", visits_allowed=12, starts_on=START, ends_on=START + timedelta(90)
        )
        claim = claim_for(tess, coverage)
        patient, npi = coverage.patient, tess.practitioner.npi

        f = form_fields(claim, today=TODAY)

        assert f["1"] == "Group health plan"
        assert f["1a"] == "XYZ123456789"
        assert f["2"] == f"{patient.family_name}, {patient.given_name}"
        assert (f["3"], f["3_sex"]) == (f"{patient.birth_date:%m %d %Y}", "F")
        assert (f["4"], f["6"], f["7_phone"]) == (f["2"], "Self", f["5_phone"])
        assert f["5_phone"] == patient.phone[:3] + " " + patient.phone[4:].replace("-", "")
        assert (f["10a"], f["10b"], f["10c"], f["11"], f["11d"]) == ("NO", "NO", "NO", "G-100", "NO")
        assert (f["14"], f["14_qualifier"]) == ("", "")  # no injury case, no onset date in the evaluation
        assert (f["17_qualifier"], f["17"], f["17b"]) == ("DN", "Ada Rowe", "1234567893")
        assert (f["21_indicator"], f["21A"]) == ("0", "M5450")
        assert "21B" not in f
        assert (f["22"], f["22_original"], f["23"]) == ("", "", "AUTH-7781")
        assert [
            (line["A_from"], line["D"], line["modifiers"], line["E"], line["F"], line["G"]) for line in f["24"]
        ] == [
            ("11 02 26", "97124", ["59"], "A", "28.00", "1"),
            ("11 02 26", "97140", [], "A", "65.00", "2"),
            ("11 04 26", "97124", ["59"], "A", "28.00", "1"),
            ("11 04 26", "97140", [], "A", "65.00", "2"),
        ]
        assert {(line["A_to"] == line["A_from"], line["B"], line["J"]) for line in f["24"]} == {(True, "11", npi)}
        assert (f["25"], f["25_kind"], f["26"], f["28"], f["29"]) == ("123456789", "EIN", claim.number, "186.00", "")
        assert (f["31"], f["31_date"]) == ("SIGNATURE ON FILE", "11 20 2026")
        # The location has no address of its own, so the facility shows the practice's.
        assert (f["32"], f["32_street"], f["32_city"], f["32a"]) == (
            "Main Street Clinic",
            "1 Test Street",
            "Seattle WA 98101-1234",
            GROUP_NPI,
        )
        assert (f["33"], f["33_city"], f["33a"]) == ("Test Massage Clinic, LLC", "Seattle WA 98101-1234", GROUP_NPI)

    def test_a_workers_comp_claim_marks_employment_and_the_injury(self, tess: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START, kind=Payer.Kind.WORKERS_COMP))

        f = form_fields(claim, today=TODAY)

        assert f["1"] == "Other"
        assert (f["10a"], f["10b"], f["10b_state"], f["10c"]) == ("YES", "NO", "", "NO")
        assert (f["14"], f["14_qualifier"]) == ("10 23 2026", "431")
        assert (f["11b_qualifier"], f["11b"]) == ("Y4", "WC-2026-0042")
        assert f["23"] == ""

    def test_an_auto_claim_gives_the_accident_state(self, tess: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START, kind=Payer.Kind.AUTO))

        f = form_fields(claim, today=TODAY)

        assert (f["1"], f["10a"], f["10b"], f["10b_state"]) == ("Other", "NO", "YES", "NY")

    def test_a_dependants_replacement_claim(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        coverage.relationship = Coverage.Relationship.SPOUSE
        coverage.subscriber_family_name, coverage.subscriber_given_name = "Okafor", "Sam J."
        coverage.subscriber_birth_date, coverage.subscriber_sex = date(1970, 3, 9), "M"
        coverage.save()
        claim = claim_for(tess, coverage)
        claim.frequency, claim.payer_claim_number = Claim.Frequency.REPLACEMENT, "PCN-991"
        claim.save()

        f = form_fields(claim, today=TODAY)

        assert (f["4"], f["6"], f["11a"], f["11a_sex"]) == ("Okafor, Sam J", "Spouse", "03 09 1970", "M")
        assert f["7"] == f["7_city"] == ""  # no subscriber address is kept
        assert (f["22"], f["22_original"]) == ("7", "PCN-991")

    def test_another_plan_fills_box_9(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        Coverage.objects.create(
            patient=coverage.patient,
            payer=payer(organization, name="Second Mutual"),
            rank=2,
            member_id="SEC-55",
            starts_on=START - timedelta(days=5),
        )
        claim = claim_for(tess, coverage)

        f = form_fields(claim, today=TODAY)

        assert (f["11d"], f["9"], f["9a"], f["9d"]) == ("YES", f["2"], "SEC-55", "Second Mutual")


class TestSignatureBoxes:
    """Boxes 12, 13 and 27 say what the patient's page records, as the 837P's CLM07-09 do."""

    def test_signatures_on_file_fill_boxes_12_13_and_27(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)  # signed for all payers on 2026-10-30
        Consent.objects.create(
            patient=coverage.patient,
            kind=Consent.Kind.RELEASE,
            date=date(2026, 11, 1),
            payer=coverage.payer,
            signed_by=Consent.Signer.REPRESENTATIVE,
            representative_name="Sam Rowe, son",
            recorded_by=tess,
        )
        f = form_fields(claim_for(tess, coverage), today=TODAY)
        assert (f["12"], f["12_date"], f["13"], f["27"]) == (
            "SIGNATURE ON FILE",
            "11 01 2026",  # the newest release that applies, the representative's for this payer
            "SIGNATURE ON FILE",
            "YES",
        )

    def test_without_signatures_the_boxes_stay_blank_and_assignment_is_not_accepted(
        self, tess: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=START)
        coverage.patient.consents.all().delete()
        f = form_fields(claim_for(tess, coverage), today=TODAY)
        assert (f["12"], f["12_date"], f["13"], f["27"]) == ("", "", "", "NO")

    def test_a_refused_assignment_leaves_box_13_blank(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        Consent.objects.filter(patient=coverage.patient, kind=Consent.Kind.ASSIGNMENT).update(granted=False)
        f = form_fields(claim_for(tess, coverage), today=TODAY)
        assert (f["12"], f["13"], f["27"]) == ("SIGNATURE ON FILE", "", "NO")

    def test_the_printed_form_shows_them(self, tess: User, organization: Organization) -> None:
        coverage = billable_patient(tess, organization, start=START)
        text = page_texts(render(claim_for(tess, coverage), drawn=False, today=TODAY))[0]
        assert text.count("SIGNATURE ON FILE") == 3  # boxes 12, 13 and 31


class TestRender:
    def test_the_drawn_form_shows_the_boxes_and_the_data(self, tess: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START))

        pages = page_texts(render(claim, drawn=True, today=TODAY))

        assert len(pages) == 1
        for expected in (
            "HEALTH INSURANCE CLAIM FORM",
            "1a. INSURED'S I.D. NUMBER",
            "24. A. DATE(S) OF SERVICE",
            "33. BILLING PROVIDER INFO & PH #",
            "XYZ123456789",
            f"{claim.patient.family_name}, {claim.patient.given_name}",
            "97140",
            "97124",
            "M5450",
            "186 00",
            claim.number,
            tess.practitioner.npi,
            GROUP_NPI,
        ):
            assert expected in pages[0], expected

    def test_the_data_only_print_has_no_form_and_the_same_positions(
        self, tess: User, organization: Organization
    ) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START))
        drawn, data = render(claim, drawn=True, today=TODAY), render(claim, drawn=False, today=TODAY)

        pages = page_texts(data)

        assert len(pages) == 1
        for expected in ("XYZ123456789", claim.patient.family_name, "97140", "97124", "186 00", GROUP_NPI):
            assert expected in pages[0], expected
        for label in ("INSURED'S I.D. NUMBER", "HEALTH INSURANCE CLAIM FORM", "PATIENT'S NAME", "NPI"):
            assert label not in pages[0], label
        for value in ("XYZ123456789", "M5450", "SIGNATURE ON FILE", claim.number):
            assert position_of(data, value) == position_of(drawn, value), value

    def test_eight_lines_take_two_pages(self, tess: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START, visits=4))
        assert claim.lines.count() == 8

        first, second = page_texts(render(claim, drawn=False, today=TODAY))

        assert "Page 1 of 2" in first and "CONTINUED" in first and "372" not in first
        assert "Page 2 of 2" in second and "372 00" in second and "CONTINUED" not in second
        assert "11 06 26" in first and "11 08 26" not in first  # lines 1-6: visits 1 to 3
        assert "11 08 26" in second and "11 06 26" not in second  # lines 7-8: visit 4
        assert "XYZ123456789" in second  # every page carries the claim's header boxes


class TestSuperbill:
    def test_it_itemizes_a_self_pay_claim(self, tess: User, organization: Organization) -> None:
        claim = claim_for(tess, billable_patient(tess, organization, start=START, kind=Payer.Kind.SELF_PAY))
        claim.paid = Decimal("93.00")
        claim.save(update_fields=["paid"])

        (text,) = page_texts(render_superbill(claim, today=TODAY))

        for expected in (
            "Test Massage Clinic, LLC",
            "Tax ID (EIN) 12-3456789",
            f"Group NPI {GROUP_NPI}",
            f"{claim.patient.family_name}, {claim.patient.given_name}",
            f"Tess Test, LMT {tess.practitioner.npi}",
            "M54.50 Low back pain, unspecified",
            "2026-11-02 11 Office 97124 59 A 1 $28.00 $28.00",
            "2026-11-04 11 Office 97140 — A 2 $32.50 $65.00",
            "Total charges $186.00",
            "Paid by the patient $93.00",
            "Balance due $93.00",
            "may submit this statement to their health insurer",
        ):
            assert expected in text, expected
