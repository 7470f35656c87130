"""The scrubber's diagnosis-coding and certification checks (issue 24 point 5): each a table of cases, one that
fires and its neighbour that does not, then the rules on real claims."""

from datetime import date, timedelta

import pytest

from fascia.billing import coding
from fascia.billing.certification import certification_problems, certified_through
from fascia.billing.claims import services
from fascia.billing.models import Claim, Coverage, Payer
from fascia.billing.scrubber import scrub
from fascia.billing.tests.factories import billable_patient
from fascia.core.models import Organization, User
from fascia.plans.models import TreatmentPlan

EVALUATED = date(2026, 9, 1)


@pytest.mark.parametrize(
    ("code", "days_in", "fires"),
    [
        ("S13.4XXA", 21, True),  # whiplash, initial encounter, three weeks into massage: subsequent care
        ("S13.4XXD", 21, False),  # the same injury coded as subsequent care
        ("S13.4XXA", 14, False),  # still within the first two weeks
        ("S13.4XXA", 15, True),
        ("T14.8XXA", 30, True),  # injury codes run to T88
        ("T91.8", 30, False),  # sequelae of injuries (T90-T98) take no A/D
        ("M54.50", 60, False),  # not an injury code
        ("V43.52XA", 60, False),  # an external-cause code: its own rule
        ("S39.012A", 3, False),
    ],
)
def test_initial_encounter_weeks_into_care(code: str, days_in: int, fires: bool) -> None:
    day = EVALUATED + timedelta(days=days_in)
    assert coding.initial_encounter_too_late(code, care_started=EVALUATED, service_day=day) is fires


@pytest.mark.parametrize(
    ("code", "external"),
    [("V43.52XA", True), ("Y99.0", True), ("W01.0XXA", True), ("X50.0XXA", True), ("S13.4XXA", False)],
)
def test_external_cause_codes(code: str, external: bool) -> None:
    assert coding.is_external_cause(code) is external


@pytest.mark.parametrize(
    ("codes", "pairs"),
    [
        (["M54.50", "M54.41"], [("M54.50", "M54.41")]),  # low back pain excludes lumbago with sciatica (M54.4-)
        (["M54.41", "M54.50"], [("M54.41", "M54.50")]),  # whichever is listed first
        (["M54.50", "M54.2"], []),  # low back pain and cervicalgia: coded together
        (["R53.82", "G93.32"], [("R53.82", "G93.32")]),  # chronic fatigue excludes ME/CFS
        (["R53.82", "M79.7"], []),
        (["M79.7", "M79.18"], [("M79.7", "M79.18")]),  # myalgia (M79.1, note on the category) excludes fibromyalgia
        (["M79.7", "M62.830"], []),
        (["M54.50", "M51.2"], [("M54.50", "M51.2")]),  # a range with "-" ("M51.2-")
        (["S13.4XXD", "V43.52XA", "M54.2"], []),
        (["M54.50", "NOT-A-CODE"], []),
    ],
)
def test_excludes1_pairs(codes: list[str], pairs: list[tuple[str, str]]) -> None:
    assert coding.excludes1_pairs(codes) == pairs


@pytest.mark.parametrize(
    ("certified_on", "service_day", "problems"),
    [
        (EVALUATED + timedelta(days=5), EVALUATED + timedelta(days=60), []),  # first certification, in time
        (EVALUATED + timedelta(days=30), EVALUATED + timedelta(days=60), []),  # on the 30th day: still in time
        (EVALUATED + timedelta(days=31), EVALUATED + timedelta(days=60), ["the first certification is due within"]),
        (EVALUATED + timedelta(days=5), EVALUATED + timedelta(days=89), []),  # the last day of the first 90
        (EVALUATED + timedelta(days=5), EVALUATED + timedelta(days=90), ["needs a recertification"]),
        (EVALUATED + timedelta(days=88), EVALUATED + timedelta(days=120), ["late", "needs a recertification"]),
        (EVALUATED + timedelta(days=95), EVALUATED + timedelta(days=150), []),  # a recertification covers 90 days
        (EVALUATED + timedelta(days=95), EVALUATED + timedelta(days=185), ["needs a recertification"]),
        (None, EVALUATED + timedelta(days=200), []),  # never certified: the payer's requirement rule says so
    ],
)
def test_certification_periods(certified_on: date | None, service_day: date, problems: list[str]) -> None:
    found = certification_problems(care_started=EVALUATED, certified_on=certified_on, service_day=service_day)
    expected = ["the first certification is due within" if p == "late" else p for p in problems]
    assert len(found) == len(expected) and all(e in f for e, f in zip(expected, found, strict=True)), found


def test_a_recertification_covers_ninety_days_from_its_date() -> None:
    assert certified_through(care_started=EVALUATED, certified_on=EVALUATED + timedelta(days=10)) == date(2026, 11, 29)
    assert certified_through(care_started=EVALUATED, certified_on=date(2026, 12, 5)) == date(2027, 3, 4)


# --- On claims ------------------------------------------------------------------------------------

START = date(2026, 11, 2)
TODAY = date(2026, 11, 20)


def _claim(tess: User, organization: Organization, **payer_fields: object) -> Claim:
    coverage = billable_patient(tess, organization, start=START, payer_fields=payer_fields or None)
    return services.create_claim(
        actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )


def _coded(claim: Claim, *codes: str) -> list[str]:
    Claim.objects.filter(pk=claim.pk).update(diagnoses=list(codes))
    return scrub(Claim.objects.get(pk=claim.pk), today=TODAY)


def _evaluated(claim: Claim, day: date) -> None:
    assert claim.plan is not None
    claim.plan.evaluation.__class__.objects.filter(pk=claim.plan.evaluation_id).update(evaluated_on=day)


class TestCodingRules:
    def test_an_initial_encounter_weeks_into_care(self, tess: User, organization: Organization) -> None:
        claim = _claim(tess, organization)
        _evaluated(claim, START - timedelta(days=30))
        problems = _coded(claim, "S13.4XXA", "M54.2")
        assert [p for p in problems if "initial encounter" in p] == [
            "S13.4XXA reports an initial encounter (7th character A) on visits 32 days into the care "
            "(evaluated 2026-10-03): rehabilitation is subsequent care, S13.4XXD."
        ]
        assert not [p for p in _coded(claim, "S13.4XXD", "M54.2") if "initial encounter" in p]
        _evaluated(claim, START)  # the first days of care
        assert not [p for p in _coded(claim, "S13.4XXA", "M54.2") if "initial encounter" in p]

    def test_an_external_cause_first_listed(self, tess: User, organization: Organization) -> None:
        claim = _claim(tess, organization)
        assert "V43.52XA is an external-cause code: list the injury or condition it explains first." in _coded(
            claim, "V43.52XA", "S13.4XXA"
        )
        assert not [p for p in _coded(claim, "S13.4XXA", "V43.52XA") if "external-cause" in p]

    def test_an_excludes1_pair(self, tess: User, organization: Organization) -> None:
        claim = _claim(tess, organization)
        problems = _coded(claim, "M54.50", "M54.41")
        assert [p for p in problems if "Excludes1" in p] == [
            "M54.50 and M54.41 are an Excludes1 pair (ICD-10-CM): they are not coded together; keep the one the "
            "evaluation supports, unless the two conditions are unrelated."
        ]
        assert not [p for p in _coded(claim, "M54.50", "M54.2") if "Excludes1" in p]

    def test_certification_periods(self, tess: User, organization: Organization) -> None:
        claim = _claim(tess, organization, requires_certification=True)
        evaluated = claim.plan.evaluation.evaluated_on
        plans = TreatmentPlan.objects.filter(pk=claim.plan_id)
        plans.update(certified_by="Dr. Ada Rowe", certified_on=evaluated + timedelta(days=45))
        problems = scrub(Claim.objects.get(pk=claim.pk), today=TODAY)
        assert [p for p in problems if "certif" in p] == [
            f"The plan of care was certified on {evaluated + timedelta(days=45):%Y-%m-%d}, 45 days after the "
            f"evaluation of {evaluated:%Y-%m-%d}: the first certification is due within 30 days."
        ]
        plans.update(certified_on=evaluated + timedelta(days=3))
        assert scrub(Claim.objects.get(pk=claim.pk), today=TODAY) == []
        # Evaluated four months before the visits, certified then: the visits need a recertification.
        _evaluated(claim, START - timedelta(days=120))
        plans.update(certified_on=START - timedelta(days=118))
        problems = scrub(Claim.objects.get(pk=claim.pk), today=TODAY)
        assert len([p for p in problems if "needs a recertification" in p]) == 2  # one per visit
        # A payer that asks for no certification: not judged.
        Payer.objects.update(requires_certification=False)
        assert scrub(Claim.objects.get(pk=claim.pk), today=TODAY) == []
        assert Coverage.objects.count() == 1
