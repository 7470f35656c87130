"""The engine's contract (issue 23, point 4): plain codes in, every input checked, the worst level out."""

from typing import Any

import pytest
import simple_icd_10_cm as icd

from fascia.techniques import drugs
from fascia.techniques.catalog import TECHNIQUES
from fascia.techniques.facts import LOCAL_FINDINGS, RED_FLAGS, STATES, SYMPTOMS, Level, Rule, Technique
from fascia.techniques.icd10 import is_list_entry
from fascia.techniques.regions import INJURY_KINDS, REGIONS
from fascia.techniques.rules import RULES
from fascia.techniques.screening import awaiting_clearance, verdict


def test_the_issues_example() -> None:
    assert (
        verdict(
            "deep-tissue",
            "lower-leg-right",
            pressure="deep",
            conditions=["I82.441"],
            medications=["Eliquis 5 mg BID"],
            surgeries=[("leg-right", 16)],
            implants=[],
            pregnancy_weeks=None,
            findings=[("open-wound", "lower-back")],
            symptoms=["fever"],
            red_flags=["calf_swelling"],
        )
        == "absolute"
    )


@pytest.mark.parametrize("written", ["I82.441", "I82441", "i82.441", " i82 441 "])
def test_icd_codes_are_read_with_or_without_the_dot(written: str) -> None:
    assert verdict("swedish", "lower-leg-right", conditions=[written]) == "absolute"


BAD: list[tuple[str, str, dict[str, Any], str]] = [
    # (technique, region, inputs, what the error names)
    ("reiki", "neck", {}, "technique 'reiki'"),
    ("swedish", "elbow", {}, "region 'elbow'"),
    ("swedish", "neck", {"pressure": "hard"}, "pressure 'hard'"),
    ("swedish", "neck", {"conditions": ["E0"]}, "'E0' is not shaped like an ICD-10-CM code"),
    ("swedish", "neck", {"conditions": ["M99.999"]}, "'M99.999' is not an ICD-10-CM code"),
    ("swedish", "neck", {"conditions": ["I82.4419"]}, "'I82.4419' is not an ICD-10-CM code"),
    ("swedish", "neck", {"symptoms": ["sneezing"]}, "symptom 'sneezing'"),
    ("swedish", "neck", {"symptoms": ["open-wound"]}, "'open-wound' is a local finding"),
    ("swedish", "neck", {"findings": [("open-wound", "")]}, "'open-wound' needs its region"),
    ("swedish", "neck", {"findings": [("blister", "neck")]}, "finding 'blister'"),
    ("swedish", "neck", {"findings": [("rash", "elbow")]}, "region 'elbow'"),
    ("swedish", "neck", {"red_flags": ["calf"]}, "red flag 'calf'"),
    ("swedish", "neck", {"medication_flags": ["blood-thinner"]}, "medication flag 'blood-thinner'"),
    ("swedish", "neck", {"medications": [("Duloxetine", ["ssri"])]}, "medication flag 'ssri'"),
    ("swedish", "neck", {"medications": ["  "]}, "a medication needs its name"),
    ("swedish", "neck", {"surgeries": [("knee", 10)]}, "region 'knee'"),
    ("swedish", "neck", {"surgeries": [("leg-right", -3)]}, "-3 is not a number of days ago"),
    ("swedish", "neck", {"implants": ["hip"]}, "region 'hip'"),
    ("swedish", "neck", {"pregnancy_weeks": 50}, "pregnancy_weeks 50"),
    ("swedish", "neck", {"states": ["flare"]}, "state 'flare'"),
    ("swedish", "neck", {"cleared": ["M54.599"]}, "'M54.599' is not an ICD-10-CM code"),
    ("swedish", "neck", {"cleared": ["calf"]}, "'calf' is not shaped like an ICD-10-CM code"),
]


@pytest.mark.parametrize("technique, region, inputs, named", BAD)
def test_an_unknown_input_is_a_value_error_naming_it(
    technique: str, region: str, inputs: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError) as error:
        verdict(technique, region, **inputs)
    assert named in str(error.value)


def test_an_organizations_catalog_may_add_techniques() -> None:
    cupping = Technique(code="cupping", name="Cupping", tags=frozenset({"vigorous"}))
    catalog = {"cupping": cupping}
    assert verdict("cupping", "lower-back", medications=["Xarelto"], catalog=catalog) == "caution"
    with pytest.raises(ValueError, match="technique 'swedish'"):
        verdict("swedish", "lower-back", catalog=catalog)


def test_the_red_flags_that_hold_a_plan_and_a_signature_until_cleared() -> None:
    flags = ["night_pain", "fever", "calf_swelling", "saddle_numbness"]
    assert awaiting_clearance(flags) == ["fever", "saddle_numbness", "calf_swelling"]
    assert awaiting_clearance(flags, cleared=["fever", "saddle_numbness"]) == ["calf_swelling"]
    assert awaiting_clearance(["night_pain", "cancer_history"]) == []
    with pytest.raises(ValueError, match="red flag 'calf'"):
        awaiting_clearance(["calf"])


def test_a_rule_refuses_a_bare_prefix() -> None:
    with pytest.raises(ValueError, match="E0 is not a category"):
        Rule(id="thyroid", level=Level.CAUTION, reason="x", source="y", icd_codes=("E0",))


def test_every_rule_reads_known_codes_and_names_known_things() -> None:
    codes = {t.code for t in TECHNIQUES}
    tags = {tag for t in TECHNIQUES for tag in t.tags}
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.reason and rule.source, rule.id
        for entry in rule.icd_codes + tuple(key for key, _ in rule.fact_regions if key not in RED_FLAGS):
            assert is_list_entry(entry) and icd.is_valid_item(entry), (rule.id, entry)
        assert set(rule.techniques) <= codes and set(rule.tags) <= tags, rule.id
        regions = set(rule.regions) | set(rule.surgery_regions) | {r for _, rs in rule.fact_regions for r in rs}
        assert regions <= set(REGIONS), rule.id
        assert set(rule.red_flags) <= set(RED_FLAGS) and set(rule.symptoms) <= set(SYMPTOMS), rule.id
        assert set(rule.local_findings) <= set(LOCAL_FINDINGS), rule.id
        assert set(rule.injuries) <= {kind for kind, _ in INJURY_KINDS}, rule.id
        assert set(rule.medication_flags) <= set(drugs.FLAGS), rule.id
        assert {rule.state, rule.unless_state} - {""} <= set(STATES), rule.id


def test_every_red_flag_feeds_a_rule() -> None:
    assert {flag for rule in RULES for flag in rule.red_flags} == set(RED_FLAGS)
