"""The minutes a note's techniques add up to, per CPT code, as billing will read them.

Timed codes are billed by the total of their minutes (REFERENCE.md §1, the CMS 8-minute rule:
the billing module turns these minutes into units); untimed codes are one service whatever the
time and their minutes never count toward the timed total (REFERENCE.md §1, last paragraph).
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CodeMinutes:
    cpt_code: str
    timed: bool
    minutes: int


@dataclass(frozen=True)
class MinuteSummary:
    codes: list[CodeMinutes]
    timed_total: int
    total: int


def summarize(rows: list[tuple[str, bool, int | None]]) -> MinuteSummary:
    """rows: (cpt_code, timed, minutes) per technique performed; minutes may be missing."""
    by_code: dict[tuple[str, bool], int] = {}
    for cpt_code, timed, minutes in rows:
        by_code[(cpt_code, timed)] = by_code.get((cpt_code, timed), 0) + (minutes or 0)
    codes = [CodeMinutes(code, timed, minutes) for (code, timed), minutes in sorted(by_code.items())]
    return MinuteSummary(
        codes=codes,
        timed_total=sum(c.minutes for c in codes if c.timed),
        total=sum(c.minutes for c in codes),
    )


def appointment_minutes(start_at: datetime, end_at: datetime) -> int:
    """The length of a visit's appointment in whole minutes: the most its note's techniques may add up to."""
    return int((end_at - start_at).total_seconds() // 60)
