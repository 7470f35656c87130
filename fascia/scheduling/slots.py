"""Which start times are free: the one rule the booking pages (`next_free_slots`) and `fascia seed` share.

Plain values, no Django. Busy times are half-open intervals, so a visit may start as another ends.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta


def free_starts(
    opens: datetime, closes: datetime, length: timedelta, step: timedelta, busy: Iterable[tuple[datetime, datetime]]
) -> list[datetime]:
    """The starts `opens`, `opens + step`, … at which `length` ends by `closes` and overlaps nothing in `busy`.

    One pass over the busy times in order (then closing time): the starts before each are free, those it covers not.
    """
    free = []
    start, last = opens, closes - length
    for busy_from, busy_until in [*sorted(busy), (closes, closes)]:
        while start <= last and start + length <= busy_from:
            free.append(start)
            start += step
        while start <= last and start < busy_until:
            start += step
    return free
