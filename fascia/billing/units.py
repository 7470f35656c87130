"""Billing units for CPT/HCPCS codes, from the minutes spent on each: `bill_units` over a set of codes and
minutes, and `bill_day` over everything performed on one date of service (all of that day's notes pooled,
NCCI pairs applied), which is what a claim bills.

Two methods (../shared/domain/REFERENCE.md §1):

- ``"cms"``: Medicare's total-time rule ("8-minute rule"), Medicare Claims Processing Manual
  (Pub. 100-04) ch. 5 §20.2. The total of all timed minutes sets the number of units. Each timed
  code first gets one unit per full 15 minutes it had; the units still left go, one each, to the
  codes with the most minutes remaining. The manual leaves a tie to the clinician; here a tie goes
  to the code with more total minutes, then to the lower code (string order), so the result never
  depends on the order of the input.
- ``"per_code"``: CPT's midpoint ("substantial portion") rule applied to each timed code on its
  own, as many commercial payers do.

Untimed codes bill 1 unit when performed, and their minutes never count toward timed units.
A code present in the input counts as performed, whatever its minutes (0 included): the caller
lists what was done, and the minutes of an untimed service are often not recorded.

Codes that end with 0 units are left out of the result. Plain Python, no Django: the charge
services call it (fascia.billing.claims.charges).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

METHODS = ("cms", "per_code")

# Timed (15-minute) and untimed ("service-based") therapy codes. Sources: REFERENCE.md §1-2, and
# CMS's list of therapy codes, which marks each code timed or untimed (Pub. 100-04 ch. 5 §20).
TIMED_CODES = frozenset(
    {
        "97032",  # electrical stimulation, attended
        "97033",  # iontophoresis
        "97034",  # contrast baths
        "97035",  # ultrasound
        "97036",  # Hubbard tank
        "97110",  # therapeutic exercise
        "97112",  # neuromuscular re-education
        "97113",  # aquatic therapy
        "97116",  # gait training
        "97124",  # massage
        "97140",  # manual therapy
        "97530",  # therapeutic activities
        "97535",  # self-care / home management training
    }
)
UNTIMED_CODES = frozenset(
    {
        "97010",  # hot or cold packs (bundled by Medicare, still billable elsewhere)
        "97012",  # mechanical traction
        "97014",  # electrical stimulation, unattended (Medicare takes G0283 instead)
        "97016",  # vasopneumatic device
        "97018",  # paraffin bath
        "97022",  # whirlpool
        "97024",  # diathermy
        "97026",  # infrared
        "97028",  # ultraviolet
        "97150",  # group therapeutic procedures
        "97161",  # PT evaluation, low complexity
        "97162",  # PT evaluation, moderate complexity
        "97163",  # PT evaluation, high complexity
        "97164",  # PT re-evaluation
        "G0283",  # electrical stimulation, unattended (Medicare)
    }
)

UNIT_MINUTES = 15
MIDPOINT_MINUTES = 8  # a unit is reached once more than half of its 15 minutes are done


def units_for_minutes(minutes: int) -> int:
    """Units for a number of timed minutes: 0-7 = 0, 8-22 = 1, 23-37 = 2, 38-52 = 3, …

    The CMS unit chart (REFERENCE.md §1), which is also CPT's midpoint rule for a single code.
    """
    _check_minutes(minutes)
    return (minutes + UNIT_MINUTES - MIDPOINT_MINUTES) // UNIT_MINUTES


def bill_units(minutes_by_code: Mapping[str, int], *, method: str) -> dict[str, int]:
    """Units to bill per code for one visit, given the minutes spent on each code.

    Raises ValueError for an unknown method, an unknown code, or minutes that are not a
    non-negative integer. The result keeps the input's order and leaves out codes with 0 units.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown billing method {method!r}; use one of {', '.join(METHODS)}.")
    for code, minutes in minutes_by_code.items():
        if code not in TIMED_CODES and code not in UNTIMED_CODES:
            raise ValueError(f"Unknown code {code!r}: it is neither a known timed nor untimed code.")
        _check_minutes(minutes, code=code)

    timed = {code: minutes for code, minutes in minutes_by_code.items() if code in TIMED_CODES}
    if method == "cms":
        timed_units = _cms_units(timed)
    else:
        timed_units = {code: units_for_minutes(minutes) for code, minutes in timed.items()}
    units = {code: timed_units.get(code, 1) for code in minutes_by_code}  # an untimed code bills 1
    return {code: n for code, n in units.items() if n}


def _cms_units(timed: dict[str, int]) -> dict[str, int]:
    """Distribute the visit's total timed units over its timed codes (Pub. 100-04 ch. 5 §20.2)."""
    total_units = units_for_minutes(sum(timed.values()))
    units = {code: minutes // UNIT_MINUTES for code, minutes in timed.items()}
    left = total_units - sum(units.values())
    # left never exceeds the number of codes with minutes remaining: with remainders r_i <= 14,
    # left = (sum r_i + 7) // 15, so one extra unit each is always enough and a code with no
    # minutes remaining (or none at all) never gets one.
    by_remainder = sorted(timed, key=lambda code: (-(timed[code] % UNIT_MINUTES), -timed[code], code))
    for code in by_remainder[:left]:
        units[code] += 1
    return units


def _check_minutes(minutes: object, *, code: str | None = None) -> None:
    subject = f"Minutes for code {code!r}" if code is not None else "Minutes"
    # bool is a subclass of int, but True as minutes is a caller's bug, not 1 minute.
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise ValueError(f"{subject} must be a whole number, not {minutes!r}.")
    if minutes < 0:
        raise ValueError(f"{subject} cannot be negative ({minutes}).")


# --- one date of service --------------------------------------------------------------------------
#
# A payer is billed per code per date of service, not per visit note: every timed code appears once for
# the date, with the units of the day's minutes (CMS Pub. 100-04 ch. 5 §20.2 counts the day's total timed
# minutes; Medicare contractors reject a timed code repeated on two lines of one date). So the minutes of
# all the patient's notes of the date are pooled before the units are worked out.
#
# NCCI procedure-to-procedure edits (CMS NCCI Policy Manual ch. 1 and the quarterly practitioner PTP
# table): when a column-1 and a column-2 code of a pair are done on the same date, the column-2 code is
# bundled into the column-1 code. Where the edit's modifier indicator is 1, the column-2 code is billable
# with an NCCI-associated modifier (59, or XS for a separate structure or region) when it was done on a
# separate body region; on a region shared with the column-1 code (or with indicator 0) its minutes are
# not billable at all. They are not moved to the column-1 code: a code bills only the minutes documented
# for it.


@dataclass(frozen=True)
class NcciPair:
    """An NCCI PTP edit: `column_2` is bundled into `column_1` on the same date of service.
    `modifier_allowed` is the edit's modifier indicator 1 (a distinct-service modifier may unbundle it)."""

    column_1: str
    column_2: str
    modifier_allowed: bool = True


@dataclass(frozen=True)
class DayLine:
    """One code's line for a date: its billable minutes, units and regions; `distinct` when it is the
    column-2 code of an NCCI pair done on separate regions, so it takes the distinct-service modifier."""

    code: str
    minutes: int
    units: int
    regions: tuple[str, ...]
    distinct: bool = False


@dataclass(frozen=True)
class Withheld:
    """Minutes documented for a code on a region that may not be billed, and why."""

    code: str
    region: str
    minutes: int
    reason: str


@dataclass(frozen=True)
class DayBill:
    lines: list[DayLine]
    withheld: list[Withheld]


def bill_day(
    performed: Iterable[tuple[str, str, int | None]], *, method: str, pairs: Iterable[NcciPair] = ()
) -> DayBill:
    """The lines of one date of service from every technique performed that day, over all the
    patient's notes of the date, as (code, body region, minutes): one line per code.

    Each code's units come from its own billable minutes (`bill_units` by `method`); the minutes of a
    column-2 code done on a region its column-1 code was also done on (or of a pair no modifier may
    unbundle) are withheld with the reason, and bill nothing. Lines are in code order.
    """
    by_region: dict[str, dict[str, int]] = {}  # code -> region -> minutes
    for code, region, minutes in performed:
        minutes = minutes or 0  # an untimed service's minutes are often not recorded
        _check_minutes(minutes, code=code)
        regions = by_region.setdefault(code, {})
        regions[region] = regions.get(region, 0) + minutes
    performed_regions = {code: set(regions) for code, regions in by_region.items()}

    withheld: list[Withheld] = []
    distinct: set[str] = set()
    for pair in pairs:
        first, second = pair.column_1, pair.column_2
        if first not in performed_regions or second not in by_region:
            continue
        for region in sorted(by_region[second]):
            if pair.modifier_allowed and region not in performed_regions[first]:
                distinct.add(second)  # done on a region of its own: billable with the modifier
                continue
            why = "on the same region as" if pair.modifier_allowed else "on the same date as"
            withheld.append(
                Withheld(
                    code=second,
                    region=region,
                    minutes=by_region[second].pop(region),
                    reason=f"NCCI: {second} {why} {first} is bundled into {first}; not billable.",
                )
            )

    minutes_by_code = {code: sum(regions.values()) for code, regions in sorted(by_region.items()) if regions}
    units = bill_units(minutes_by_code, method=method)
    lines = [
        DayLine(
            code=code,
            minutes=minutes_by_code[code],
            units=n,
            regions=tuple(sorted(by_region[code])),
            distinct=code in distinct,
        )
        for code, n in units.items()
    ]
    return DayBill(lines=lines, withheld=withheld)
