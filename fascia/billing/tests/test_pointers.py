"""Diagnoses that fit (issue 24 point 5): each claim line points at the diagnoses the plan says its techniques
treat, never at a comorbidity alone (NUCC 24E, 837P SV107; REFERENCE.md §5a); the payer's referral number goes
out as REF*9F and in box 23."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from fascia.billing import coding
from fascia.billing.claims import services
from fascia.billing.coding import Planned, claim_diagnoses, line_pointers, treated_by
from fascia.billing.models import Authorization, Claim, Coverage, Payer
from fascia.billing.paper.cms1500 import form_fields, render
from fascia.billing.scrubber import scrub
from fascia.billing.tests.factories import billable_patient, note
from fascia.billing.tests.test_documentation import draft, found
from fascia.billing.tests.test_x12 import ENVELOPE, TODAY, claim_loop, pyx12_accepts
from fascia.billing.x12.from_models import build_837
from fascia.billing.x12.validate import validate_837
from fascia.core.models import Organization, User
from fascia.referrals.models import Referral

START = date(2026, 11, 2)
LOW_BACK, NECK, DIABETES = "M54.50", "M54.2", "E11.9"  # the last a comorbidity no technique treats
DIAGNOSES = [LOW_BACK, DIABETES, NECK]  # ranked as the evaluation lists them: the comorbidity second
PLAN = [("deep-tissue", "lower-back", [LOW_BACK]), ("swedish", "neck", [NECK])]


class TestPureChoice:
    PLANNED = (
        Planned("97140", "lower-back", frozenset({LOW_BACK})),
        Planned("97140", "neck", frozenset({NECK})),
        Planned("97124", "neck", frozenset({NECK, "W19.XXXD"})),  # an external cause is never pointed at
    )

    @pytest.mark.parametrize(
        ("code", "regions", "treated"),
        [
            ("97140", ("lower-back",), {LOW_BACK}),
            ("97140", ("neck",), {NECK}),
            ("97140", ("lower-back", "neck"), {LOW_BACK, NECK}),
            ("97140", ("upper-back",), {LOW_BACK, NECK}),  # a region the plan does not name: every 97140
            ("97124", ("neck",), {NECK}),
            ("97112", ("neck",), set()),  # off the plan
        ],
    )
    def test_what_a_line_treats(self, code: str, regions: tuple[str, ...], treated: set[str]) -> None:
        assert treated_by(self.PLANNED, code, regions) == treated

    def test_the_treated_come_first_in_rank_order(self) -> None:
        assert claim_diagnoses(DIAGNOSES, {NECK, LOW_BACK}) == [LOW_BACK, NECK, DIABETES]

    @pytest.mark.parametrize(
        ("treated", "pointers"),
        [
            ({LOW_BACK}, [1]),
            ({NECK}, [2]),
            ({LOW_BACK, NECK}, [1, 2]),
            (set(), [1]),  # off the plan: the first claim diagnosis, never the comorbidity
        ],
    )
    def test_pointers(self, treated: set[str], pointers: list[int]) -> None:
        assert line_pointers([LOW_BACK, NECK, DIABETES], treated) == pointers

    def test_at_most_four_among_the_first_twelve(self) -> None:
        codes = [f"M{n:02d}.0" for n in range(14)]
        assert line_pointers(codes, set(codes)) == [1, 2, 3, 4]
        assert line_pointers(codes, {codes[12], codes[13]}) == [1]  # beyond box 21's twelve: none to point at
        assert coding.MAX_POINTERS == 4


def build(tess: User, coverage: Coverage) -> Claim:
    return services.create_claim(
        actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )


def pointers(claim: Claim) -> list[tuple[date, str, list[int]]]:
    return [(line.service_date, line.cpt_code, line.diagnosis_pointers) for line in claim.lines.order_by("id")]


@pytest.fixture
def coverage(tess: User, organization: Organization) -> Coverage:
    """Deep tissue on the low back for M54.50 and Swedish on the neck for M54.2; diabetes treated by neither.
    Two visits of both."""
    return billable_patient(tess, organization, start=START, diagnoses=DIAGNOSES, techniques=PLAN)


class TestClaimLines:
    def test_two_techniques_point_at_what_each_treats_and_never_at_the_comorbidity(
        self, tess: User, coverage: Coverage
    ) -> None:
        claim = build(tess, coverage)
        assert claim.diagnoses == [LOW_BACK, NECK, DIABETES]  # box 21: the treated first, the comorbidity last
        day2 = START + timedelta(days=2)
        assert pointers(claim) == [
            (START, "97124", [2]),
            (START, "97140", [1]),
            (day2, "97124", [2]),
            (day2, "97140", [1]),
        ]
        assert scrub(claim, today=TODAY) == []

    def test_a_region_the_plan_does_not_name_points_at_every_diagnosis_the_code_treats(
        self, tess: User, organization: Organization
    ) -> None:
        coverage = billable_patient(
            tess,
            organization,
            start=START,
            visits=0,
            diagnoses=DIAGNOSES,
            techniques=[
                ("deep-tissue", "lower-back", [LOW_BACK]),
                ("myofascial-release", "neck", [NECK]),
                ("swedish", "neck", [NECK]),
            ],
        )
        patient = coverage.patient
        note(tess, patient, START, [("deep-tissue", "neck", 25)])  # 97140 on the neck: what the neck's 97140 treats
        note(tess, patient, START + timedelta(days=1), [("deep-tissue", "upper-back", 25)])  # on no planned region
        claim = build(tess, coverage)
        assert claim.diagnoses == [LOW_BACK, NECK, DIABETES]
        assert pointers(claim) == [(START, "97140", [2]), (START + timedelta(days=1), "97140", [1, 2])]
        assert scrub(claim, today=TODAY) == []

    def test_a_technique_off_the_plan_points_at_the_primary_and_is_named(self, tess: User, coverage: Coverage) -> None:
        note(tess, coverage.patient, START + timedelta(days=4), [("neuromuscular-reeducation", "neck", 15)])
        claim = build(tess, coverage)
        assert pointers(claim)[-1] == (START + timedelta(days=4), "97112", [1])
        assert scrub(claim, today=TODAY) == [
            "Neuromuscular re-education (97112, 2026-11-06) is not on the plan's list of what it treats: its line "
            "points at M54.50 by default. Add it to the plan (a new version) with the diagnoses it treats."
        ]

    def test_the_documentation_check_names_it_before_signing(self, tess: User, coverage: Coverage) -> None:
        """What the practitioner sees when signing a visit (through visits' warnings, as the note page shows)."""
        off_plan = draft(tess, coverage, ("neuromuscular-reeducation", "neck", 15), ("swedish", "neck", 15))
        assert found(off_plan) == [
            "Neuromuscular re-education (97112) is not on the plan's list of what it treats: its claim line would "
            "point at the primary diagnosis by default. Add it to the plan (a new version) with the diagnoses it "
            "treats."
        ]
        assert found(draft(tess, coverage, ("swedish", "neck", 15), day=START + timedelta(days=5))) == []

    def test_the_837p_and_the_cms1500_follow_the_lines_pointers(
        self, tess: User, bill: User, coverage: Coverage
    ) -> None:
        claim = services.mark_ready(actor=bill, claim=build(tess, coverage), today=TODAY)
        content = build_837([claim], ENVELOPE)
        assert validate_837(content) == [] and pyx12_accepts(content)
        loop = claim_loop(content, claim.number)
        assert "HI*ABK:M5450*ABF:M542*ABF:E119" in loop
        assert [s.split("*")[7] for s in loop if s.startswith("SV1*")] == ["2", "1", "2", "1"]  # SV107

        assert [line["E"] for line in form_fields(claim, today=TODAY)["24"]] == ["B", "A", "B", "A"]
        text = " ".join(PdfReader(BytesIO(render(claim, drawn=False, today=TODAY))).pages[0].extract_text().split())
        assert "M5450" in text and "M542" in text and "E119" in text
        assert text.count(" 97124 B ") == 2 and text.count(" 97140 A ") == 2


class TestReferralNumber:
    def referral(self, coverage: Coverage) -> Referral:
        return Referral.objects.get(patient=coverage.patient)

    def test_ref_9f_and_box_23_carry_it(self, tess: User, bill: User, coverage: Coverage) -> None:
        Payer.objects.filter(pk=coverage.payer_id).update(requires_referral_number=True)
        Referral.objects.filter(patient=coverage.patient).update(payer_referral_number="RF-55120")
        claim = services.mark_ready(actor=bill, claim=build(tess, coverage), today=TODAY)
        content = build_837([claim], ENVELOPE)
        assert validate_837(content) == [] and pyx12_accepts(content)
        refs = [s for s in claim_loop(content, claim.number) if s.startswith("REF*")]
        assert "REF*9F*RF-55120" in refs
        assert form_fields(claim, today=TODAY)["23"] == "RF-55120"
        text = " ".join(PdfReader(BytesIO(render(claim, drawn=False, today=TODAY))).pages[0].extract_text().split())
        assert "RF-55120" in text

    def test_box_23_prefers_the_prior_authorization_and_both_refs_go_in_order(
        self, tess: User, bill: User, coverage: Coverage
    ) -> None:
        Referral.objects.filter(patient=coverage.patient).update(payer_referral_number="RF-55120")
        Authorization.objects.create(
            coverage=coverage, number="AUTH-7781", visits_allowed=12, starts_on=START, ends_on=START + timedelta(90)
        )
        claim = services.mark_ready(actor=bill, claim=build(tess, coverage), today=TODAY)
        content = build_837([claim], ENVELOPE)
        assert validate_837(content) == [] and pyx12_accepts(content)
        refs = [s for s in claim_loop(content, claim.number) if s.startswith("REF*")]
        assert refs[:2] == ["REF*9F*RF-55120", "REF*G1*AUTH-7781"]
        assert form_fields(claim, today=TODAY)["23"] == "AUTH-7781"

    def test_without_a_number_there_is_no_ref_9f_and_a_payer_that_requires_one_is_flagged(
        self, tess: User, bill: User, coverage: Coverage
    ) -> None:
        claim = services.mark_ready(actor=bill, claim=build(tess, coverage), today=TODAY)
        content = build_837([claim], ENVELOPE)
        assert not [s for s in claim_loop(content, claim.number) if s.startswith("REF*9F")]
        assert form_fields(claim, today=TODAY)["23"] == ""

        Payer.objects.filter(pk=coverage.payer_id).update(requires_referral_number=True)
        claim.refresh_from_db()
        referral = self.referral(coverage)
        assert scrub(claim, today=TODAY) == [
            f"{claim.payer} requires the referral number it assigned; the referral from {referral.provider} "
            "(2026-10-30) has none recorded."
        ]
