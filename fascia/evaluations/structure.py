"""Validation of the structured parts of an evaluation (body chart, palpation, ROM, special tests).

Each function takes what a form or the API sent and returns the clean list, or raises ValueError
with a message saying which row is wrong and why. Plain Python, no Django.
"""

from collections.abc import Mapping
from typing import Any

from fascia.evaluations.catalog import MARK_KINDS, MAX_DEGREES, MOTIONS, REGIONS, SPECIAL_TESTS

SIDES = ("left", "right", "both")
TONES = ("normal", "hypertonic", "hypotonic", "spasm")
TRIGGER_POINTS = ("none", "active", "latent")
RESULTS = ("positive", "negative")


def _rows(value: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise ValueError(f"{what} must be a list of entries.")
    return value


def _int_in(row: dict[str, Any], key: str, low: int, high: int, where: str) -> int:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            raise ValueError(f"{where}: {key} must be a whole number from {low} to {high}.") from None
    if not low <= value <= high:
        raise ValueError(f"{where}: {key} {value} is outside {low}-{high}.")
    return value


def _choice(row: dict[str, Any], key: str, options: tuple[str, ...] | Mapping[str, object], where: str) -> str:
    value = row.get(key)
    if value not in options:
        raise ValueError(f"{where}: unknown {key} {value!r}.")
    return str(value)  # one of the options' names, all of them strings


def body_marks(value: Any) -> list[dict[str, Any]]:
    clean = []
    for number, row in enumerate(_rows(value, "Body chart marks"), start=1):
        where = f"Mark {number}"
        region = _choice(row, "region", REGIONS, where)
        clean.append(
            {
                "region": region,
                "kind": _choice(row, "kind", MARK_KINDS, f"{where} ({REGIONS[region].label})"),
                "intensity": _int_in(row, "intensity", 1, 10, f"{where} ({REGIONS[region].label})"),
            }
        )
    return clean


def palpation(value: Any) -> list[dict[str, Any]]:
    clean = []
    for number, row in enumerate(_rows(value, "Palpation findings"), start=1):
        where = f"Palpation row {number}"
        clean.append(
            {
                "region": _choice(row, "region", REGIONS, where),
                "tone": _choice(row, "tone", TONES, where),
                "tenderness": _int_in(row, "tenderness", 0, 4, where),
                "trigger_points": _choice(
                    {"trigger_points": row.get("trigger_points") or "none"}, "trigger_points", TRIGGER_POINTS, where
                ),
                "adhesions": bool(row.get("adhesions")),
                "edema": bool(row.get("edema")),
                "notes": str(row.get("notes", ""))[:200],
            }
        )
    return clean


def range_of_motion(value: Any) -> list[dict[str, Any]]:
    clean = []
    for number, row in enumerate(_rows(value, "Range of motion"), start=1):
        where = f"ROM row {number}"
        motion = MOTIONS.get(row.get("motion", ""))
        if motion is None:
            raise ValueError(f"{where}: unknown motion {row.get('motion')!r}.")
        side = row.get("side") or ""
        if motion.sided and side not in ("left", "right"):
            raise ValueError(f"{where}: say which side ({motion.joint.lower()} {motion.motion.lower()}).")
        if not motion.sided:
            side = ""
        clean.append(
            {
                "motion": motion.code,
                "side": side,
                "degrees": _int_in(row, "degrees", 0, MAX_DEGREES, f"{where} ({motion.joint} {motion.motion.lower()})"),
            }
        )
    return clean


def special_tests(value: Any) -> list[dict[str, Any]]:
    clean = []
    for number, row in enumerate(_rows(value, "Special tests"), start=1):
        where = f"Special test {number}"
        clean.append(
            {
                "test": _choice(row, "test", SPECIAL_TESTS, where),
                "side": _choice(row, "side", SIDES + ("",), where),
                "result": _choice(row, "result", RESULTS, where),
                "notes": str(row.get("notes", ""))[:200],
            }
        )
    return clean
