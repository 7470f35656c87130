"""The front desk works the appointment book on a desktop, a tablet and a phone: books from open time, moves an
appointment by dragging it and with the keys, is refused closed time (the block snaps back and says why), and
changes an appointment's length by dragging its bottom edge and with Shift and the arrow keys."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from fascia.conftest import sign_in
from fascia.core.models import Location, User
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import Appointment, AppointmentType, WorkingHours
from fascia.scheduling.services import book_appointment

MONDAY = date(2030, 1, 7)
ZONE = ZoneInfo("America/New_York")
WIDTHS = (1366, 768, 390)


def drag(page, source, target) -> None:
    """Press on the top of `source` (its first row), move to the top of `target` in steps, release."""
    source.evaluate("el => el.scrollIntoView({block: 'start', behavior: 'instant'})")  # not Bootstrap's smooth scroll
    box, goal = source.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + 8, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 10, steps=8)
    page.mouse.up()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_front_desk_books_moves_and_is_refused_closed_time(
    live_server, page, frank: User, tess: User, location: Location, width: int
) -> None:
    WorkingHours.objects.create(
        practitioner=tess.practitioner, location=location, weekday=0, starts=time(8), ends=time(18)
    )
    PatientFactory(organization=location.organization, family_name="Quince", given_name="Ada")
    moving = book_appointment(
        actor=frank,
        patient=PatientFactory(organization=location.organization, family_name="Yarrow", given_name="Ruth"),
        practitioner=tess.practitioner,
        location=location,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        start_at=datetime.combine(MONDAY, time(10), tzinfo=ZONE),
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "frank")
    day = f"{live_server.url}{reverse('scheduling:day')}?date={MONDAY}&location={location.public_id}"
    page.goto(day)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations] == []

    # Book from open time: the form comes prefilled with the practitioner, place, day and time.
    page.get_by_role("link", name="Book Tess Test, LMT at 11:00").click()
    assert page.locator("#id_start").input_value() == "11:00"
    page.get_by_label("Find the patient").fill("quin")
    page.get_by_label("Quince, Ada", exact=False).check()
    page.locator("#id_appointment_type").select_option(label="Follow-up, 30 minutes (30 min)")
    page.get_by_role("button", name="Book").click()
    page.get_by_text("Booked Quince, Ada").wait_for()
    assert Appointment.objects.get(patient__family_name="Quince").start_at == datetime(2030, 1, 7, 11, tzinfo=ZONE)

    # Drag Yarrow from 10:00 to 13:00.
    block = page.locator("article.appt", has_text="Yarrow, Ruth")
    drag(page, block, page.get_by_role("link", name="Book Tess Test, LMT at 13:00"))
    page.get_by_text("Moved Yarrow, Ruth to Mon Jan 07 13:00.").wait_for()
    moving.refresh_from_db()
    assert moving.start_at == datetime(2030, 1, 7, 13, tzinfo=ZONE)

    # With the keys: from its grip, four rows down and Enter.
    grip = page.get_by_role("button", name="Move Yarrow, Ruth at 13:00")
    grip.focus()
    for _ in range(8):
        page.keyboard.press("ArrowDown")
    assert "15:00" in page.locator("[data-book-status]").inner_text()
    page.keyboard.press("Enter")
    page.get_by_text("Moved Yarrow, Ruth to Mon Jan 07 15:00.").wait_for()
    moving.refresh_from_db()
    assert moving.start_at == datetime(2030, 1, 7, 15, tzinfo=ZONE)

    # Closed time (after 18:00) refuses: the block snaps back and the reason shows.
    block = page.locator("article.appt", has_text="Yarrow, Ruth")
    row = "b => [b.parentElement.dataset.practitioner, ...Array.from(b.classList).filter(c => c.startsWith('at-'))]"
    before = block.evaluate(row)
    drag(page, block, page.locator(".slot.closed").last)
    refusal = page.get_by_role("alert").filter(has_text="outside Tess Test, LMT's working hours")
    refusal.wait_for()
    assert block.evaluate(row) == before  # back in its place
    moving.refresh_from_db()
    assert moving.start_at == datetime(2030, 1, 7, 15, tzinfo=ZONE)
    # Onto another booking, with the keys: refused too; Escape leaves a move undone.
    grip = page.get_by_role("button", name="Move Yarrow, Ruth at 15:00")
    grip.focus()
    page.keyboard.press("Escape")
    for _ in range(16):
        page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="already booked 11:00–11:30").wait_for()
    moving.refresh_from_db()
    assert moving.start_at == datetime(2030, 1, 7, 15, tzinfo=ZONE)
    assert [v["id"] for v in Axe().run(page).response["violations"]] == []

    # Longer with the keys: Shift and the down arrow, twice; the start stays.
    for _ in range(2):
        page.keyboard.press("Shift+ArrowDown")
    assert "15:00–16:00, 60 minutes" in page.locator("[data-book-status]").inner_text()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    moving.refresh_from_db()
    assert moving.start_at == datetime(2030, 1, 7, 15, tzinfo=ZONE)
    assert moving.end_at == datetime(2030, 1, 7, 16, tzinfo=ZONE)
    # Shorter by dragging its bottom edge up a row.
    block = page.locator("article.appt", has_text="Yarrow, Ruth")
    block.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    # Press where the edge is once the book has settled: in CI at 390 px the press once missed the edge (the block
    # moved a row instead of getting shorter), so the edge's centre is checked to be the edge before pressing.
    on_edge = "([x, y]) => Boolean(document.elementFromPoint(x, y)?.closest('[data-resize]'))"
    for _ in range(20):
        edge = block.locator("[data-resize]").bounding_box()
        x, y = edge["x"] + edge["width"] / 2, edge["y"] + edge["height"] / 2
        if page.evaluate(on_edge, [x, y]):
            break
        page.wait_for_timeout(100)
    row = block.bounding_box()["height"] / 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - row, steps=6)
    with page.expect_navigation():
        page.mouse.up()
    moving.refresh_from_db()
    assert (moving.start_at, moving.end_at) == (
        datetime(2030, 1, 7, 15, tzinfo=ZONE),
        datetime(2030, 1, 7, 15, 45, tzinfo=ZONE),
    )
    # Longer than the time before the next booking: refused, nothing changed. (Quince is at 11:00; book one at 16:00.)
    book_appointment(
        actor=frank,
        patient=PatientFactory(organization=location.organization),
        practitioner=tess.practitioner,
        location=location,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        start_at=datetime.combine(MONDAY, time(16), tzinfo=ZONE),
    )
    page.reload()
    # The book as it now is (once in CI at 390 px the grip was not found after this reload: this names what showed).
    yarrow = page.locator("article.appt", has_text="Yarrow, Ruth")
    expect(yarrow).to_contain_text("15:00–15:45 · Booked")
    yarrow.get_by_role("button", name="Move Yarrow, Ruth at 15:00").focus()
    for _ in range(2):
        page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="already booked 16:00").wait_for()
    moving.refresh_from_db()
    assert moving.end_at == datetime(2030, 1, 7, 15, 45, tzinfo=ZONE)
