from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from fascia.conftest import sign_in
from fascia.core.models import Location, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import WorkingHours
from fascia.visits.models import VisitNote
from fascia.visits.tests.factories import active_plan, signed_note

MONDAY = datetime(2030, 1, 7, tzinfo=ZoneInfo("America/New_York")).date()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_book_a_follow_up_then_document_and_sign_it_with_the_keyboard(
    live_server, page, tess: User, location: Location
) -> None:
    tess.practitioner.locations.add(location)
    WorkingHours.objects.create(
        practitioner=tess.practitioner, location=location, weekday=0, starts=time(8), ends=time(18)
    )
    patient = PatientFactory(organization=location.organization, family_name="Yarrow", given_name="Ruth")
    active_plan(tess, patient, start=MONDAY)  # deep tissue on the low back
    # The morning of the visit: its note is signed once the 10 o'clock appointment has begun.
    traveller = time_machine.travel(datetime(2030, 1, 7, 10, 5, tzinfo=ZoneInfo("America/New_York")))
    traveller.start()
    try:
        _book_document_and_sign(live_server, page, patient, location)
    finally:
        traveller.stop()


def _book_document_and_sign(live_server, page, patient: Patient, location: Location) -> None:
    sign_in(page, live_server, "tess")

    page.goto(f"{live_server.url}{reverse('scheduling:day')}?date={MONDAY}&location={location.public_id}")
    page.get_by_role("link", name="Book Tess Test, LMT at 10:00").click()
    page.get_by_label("Find the patient").fill("yarr")
    page.get_by_label("Yarrow, Ruth", exact=False).check()
    page.locator("#id_appointment_type").select_option(label="Follow-up, 30 minutes (30 min)")
    page.get_by_role("button", name="Book").click()
    page.get_by_role("button", name="Note for Yarrow, Ruth at 10:00").click()

    # The cursor starts in the patient's report; the plan's technique is prefilled.
    page.get_by_text("Prefilled from the plan of care").wait_for()
    assert page.evaluate("document.activeElement.name") == "subjective"
    page.keyboard.type("Slept better; stiff in the mornings.")
    page.keyboard.press("Tab")
    page.keyboard.type("5")  # pain before
    page.get_by_label("Minutes, row 1").focus()
    page.keyboard.type("25")
    page.get_by_text("Timed minutes: 25").wait_for()  # the CPT minutes follow the typing
    page.get_by_label("Pain after treatment (0-10)").focus()
    page.keyboard.type("3")
    # Never checked in at the desk: the practitioner confirms the patient came, which checks the visit in.
    page.get_by_label("The patient came to this visit").check()
    page.get_by_role("button", name="Save and sign").focus()
    page.keyboard.press("Enter")

    page.get_by_text("Note signed. It is now locked").wait_for()
    note = VisitNote.objects.get()
    assert note.is_signed and note.appointment.patient == patient
    assert (note.nprs_before, note.nprs_after) == (5, 3)
    assert [(t.technique.code, t.minutes) for t in note.techniques.all()] == [("deep-tissue", 25)]
    assert "97140" in page.locator("#minute-summary").inner_text()
    assert note.appointment.status == "arrived"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_signed_records_check_goes_on_by_itself_to_the_end(
    live_server, page, tess: User, ada: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fascia.records.views.VERIFY_SEALS", 1)  # a request per seal
    User.objects.filter(pk=ada.pk).update(is_demo_account=True)  # no second factor in this test
    for name in ("Aspen", "Birch", "Cedar"):
        signed_note(tess, PatientFactory(organization=ada.organization, family_name=name), date(2026, 11, 2))
    sign_in(page, live_server, "ada")
    page.goto(live_server.url + reverse("records:verify"))
    page.get_by_text("All 3 signed records match their hashes.").wait_for()
    assert page.locator("progress").count() == 0
