"""When a visit must be a progress note. Plain Python, no Django.

Default cadence: a progress report at least every 10 treatment visits (Medicare Benefit Policy
Manual, ch. 15 §220.3 D, "at least once every 10 treatment days") or every 30 days, whichever
comes first; a clinic's payers may ask for less, never more.
"""

from dataclasses import dataclass
from datetime import date

EVERY_VISITS = 10
EVERY_DAYS = 30


@dataclass(frozen=True)
class ProgressDue:
    reason: str


def progress_due(
    *,
    visits_since: int,
    since: date,
    today: date,
    every_visits: int = EVERY_VISITS,
    every_days: int = EVERY_DAYS,
) -> ProgressDue | None:
    """Whether the visit documented today needs a progress report.

    `visits_since` counts the signed visits after the last progress report (or since the plan
    started), so today's is visit `visits_since + 1`; `since` is that report's (or the start's) date.
    """
    this_visit = visits_since + 1
    if this_visit >= every_visits:
        return ProgressDue(f"this is visit {this_visit} since the last progress report (due every {every_visits})")
    days = (today - since).days
    if days >= every_days:
        return ProgressDue(f"{days} days since the last progress report (due every {every_days})")
    return None
