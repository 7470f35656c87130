"""ICD-10-CM codes, validated against the FY2026 code set shipped by simple-icd-10-cm.

Source: CDC/CMS ICD-10-CM FY2026 (../shared/domain/REFERENCE.md §7). Only leaf codes are billable.
"""

from functools import lru_cache

import simple_icd_10_cm as icd


def normalize_code(value: str) -> str:
    """Upper-case, and put the dot after the category: m545 0 -> M54.50."""
    code = value.strip().upper().replace(" ", "").replace(".", "")
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def is_known_code(code: str) -> bool:
    return icd.is_valid_item(code) and not icd.is_chapter_or_block(code)


def is_billable(code: str) -> bool:
    return icd.is_valid_item(code) and icd.is_leaf(code)


def describe(code: str) -> str:
    return icd.get_description(code) if icd.is_valid_item(code) else ""


def billable_children(code: str) -> list[str]:
    """The billable codes under a category, for 'use a more specific code' hints."""
    if not icd.is_valid_item(code):
        return []
    return [c for c in icd.get_descendants(code) if icd.is_leaf(c)]


@lru_cache(maxsize=1)
def _billable_index() -> list[tuple[str, str, str]]:
    """(code, code without dot, lower-cased description) of every billable code, built once."""
    return [
        (code, code.replace(".", ""), icd.get_description(code).lower())
        for code in icd.get_all_codes(with_dots=True)
        if icd.is_leaf(code)
    ]


def search(query: str, *, limit: int = 20) -> list[tuple[str, str]]:
    """Billable codes whose code starts with `query`, or whose description holds all its words."""
    query = query.strip().lower()
    if len(query) < 2:
        return []
    compact = query.replace(".", "").upper()
    if compact[0].isalpha() and compact[1:2].isdigit():
        found = [code for code, bare, _ in _billable_index() if bare.startswith(compact)]
    else:
        words = query.split()
        matches = [(code, text) for code, _, text in _billable_index() if all(w in text for w in words)]
        # Descriptions that start with the words first, then the chapters a massage practice
        # codes from (musculoskeletal, nervous system, injuries, symptoms, factors), then shorter ones.
        matches.sort(key=lambda m: (not m[1].startswith(query), m[0][0] not in "MGSRZ", len(m[1])))
        found = [code for code, _ in matches]
    return [(code, describe(code)) for code in found[:limit]]
