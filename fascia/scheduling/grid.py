"""The appointment book's layout: which quarter-hour rows of a column are open, closed or held, and where each
appointment's block sits. Plain values, no Django: minutes since the column's local midnight.

The page is a CSS grid with one row per ROW minutes; a block is placed by the classes `at-<row>` and `span-<rows>`
from the static stylesheet (the CSP allows no style="" attribute), so rows and spans are whole numbers from 1.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

ROW = 15  # minutes a row stands for
DAY = 24 * 60
SHOWN = (7 * 60, 20 * 60)  # the hours a column shows at least: 07:00 to 20:00


class State(StrEnum):
    OPEN = "open"  # bookable: inside working hours, not on time off, not held, not past
    HELD = "held"  # an appointment holds it (its block covers the row)
    OFF = "off"  # time off
    CLOSED = "closed"  # outside working hours, or a day nobody works
    PAST = "past"  # over already


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of a day, [start, end) in minutes since midnight; `tag` says whose (a location, for one)."""

    start: int
    end: int
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Stretch:
    """Rows `row` to `row + rows - 1` (1-based), all in one state; `tag` is the open span's tag."""

    row: int
    rows: int
    state: State
    minute: int
    tag: str = ""


def window(spans: Iterable[Span], shown: tuple[int, int] = SHOWN) -> tuple[int, int]:
    """The minutes a column shows: `shown`, widened to whole hours to take in every span (hours, appointments)."""
    first, last = shown
    for span in spans:
        first, last = min(first, span.start), max(last, span.end)
    first = max(0, first - first % 60)
    last = min(DAY, last + (-last) % 60)
    return first, last


def place(start: int, end: int, first: int, last: int) -> tuple[int, int]:
    """The row a block from `start` to `end` begins on and how many rows it spans (at least one), within the window.

    A block snaps outwards to whole rows: 10:10–10:40 covers the rows of 10:00, 10:15 and 10:30.
    """
    start, end = max(start, first), min(max(end, start + 1), last)
    top = (start - first) // ROW
    bottom = -(-(end - first) // ROW)
    return top + 1, max(1, bottom - top)


def rows(
    first: int,
    last: int,
    *,
    open_spans: Sequence[Span],
    off: Sequence[Span] = (),
    held: Sequence[Span] = (),
    now: int | None = None,
) -> list[tuple[State, str]]:
    """Each row's state from `first` to `last`, with the tag of the open span it lies in ("" if none).

    A row is open when all of it lies in one open span and none of it in time off or an appointment, and it
    ends after `now` (None: the day is not today, and `now` is before or after it as a whole — pass -1 for a
    day to come, DAY for a day gone). The state shown is the strongest: held, off, closed, past, open.
    """
    result = []
    for minute in range(first, last, ROW):
        end = minute + ROW
        inside = next((s for s in open_spans if s.start <= minute and end <= s.end), None)
        if any(s.start < end and minute < s.end for s in held):
            state = State.HELD
        elif any(s.start < end and minute < s.end for s in off):
            state = State.OFF
        elif inside is None:
            state = State.CLOSED
        elif now is not None and end <= now:
            state = State.PAST
        else:
            state = State.OPEN
        result.append((state, inside.tag if inside else ""))
    return result


def stretches(first: int, states: Sequence[tuple[State, str]]) -> list[Stretch]:
    """The rows as the page draws them: each open row alone (each is a link to book it), the others merged into
    stretches of one state (one shaded box each); held rows are left out, their blocks cover them."""
    found: list[Stretch] = []
    for i, (state, tag) in enumerate(states):
        if state is State.HELD:
            continue
        previous = found[-1] if found else None
        if (
            state is not State.OPEN
            and previous is not None
            and previous.state is state
            and previous.row + previous.rows == i + 1
        ):
            found[-1] = Stretch(previous.row, previous.rows + 1, state, previous.minute, previous.tag)
        else:
            found.append(Stretch(i + 1, 1, state, first + i * ROW, tag))
    return found


def lanes(spans: Sequence[Span]) -> list[tuple[int, int]]:
    """For each span in start order, its lane (0, 1, …) and how many lanes its cluster of overlapping spans has, so
    they sit side by side: each takes the first lane free; a cluster ends where no span runs on."""
    placed: list[tuple[int, int]] = []
    cluster: list[int] = []  # indexes in `placed` of the current cluster
    ends: list[int] = []  # each lane's end in the current cluster
    reach = None  # where the current cluster ends

    def close() -> None:
        for i in cluster:
            placed[i] = (placed[i][0], len(ends))

    for span in spans:
        if reach is not None and span.start >= reach:
            close()
            cluster, ends = [], []
        lane = next((i for i, end in enumerate(ends) if end <= span.start), len(ends))
        if lane == len(ends):
            ends.append(span.end)
        else:
            ends[lane] = span.end
        cluster.append(len(placed))
        placed.append((lane, 0))
        reach = span.end if reach is None or not cluster[:-1] else max(reach, span.end)
    close()
    return placed


def clock(minute: int) -> str:
    """'HH:MM' of a minute since midnight."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
