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
    last_report: date | None,
    plan_start: date,
    today: date,
    every_visits: int = EVERY_VISITS,
    every_days: int = EVERY_DAYS,
) -> ProgressDue | None:
    """Whether the visit documented today needs a progress report.

    `visits_since` counts the signed visits after the last progress report (or, before the first,
    since the plan started), so today's is visit `visits_since + 1`.
    """
    since = "the last progress report" if last_report else "the plan of care started"
    this_visit = visits_since + 1
    if this_visit >= every_visits:
        return ProgressDue(f"this is visit {this_visit} since {since} (a report is due every {every_visits})")
    days = (today - (last_report or plan_start)).days
    if days >= every_days:
        return ProgressDue(f"{days} days since {since} (a report is due every {every_days} days)")
    return None
