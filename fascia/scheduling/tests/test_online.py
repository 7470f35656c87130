"""Online booking (issue 27 point 4): the clinic's settings, the free times a patient is offered, and booking,
cancelling and moving through the staff's own services, with a patient's limits."""

import re
import threading
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.tests.factories import billable_patient
from fascia.conftest import login
from fascia.core.models import Location, Organization, Room, User
from fascia.patients.intake import submit_intake
from fascia.patients.models import Consent, Patient
from fascia.patients.services import record_consent
from fascia.patients.tests.factories import PatientFactory
from fascia.practitioners.models import Practitioner
from fascia.scheduling import online, services
from fascia.scheduling.models import Appointment, AppointmentType, BookingPolicy, OnlineType, TimeOff, WorkingHours
from fascia.scheduling.tests.factories import CLINIC, at, book

FRIDAY = date(2030, 1, 4)  # the clinic's clock: Friday 09:00
MONDAY = date(2030, 1, 7)
MONDAY_10 = at(MONDAY, 10)


@pytest.fixture(autouse=True)
def _friday_morning() -> object:
    with time_machine.travel(datetime(2030, 1, 4, 9, tzinfo=CLINIC), tick=False):
        yield


@pytest.fixture
def policy(organization: Organization) -> BookingPolicy:
    """Online booking open: 12 hours' lead, 60 days ahead, a 24-hour cancellation window."""
    return BookingPolicy.objects.create(organization=organization, online=True)


@pytest.fixture
def open_follow_up(policy: BookingPolicy, follow_up: AppointmentType) -> OnlineType:
    """The 30-minute follow-up, open online to new and returning patients with everyone everywhere."""
    return OnlineType.objects.create(
        organization=policy.organization, appointment_type=follow_up, for_new=True, for_returning=True
    )


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization, family_name="Quill", given_name="Nora")


@pytest.fixture
def nora(patient: Patient) -> User:
    """The patient's own account (the portal's PatientAccount user: an organization, no role)."""
    return User.objects.create_user(username="nora", organization=patient.organization)


def book_online(actor: User, patient: Patient, start: datetime, **kw: object) -> Appointment:
    return services.book_online(
        actor=actor,
        patient=patient,
        appointment_type=kw.pop("kind", None) or AppointmentType.objects.get(code="follow-up-30"),  # type: ignore[arg-type]
        practitioner=kw.pop("practitioner", None) or Practitioner.objects.get(user__username="tess"),  # type: ignore[arg-type]
        location=kw.pop("location", None) or Location.objects.get(name="Main Street Clinic"),  # type: ignore[arg-type]
        start_at=start,
    )


pytestmark = pytest.mark.usefixtures("tess", "hours", "open_follow_up")


class TestBookOnline:
    def test_it_books_through_the_staff_service_with_one_audit_entry(self, nora: User, patient: Patient) -> None:
        appointment = book_online(nora, patient, MONDAY_10)
        assert appointment.status == "booked" and appointment.created_by == nora
        assert appointment.end_at - appointment.start_at == timedelta(minutes=30)
        [entry] = AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_BOOKED)
        assert entry.actor == nora and entry.patient == patient and entry.detail == {"online": True}

    def test_a_taken_slot_is_refused_plainly_and_names_no_one(
        self, frank: User, location: Location, nora: User, patient: Patient
    ) -> None:
        other = PatientFactory(organization=location.organization, family_name="Marlowe")
        book(frank, location, MONDAY_10 + timedelta(minutes=15), patient=other)
        with pytest.raises(services.SlotTaken, match="that time has just been taken") as refused:
            book_online(nora, patient, MONDAY_10)
        assert "Marlowe" not in str(refused.value)
        assert not Appointment.objects.filter(patient=patient).exists()

    def test_a_closed_slot_is_refused(self, nora: User, patient: Patient) -> None:
        saturday = at(date(2030, 1, 12), 10)  # Tess works Monday to Friday
        with pytest.raises(services.OnlineRefused, match="That time is not open for booking"):
            book_online(nora, patient, saturday)
        with pytest.raises(services.OnlineRefused, match="That time is not open for booking"):
            book_online(nora, patient, at(MONDAY, 17, 45))  # would end after 18:00
        assert not Appointment.objects.exists()

    def test_the_lead_time_and_the_horizon_hold(self, nora: User, patient: Patient, policy: BookingPolicy) -> None:
        with pytest.raises(services.OnlineRefused, match="closes 12 hours before a visit"):
            book_online(nora, patient, at(FRIDAY, 17))  # 8 hours away
        with pytest.raises(services.OnlineRefused, match="up to 60 days ahead"):
            book_online(nora, patient, at(FRIDAY + timedelta(days=61), 10))
        book_online(nora, patient, at(FRIDAY + timedelta(days=60), 10))  # a Tuesday, the last day
        policy.lead_hours = 0
        policy.save()
        book_online(nora, patient, at(FRIDAY, 17))

    def test_a_type_not_open_online_or_closed_online_is_a_call(
        self, nora: User, patient: Patient, policy: BookingPolicy, open_follow_up: OnlineType
    ) -> None:
        with pytest.raises(services.CallTheClinic, match="cannot be booked online. Please call the clinic."):
            book_online(nora, patient, MONDAY_10, kind=AppointmentType.objects.get(code="follow-up-45"))
        policy.online = False
        policy.save()
        with pytest.raises(services.CallTheClinic, match="does not take bookings online"):
            book_online(nora, patient, MONDAY_10)
        assert not Appointment.objects.exists()

    def test_new_and_returning_patients_see_their_own_types(
        self, frank: User, location: Location, nora: User, patient: Patient, open_follow_up: OnlineType
    ) -> None:
        open_follow_up.for_new = False
        open_follow_up.save()
        with pytest.raises(services.CallTheClinic):
            book_online(nora, patient, MONDAY_10)  # new: no visit yet
        assert online.offers_for(patient) == []
        book(frank, location, at(MONDAY, 8), patient=patient)  # booked by the front desk: now returning
        assert [o.appointment_type.code for o in online.offers_for(patient)] == ["follow-up-30"]
        book_online(nora, patient, MONDAY_10)

    def test_only_the_chosen_practitioners_and_locations(
        self, nora: User, patient: Patient, location: Location, open_follow_up: OnlineType, organization: Organization
    ) -> None:
        elsewhere = Location.objects.create(organization=organization, name="Harbor Clinic")
        Practitioner.objects.get(user__username="tess").locations.add(elsewhere)
        open_follow_up.locations.set([elsewhere])
        with pytest.raises(services.CallTheClinic, match="with this practitioner at this location"):
            book_online(nora, patient, MONDAY_10)
        open_follow_up.locations.set([location])
        book_online(nora, patient, MONDAY_10)

    def test_what_staff_would_be_asked_is_a_call_for_a_patient(
        self, tess: User, organization: Organization, location: Location
    ) -> None:
        coverage = billable_patient(tess, organization, start=MONDAY, visits=0)  # a 6-week plan, 90-day referral
        patient = coverage.patient
        user = User.objects.create_user(username="payer-patient", organization=organization)
        with pytest.raises(services.CallTheClinic, match="plan of care needs a look.*Please call the clinic"):
            book_online(user, patient, at(MONDAY + timedelta(days=50), 10))  # past the plan's 6 weeks
        assert not Appointment.objects.filter(patient=patient).exists()
        book_online(user, patient, MONDAY_10)

    def test_another_clinics_patient_cannot_book_here(self, location: Location) -> None:
        other = Organization.objects.create(legal_name="Other", tax_id="98-7654321", group_npi="1234567893")
        BookingPolicy.objects.create(organization=other, online=True)
        stranger = PatientFactory(organization=other)
        assert online.offers_for(stranger) == []
        with pytest.raises(services.CallTheClinic, match="cannot be booked online"):
            book_online(User.objects.create_user(username="stranger", organization=other), stranger, MONDAY_10)
        assert not Appointment.objects.exists()

    def test_it_takes_a_free_room_and_is_refused_when_none_is(
        self, frank: User, location: Location, nora: User, patient: Patient, organization: Organization
    ) -> None:
        """Tess is free at 10:00, but the location's only room is not: another practitioner holds it."""
        one = Room.objects.create(location=location, name="Room 1")
        sam = Practitioner.objects.create(
            user=User.objects.create_user(username="sam", organization=organization),
            npi="1245319599",
            license_number="MA1",
            license_state="WA",
        )
        sam.locations.add(location)
        WorkingHours.objects.create(practitioner=sam, location=location, weekday=0, starts=time(8), ends=time(18))
        book(frank, location, MONDAY_10, room=one, practitioner=sam)
        with pytest.raises(services.SlotTaken):
            book_online(nora, patient, MONDAY_10)
        assert MONDAY_10 not in [
            t.start_at
            for t in online.online_times(patient, online.offers_for(patient)[0], first_day=MONDAY, days=1)[MONDAY]
        ]
        two = Room.objects.create(location=location, name="Room 2")
        assert book_online(nora, patient, MONDAY_10).room == two


class TestCancelAndMove:
    def test_the_patient_cancels_before_the_window(self, nora: User, patient: Patient) -> None:
        appointment = book_online(nora, patient, MONDAY_10)
        cancelled = services.cancel_online(actor=nora, patient=patient, appointment=appointment)
        assert cancelled.status == "cancelled" and not cancelled.late_cancellation
        assert cancelled.cancel_reason == "Cancelled online by the patient."
        [entry] = AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_CANCELLED)
        assert entry.actor == nora and entry.patient == patient

    def test_inside_the_window_the_patient_is_told_to_call(
        self, nora: User, patient: Patient, policy: BookingPolicy
    ) -> None:
        appointment = book_online(nora, patient, MONDAY_10)
        policy.cancellation_hours = 96  # Monday 10:00 is 73 hours away
        policy.save()
        with pytest.raises(services.CallTheClinic, match="until 96 hours before they start. Please call the clinic"):
            services.cancel_online(actor=nora, patient=patient, appointment=appointment)
        with pytest.raises(services.CallTheClinic, match="until 96 hours before"):
            services.reschedule_online(actor=nora, patient=patient, appointment=appointment, start_at=at(MONDAY, 11))
        appointment.refresh_from_db()
        assert appointment.status == "booked" and appointment.start_at == MONDAY_10
        # The booking only (and its confirmation, withheld: the patient gave no consent to email).
        assert sorted(AuditEvent.objects.filter(patient=patient).values_list("action", flat=True)) == [
            AuditAction.NOTIFICATION_SKIPPED,
            AuditAction.APPOINTMENT_BOOKED,
        ]

    def test_staff_cancellations_keep_the_same_window(
        self, frank: User, location: Location, patient: Patient, policy: BookingPolicy
    ) -> None:
        """One rule: the clinic's window, not a constant, says what is late, for staff as for patients."""
        early, later = book(frank, location, MONDAY_10, patient=patient), book(frank, location, at(MONDAY, 11))
        assert not services.cancel_appointment(actor=frank, appointment=early, reason="Ill").late_cancellation
        policy.cancellation_hours = 96
        policy.save()
        assert services.cancel_appointment(actor=frank, appointment=later, reason="Ill").late_cancellation

    def test_a_patient_cannot_act_on_another_patients_visit(
        self, nora: User, patient: Patient, frank: User, location: Location
    ) -> None:
        theirs = book(frank, location, MONDAY_10)
        with pytest.raises(Appointment.DoesNotExist):
            services.cancel_online(actor=nora, patient=patient, appointment=theirs)
        theirs.refresh_from_db()
        assert theirs.status == "booked"

    def test_the_patient_moves_a_visit_to_a_free_time(
        self, nora: User, patient: Patient, frank: User, location: Location
    ) -> None:
        appointment = book_online(nora, patient, MONDAY_10)
        book(frank, location, at(MONDAY, 11))
        with pytest.raises(services.SlotTaken):
            services.reschedule_online(actor=nora, patient=patient, appointment=appointment, start_at=at(MONDAY, 11))
        moved = services.reschedule_online(
            actor=nora, patient=patient, appointment=appointment, start_at=MONDAY_10 + timedelta(minutes=15)
        )
        assert moved.start_at == MONDAY_10 + timedelta(minutes=15)
        [entry] = AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_RESCHEDULED)
        assert entry.actor == nora

    def test_a_new_patient_may_move_the_first_visit(
        self, nora: User, patient: Patient, open_follow_up: OnlineType
    ) -> None:
        """The visit being moved does not make the patient a returning one."""
        open_follow_up.for_returning = False
        open_follow_up.save()
        appointment = book_online(nora, patient, MONDAY_10)
        services.reschedule_online(actor=nora, patient=patient, appointment=appointment, start_at=at(MONDAY, 14))


class TestFreeTimes:
    def offer(self, patient: Patient) -> online.Offer:
        [offer] = online.offers_for(patient)
        return offer

    def test_bookings_time_off_and_lead_time_are_not_offered(
        self, frank: User, location: Location, tess: User, patient: Patient, policy: BookingPolicy
    ) -> None:
        book(frank, location, MONDAY_10)
        TimeOff.objects.create(practitioner=tess.practitioner, starts_at=at(MONDAY, 12), ends_at=at(MONDAY, 18))
        times = online.online_times(patient, self.offer(patient), first_day=FRIDAY, days=4)
        assert FRIDAY not in times  # 12 hours from Friday 09:00 is past Tess's Friday
        monday = [t.start_at.astimezone(CLINIC).strftime("%H:%M") for t in times[MONDAY]]
        assert monday[:7] == ["08:00", "08:15", "08:30", "08:45", "09:00", "09:15", "09:30"]
        assert "09:45" not in monday and "10:15" not in monday and "10:30" in monday
        assert monday[-1] == "11:30" and set(times) == {MONDAY}  # no weekend hours

    def test_the_horizon_ends_the_times(self, patient: Patient, policy: BookingPolicy) -> None:
        policy.horizon_days = 3  # to Monday
        policy.save()
        times = online.online_times(patient, self.offer(patient), first_day=MONDAY, days=7)
        assert set(times) == {MONDAY}

    def test_the_plans_practitioner_comes_first_and_each_time_is_listed_once(
        self, tess: User, frank: User, organization: Organization, location: Location, open_follow_up: OnlineType
    ) -> None:
        zed = Practitioner.objects.create(
            user=User.objects.create_user(username="aaron", first_name="Aaron", organization=organization),
            npi="1245319599",
            license_number="MA1",
            license_state="WA",
        )
        zed.locations.add(location)
        WorkingHours.objects.create(practitioner=zed, location=location, weekday=0, starts=time(8), ends=time(18))
        patient = billable_patient(tess, organization, start=MONDAY, visits=0).patient  # Tess's plan
        offer = self.offer(patient)
        assert offer.practitioners == [tess.practitioner, zed]
        monday = online.online_times(patient, offer, first_day=MONDAY, days=1)[MONDAY]
        # Each time once: with Tess, whose plan it is, while she is free; with Aaron when only he is.
        assert [(t.start_at, t.practitioner) for t in monday[:2]] == [
            (at(MONDAY, 8), tess.practitioner),
            (at(MONDAY, 8, 15), tess.practitioner),
        ]
        assert len({t.start_at for t in monday}) == len(monday)
        book(frank, location, at(MONDAY, 8), practitioner=tess.practitioner)
        monday = online.online_times(patient, offer, first_day=MONDAY, days=1)[MONDAY]
        assert (monday[0].start_at, monday[0].practitioner) == (at(MONDAY, 8), zed)
        only_aaron = online.online_times(patient, offer, first_day=MONDAY, days=1, practitioner=zed)[MONDAY]
        assert {t.practitioner for t in only_aaron} == {zed}

    def test_a_week_of_times_takes_as_many_queries_as_a_day(
        self, frank: User, location: Location, patient: Patient
    ) -> None:
        offer = self.offer(patient)
        Room.objects.create(location=location, name="Room 1")
        with CaptureQueriesContext(connection) as one_day:
            online.online_times(patient, offer, first_day=MONDAY, days=1)
        for n in range(5):
            book(frank, location, at(MONDAY + timedelta(days=n), 9))
        with CaptureQueriesContext(connection) as week:
            times = online.online_times(patient, offer, first_day=MONDAY, days=7)
        assert len(week) == len(one_day) == 6
        assert len(times) == 5 and all(at(MONDAY + timedelta(days=n), 9) not in times for n in range(5))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_twenty_patients_book_one_slot_at_once_and_one_wins(organization: Organization) -> None:
    """Each in its own thread and connection, past every check at once: the constraint lets one in."""
    patients = [PatientFactory(organization=organization) for _ in range(20)]
    users = [User.objects.create_user(username=f"p{n}", organization=organization) for n in range(20)]
    barrier = threading.Barrier(len(patients))
    outcomes: list[str] = []

    def attempt(user: User, patient: Patient) -> None:
        try:
            barrier.wait()
            book_online(user, patient, MONDAY_10)
            outcomes.append("booked")
        except services.SlotTaken as e:
            outcomes.append(str(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(users, patients, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Sorry, that time has just been taken. Please choose another time."] * 19 + ["booked"]
    assert Appointment.objects.count() == 1


class TestSettingsPage:
    def post(self, **overrides: object) -> dict:
        data: dict = {"online": "on", "lead_hours": "24", "horizon_days": "30", "cancellation_hours": "48"}
        data["follow-up-30-for_new"] = "on"
        data["follow-up-30-for_returning"] = "on"
        return data | overrides

    def test_an_admin_opens_types_online(
        self, client, ada: User, organization: Organization, location: Location, tess: User
    ) -> None:
        login(client, ada)
        url = reverse("scheduling:online_booking")
        assert client.get(url).status_code == 200
        data = self.post(**{"follow-up-30-practitioners": [str(tess.practitioner.public_id)]})
        assert client.post(url, data).status_code == 302
        policy = BookingPolicy.objects.get(organization=organization)
        assert (policy.online, policy.lead_hours, policy.horizon_days, policy.cancellation_hours) == (True, 24, 30, 48)
        row = OnlineType.objects.get(appointment_type__code="follow-up-30")
        assert row.for_new and row.for_returning and list(row.practitioners.all()) == [tess.practitioner]
        assert not OnlineType.objects.filter(appointment_type__code="follow-up-45", for_new=True).exists()
        [entry] = AuditEvent.objects.filter(action=AuditAction.BOOKING_POLICY_SAVED)
        assert entry.actor == ada and entry.detail["types"]["follow-up-30"] == ["new", "returning"]
        # Shown again ticked, on its own type's form only (the forms share one list of practitioners).
        page = client.get(url).content.decode()
        ticked = re.findall(r'<input type="checkbox" name="([\w-]+)" value="([\w-]+)"[^>]* checked>', page)
        assert ("follow-up-30-practitioners", str(tess.practitioner.public_id)) in ticked
        assert not [
            name for name, _ in ticked if name.endswith("-practitioners") and name != "follow-up-30-practitioners"
        ]

    def test_an_admin_chooses_whether_a_booking_invites_to_the_portal(
        self, client, ada: User, organization: Organization
    ) -> None:
        login(client, ada)
        url = reverse("scheduling:online_booking")
        page = client.get(url).content.decode()
        assert re.search(r'<input type="checkbox" name="invite_on_booking"[^>]* checked', page)  # on until saved
        assert client.post(url, self.post()).status_code == 302  # the box left unticked
        assert not BookingPolicy.objects.get(organization=organization).invite_on_booking
        assert client.post(url, self.post(invite_on_booking="on")).status_code == 302
        assert BookingPolicy.objects.get(organization=organization).invite_on_booking
        saved = AuditEvent.objects.filter(action=AuditAction.BOOKING_POLICY_SAVED).order_by("id")
        assert [e.detail["invite_on_booking"] for e in saved] == [False, True]

    @pytest.mark.parametrize(
        "bad, message",
        [
            ({"lead_hours": "48", "horizon_days": "2"}, "The lead time must be shorter"),
            ({"horizon_days": "0"}, "greater than or equal to 1"),
            ({"lead_hours": "-3"}, "greater than or equal to 0"),
            ({"cancellation_hours": "soon"}, "Enter a whole number"),
            ({"follow-up-30-locations": ["not-a-uuid"]}, "is not a valid UUID"),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(
        self, client, ada: User, policy: BookingPolicy, bad: dict, message: str
    ) -> None:
        login(client, ada)
        r = client.post(reverse("scheduling:online_booking"), self.post(**bad))
        assert r.status_code == 200 and message in r.content.decode()
        policy.refresh_from_db()
        assert (policy.lead_hours, policy.horizon_days, policy.cancellation_hours) == (12, 60, 24)
        assert not AuditEvent.objects.filter(action=AuditAction.BOOKING_POLICY_SAVED).exists()

    def test_another_clinics_practitioner_cannot_be_chosen(self, client, ada: User, policy: BookingPolicy) -> None:
        other = Organization.objects.create(legal_name="Other", tax_id="98-7654321", group_npi="1234567893")
        theirs = Practitioner.objects.create(
            user=User.objects.create_user(username="them", organization=other),
            npi="1245319599",
            license_number="MA2",
            license_state="WA",
        )
        login(client, ada)
        r = client.post(
            reverse("scheduling:online_booking"), self.post(**{"follow-up-30-practitioners": [str(theirs.public_id)]})
        )
        assert r.status_code == 200 and "is not one of the available choices" in r.content.decode()
        assert not OnlineType.objects.get(appointment_type__code="follow-up-30").practitioners.exists()


class TestTellingThePatient:
    """What the patient does online, the clinic confirms by email (with their consent), calendar file included."""

    def test_booked_moved_and_cancelled_each_reach_the_patient(self, nora: User, patient: Patient, frank) -> None:
        patient.email = "nora@example.com"
        patient.save()
        record_consent(actor=frank, patient=patient, kind=Consent.Kind.CONTACT, date=FRIDAY, allow_email=True)
        submit_intake(actor=nora, patient=patient, data={"complaint": {"complaint": "Low back pain"}})  # none owed
        mail.outbox.clear()
        with TestCase.captureOnCommitCallbacks(execute=True):
            appointment = book_online(nora, patient, MONDAY_10)
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.reschedule_online(actor=nora, patient=patient, appointment=appointment, start_at=at(MONDAY, 11))
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.cancel_online(actor=nora, patient=patient, appointment=appointment)
        booked, moved, cancelled = mail.outbox
        assert [m.to for m in mail.outbox] == [["nora@example.com"]] * 3
        assert booked.subject.startswith("Booked: Mon Jan 7, 10:00") and "is booked" in booked.body
        assert moved.subject.startswith("New time: Mon Jan 7, 11:00")
        assert cancelled.subject.startswith("Cancelled: Mon Jan 7, 11:00")
        assert [a[0] for a in booked.attachments] == ["appointment.ics"] and "DTSTART" in booked.attachments[0][1]
        assert [a[0] for a in moved.attachments] == ["appointment.ics"] and cancelled.attachments == []

    def test_without_consent_to_email_nothing_is_sent(self, nora: User, patient: Patient) -> None:
        mail.outbox.clear()
        with TestCase.captureOnCommitCallbacks(execute=True):
            book_online(nora, patient, MONDAY_10)
        assert mail.outbox == []
        assert AuditEvent.objects.filter(action=AuditAction.NOTIFICATION_SKIPPED, patient=patient).exists()
