"""Contraindication cases: patient facts x technique x region -> expected findings and levels."""

from datetime import date, timedelta

import pytest

from fascia.techniques.catalog import TECHNIQUES
from fascia.techniques.rules import RULES
from fascia.techniques.screening import Condition, Level, PatientFacts, Surgery, Technique, screen, worst_level

TODAY = date(2026, 11, 26)
CATALOG = {t.code: Technique(code=t.code, name=t.name, tags=frozenset(t.tags)) for t in TECHNIQUES}


def facts(**kwargs: object) -> PatientFacts:
    return PatientFacts(today=TODAY, **kwargs)


DVT_RIGHT = facts(conditions=(Condition("DVT right calf", "I82.441"),))
ANTICOAGULATED = facts(medication_flags=frozenset({"anticoagulant"}))
FEVER = facts(symptoms=frozenset({"fever"}))
KNEE_SURGERY = facts(surgeries=(Surgery("Total knee arthroplasty", "leg-right", TODAY - timedelta(days=20)),))
OLD_SURGERY = facts(surgeries=(Surgery("Total knee arthroplasty", "leg-right", TODAY - timedelta(days=60)),))
HEART_FAILURE = facts(conditions=(Condition("Congestive heart failure", "I50.9"),))
KIDNEY_FAILURE = facts(conditions=(Condition("Acute kidney failure", "N17.9"),))
CANCER = facts(conditions=(Condition("Breast cancer under chemotherapy", "C50.911"),))
PREGNANT_30 = facts(pregnant=True, pregnancy_weeks=30)
PREGNANT_12 = facts(pregnant=True, pregnancy_weeks=12)
HEALTHY = facts()

CASES = [
    # (facts, technique, region, expected worst level, a rule that must fire)
    (DVT_RIGHT, "deep-tissue", "lower-leg-right", Level.ABSOLUTE, "dvt-local"),
    (DVT_RIGHT, "swedish", "lower-leg-right", Level.ABSOLUTE, "dvt-local"),  # no massage of that limb at all
    (DVT_RIGHT, "deep-tissue", "upper-back", Level.ABSOLUTE, "dvt-vigorous"),  # vigorous work anywhere
    (DVT_RIGHT, "swedish", "upper-back", None, None),  # light work elsewhere
    (DVT_RIGHT, "swedish", "lower-leg-left", None, None),
    (ANTICOAGULATED, "deep-tissue", "lower-back", Level.CAUTION, "anticoagulant"),
    (ANTICOAGULATED, "swedish", "lower-back", None, None),  # light work allowed
    (ANTICOAGULATED, "manual-lymphatic-drainage", "arm-left", None, None),
    (FEVER, "swedish", "neck", Level.ABSOLUTE, "fever"),
    (FEVER, "manual-lymphatic-drainage", "arm-left", Level.ABSOLUTE, "fever"),
    (KNEE_SURGERY, "swedish", "leg-right", Level.LOCAL, "recent-surgery"),
    (KNEE_SURGERY, "swedish", "leg-left", None, None),
    (OLD_SURGERY, "swedish", "leg-right", None, None),  # past six weeks
    (HEART_FAILURE, "manual-lymphatic-drainage", "leg-left", Level.ABSOLUTE, "heart-failure-mld"),
    (HEART_FAILURE, "swedish", "leg-left", None, None),
    (KIDNEY_FAILURE, "manual-lymphatic-drainage", "abdomen", Level.ABSOLUTE, "kidney-failure-mld"),
    (CANCER, "deep-tissue", "upper-back", Level.CAUTION, "cancer"),
    # Issue 23: active malignancy refuses lymphatic drainage (it was a caution).
    (CANCER, "manual-lymphatic-drainage", "arm-right", Level.ABSOLUTE, "cancer-mld"),
    (CANCER, "swedish", "upper-back", Level.CAUTION, "cancer"),  # gentle work, with medical approval
    (PREGNANT_30, "deep-tissue", "leg-left", Level.CAUTION, "pregnancy-legs"),
    (PREGNANT_30, "swedish", "upper-back", Level.CAUTION, "pregnancy-position"),  # side-lying after ~22 weeks
    (PREGNANT_12, "swedish", "upper-back", None, None),
    (PREGNANT_12, "swedish", "abdomen", Level.CAUTION, "pregnancy-abdomen"),
    (HEALTHY, "deep-tissue", "lower-back", None, None),
]


@pytest.mark.parametrize("patient, technique, region, level, rule", CASES)
def test_screening(patient: PatientFacts, technique: str, region: str, level: Level | None, rule: str | None) -> None:
    findings = screen(patient, CATALOG[technique], region, RULES)
    assert worst_level(findings) == level, findings
    if rule:
        assert rule in {f.rule for f in findings}


def test_a_finding_names_the_fact_and_its_source() -> None:
    [finding] = screen(KNEE_SURGERY, CATALOG["swedish"], "leg-right", RULES)
    assert finding.reason.startswith("Recent surgery: Total knee arthroplasty, 20 days ago.")
    assert "W&B" in finding.source


def test_findings_come_most_serious_first() -> None:
    both = facts(medication_flags=frozenset({"anticoagulant"}), symptoms=frozenset({"fever"}))
    levels = [f.level for f in screen(both, CATALOG["deep-tissue"], "lower-back", RULES)]
    assert levels == sorted(levels, key=lambda level: level.rank) and levels[0] is Level.ABSOLUTE


def test_every_rule_cites_a_source_and_names_known_techniques() -> None:
    codes = {t.code for t in TECHNIQUES}
    tags = {tag for t in TECHNIQUES for tag in t.tags}
    for rule in RULES:
        assert rule.source and rule.reason
        assert set(rule.techniques) <= codes, rule.id
        assert set(rule.tags) <= tags, rule.id
