"""The appointment book's layout rules (fascia.scheduling.grid): plain values, no database."""

import pytest

from fascia.scheduling.grid import DAY, Span, State, Stretch, clock, lanes, place, rows, stretches, window

H = 60


def test_the_window_shows_seven_to_eight_widened_to_whole_hours() -> None:
    assert window([]) == (7 * H, 20 * H)
    assert window([Span(8 * H, 18 * H)]) == (7 * H, 20 * H)
    assert window([Span(6 * H + 30, 7 * H), Span(20 * H, 21 * H + 10)]) == (6 * H, 22 * H)
    assert window([Span(0, DAY)]) == (0, DAY)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (7 * H, 7 * H + 30, (1, 2)),  # the first row, two rows for 30 minutes
        (10 * H, 10 * H + 45, (13, 3)),
        (10 * H + 10, 10 * H + 40, (13, 3)),  # snaps outwards: the 10:00, 10:15 and 10:30 rows
        (10 * H, 10 * H + 5, (13, 1)),  # at least one row
        (6 * H, 7 * H + 15, (1, 1)),  # clipped to the window
        (19 * H + 45, 21 * H, (52, 1)),
    ],
)
def test_a_block_covers_the_rows_of_its_time(start: int, end: int, expected: tuple[int, int]) -> None:
    assert place(start, end, 7 * H, 20 * H) == expected


def test_rows_are_open_only_inside_hours_and_free_and_to_come() -> None:
    states = rows(
        8 * H,
        10 * H,
        open_spans=[Span(8 * H + 30, 10 * H, "main")],
        off=[Span(9 * H + 30, 9 * H + 45)],
        held=[Span(9 * H, 9 * H + 20)],
        now=8 * H + 50,
    )
    assert [s for s, _ in states] == [
        State.CLOSED,  # 08:00, before the hours
        State.CLOSED,
        State.PAST,  # 08:30, over at 08:45 before now
        State.OPEN,  # 08:45, ends after now
        State.HELD,  # 09:00, an appointment
        State.HELD,  # 09:15: it runs to 09:20
        State.OFF,  # 09:30
        State.OPEN,  # 09:45
    ]
    assert [tag for _, tag in states] == ["", "", "main", "main", "main", "main", "main", "main"]


def test_a_row_half_inside_the_hours_is_closed() -> None:
    states = rows(8 * H, 9 * H, open_spans=[Span(8 * H + 10, 9 * H)], now=-1)
    assert [s for s, _ in states] == [State.CLOSED, State.OPEN, State.OPEN, State.OPEN]


def test_a_day_nobody_works_is_closed_throughout() -> None:
    assert {s for s, _ in rows(7 * H, 20 * H, open_spans=[], now=-1)} == {State.CLOSED}


def test_shaded_rows_merge_and_open_rows_stand_alone() -> None:
    states = [(State.CLOSED, ""), (State.CLOSED, ""), (State.OPEN, "a"), (State.OPEN, "a"), (State.HELD, "a")]
    states += [(State.CLOSED, ""), (State.OFF, ""), (State.OFF, "")]
    assert stretches(7 * H, states) == [
        Stretch(1, 2, State.CLOSED, 7 * H),
        Stretch(3, 1, State.OPEN, 7 * H + 30, "a"),
        Stretch(4, 1, State.OPEN, 7 * H + 45, "a"),
        Stretch(6, 1, State.CLOSED, 8 * H + 15),  # not merged across the held row
        Stretch(7, 2, State.OFF, 8 * H + 30),
    ]


def test_overlapping_blocks_sit_side_by_side() -> None:
    assert lanes([Span(0, 30), Span(15, 45), Span(30, 60), Span(60, 90)]) == [(0, 2), (1, 2), (0, 2), (0, 1)]
    assert lanes([Span(0, 100), Span(10, 20), Span(30, 40), Span(35, 50)]) == [(0, 3), (1, 3), (1, 3), (2, 3)]
    assert lanes([]) == []


def test_clock() -> None:
    assert clock(0) == "00:00" and clock(9 * H + 5) == "09:05"
