"""ICD-10-CM codes as screening reads them: written one way, checked against the code set, matched against
a rule's explicit list, and the side of the body their title names.

Plain Python, no Django (a pure core). The code set is the FY2026 ICD-10-CM that simple-icd-10-cm 1.5.0
ships (REFERENCE.md §7), the same package fascia.patients.icd10 reads for the forms; a pure core may not
import another app, so the few lines both need are written again here.
"""

import re
from collections.abc import Iterable
from functools import lru_cache

import simple_icd_10_cm as icd

# A category is a letter, a digit and a letter or digit (I82, C4A); a subcategory or code adds a dot and
# one to four more characters (I82.4, I82.441, S82.101A).
_CODE = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")
_RIGHT = re.compile(r"\bright\b")
_LEFT = re.compile(r"\bleft\b")
BOTH_SIDES = frozenset({"right", "left"})


def normalize(value: str) -> str:
    """Upper-case, without spaces, the dot after the category: ' i82441 ' -> I82.441."""
    code = value.strip().upper().replace(" ", "").replace(".", "")
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def is_list_entry(entry: str) -> bool:
    """Whether `entry` may stand in a rule's code list: a 3-character category (matching itself and its
    children) or a subcategory written with its dot (matching itself and its children). A bare prefix
    such as "E0" or "C" would also match neighbouring categories (E08 diabetes), so it is not an entry."""
    return bool(_CODE.fullmatch(entry))


def checked(value: str) -> str:
    """The code, normalized, when it is an ICD-10-CM category, subcategory or code of the code set;
    otherwise a ValueError naming it."""
    code = normalize(value)
    if not _CODE.fullmatch(code):
        raise ValueError(f"{value!r} is not shaped like an ICD-10-CM code (for example I82.441)")
    if not icd.is_valid_item(code):
        raise ValueError(f"{value!r} is not an ICD-10-CM code (FY2026 code set)")
    return code


def is_under(code: str, entry: str) -> bool:
    """Whether normalized `code` is list entry `entry` or one of its children."""
    if "." in entry:
        return code.startswith(entry)
    return code == entry or code.startswith(f"{entry}.")


def first_entry(code: str, entries: Iterable[str]) -> str | None:
    """The first of `entries` that `code` (normalized) is or descends from."""
    return next((entry for entry in entries if is_under(code, entry)), None)


@lru_cache(maxsize=4096)
def title(code: str) -> str:
    """The code's title in the code set, or "" for a code it does not hold."""
    return icd.get_description(code) if icd.is_valid_item(code) else ""


@lru_cache(maxsize=4096)
def sides(code: str) -> frozenset[str]:
    """The side of the body the code names: {"right"}, {"left"}, or both when it is bilateral, unspecified,
    or not in the code set.

    Read from the code's title, not from one character: ICD-10-CM writes laterality in different places.
    Checked over the 31,052 billable chapter S codes of FY2026: most put it in the 6th character (1 right,
    2 left: S82.101A, S52.501A, S92.001A); some in the 5th, before an X placeholder (S80.01XA contusion of
    the right knee); displaced/nondisplaced fracture triples use 1/4 right, 2/5 left, 3/6 unspecified
    (S82.014A nondisplaced osteochondral fracture of the right patella); fingers use even 6th characters for
    the right hand and odd for the left (S62.600A right index finger); toes 1/4 right, 2/5 left (S93.504A
    right lesser toe). The title says "right" or "left" in every one of these.
    """
    text = title(code).lower()
    right, left = bool(_RIGHT.search(text)), bool(_LEFT.search(text))
    if right != left:
        return frozenset({"right"}) if right else frozenset({"left"})
    return BOTH_SIDES


def seventh_character(code: str) -> str:
    """The 7th character of a code (the encounter: A initial, D subsequent, S sequela …), or "" when the
    code stops before it."""
    bare = code.replace(".", "")
    return bare[6] if len(bare) >= 7 else ""
