"""Scoring of outcome instruments by their published rules (see instruments.py for sources)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fascia.measures.instruments import INSTRUMENTS, Instrument, Method


@dataclass(frozen=True)
class Score:
    instrument: str
    value: float  # the instrument's reported score, rounded to one decimal
    band: str | None
    answered: int


@dataclass(frozen=True)
class Change:
    instrument: str
    before: float
    after: float
    delta: float  # after - before
    improvement: float  # delta in the direction of improvement (negative = worse)
    clinically_important: bool
    beyond_mdc: bool | None  # None where the instrument has no published MDC


def _one_decimal(value: float) -> float:
    """Round half up, as a clinician rounds by hand (Python's round() rounds 31.25 to 31.2)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code.upper()]
    except (KeyError, AttributeError):
        known = ", ".join(INSTRUMENTS)
        raise ValueError(f"Unknown instrument {code!r}; use one of {known}.") from None


def _check(inst: Instrument, responses: Sequence[int | None]) -> list[int]:
    if isinstance(responses, str | bytes) or not isinstance(responses, Sequence):
        raise ValueError(f"{inst.code} responses must be a list, one per item.")
    count = len(responses)
    if inst.min_items is not None:
        if not inst.min_items <= count <= inst.item_count:
            raise ValueError(f"{inst.code} takes {inst.min_items} to {inst.item_count} ratings, got {count}.")
    elif count != inst.item_count:
        raise ValueError(f"{inst.code} has {inst.item_count} items, got {count} responses.")
    answered = []
    for number, response in enumerate(responses, start=1):
        if response is None:
            continue
        if isinstance(response, bool) or not isinstance(response, int | float) or response != int(response):
            raise ValueError(f"{inst.code} item {number}: {response!r} is not a whole number.")
        if not inst.low <= response <= inst.high:
            raise ValueError(f"{inst.code} item {number}: {response} is outside {inst.low}-{inst.high}.")
        answered.append(int(response))
    missing = count - len(answered)
    if missing > inst.max_missing:
        allowed = "none may be" if inst.max_missing == 0 else f"at most {inst.max_missing} may be"
        raise ValueError(f"{inst.code}: {missing} item(s) unanswered; {allowed}.")
    return answered


def score(code: str, responses: Sequence[int | None]) -> Score:
    """Score one administration: one response per item, in item order; None = unanswered.

    Raises ValueError naming the problem for an unknown instrument, the wrong number of
    responses, a response out of range, or more unanswered items than the instrument allows.
    """
    inst = instrument(code)
    answered = _check(inst, responses)
    total = sum(answered)
    match inst.method:
        case Method.SINGLE | Method.SUM:
            value = float(total)
        case Method.PERCENT_OF_ANSWERED:
            value = total / (inst.high * len(answered)) * 100
        case Method.QUICKDASH:
            value = (total / len(answered) - 1) * 25
        case Method.MEAN:
            value = total / len(answered)
    value = _one_decimal(value)
    return Score(instrument=inst.code, value=value, band=inst.band_for(value), answered=len(answered))


def change(code: str, *, before: float, after: float) -> Change:
    """Compare two scores of one instrument: is the change an important improvement?

    Important when the improvement reaches the MCID, or, where the source also gives one,
    the MCID as a percentage of the baseline (e.g. 30% for NPRS and ODI, Ostelo 2008).
    """
    inst = instrument(code)
    for label, value in (("before", before), ("after", after)):
        if not inst.score_min <= value <= inst.score_max:
            raise ValueError(f"{inst.code} {label} score {value} is outside {inst.score_min:g}-{inst.score_max:g}.")
    delta = _one_decimal(after - before)
    improvement = delta if inst.higher_is_better else -delta
    important = improvement >= inst.mcid
    if inst.mcid_percent is not None and before > 0 and improvement > 0:
        important = important or improvement / before * 100 >= inst.mcid_percent
    beyond_mdc = None if inst.mdc is None else improvement >= inst.mdc
    return Change(
        instrument=inst.code,
        before=before,
        after=after,
        delta=delta,
        improvement=improvement,
        clinically_important=important,
        beyond_mdc=beyond_mdc,
    )
