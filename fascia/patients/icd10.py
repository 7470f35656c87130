"""ICD-10-CM codes, validated against the FY2026 code set shipped by simple-icd-10-cm.

Source: CDC/CMS ICD-10-CM FY2026 (../shared/domain/REFERENCE.md §7). Only leaf codes are billable.
"""

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
