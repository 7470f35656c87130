"""How often a home care item is done, in words, and how many days it was due over a stretch of days (no Django).

An item is done on some days of the week (7: daily), one or more times on each. Adherence counts days: a day is
done when the patient ticked the item on it, whatever the times. Over a stretch of N days an item done D days a
week is due on round(N * D / 7) of them: a weekly rhythm is the patient's to arrange, so the count is what the
stretch holds on average, never more than its days.
"""

from dataclasses import dataclass
from datetime import date, timedelta


def frequency(times_per_day: int, days_per_week: int) -> str:
    """How often, in words: "daily", "twice a day, daily", "3 times a day, 5 days a week"."""
    times = {1: "", 2: "twice a day"}.get(times_per_day, f"{times_per_day} times a day")
    days = "daily" if days_per_week == 7 else f"{days_per_week} day{'s' if days_per_week > 1 else ''} a week"
    return f"{times}, {days}" if times else days


def days_expected(days: int, days_per_week: int) -> int:
    """The days an item done `days_per_week` days a week is due over `days` days (round half up)."""
    if days <= 0:
        return 0
    return min(days, (2 * days * days_per_week + 7) // 14)


@dataclass(frozen=True)
class Stretch:
    """The days since the last visit: from `first` to `last`, both included (empty when last < first)."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return max(0, (self.last - self.first).days + 1)


def since_last_visit(*, visit: date, previous: date | None, plan_start: date) -> Stretch:
    """The stretch a visit on `visit` looks back on: the days after the previous visit (or from the plan's start,
    when there was none since it began) up to the day before this visit. The visit's own day is left out: the
    patient may not have done today's yet when the note is written."""
    first = plan_start if previous is None else max(plan_start, previous + timedelta(days=1))
    return Stretch(first, visit - timedelta(days=1))
