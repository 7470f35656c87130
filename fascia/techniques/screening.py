"""Contraindication screening: given a patient's facts and a planned technique on a body region,
the findings a practitioner must see, each with its level, a reason naming the fact, and its source.

Plain Python, no Django. The rules are data (rules.py) so a clinic can review them; this module only
knows how to match them. Two ways in:

- `screen(facts, technique, region, rules, pressure=...)`: from a PatientFacts the app read from the record.
- `verdict(technique, region, **inputs)` and `findings_for(...)`, the contract plans, booking and notes
  share: plain codes in, every input checked (an unknown technique, region, pressure, flag, finding or
  ICD-10-CM code is a ValueError naming it; ICD codes, with or without the dot, must be in the FY2026 code
  set simple-icd-10-cm ships), the worst level out.

Clearance: a rule marked `until_cleared` (a PE, a DVT's "anywhere" rules, a red flag) refuses until a
practitioner records a referral or a clearance for the fact; the gating layer passes the red flags and ICD
codes so cleared (with who and when, which it keeps) as `cleared`, and the refusal becomes a caution whose
reason says so, still to be acknowledged in writing. `awaiting_clearance` lists the red flags that hold a
plan's activation and a note's signing until then.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, TypedDict, Unpack

from fascia.techniques import drugs, icd10
from fascia.techniques import regions as body
from fascia.techniques.catalog import TECHNIQUES
from fascia.techniques.facts import (
    DEEP_PRESSURES,
    LOCAL_FINDINGS,
    PRESSURES,
    RED_FLAGS,
    REFUSING,
    STATES,
    SYMPTOMS,
    Condition,
    Finding,
    Level,
    LocalFinding,
    Medication,
    PatientFacts,
    Rule,
    Surgery,
    Technique,
)
from fascia.techniques.rules import RULES

__all__ = [
    "REFUSING",
    "Condition",
    "Finding",
    "Inputs",
    "Level",
    "LocalFinding",
    "Medication",
    "PatientFacts",
    "Rule",
    "Surgery",
    "Technique",
    "awaiting_clearance",
    "findings_for",
    "kept",
    "patient_facts",
    "screen",
    "verdict",
    "worst_level",
]

CATALOG = {t.code: Technique(code=t.code, name=t.name, tags=frozenset(t.tags)) for t in TECHNIQUES}
VERDICTS: dict[Level | None, Literal["absolute", "local", "caution", "clear"]] = {
    Level.ABSOLUTE: "absolute",
    Level.LOCAL: "local",
    Level.CAUTION: "caution",
    None: "clear",
}
CLEARED_NOTE = " A referral or clearance is on record: go ahead only as it allows."


@dataclass(frozen=True)
class _Fact:
    text: str  # what the reason names
    key: str = ""  # what a clearance names: a red flag or an ICD-10-CM code; "" for facts nobody clears
    regions: frozenset[str] | None = None  # the regions it affects; None: the whole body


def _applies_to(rule: Rule, technique: Technique, tags: frozenset[str]) -> bool:
    if not rule.techniques and not rule.tags:
        return True
    return technique.code in rule.techniques or bool(tags & set(rule.tags))


def _fact_regions(rule: Rule, key: str, code: str = "") -> frozenset[str] | None:
    """The regions a fact affects for this rule, on the side its code names; None: the whole body."""
    for entry, regions in rule.fact_regions:
        if key == entry or (code and icd10.is_under(code, entry)):
            return body.on_sides(regions, icd10.sides(code) if code else icd10.BOTH_SIDES)
    return None


def _matching_facts(
    rule: Rule,
    facts: PatientFacts,
    conditions: list[tuple[str, str]],
    medications: list[tuple[str, frozenset[str] | None]],
) -> list[_Fact]:
    """Each fact the rule reads that the patient has."""
    if (rule.state and rule.state not in facts.states) or (rule.unless_state and rule.unless_state in facts.states):
        return []
    matches: list[_Fact] = []
    if rule.icd_codes:
        for text, code in conditions:
            if icd10.first_entry(code, rule.icd_codes):
                matches.append(_Fact(f"{text} ({code})", code, _fact_regions(rule, code, code)))
    if rule.injuries:
        for text, code in conditions:
            injury = body.injury(code)
            if injury and injury.healing and injury.kind in rule.injuries:
                matches.append(_Fact(f"{text} ({code})", code, injury.regions))
    for flag in rule.medication_flags:
        named = [name for name, flags in medications if flags and flag in flags]
        if named:
            matches += [_Fact(name) for name in named]
        elif flag in facts.medication_flags:
            matches.append(_Fact(f"{flag} medication"))
    if rule.unclassified_medication:
        matches += [_Fact(name) for name, flags in medications if flags is None]
    matches += [_Fact(SYMPTOMS[s]) for s in rule.symptoms if s in facts.symptoms]
    matches += [
        _Fact(f"{RED_FLAGS[flag].label.lower()}, a red flag", flag, _fact_regions(rule, flag))
        for flag in rule.red_flags
        if flag in facts.red_flags
    ]
    matches += [
        _Fact(f"{LOCAL_FINDINGS[f.code].lower()} on the {f.region.replace('-', ' ')}", regions=frozenset({f.region}))
        for f in facts.local_findings
        if f.code in rule.local_findings
    ]
    if rule.surgery_within_days is not None:
        for surgery in facts.surgeries:
            days = (facts.today - surgery.performed_on).days
            if not 0 <= days <= rule.surgery_within_days:
                continue
            if rule.surgery_regions and surgery.region not in rule.surgery_regions:
                continue
            site = frozenset(body.limb(surgery.region) if rule.same_limb else {surgery.region})
            matches.append(_Fact(f"{surgery.procedure}, {days} days ago", regions=site))
    if rule.implant:
        matches += [
            _Fact(f"implant in the {region.replace('-', ' ')}", regions=frozenset({region}))
            for region in sorted(facts.implant_regions)
        ]
    if rule.pregnant_from_week is not None and facts.pregnant:
        weeks = facts.pregnancy_weeks
        if rule.pregnant_from_week == 0 or (weeks is not None and weeks >= rule.pregnant_from_week):
            matches.append(_Fact(f"pregnancy{f', {weeks} weeks' if weeks is not None else ''}"))
    return matches


def screen(
    facts: PatientFacts, technique: Technique, region: str, rules: Sequence[Rule], *, pressure: str | None = None
) -> list[Finding]:
    """The findings for one technique on one region, most serious first. Firm or deep `pressure` makes
    any technique deep work."""
    if pressure and pressure not in PRESSURES:
        raise ValueError(f"unknown pressure {pressure!r} (one of {', '.join(PRESSURES)})")
    tags = technique.tags | ({"deep"} if pressure in DEEP_PRESSURES else frozenset())
    conditions = [(c.text, icd10.normalize(c.icd10_code)) for c in facts.conditions if c.icd10_code]
    medications = [(m.name, m.flags if m.flags is not None else drugs.classify(m.name)) for m in facts.medications]
    cleared = {c if c in RED_FLAGS else icd10.normalize(c) for c in facts.cleared}
    findings: list[Finding] = []
    for rule in rules:
        if not _applies_to(rule, technique, tags) or (rule.regions and region not in rule.regions):
            continue
        for fact in _matching_facts(rule, facts, conditions, medications):
            if rule.same_region and fact.regions is not None and region not in fact.regions:
                continue
            level, reason = rule.level, rule.reason.format(fact=fact.text)
            if rule.until_cleared and fact.key and fact.key in cleared and level in REFUSING:
                level, reason = Level.CAUTION, reason + CLEARED_NOTE
            findings.append(Finding(rule=rule.id, level=level, reason=reason, source=rule.source))
    return sorted(findings, key=lambda f: f.level.rank)


def worst_level(findings: list[Finding]) -> Level | None:
    return min((f.level for f in findings), key=lambda level: level.rank, default=None)


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


def awaiting_clearance(red_flags: Iterable[str], cleared: Iterable[str] = ()) -> list[str]:
    """The red flags that hold a plan's activation and a note's signing: those needing a referral or
    clearance that none is recorded for, in the evaluation's order."""
    present = {_known("red flag", flag, RED_FLAGS) for flag in red_flags}
    done = set(cleared)
    return [code for code, flag in RED_FLAGS.items() if code in present and flag.needs_clearance and code not in done]


# --- the contract: plain codes in, checked ---------------------------------------------------------------


class Inputs(TypedDict, total=False):
    """What `verdict` and `findings_for` take besides the technique and the region (all optional)."""

    pressure: str | None  # light, moderate, firm or deep; None or "" when none was recorded
    conditions: Iterable[str]  # ICD-10-CM codes, with or without the dot
    medications: Iterable[str | tuple[str, Iterable[str]]]  # as typed; or (name, the flags a practitioner set)
    medication_flags: Iterable[str]  # flags recorded without a name (drugs.FLAGS)
    surgeries: Iterable[tuple[str, int]]  # (region, days ago)
    implants: Iterable[str]  # regions
    pregnant: bool  # pregnant, weeks unknown (pregnancy_weeks implies it)
    pregnancy_weeks: int | None
    findings: Iterable[tuple[str, str]]  # today's local findings: (LOCAL_FINDINGS code, region)
    symptoms: Iterable[str]  # today's: fever, acute-infection
    red_flags: Iterable[str]  # the evaluation's codes (RED_FLAGS)
    states: Iterable[str]  # STATES, e.g. rheumatoid-flare
    cleared: Iterable[str]  # red flags and ICD-10-CM codes with a referral or clearance on record
    today: date
    catalog: Mapping[str, Technique]  # the organization's catalog by code (default: catalog.py's)
    rules: Sequence[Rule]  # default: rules.RULES


def _known(kind: str, value: object, allowed: Iterable[str]) -> str:
    choices = list(allowed)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {kind} {value!r} (one of {', '.join(choices)})")
    return value


def _region(value: object) -> str:
    return _known("region", value, body.REGIONS)


def _medication(value: str | tuple[str, Iterable[str]]) -> Medication:
    if isinstance(value, str):
        name, flags = value, None
    else:
        name, given = value
        flags = frozenset(_known("medication flag", flag, drugs.FLAGS) for flag in given)
    if not name.strip():
        raise ValueError("a medication needs its name")
    return Medication(name.strip(), flags)


def _finding(value: tuple[str, str]) -> LocalFinding:
    code, region = value if isinstance(value, tuple) and len(value) == 2 else (value, "")
    if code in LOCAL_FINDINGS and not region:
        raise ValueError(f"the finding {code!r} needs its region")
    return LocalFinding(_known("finding", code, LOCAL_FINDINGS), _region(region))


def _symptom(value: str) -> str:
    if value in LOCAL_FINDINGS:
        raise ValueError(f"{value!r} is a local finding: give it in findings, with its region")
    return _known("symptom", value, SYMPTOMS)


def _clearance(value: str) -> str:
    return value if value in RED_FLAGS else icd10.checked(value)


def patient_facts(inputs: Inputs) -> PatientFacts:
    """The patient's facts from the contract's inputs, each checked."""
    today = inputs.get("today") or date.today()
    weeks = inputs.get("pregnancy_weeks")
    if weeks is not None and (isinstance(weeks, bool) or not isinstance(weeks, int) or not 0 <= weeks <= 45):
        raise ValueError(f"pregnancy_weeks {weeks!r} is not a number of weeks from 0 to 45")
    surgeries = []
    for region, days in inputs.get("surgeries", ()):
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"surgery on {region!r}: {days!r} is not a number of days ago")
        surgeries.append(Surgery("Surgery", _region(region), today - timedelta(days=days)))
    return PatientFacts(
        conditions=tuple(Condition(icd10.title(c), c) for c in map(icd10.checked, inputs.get("conditions", ()))),
        medication_flags=frozenset(
            _known("medication flag", f, drugs.FLAGS) for f in inputs.get("medication_flags", ())
        ),
        medications=tuple(map(_medication, inputs.get("medications", ()))),
        surgeries=tuple(surgeries),
        implant_regions=frozenset(map(_region, inputs.get("implants", ()))),
        pregnant=bool(inputs.get("pregnant")) or weeks is not None,
        pregnancy_weeks=weeks,
        symptoms=frozenset(map(_symptom, inputs.get("symptoms", ()))),
        local_findings=tuple(map(_finding, inputs.get("findings", ()))),
        red_flags=frozenset(_known("red flag", f, RED_FLAGS) for f in inputs.get("red_flags", ())),
        states=frozenset(_known("state", s, STATES) for s in inputs.get("states", ())),
        cleared=frozenset(map(_clearance, inputs.get("cleared", ()))),
        today=today,
    )


def findings_for(technique: str, region: str, **inputs: Unpack[Inputs]) -> list[Finding]:
    """The findings (rule id, level, reason, source) for `technique` (a catalog code) on `region` (a
    treatment region), most serious first."""
    catalog = inputs.get("catalog") or CATALOG
    engine_technique = catalog.get(_known("technique", technique, catalog))
    assert engine_technique is not None  # checked just above
    return screen(
        patient_facts(inputs),
        engine_technique,
        _region(region),
        inputs.get("rules") or RULES,
        pressure=_known("pressure", p, PRESSURES) if (p := inputs.get("pressure")) else None,
    )


def verdict(technique: str, region: str, **inputs: Unpack[Inputs]) -> Literal["absolute", "local", "caution", "clear"]:
    """The worst finding's level for `technique` on `region`, or "clear".

    verdict("deep-tissue", "lower-leg-right", pressure="deep", conditions=["I82.441"],
            medications=["Eliquis 5 mg BID"], surgeries=[("leg-right", 16)], findings=[("open-wound",
            "lower-back")], symptoms=["fever"], red_flags=["calf_swelling"])  # -> "absolute"
    """
    return VERDICTS[worst_level(findings_for(technique, region, **inputs))]
