from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fascia.scheduling.slots import free_starts

EIGHT = datetime(2026, 3, 9, 8, tzinfo=UTC)
MIN = timedelta(minutes=1)


def at(*minutes: int) -> list[datetime]:
    return [EIGHT + m * MIN for m in minutes]


@pytest.mark.parametrize(
    ("busy", "expected"),
    [
        ([], at(0, 30, 60, 90, 120)),  # 8:00 to 10:30, 30 minutes long
        ([(10, 40)], at(60, 90, 120)),  # a visit that ends between starts pushes the next to the one after
        ([(30, 60)], at(0, 60, 90, 120)),  # one may start as another ends, and end as one starts
        ([(45, 50), (20, 30)], at(60, 90, 120)),  # in any order
        ([(0, 100), (20, 40)], at(120)),  # time off that covers a visit
        ([(-60, 5), (140, 300)], at(30, 60, 90)),  # reaching in from before opening and past closing
        ([(0, 150)], []),
    ],
)
def test_it_finds_the_starts_nothing_overlaps(busy: list[tuple[int, int]], expected: list[datetime]) -> None:
    intervals = [(EIGHT + s * MIN, EIGHT + e * MIN) for s, e in busy]
    assert free_starts(EIGHT, EIGHT + 150 * MIN, 30 * MIN, 30 * MIN, intervals) == expected


INTERVALS = st.lists(st.tuples(st.integers(-100, 600), st.integers(1, 240)), max_size=12)


@given(INTERVALS, st.integers(5, 120), st.integers(5, 60), st.integers(0, 600))
def test_every_start_is_free_and_no_free_start_is_missed(
    busy: list[tuple[int, int]], length: int, step: int, hours: int
) -> None:
    intervals = [(EIGHT + s * MIN, EIGHT + (s + n) * MIN) for s, n in busy]
    closes = EIGHT + hours * MIN
    free = [
        EIGHT + m * MIN
        for m in range(0, hours + 1, step)
        if m + length <= hours and not any(s < EIGHT + (m + length) * MIN and e > EIGHT + m * MIN for s, e in intervals)
    ]
    assert free_starts(EIGHT, closes, length * MIN, step * MIN, intervals) == free
