"""The appointment book's columns, ready for scheduling/_book.html: a location's day by practitioner or by room,
and a practitioner's week by day. Reads a constant number of queries (appointments, columns, working hours, time
off, and rooms when asked) and lays them out with the plain rules of fascia.scheduling.grid.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from uuid import UUID

from django.urls import reverse
from django.utils import timezone

from fascia.core import roles
from fascia.core.models import Location, Room, User
from fascia.practitioners.models import Practitioner
from fascia.scheduling import grid
from fascia.scheduling.grid import Span, State
from fascia.scheduling.models import Appointment, TimeOff, WorkingHours
from fascia.scheduling.queries import (
    STEPS,
    DayAppointment,
    book_appointments,
    day_bounds,
    day_columns,
    time_off,
    working_hours,
)

# A block's note button text, by the status of the appointment's note (None: no note yet). Visits sit above
# scheduling (a note points at its appointment), so the status is read through that relation, by its stored values.
NOTE_TEXT = {None: "Note", "draft": "Note (draft)", "signed": "Note ✓"}

# The shaded stretches' words, for screen readers and on the page.
SHADE_TEXT = {State.CLOSED: "Closed", State.OFF: "Time off", State.PAST: "Past"}


@dataclass
class Column:
    """One column of the book: its heading, what a drop onto it changes, its cells and blocks."""

    heading: str
    key: str  # unique on the page, for ids
    day: date
    practitioner: str = ""  # public id: a drop moves the appointment to this practitioner ("" keeps its own)
    room: str = ""  # public id, in the room view ("" for "No room")
    by_room: bool = False
    heading_url: str = ""
    book_label: str = ""  # who or what a free cell's link books, if not the heading
    cells: list[dict] = field(default_factory=list)
    blocks: list[dict] = field(default_factory=list)


def _link(name: str, *args: str) -> Callable[[UUID], str]:
    """reverse(name, args=[public_id, *args]) for any public_id, reversing once (the row's id takes a stand-in's
    place): reverse() resolves the pattern anew on each call, and a busy day has hundreds of links."""
    stand_in = str(UUID(int=0))
    url = reverse(name, args=[stand_in, *args])
    return lambda public_id: url.replace(stand_in, str(public_id))


def _minutes(moment: datetime, day: date) -> int:
    """Wall-clock minutes of `moment` since the local midnight of `day`, clipped to the day."""
    local = timezone.localtime(moment)
    if local.date() < day:
        return 0
    if local.date() > day:
        return grid.DAY
    return local.hour * 60 + local.minute


def _now(day: date) -> int:
    """Where now falls on `day`, in minutes: -1 for a day to come, a whole day for one gone."""
    now = timezone.localtime()
    if now.date() < day:
        return -1
    if now.date() > day:
        return grid.DAY
    return now.hour * 60 + now.minute


def _off_spans(offs: Iterable[TimeOff], day: date) -> list[Span]:
    start, end = day_bounds(day)
    reaching = (o for o in offs if o.starts_at < end and o.ends_at > start)
    return [Span(_minutes(o.starts_at, day), _minutes(o.ends_at, day)) for o in reaching]


def _hours_spans(hours: Iterable[WorkingHours], day: date) -> list[Span]:
    return [
        Span(h.starts.hour * 60 + h.starts.minute, h.ends.hour * 60 + h.ends.minute, str(h.location.public_id))
        for h in hours
        if h.weekday == day.weekday()
    ]


class Book:
    """Builds the columns of one page (its links reversed once), then lays them out over one shared window."""

    def __init__(self, user: User, *, location: Location | None) -> None:
        self.location = location
        self.can_book = user.has_perm(roles.BOOK_APPOINTMENT)
        self.can_change = user.has_perm(roles.CHANGE_APPOINTMENT)
        self.can_write_notes = user.has_perm(roles.ADD_NOTE)
        self.can_see_chart = user.has_perm(roles.VIEW_PATIENT)
        self.step_links = {step: _link("scheduling:move", step) for steps in STEPS.values() for step, _ in steps}
        self.note_link = _link("visits:for_appointment")
        self.reschedule_link = _link("scheduling:reschedule")
        self.cancel_link = _link("scheduling:cancel")
        self.drop_link = _link("scheduling:drop")
        self.chart_link = _link("patients:chart")
        self.book_url = reverse("scheduling:book")
        self.columns: list[tuple[Column, list[Span], list[Span], list[DayAppointment]]] = []

    def add(
        self, column: Column, *, open_spans: list[Span], off: list[Span], appointments: list[DayAppointment]
    ) -> None:
        self.columns.append((column, open_spans, off, appointments))

    def lay_out(self) -> dict:
        """The columns with their cells and blocks, the time axis's hour labels, and the window: its first
        minute and its number of rows (book.js turns a drop's row back into a time with them)."""
        spans: list[Span] = []
        for column, open_spans, _, appointments in self.columns:
            spans += open_spans
            spans += [self._span(a, column.day) for a in appointments if a.status in Appointment.HOLDING]
        first, last = grid.window(spans)
        columns = []
        for column, open_spans, off, appointments in self.columns:
            holding = [a for a in appointments if a.status in Appointment.HOLDING]
            held = [self._span(a, column.day) for a in holding]
            states = grid.rows(first, last, open_spans=open_spans, off=off, held=held, now=_now(column.day))
            column.cells = [self._cell(column, s) for s in grid.stretches(first, states)]
            column.blocks = [
                self._block(column, a, span, lane, first, last)
                for a, span, lane in zip(holding, held, grid.lanes(held), strict=True)
            ]
            columns.append(column)
        hours = [
            {"label": grid.clock(minute), "row": (minute - first) // grid.ROW + 1} for minute in range(first, last, 60)
        ]
        return {"columns": columns, "axis": hours, "first": first, "rows": (last - first) // grid.ROW}

    @staticmethod
    def _span(a: DayAppointment, day: date) -> Span:
        return Span(_minutes(a.start_at, day), _minutes(a.end_at, day) or grid.DAY)

    def _cell(self, column: Column, stretch: grid.Stretch) -> dict:
        time = grid.clock(stretch.minute)
        cell = {
            "row": stretch.row,
            "rows": stretch.rows,
            "state": stretch.state.value,
            "time": time,
            "text": SHADE_TEXT.get(stretch.state, ""),
            "location": stretch.tag,
        }
        if stretch.state is State.OPEN and self.can_book:
            query = {"location": stretch.tag or (str(self.location.public_id) if self.location else "")}
            query |= {"day": f"{column.day:%Y-%m-%d}", "start": time}
            if column.practitioner:
                query["practitioner"] = column.practitioner
            if column.room:
                query["room"] = column.room
            cell["book_url"] = f"{self.book_url}?{urlencode(query)}"
            cell["label"] = f"Book {column.book_label or column.heading} at {time}"
        return cell

    def _block(
        self, column: Column, a: DayAppointment, span: Span, lane: tuple[int, int], first: int, last: int
    ) -> dict:
        row, rows = grid.place(span.start, span.end, first, last)
        movable = self.can_change and a.status == Appointment.Status.BOOKED
        time = f"{timezone.localtime(a.start_at):%H:%M}–{timezone.localtime(a.end_at):%H:%M}"
        where = [] if column.by_room else [a.room_name or ""]
        where += [a.location_name] if self.location is None else []  # the week: every location
        steps = (
            [(self.step_links[step](a.public_id), label) for step, label in STEPS.get(a.status, [])]
            if self.can_change
            else []
        )
        return {
            "a": a,
            "row": row,
            "rows": rows,
            "lane": f"lane-{min(lane[0], 2)} of-{min(lane[1], 3)}",
            "start": f"{timezone.localtime(a.start_at):%H:%M}",
            "minutes": (a.end_at - a.start_at) // timedelta(minutes=1),
            "time": time,
            "detail": " · ".join(part for part in [a.type_name, *where] if part),
            "chart_url": self.chart_link(a.patient_public_id) if self.can_see_chart and a.patient_public_id else "",
            # The next step (check in, check out) on the block, any other (no-show) in its menu.
            "first_step": steps[0] if steps else None,
            "more_steps": steps[1:],
            "note_url": self.note_link(a.public_id) if self.can_write_notes else "",
            "note_text": NOTE_TEXT[a.note_status],
            "reschedule_url": self.reschedule_link(a.public_id) if movable else "",
            "cancel_url": self.cancel_link(a.public_id) if movable else "",
            "drop_url": self.drop_link(a.public_id) if movable else "",
            "practitioner": str(a.practitioner.public_id) if a.practitioner else "",
        }


def location_day(user: User, location: Location, day: date, *, by_room: bool) -> dict:
    """A location's day: a column per practitioner working there (or booked there), or per room when `by_room`."""
    start, end = day_bounds(day)
    appointments = book_appointments(user, start, end, location=location)
    staff = list(day_columns(location, day))  # practitioners who work here, and anyone booked here
    by_id = {p.pk: p for p in staff}
    practitioners = [p for p in staff if p.works_here and p.user.is_active]
    here = {p.pk for p in practitioners}
    # Then anyone else booked here, in the order of their first appointment of the day.
    practitioners += [by_id[pk] for pk in dict.fromkeys(a.practitioner_id for a in appointments) if pk not in here]
    for a in appointments:
        a.practitioner = by_id[a.practitioner_id]
    hours = working_hours(user, weekdays=[day.weekday()], location=location)
    offs = time_off(user, [p.pk for p in practitioners], start, end)
    book = Book(user, location=location)
    week_url = reverse("scheduling:week")
    if by_room:
        rooms = list(Room.objects.filter(location=location, is_active=True).order_by("name"))
        booked_rooms = {a.room_public_id: a.room_name for a in appointments if a.room_public_id}
        columns = [(str(r.public_id), r.name) for r in rooms]
        columns += [(str(pk), name or "") for pk, name in booked_rooms.items() if str(pk) not in dict(columns)]
        if any(a.room_public_id is None for a in appointments) or not columns:
            columns.append(("", "No room"))
        location_open = _hours_spans(hours, day)  # a room is open while anyone works at the location
        for key, name in columns:
            book.add(
                Column(heading=name, key=key or "none", day=day, room=key, by_room=True),
                open_spans=location_open,
                off=[],
                appointments=[a for a in appointments if str(a.room_public_id or "") == key],
            )
    else:
        for p in practitioners:
            pk = str(p.public_id)
            book.add(
                Column(
                    heading=str(p),
                    key=pk,
                    day=day,
                    practitioner=pk,
                    heading_url=f"{week_url}?{urlencode({'date': f'{day:%Y-%m-%d}', 'practitioner': pk})}",
                ),
                open_spans=_hours_spans((h for h in hours if h.practitioner_id == p.pk), day),
                off=_off_spans((o for o in offs if o.practitioner_id == p.pk), day),
                appointments=[a for a in appointments if a.practitioner_id == p.pk],
            )
    cancelled = [a for a in appointments if a.status not in Appointment.HOLDING]
    return {**book.lay_out(), "cancelled": cancelled}


def practitioner_week(user: User, practitioner: Practitioner, monday: date) -> dict:
    """A practitioner's week, Monday to Sunday, a column per day, at every location."""
    start, _ = day_bounds(monday)
    _, end = day_bounds(monday + timedelta(days=6))
    appointments = book_appointments(user, start, end, practitioner=practitioner)
    for a in appointments:
        a.practitioner = practitioner
    hours = working_hours(user, weekdays=list(range(7)), practitioner=practitioner)
    offs = time_off(user, [practitioner.pk], start, end)
    book = Book(user, location=None)
    day_url = reverse("scheduling:day")
    pk = str(practitioner.public_id)
    for n in range(7):
        day = monday + timedelta(days=n)
        book.add(
            Column(
                heading=f"{day:%a %b} {day.day}",
                key=f"{day:%Y-%m-%d}",
                day=day,
                practitioner=pk,
                heading_url=f"{day_url}?{urlencode({'date': f'{day:%Y-%m-%d}'})}",
                book_label=f"{practitioner} on {day:%a %b} {day.day}",
            ),
            open_spans=_hours_spans(hours, day),
            off=_off_spans(offs, day),
            appointments=[a for a in appointments if timezone.localtime(a.start_at).date() == day],
        )
    return book.lay_out()
