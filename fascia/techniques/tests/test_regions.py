"""Injuries coded in ICD-10-CM chapter S: their kind, their regions and side, and whether they are healing."""

import re

import pytest
import simple_icd_10_cm as icd

from fascia.techniques import icd10
from fascia.techniques.regions import FRACTURES, INJURY_KINDS, REGIONS, SPRAINS, injury

CASES = [
    # (code, kind, regions, healing)
    ("S82.101A", "fracture", {"leg-right", "lower-leg-right"}, True),  # upper end of right tibia: 6th character
    ("S82.202D", "fracture", {"leg-left", "lower-leg-left"}, True),  # shaft of left tibia, routine healing
    ("S82.202S", "fracture", {"leg-left", "lower-leg-left"}, False),  # sequela: healed
    ("S82.014A", "fracture", {"leg-right", "lower-leg-right"}, True),  # nondisplaced, right patella: 6th is 4
    ("S82.841A", "fracture", {"leg-right", "lower-leg-right", "foot-right"}, True),  # bimalleolar: the ankle
    ("S52.501A", "fracture", {"arm-right", "hand-right"}, True),  # lower end of right radius: the wrist
    ("S52.502D", "fracture", {"arm-left", "hand-left"}, True),
    ("S52.5", "fracture", {"arm-right", "arm-left", "hand-right", "hand-left"}, True),  # no side, no encounter
    ("S92.001A", "fracture", {"foot-right"}, True),  # right calcaneus
    ("S92.902A", "fracture", {"foot-left"}, True),
    ("S92", "fracture", {"foot-right", "foot-left"}, True),
    ("S62.600A", "fracture", {"hand-right"}, True),  # right index finger: an even 6th character
    ("S62.601A", "fracture", {"hand-left"}, True),
    ("S42.001A", "fracture", {"shoulder-right", "arm-right"}, True),  # right clavicle
    ("S42.101A", "fracture", {"shoulder-right", "arm-right", "upper-back"}, True),  # right scapula
    ("S72.001A", "fracture", {"pelvis", "leg-right"}, True),  # neck of right femur
    ("S32.010A", "fracture", {"abdomen", "lower-back", "pelvis"}, True),  # L1: the 6th character is no side
    ("S22.31XA", "fracture", {"chest", "upper-back"}, True),  # one rib, right side: the trunk has no side
    ("S02.2XXA", "fracture", {"head"}, True),
    ("S13.4XXA", "sprain", {"neck"}, True),  # whiplash
    ("S93.401A", "sprain", {"foot-right"}, True),  # right ankle
    ("S93.504A", "sprain", {"foot-right"}, True),  # right lesser toe: 6th is 4
    ("S83.412D", "sprain", {"leg-left", "lower-leg-left"}, True),  # left knee MCL
    ("S80.01XA", "contusion", {"leg-right", "lower-leg-right"}, True),  # right knee: the 5th character
    ("S80.12XA", "contusion", {"leg-left", "lower-leg-left"}, True),
    ("S70.12XA", "contusion", {"pelvis", "leg-left"}, True),  # left thigh
    ("S30.0XXA", "contusion", {"abdomen", "lower-back", "pelvis"}, True),
    ("S60.221A", "contusion", {"hand-right"}, True),
]


@pytest.mark.parametrize("code, kind, regions, healing", CASES)
def test_an_injury_maps_to_its_region_and_side(code: str, kind: str, regions: set[str], healing: bool) -> None:
    found = injury(code)
    assert found is not None
    assert (found.kind, set(found.regions), found.healing) == (kind, regions, healing)


@pytest.mark.parametrize(
    "code",
    [
        "S76.311A",  # strain of the hamstring: not a fracture, sprain or contusion
        "S39.012A",  # strain of the lower back
        "S81.811A",  # laceration of the lower leg (an open wound is a finding of the day)
        "S36.021A",  # contusion of the spleen: an organ, not the body wall
        "M84.361A",  # stress fracture: chapter M, not an injury code
        "I82.441",
    ],
)
def test_other_codes_are_not_injuries_of_a_region(code: str) -> None:
    assert injury(code) is None


def test_the_lists_are_codes_of_the_code_set() -> None:
    for _, entries in INJURY_KINDS:
        for entry in entries:
            assert icd10.is_list_entry(entry) and icd.is_valid_item(entry), entry


def _injury_codes() -> list[tuple[str, str]]:
    return [
        (c, icd.get_description(c).lower()) for c in icd.get_all_codes(with_dots=True) if c[0] == "S" and icd.is_leaf(c)
    ]


def test_every_fracture_and_sprain_of_chapter_s_is_listed() -> None:
    codes = _injury_codes()
    fractures = {c for c, title in codes if re.search(r"\bfracture", title)}
    sprains = {c for c, title in codes if re.search(r"\bsprain", title)}
    assert {c for c in fractures if not icd10.first_entry(c, FRACTURES)} == {
        "S39.840A",  # fracture of the corpus cavernosum penis: no bone
        "S39.840D",
        "S39.840S",
    }
    assert not {c for c in sprains if not icd10.first_entry(c, SPRAINS)}


def test_every_contusion_of_the_body_wall_and_limbs_is_listed() -> None:
    organs = ("S05", "S06", "S26", "S27", "S36", "S37")  # eye, brain, heart, chest and abdominal organs
    missing = {
        c
        for c, title in _injury_codes()
        if re.search(r"\bcontusion", title) and not injury(c) and not c.startswith(organs)
    }
    assert not missing


def test_every_listed_injury_names_treatment_regions() -> None:
    for _, entries in INJURY_KINDS:
        for entry in entries:
            found = injury(entry)
            assert found and found.regions and found.regions <= set(REGIONS), entry
