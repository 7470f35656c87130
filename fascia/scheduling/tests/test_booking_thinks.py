"""Booking that thinks (issue 26 point 2): the patient's defaults, the next free times, the limits asked before
booking (referral, authorization, plan of care), a message per date of a series, and what a move says."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.models import Authorization, Coverage
from fascia.billing.tests.factories import billable_patient
from fascia.conftest import login, sign_in
from fascia.core.models import Location, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling import services
from fascia.scheduling.limits import limits_for
from fascia.scheduling.models import Appointment, AppointmentType
from fascia.scheduling.tests.factories import CLINIC, at, book

START = date(2030, 1, 7)  # a Monday: the plan of care starts, the referral was written three days before


@pytest.fixture(autouse=True)
def _friday_before() -> object:
    """The clinic's clock on the Friday before START, 09:00: the referral was written that day."""
    with time_machine.travel(datetime(2030, 1, 4, 9, tzinfo=CLINIC), tick=False):
        yield


@pytest.fixture
def coverage(tess: User, organization, hours: None) -> Coverage:
    """A patient with an active plan (6 weeks from START), a 12-visit referral (expires START + 90 days), a
    primary coverage and no visit yet."""
    return billable_patient(tess, organization, start=START, visits=0)


def book_visits(actor: User, patient: Patient, location: Location, kind: AppointmentType, days: list[date]) -> None:
    """Book `patient` with Tess at 10:00 on each of `days`."""
    for day in days:
        book(actor, location, at(day, 10), patient=patient, kind=kind)


def weekdays(first: date, n: int) -> list[date]:
    days, day = [], first
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


class TestLimits:
    def test_the_thirteenth_visit_of_a_twelve_visit_referral_is_asked_about(
        self, tess: User, location: Location, coverage: Coverage, follow_up: AppointmentType
    ) -> None:
        patient = coverage.patient
        days = weekdays(START, 13)
        book_visits(tess, patient, location, follow_up, days[:11])
        assert limits_for(patient, [at(days[11], 10)]) == []  # the twelfth fits
        book_visits(tess, patient, location, follow_up, days[11:12])
        [sentence] = limits_for(patient, [at(days[12], 10)])
        assert "allows 12 visits; with this booking 13 are booked or seen" in sentence

    def test_cancelled_visits_do_not_count(
        self, tess: User, location: Location, coverage: Coverage, follow_up: AppointmentType
    ) -> None:
        patient = coverage.patient
        days = weekdays(START, 13)
        book_visits(tess, patient, location, follow_up, days[:12])
        Appointment.objects.filter(patient=patient, start_at=at(days[0], 10)).update(
            status=Appointment.Status.CANCELLED
        )
        assert limits_for(patient, [at(days[12], 10)]) == []

    def test_dates_past_the_referral_or_the_plan_are_named(self, coverage: Coverage) -> None:
        patient = coverage.patient
        late = START + timedelta(days=91)  # the plan (6 weeks) and the referral (90 days) are both over
        sentences = limits_for(patient, [at(late, 10)])
        assert any(f"expires on {START + timedelta(days=90):%Y-%m-%d}" in s for s in sentences)
        assert any("The plan of care ends on 2030-02-17" in s for s in sentences)

    def test_an_authorization_counts_its_visits_and_covers_its_dates(
        self, tess: User, location: Location, coverage: Coverage, follow_up: AppointmentType
    ) -> None:
        patient = coverage.patient
        Authorization.objects.create(
            coverage=coverage, number="AUTH-9", visits_allowed=2, starts_on=START, ends_on=START + timedelta(days=13)
        )
        book_visits(tess, patient, location, follow_up, [START, START + timedelta(days=1)])
        sentences = limits_for(patient, [at(START + timedelta(days=2), 10), at(START + timedelta(days=20), 10)])
        assert any("Authorization AUTH-9 allows 2 visits" in s and "3 are booked or seen" in s for s in sentences)
        assert any("No authorization from" in s and "Mon 2030-01-27" not in s and "2030-01-27" in s for s in sentences)

    def test_the_service_refuses_until_confirmed_and_the_audit_keeps_why(
        self, frank: User, tess: User, location: Location, coverage: Coverage, follow_up: AppointmentType
    ) -> None:
        patient, late = coverage.patient, at(START + timedelta(days=93), 10)  # a Thursday past the referral
        kwargs = {
            "actor": frank,
            "patient": patient,
            "practitioner": tess.practitioner,
            "location": location,
            "appointment_type": follow_up,
            "starts": [late],
            "check_limits": True,
        }
        with pytest.raises(services.LimitsReached):
            services.book_series(**kwargs)
        assert not Appointment.objects.filter(patient=patient).exists()
        [appointment] = services.book_series(**kwargs, limits_confirmed=True)
        event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_BOOKED, target_id=str(appointment.public_id))
        assert any("expires on" in s for s in event.detail["limits_confirmed"])


def one_visit(actor: User, patient: Patient, location: Location, kind: AppointmentType, day: date) -> Appointment:
    book_visits(actor, patient, location, kind, [day])
    return Appointment.objects.get(patient=patient, start_at=at(day, 10))


PAST_THE_PLAN = date(2030, 2, 18)  # a Monday: the plan of care (6 weeks from START) ended the day before


class TestMoves:
    """A move to another day asks about the limits of its new day; the appointment moved is one visit, not two."""

    def test_a_move_past_the_plans_end_is_asked_and_kept_once_confirmed(
        self, frank: User, tess: User, location: Location, coverage: Coverage, follow_up: AppointmentType
    ) -> None:
        a = one_visit(tess, coverage.patient, location, follow_up, START)
        with pytest.raises(services.LimitsReached) as refused:
            services.reschedule_appointment(actor=frank, appointment=a, start_at=at(PAST_THE_PLAN, 10))
        assert refused.value.sentences == ["The plan of care ends on 2030-02-17, before Mon 2030-02-18."]
        a.refresh_from_db()
        assert a.start_at == at(START, 10)
        assert not AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_RESCHEDULED).exists()

        services.reschedule_appointment(
            actor=frank, appointment=a, start_at=at(PAST_THE_PLAN, 10), limits_confirmed=True
        )
        a.refresh_from_db()
        assert a.start_at == at(PAST_THE_PLAN, 10)
        event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_RESCHEDULED)
        assert event.detail == {
            "from": "2030-01-07T10:00:00-05:00",
            "limits_confirmed": ["The plan of care ends on 2030-02-17, before Mon 2030-02-18."],
        }
        # Within its day the limits are the same: not asked again.
        services.reschedule_appointment(actor=frank, appointment=a, start_at=at(PAST_THE_PLAN, 14))

    def test_a_move_within_the_limits_is_not_asked_though_every_visit_is_booked(
        self, frank: User, tess: User, location: Location, coverage: Coverage, follow_up: AppointmentType
    ) -> None:
        patient = coverage.patient
        Authorization.objects.create(
            coverage=coverage, number="AUTH-12", visits_allowed=12, starts_on=START, ends_on=date(2030, 2, 17)
        )
        days = weekdays(START, 13)
        book_visits(tess, patient, location, follow_up, days[:12])  # the referral's and the authorization's 12
        assert len(limits_for(patient, [at(days[12], 10)])) == 2  # a thirteenth is asked about, twice
        first = Appointment.objects.get(patient=patient, start_at=at(days[0], 10))
        services.reschedule_appointment(actor=frank, appointment=first, start_at=at(days[12], 10))
        first.refresh_from_db()
        assert first.start_at == at(days[12], 10)

    def test_a_move_into_a_full_authorizations_dates_is_asked(
        self, frank: User, tess: User, location: Location, coverage: Coverage, follow_up: AppointmentType
    ) -> None:
        patient = coverage.patient
        fortnight = START + timedelta(days=13)
        Authorization.objects.create(
            coverage=coverage, number="AUTH-1", visits_allowed=2, starts_on=START, ends_on=fortnight
        )
        Authorization.objects.create(
            coverage=coverage,
            number="AUTH-2",
            visits_allowed=10,
            starts_on=fortnight + timedelta(days=1),
            ends_on=date(2030, 2, 17),
        )
        book_visits(tess, patient, location, follow_up, [START, START + timedelta(days=1), date(2030, 1, 22)])
        outside = Appointment.objects.get(patient=patient, start_at=at(date(2030, 1, 22), 10))
        inside = Appointment.objects.get(patient=patient, start_at=at(START + timedelta(days=1), 10))
        wednesday = at(START + timedelta(days=2), 10)
        with pytest.raises(services.LimitsReached, match="AUTH-1 allows 2 visits .* 3 are booked or seen"):
            services.reschedule_appointment(actor=frank, appointment=outside, start_at=wednesday)
        services.reschedule_appointment(actor=frank, appointment=inside, start_at=wednesday)  # still two in it

    def test_the_page_asks_move_anyway_then_moves(
        self, client: Client, frank: User, tess: User, location: Location, coverage: Coverage, follow_up
    ) -> None:
        a = one_visit(tess, coverage.patient, location, follow_up, START)
        url = reverse("scheduling:reschedule", args=[a.public_id])
        login(client, frank)
        page = client.get(url).content.decode()
        assert "Move anyway" not in page
        data = {
            "practitioner": tess.practitioner.public_id,
            "location": location.public_id,
            "day": PAST_THE_PLAN.isoformat(),
            "start": "10:00",
            "minutes": "30",
        }
        r = client.post(url, data)
        body = r.content.decode()
        assert r.status_code == 200 and "This move runs past a limit" in body
        assert "The plan of care ends on 2030-02-17, before Mon 2030-02-18." in body
        assert "Tick “Move anyway” below and move it again" in body and 'name="confirm"' in body
        a.refresh_from_db()
        assert a.start_at == at(START, 10)
        r = client.post(url, {**data, "confirm": "on"})
        assert r.status_code == 302
        a.refresh_from_db()
        assert a.start_at == at(PAST_THE_PLAN, 10)

    def test_a_drop_past_a_limit_answers_the_limits_and_moves_once_confirmed(
        self, client: Client, frank: User, tess: User, location: Location, coverage: Coverage, follow_up
    ) -> None:
        a = one_visit(tess, coverage.patient, location, follow_up, START)
        one_visit(tess, PatientFactory(organization=location.organization), location, follow_up, PAST_THE_PLAN)
        url = reverse("scheduling:drop", args=[a.public_id])
        data = {
            "practitioner": tess.practitioner.public_id,
            "location": location.public_id,
            "day": PAST_THE_PLAN.isoformat(),
            "start": "10:00",
        }
        login(client, frank)
        # Onto another booking: confirming would not let it through, so no limits are offered.
        r = client.post(url, {**data, "start": "10:15"})
        assert r.status_code == 409 and r.json()["limits"] == []
        assert "already booked 10:00–10:30" in r.json()["errors"][0]
        r = client.post(url, {**data, "start": "11:00"})
        assert r.status_code == 409
        assert r.json()["limits"] == ["The plan of care ends on 2030-02-17, before Mon 2030-02-18."]
        a.refresh_from_db()
        assert a.start_at == at(START, 10)
        r = client.post(url, {**data, "start": "11:00", "confirm": "on"})
        assert r.status_code == 200 and r.json() == {"moved": f"Moved {a.patient.display_name} to Mon Feb 18 11:00."}
        a.refresh_from_db()
        assert a.start_at == at(PAST_THE_PLAN, 11)


def post_booking(client: Client, patient: Patient, tess: User, location: Location, kind: AppointmentType, **more):
    data = {
        "patient": patient.public_id,
        "practitioner": tess.practitioner.public_id,
        "location": location.public_id,
        "appointment_type": kind.pk,
        "day": "2030-04-11",  # past the referral (expires 2030-04-07) and the plan
        "start": "10:00",
        **more,
    }
    return client.post(reverse("scheduling:book"), data)


class TestBookingForm:
    def test_it_warns_before_booking_and_books_once_confirmed(
        self, client: Client, frank: User, tess: User, location: Location, coverage: Coverage, follow_up
    ) -> None:
        login(client, frank)
        r = post_booking(client, coverage.patient, tess, location, follow_up)
        assert r.status_code == 200
        body = r.content.decode()
        assert "This booking runs past a limit" in body and "expires on 2030-04-07" in body
        assert "Book anyway" in body
        assert not Appointment.objects.filter(patient=coverage.patient).exists()
        r = post_booking(client, coverage.patient, tess, location, follow_up, confirm="on")
        assert r.status_code == 302
        assert Appointment.objects.filter(patient=coverage.patient).count() == 1

    def test_a_refused_single_booking_says_why_without_a_series(
        self, client: Client, frank: User, tess: User, location: Location, hours: None, follow_up
    ) -> None:
        patient = PatientFactory(organization=location.organization)
        login(client, frank)
        r = post_booking(client, patient, tess, location, follow_up, day="2030-01-06")  # a Sunday
        body = r.content.decode()
        assert "outside" in body and "working hours" in body
        assert "series" not in body.lower().split("repeat every week")[0]

    def test_a_series_lists_each_date_that_failed(
        self, client: Client, frank: User, tess: User, location: Location, hours: None, follow_up
    ) -> None:
        patient, other = (
            PatientFactory(organization=location.organization),
            PatientFactory(organization=location.organization),
        )
        book_visits(tess, other, location, follow_up, [date(2030, 1, 9), date(2030, 1, 16)])
        login(client, frank)
        r = post_booking(
            client, patient, tess, location, follow_up, day="2030-01-07", repeat_weekdays=["0", "2"], repeat_weeks=3
        )
        body = r.content.decode()
        assert "2 of the 6 dates cannot be booked, so none was" in body
        assert "Wed 2030-01-09 10:00" in body and "Wed 2030-01-16 10:00" in body
        assert not Appointment.objects.filter(patient=patient).exists()


class TestDefaults:
    def test_the_preferred_practitioner_and_location_and_a_free_time_are_filled_in(
        self, client: Client, frank: User, tess: User, location: Location, hours: None
    ) -> None:
        patient = PatientFactory(
            organization=location.organization, preferred_practitioner=tess.practitioner, preferred_location=location
        )
        login(client, frank)
        r = client.get(reverse("scheduling:book"), {"patient": patient.public_id})
        form = r.context["form"]
        assert form.initial["practitioner"] == tess.practitioner.public_id
        assert form.initial["location"] == location.public_id
        # No plan yet: an initial evaluation, at the first free time, which the list beside the form shows first.
        assert form.initial["appointment_type"] == AppointmentType.objects.get(code="initial-evaluation").pk
        first = r.context["free_times"][0]
        assert (form.initial["day"], form.initial["start"]) == (first["start"].date(), first["start"].time())
        assert f"start={first['start']:%H}%3A{first['start']:%M}" in first["url"]

    def test_without_a_preference_the_last_visit_and_the_plans_type_are_used(
        self, client: Client, frank: User, tess: User, location: Location, coverage: Coverage, follow_up
    ) -> None:
        patient = coverage.patient
        book_visits(tess, patient, location, AppointmentType.objects.get(code="follow-up-45"), [START])
        login(client, frank)
        r = client.get(reverse("scheduling:book"), {"patient": patient.public_id, "day": "2030-01-08"})
        form = r.context["form"]
        assert form.initial["practitioner"] == tess.practitioner.public_id
        assert form.initial["location"] == location.public_id
        assert form.initial["appointment_type"] == AppointmentType.objects.get(code="follow-up-45").pk

    def test_the_chart_offers_a_follow_up_in_one_click(
        self, client: Client, frank: User, tess: User, location: Location, coverage: Coverage
    ) -> None:
        login(client, frank)
        chart = client.get(reverse("patients:chart", args=[coverage.patient.public_id])).content.decode()
        assert f'{reverse("scheduling:book")}?patient={coverage.patient.public_id}">Book a follow-up' in chart

    def test_the_free_times_follow_the_forms_choices(
        self, client: Client, frank: User, tess: User, location: Location, hours: None, follow_up
    ) -> None:
        login(client, frank)
        r = client.get(
            reverse("scheduling:book"),
            {
                "practitioner": tess.practitioner.public_id,
                "location": location.public_id,
                "appointment_type": follow_up.pk,
            },
            headers={"HX-Request": "true"},
        )
        assert r.status_code == 200 and "Choose one to fill in the form" in r.content.decode()
        assert "<html" not in r.content.decode()


def test_check_in_and_out_say_what_happened(
    client: Client, frank: User, tess: User, location: Location, hours: None, follow_up
) -> None:
    patient = PatientFactory(organization=location.organization, family_name="Rosales", given_name="Ravi")
    book_visits(tess, patient, location, follow_up, [date(2030, 1, 7)])
    appointment = Appointment.objects.get(patient=patient)
    login(client, frank)
    r = client.post(reverse("scheduling:move", args=[appointment.public_id, "check-in"]), follow=True)
    assert "Checked in Rosales, Ravi at" in r.content.decode()
    r = client.post(reverse("scheduling:move", args=[appointment.public_id, "check-out"]), follow=True)
    assert "Checked out Rosales, Ravi at" in r.content.decode()


WIDTHS = (1366, 768, 390)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_a_follow_up_books_in_two_clicks_from_the_chart_and_a_limit_asks_first(
    live_server, page, frank: User, tess: User, organization, location: Location, hours: None, width: int
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    patient = billable_patient(tess, organization, start=START, visits=0).patient
    page.set_viewport_size({"width": width, "height": 900})
    with time_machine.travel(datetime(2030, 1, 4, 8, 50, tzinfo=CLINIC), tick=True):  # the first free time: 09:00
        sign_in(page, live_server, "frank")
        page.goto(live_server.url + patient.get_chart_url())
        page.get_by_role("link", name="Book a follow-up").click()  # one
        assert page.locator("#id_practitioner option:checked").inner_text() == str(tess.practitioner)
        assert page.locator("#id_appointment_type option:checked").inner_text().startswith("Follow-up")
        assert page.get_by_role("link", name="Fri Jan 4, 09:00", exact=False).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert [v["id"] for v in Axe().run(page).response["violations"]] == []
        page.get_by_role("button", name="Book", exact=True).click()  # two
        page.get_by_text(f"Booked {patient.display_name} Fri Jan 04 09:00").wait_for()
        assert Appointment.objects.get(patient=patient).start_at == at(date(2030, 1, 4), 9)

        # Past the referral's expiry and the plan's end: asked first, booked once confirmed.
        page.goto(
            f"{live_server.url}{reverse('scheduling:book')}?patient={patient.public_id}&day=2030-04-11&start=10:00"
        )
        page.get_by_role("button", name="Book", exact=True).click()
        page.get_by_text("This booking runs past a limit").wait_for()
        assert "expires on 2030-04-07" in page.locator("#booking-limits").inner_text()
        assert Appointment.objects.filter(patient=patient).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert [v["id"] for v in Axe().run(page).response["violations"]] == []
        page.get_by_label("Book anyway").check()
        page.get_by_role("button", name="Book", exact=True).click()
        page.get_by_text(f"Booked {patient.display_name} Thu Apr 11 10:00").wait_for()
        assert Appointment.objects.filter(patient=patient).count() == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_a_move_past_the_plans_end_asks_move_anyway_first(
    live_server, page, frank: User, tess: User, organization, location: Location, hours: None, width: int
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    patient = billable_patient(tess, organization, start=START, visits=0).patient
    a = one_visit(tess, patient, location, AppointmentType.objects.get(code="follow-up-30"), START)
    page.set_viewport_size({"width": width, "height": 900})
    with time_machine.travel(datetime(2030, 1, 4, 8, 50, tzinfo=CLINIC), tick=True):
        sign_in(page, live_server, "frank")
        page.goto(live_server.url + reverse("scheduling:reschedule", args=[a.public_id]))
        assert page.get_by_label("Length (minutes)").input_value() == "30"
        page.get_by_label("New date").fill(PAST_THE_PLAN.isoformat())
        page.get_by_label("Length (minutes)").fill("45")
        page.get_by_role("button", name="Move appointment").click()
        page.get_by_text("This move runs past a limit").wait_for()
        assert "The plan of care ends on 2030-02-17" in page.locator("#booking-limits").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert [v["id"] for v in Axe().run(page).response["violations"]] == []
        a.refresh_from_db()
        assert a.start_at == at(START, 10)
        page.get_by_label("Move anyway").check()
        page.get_by_role("button", name="Move appointment").click()
        page.get_by_text(f"Moved {patient.display_name} to Mon Feb 18 10:00 (45 minutes).").wait_for()
        a.refresh_from_db()
        assert (a.start_at, a.end_at) == (at(PAST_THE_PLAN, 10), at(PAST_THE_PLAN, 10, 45))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_the_week_a_move_past_the_authorization_asks_first(
    live_server, page, frank: User, tess: User, organization, location: Location, hours: None
) -> None:
    """Dropped on a day the authorization does not cover, the block asks; declined, it stays and says why;
    confirmed, it moves and the audit keeps what was confirmed."""

    coverage = billable_patient(tess, organization, start=START, visits=0)
    Authorization.objects.create(
        coverage=coverage, number="AUTH-3", visits_allowed=10, starts_on=START, ends_on=START + timedelta(days=2)
    )
    a = one_visit(tess, coverage.patient, location, AppointmentType.objects.get(code="follow-up-30"), START)
    page.set_viewport_size({"width": 768, "height": 1024})
    with time_machine.travel(datetime(2030, 1, 4, 8, 50, tzinfo=CLINIC), tick=True):
        sign_in(page, live_server, "frank")
        page.goto(
            f"{live_server.url}{reverse('scheduling:week')}?date={START}&practitioner={tess.practitioner.public_id}"
        )
        asked: list[str] = []

        def answer(yes: bool):
            return lambda dialog: (asked.append(dialog.message), dialog.accept() if yes else dialog.dismiss())

        page.once("dialog", answer(False))
        page.get_by_role("button", name=f"Move {coverage.patient.display_name} at 10:00").focus()
        for _ in range(3):  # Monday to Thursday
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.get_by_role("alert").filter(has_text="No authorization from").wait_for()
        assert "Move it anyway?" in asked[0]
        a.refresh_from_db()
        assert a.start_at == at(START, 10)

        page.once("dialog", answer(True))
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        a.refresh_from_db()
        assert a.start_at == at(START + timedelta(days=3), 10)
        event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_RESCHEDULED)
        assert any("No authorization from" in s for s in event.detail["limits_confirmed"])
