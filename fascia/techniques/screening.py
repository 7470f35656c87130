"""Contraindication screening: given a patient's facts and a planned technique on a body region,
the findings a practitioner must see, each with its level, a reason naming the fact, and its source.

Plain Python, no Django. The rules are data (rules.py) so a clinic can review them; this module
only knows how to match them.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    ABSOLUTE = "absolute"  # do not treat
    LOCAL = "local"  # do not treat this region
    CAUTION = "caution"  # modify pressure, duration or position; overriding needs a written reason

    @property
    def rank(self) -> int:
        return {"absolute": 0, "local": 1, "caution": 2}[self.value]


@dataclass(frozen=True)
class Condition:
    text: str
    icd10_code: str = ""  # with the dot, e.g. I82.401


@dataclass(frozen=True)
class Surgery:
    procedure: str
    region: str
    performed_on: date


@dataclass(frozen=True)
class PatientFacts:
    conditions: tuple[Condition, ...] = ()
    medication_flags: frozenset[str] = frozenset()  # anticoagulant, corticosteroid, analgesic, muscle-relaxant
    surgeries: tuple[Surgery, ...] = ()
    implant_regions: frozenset[str] = frozenset()
    pregnant: bool = False
    pregnancy_weeks: int | None = None
    symptoms: frozenset[str] = frozenset()  # today's: fever, acute-infection, open-wound …
    today: date = field(default_factory=date.today)


@dataclass(frozen=True)
class Technique:
    code: str
    name: str
    tags: frozenset[str]  # deep, vigorous, lymphatic, myofascial, stretching …


@dataclass(frozen=True)
class Rule:
    """One screening rule.

    A rule fires when its fact matches (`icd_prefixes`, `medication_flag`, `symptom`,
    `surgery_within_days`, `implant`, `pregnant_from_week`) and the technique is one of
    `techniques` or carries one of `tags` (both empty: every technique). `regions`, when set,
    limits the rule to those planned regions; `same_region` limits it to the region of the fact
    (the limb of a DVT, the site of a surgery or implant).
    """

    id: str
    level: Level
    reason: str  # may use {fact}
    source: str
    icd_prefixes: tuple[str, ...] = ()
    medication_flag: str = ""
    symptom: str = ""
    surgery_within_days: int | None = None
    implant: bool = False
    pregnant_from_week: int | None = None
    techniques: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    same_region: bool = False
    fact_regions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ICD prefix -> regions it affects


@dataclass(frozen=True)
class Finding:
    rule: str
    level: Level
    reason: str
    source: str


def _applies_to(rule: Rule, technique: Technique) -> bool:
    if not rule.techniques and not rule.tags:
        return True
    return technique.code in rule.techniques or bool(technique.tags & set(rule.tags))


def _matching_facts(rule: Rule, facts: PatientFacts) -> list[tuple[str, frozenset[str] | None]]:
    """Each matching fact as (its description, the regions it affects or None for the whole body)."""
    matches: list[tuple[str, frozenset[str] | None]] = []
    if rule.icd_prefixes:
        for condition in facts.conditions:
            code = condition.icd10_code.upper()
            if code and code.startswith(rule.icd_prefixes):
                regions = next((frozenset(r) for prefix, r in rule.fact_regions if code.startswith(prefix)), None)
                matches.append((f"{condition.text} ({code})", regions))
    if rule.medication_flag and rule.medication_flag in facts.medication_flags:
        matches.append((f"{rule.medication_flag} medication", None))
    if rule.symptom and rule.symptom in facts.symptoms:
        matches.append((rule.symptom.replace("-", " "), None))
    if rule.surgery_within_days is not None:
        for surgery in facts.surgeries:
            days = (facts.today - surgery.performed_on).days
            if 0 <= days <= rule.surgery_within_days:
                matches.append((f"{surgery.procedure}, {days} days ago", frozenset({surgery.region})))
    if rule.implant:
        matches += [
            (f"implant in the {region.replace('-', ' ')}", frozenset({region}))
            for region in sorted(facts.implant_regions)
        ]
    if rule.pregnant_from_week is not None and facts.pregnant:
        weeks = facts.pregnancy_weeks
        if rule.pregnant_from_week == 0 or (weeks is not None and weeks >= rule.pregnant_from_week):
            matches.append((f"pregnancy{f', {weeks} weeks' if weeks is not None else ''}", None))
    return matches


def screen(facts: PatientFacts, technique: Technique, region: str, rules: list[Rule]) -> list[Finding]:
    """The findings for one technique on one region, most serious first."""
    findings: list[Finding] = []
    for rule in rules:
        if not _applies_to(rule, technique) or (rule.regions and region not in rule.regions):
            continue
        for fact, fact_regions in _matching_facts(rule, facts):
            if rule.same_region and fact_regions is not None and region not in fact_regions:
                continue
            findings.append(
                Finding(rule=rule.id, level=rule.level, reason=rule.reason.format(fact=fact), source=rule.source)
            )
    return sorted(findings, key=lambda f: f.level.rank)


def worst_level(findings: list[Finding]) -> Level | None:
    return min((f.level for f in findings), key=lambda level: level.rank, default=None)


REFUSING = (Level.ABSOLUTE, Level.LOCAL)  # the levels that keep a technique off the region


def kept(findings: list[Finding], override_reason: str) -> dict[str, Any]:
    """What a planned or performed technique keeps of its screen: the worst level, the findings, and the
    written reason for going ahead, kept only when there is a finding to go ahead despite."""
    level = worst_level(findings)
    return {
        "screening_level": level.value if level else "",
        "findings": [
            {"rule": f.rule, "level": f.level.value, "reason": f.reason, "source": f.source} for f in findings
        ],
        "override_reason": override_reason.strip() if level else "",
    }
