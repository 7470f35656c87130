"""How a claim's ICD-10-CM diagnoses are coded together: the 7th character of injury codes, where
external-cause codes may stand, and Excludes1 pairs. Plain Python on simple-icd-10-cm's data (the
FY2026 code set, REFERENCE.md §7), no Django: the scrubber's rules call it.

Sources, in our words (ICD-10-CM Official Guidelines for Coding and Reporting FY2026):

- I.C.19.a: injury codes (S00-T88) take a 7th character: "A" while the patient receives active
  treatment for the injury, "D" for encounters after active treatment, while the injury heals or
  the patient recovers (rehabilitation therapy is among the guideline's examples of "D" care).
- I.C.20: external-cause codes (V00-Y99) add how an injury happened; they are never the
  first-listed diagnosis.
- NUCC 1500 instructions, item 24E (837P SV107 the same): a service line's pointers name the diagnoses that
  service treats, the most relevant first, at most four, among the claim's first twelve.
- I.A.12.a: an Excludes1 note means the two conditions are never coded together (the one excluded
  cannot occur with the other), unless they are unrelated to each other. A note written on a category
  or block holds for every code under it.
"""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import simple_icd_10_cm as icd

# Past this many days from the start of care, massage for an injury is rehabilitation (subsequent care, "D"),
# not the active treatment an "A" reports: the evaluation itself may still be coded "A" by some payers.
ACTIVE_TREATMENT_DAYS = 14


def _bare(code: str) -> str:
    return code.replace(".", "").strip().upper()


def is_injury_code(code: str) -> bool:
    """An injury or poisoning code of chapter 19 (S00-T88)."""
    bare = _bare(code)
    return bare[:1] == "S" or (bare[:1] == "T" and bare[1:3].isdigit() and int(bare[1:3]) <= 88)


def is_external_cause(code: str) -> bool:
    """An external-cause code of chapter 20 (V00-Y99)."""
    return _bare(code)[:1] in ("V", "W", "X", "Y")


def initial_encounter_too_late(code: str, *, care_started: date, service_day: date) -> bool:
    """An injury code with the initial-encounter 7th character "A" on a visit more than ACTIVE_TREATMENT_DAYS
    after the care started, when the care is subsequent ("D")."""
    bare = _bare(code)
    if not is_injury_code(code) or len(bare) != 7 or bare[-1] != "A":
        return False
    return service_day - care_started > timedelta(days=ACTIVE_TREATMENT_DAYS)


def as_subsequent(code: str) -> str:
    """The same code with the 7th character "D" (subsequent encounter)."""
    return code[:-1] + "D"


# A code, a code with "-" (it and every code under it), or a range of them ("A04.0-A04.4", "T61-T62"), as the
# Excludes1 notes write them in parentheses; the words around them ("with 9th character …") are left aside.
_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_TOKEN = re.compile(rf"({_CODE})-?(?:-({_CODE})-?)?")


@lru_cache(maxsize=4096)
def _excluded(code: str) -> tuple[tuple[str, str], ...]:
    """The (low, high) code ranges, without dots, that the Excludes1 notes of the code and of every category and
    block above it name; a single code is a range of one."""
    if not icd.is_valid_item(code):
        return ()
    ranges = []
    for item in (code, *icd.get_ancestors(code)):
        for text in icd.get_excludes1(item):
            for inside in re.findall(r"\(([^)]*)\)", text):
                for low, high in _TOKEN.findall(inside):
                    ranges.append((_bare(low), _bare(high or low)))
    return tuple(ranges)


def _within(code: str, low: str, high: str) -> bool:
    """Whether a code (without dot) is in the range: it, or the start of it as long as the range's codes, from
    low to high (so "M544" holds M54.40, M54.41 …)."""
    return low <= code[: len(low)] and code[: len(high)] <= high


def excludes1_pairs(codes: list[str]) -> list[tuple[str, str]]:
    """The pairs of the codes that an Excludes1 note keeps apart, each once, in the order the codes are listed."""
    pairs = []
    for i, first in enumerate(codes):
        for second in codes[i + 1 :]:
            apart = any(_within(_bare(second), low, high) for low, high in _excluded(first)) or any(
                _within(_bare(first), low, high) for low, high in _excluded(second)
            )
            if apart:
                pairs.append((first, second))
    return pairs


MAX_POINTERS = 4  # NUCC 24E, 837P SV107-1..4
MAX_CLAIM_DIAGNOSES = 12  # NUCC box 21 A-L, 837P HI01-HI12


@dataclass(frozen=True)
class Planned:
    """A technique on the plan of care as a claim line sees it: its CPT code, its body region and the
    diagnoses (ICD-10-CM codes) the plan says it treats."""

    cpt_code: str
    region: str
    treats: frozenset[str]


def treated_by(planned: Sequence[Planned], cpt_code: str, regions: Collection[str]) -> set[str]:
    """What the plan says a line's code treats: the diagnoses of its planned techniques with that code on a
    region documented for the line, else (the code done on a region the plan does not name) of every planned
    technique with that code. Empty when the plan names nothing the code treats (a technique off the plan)."""
    same_code = [p for p in planned if p.cpt_code == cpt_code]
    on_region = [p for p in same_code if p.region in regions]
    return {code for p in (on_region or same_code) for code in p.treats if not is_external_cause(code)}


def claim_diagnoses(ranked: Sequence[str], treated: Collection[str]) -> list[str]:
    """A claim's diagnoses (box 21, HI): those its lines treat first, then the others (comorbidities may
    support medical necessity but no line points at them alone), each group in the evaluation's rank order."""
    return [c for c in ranked if c in treated] + [c for c in ranked if c not in treated]


def line_pointers(diagnoses: Sequence[str], treated: Collection[str]) -> list[int]:
    """A line's pointers (1-based positions in the claim's diagnoses): the diagnoses it treats, in the
    claim's order, at most four. A line the plan names nothing for points at the first claim diagnosis (the
    primary, or the highest-ranked one the plan treats): never at a comorbidity alone, and the scrubber
    names the technique missing from the plan."""
    pointers = [i for i, code in enumerate(diagnoses[:MAX_CLAIM_DIAGNOSES], start=1) if code in treated]
    return pointers[:MAX_POINTERS] or ([1] if diagnoses else [])
