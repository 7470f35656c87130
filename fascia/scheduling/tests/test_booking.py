import re
import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fascia.core.models import Location, Room, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling import services
from fascia.scheduling.models import LONGEST_MINUTES, Appointment, AppointmentType, TimeOff, WorkingHours
from fascia.scheduling.tests.factories import at, book

MONDAY_10 = at(date(2030, 1, 7), 10)


class TestBooking:
    def test_it_books_for_the_types_length(self, frank: User, tess: User, location: Location, hours: None) -> None:
        appointment = book(frank, location, MONDAY_10)
        assert appointment.end_at - appointment.start_at == timedelta(minutes=30)

    def test_an_overlap_is_a_clash_in_plain_words(
        self, frank: User, tess: User, location: Location, hours: None
    ) -> None:
        first = PatientFactory(organization=location.organization, family_name="Marlowe", given_name="Ivy")
        book(frank, location, MONDAY_10, patient=first)
        with pytest.raises(services.Clash, match=r"Tess Test, LMT is already booked 10:00–10:30 \(Marlowe, Ivy"):
            book(frank, location, MONDAY_10 + timedelta(minutes=15))
        book(frank, location, MONDAY_10 + timedelta(minutes=30))  # back to back is fine
        assert Appointment.objects.count() == 2

    @pytest.mark.parametrize("minutes", [-15, 0, 15])
    def test_a_clash_is_found_however_the_times_overlap(
        self, frank: User, tess: User, location: Location, hours: None, minutes: int
    ) -> None:
        """Starting before, with or inside the booked appointment; a cancelled one in between holds nothing."""
        cancelled = book(frank, location, MONDAY_10)
        services.cancel_appointment(actor=frank, appointment=cancelled, reason="Patient ill")
        cancelled.start_at, cancelled.end_at = MONDAY_10 + timedelta(minutes=5), MONDAY_10 + timedelta(minutes=35)
        cancelled.save(update_fields=["start_at", "end_at"])
        first = PatientFactory(organization=location.organization, family_name="Marlowe", given_name="Ivy")
        book(frank, location, MONDAY_10, patient=first)
        with pytest.raises(services.Clash, match=r"Tess Test, LMT is already booked 10:00–10:30 \(Marlowe, Ivy"):
            book(frank, location, MONDAY_10 + timedelta(minutes=minutes))

    def test_the_longest_appointment_clashes_to_its_last_minute(
        self, frank: User, tess: User, location: Location, hours: None
    ) -> None:
        """The clash search looks back only as far as the longest type lasts: 240 minutes."""
        longest = AppointmentType.objects.create(code="intensive", name="Intensive", minutes=LONGEST_MINUTES)
        room = Room.objects.create(location=location, name="Room 1")
        eight = MONDAY_10.replace(hour=8)
        book(frank, location, eight, kind=longest, room=room)
        for start in (eight + timedelta(minutes=LONGEST_MINUTES - 15), eight - timedelta(minutes=15)):
            with pytest.raises(services.Clash, match="Tess Test, LMT is already booked 08:00–12:00"):
                book(frank, location, start, room=room)
        book(frank, location, eight.replace(hour=12))
        assert Appointment.objects.count() == 2

    def test_no_appointment_or_type_is_longer_than_the_longest(self, location: Location) -> None:
        with pytest.raises(ValidationError, match="at most 240 minutes"):
            Appointment(start_at=MONDAY_10, end_at=MONDAY_10 + timedelta(minutes=LONGEST_MINUTES + 1)).clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            AppointmentType.objects.create(code="marathon", name="Marathon", minutes=LONGEST_MINUTES + 1)

    def test_a_room_and_a_patient_cannot_be_double_booked(
        self, frank: User, tess: User, location: Location, hours: None
    ) -> None:
        from fascia.conftest import make_user
        from fascia.practitioners.models import Practitioner

        other = Practitioner.objects.create(
            user=make_user(location.organization, "pat", "practitioner"),
            npi="1295723567",
            license_number="1",
            license_state="WA",
        )
        other.locations.add(location)
        WorkingHours.objects.create(practitioner=other, location=location, weekday=0, starts=time(8), ends=time(18))
        room = Room.objects.create(location=location, name="Room 1")
        patient = PatientFactory(organization=location.organization)
        book(frank, location, MONDAY_10, patient=patient, room=room)

        def with_other(who: Patient, **kwargs: object) -> Appointment:
            return book(frank, location, MONDAY_10, patient=who, practitioner=other, **kwargs)

        with pytest.raises(services.Clash, match="Room 1 is already booked"):
            with_other(PatientFactory(organization=location.organization), room=room)
        with pytest.raises(services.Clash, match=f"^{re.escape(patient.display_name)} is already booked 10:00–10:30"):
            with_other(patient)
        with_other(PatientFactory(organization=location.organization))  # neither in a room: no clash
        assert Appointment.objects.filter(start_at=MONDAY_10).count() == 2

    def test_a_cancelled_slot_is_free_again(self, frank: User, tess: User, location: Location, hours: None) -> None:
        first = book(frank, location, MONDAY_10)
        services.cancel_appointment(actor=frank, appointment=first, reason="Patient ill")
        book(frank, location, MONDAY_10)

    @pytest.mark.parametrize(
        "start, message",
        [
            (MONDAY_10.replace(hour=19), "outside Tess Test, LMT's working hours"),
            (MONDAY_10 + timedelta(days=5), "outside"),  # Saturday
        ],
    )
    def test_unusual_times_need_an_override(
        self, frank: User, ada: User, tess: User, location: Location, hours: None, start: datetime, message: str
    ) -> None:
        patient = PatientFactory(organization=location.organization)
        with pytest.raises(services.NeedsOverride, match=message):
            book(frank, location, start, patient=patient)
        assert not Appointment.objects.exists()
        with pytest.raises(services.OverrideRefused):
            book(frank, location, start, patient=patient, override=True)  # only admins override
        book(ada, location, start, patient=patient, override=True)

    def test_time_off_and_other_locations_are_warnings(
        self, frank: User, tess: User, location: Location, hours: None
    ) -> None:
        TimeOff.objects.create(
            practitioner=tess.practitioner, starts_at=MONDAY_10, ends_at=MONDAY_10 + timedelta(hours=8)
        )
        other = Location.objects.create(organization=location.organization, name="Riverside")
        with pytest.raises(services.NeedsOverride) as caught:
            book(frank, other, MONDAY_10)
        assert any("does not work at Riverside" in w for w in caught.value.warnings)
        assert any("time off" in w for w in caught.value.warnings)


def test_late_cancellations_are_flagged(frank: User, ada: User, tess: User, location: Location) -> None:
    soon = timezone.now() + timedelta(hours=3)
    appointment = book(ada, location, soon, override=True)
    cancelled = services.cancel_appointment(actor=frank, appointment=appointment, reason="Car trouble")
    assert cancelled.late_cancellation is True and cancelled.status == "cancelled"
    with pytest.raises(services.SchedulingError):
        services.cancel_appointment(actor=frank, appointment=cancelled, reason="again")


@pytest.mark.django_db(transaction=True)
def test_only_one_of_many_simultaneous_bookings_wins(frank: User, tess: User, location: Location, hours: None) -> None:
    """Eight people book the same practitioner slot at the same instant: exactly one succeeds."""
    patients = [PatientFactory(organization=location.organization) for _ in range(8)]
    barrier = threading.Barrier(len(patients))
    outcomes: list[str] = []

    def attempt(patient: Patient) -> None:
        try:
            barrier.wait()
            book(frank, location, MONDAY_10, patient=patient)
            outcomes.append("booked")
        except services.Clash:
            outcomes.append("clash")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["clash"] * 7
    assert Appointment.objects.filter(status="booked").count() == 1


def test_check_in_then_out(frank: User, tess: User, location: Location, hours: None) -> None:
    appointment = book(frank, location, MONDAY_10)
    with pytest.raises(services.SchedulingError, match="cannot be marked completed"):
        services.move_appointment(actor=frank, appointment=appointment, move="check_out")
    arrived = services.move_appointment(actor=frank, appointment=appointment, move="check_in")
    done = services.move_appointment(actor=frank, appointment=arrived, move="check_out")
    assert done.status == "fulfilled" and done.checked_in_at and done.checked_out_at


def test_rescheduling_moves_within_free_time(frank: User, tess: User, location: Location, hours: None) -> None:
    first = book(frank, location, MONDAY_10)
    second = book(frank, location, MONDAY_10 + timedelta(hours=1))
    moved = services.reschedule_appointment(actor=frank, appointment=first, start_at=MONDAY_10 + timedelta(minutes=15))
    assert moved.start_at == MONDAY_10 + timedelta(minutes=15) and moved.end_at == MONDAY_10 + timedelta(minutes=45)
    with pytest.raises(services.Clash):
        services.reschedule_appointment(actor=frank, appointment=moved, start_at=MONDAY_10 + timedelta(minutes=45))
    second.refresh_from_db()
    assert second.start_at == MONDAY_10 + timedelta(hours=1)


def test_the_next_free_slots_skip_bookings_and_time_off(
    frank: User, tess: User, location: Location, hours: None
) -> None:
    from fascia.scheduling.queries import next_free_slots

    monday_8 = MONDAY_10.replace(hour=8)
    book(frank, location, monday_8)
    TimeOff.objects.create(
        practitioner=tess.practitioner,
        starts_at=monday_8 + timedelta(minutes=30),
        ends_at=monday_8 + timedelta(hours=1),
    )
    slots = next_free_slots(frank, minutes=45, after=monday_8 - timedelta(hours=2), limit=3)
    assert [timezone.localtime(s[0]).strftime("%a %H:%M") for s in slots] == ["Mon 09:00", "Mon 09:15", "Mon 09:30"]
    evening = next_free_slots(frank, minutes=45, after=MONDAY_10.replace(hour=17, minute=20), limit=1)
    assert timezone.localtime(evening[0][0]).strftime("%a %H:%M") == "Tue 08:00"  # today is full


class TestSeries:
    def test_weekly_series_keep_the_wall_clock_time_across_dst_and_month_ends(self) -> None:
        # US daylight saving time ends on Sunday 2026-11-01: the Tuesday after is UTC-5, the one before UTC-4.
        starts = services.series_starts(date(2026, 10, 27), time(10), weekdays=[1, 3], weeks=2)
        local = [timezone.localtime(s).strftime("%a %m-%d %H:%M") for s in starts]
        assert local == ["Tue 10-27 10:00", "Thu 10-29 10:00", "Tue 11-03 10:00", "Thu 11-05 10:00"]
        assert [s.utcoffset().total_seconds() / 3600 for s in starts] == [-4, -4, -5, -5]

    def test_month_end(self) -> None:
        starts = services.series_starts(date(2027, 1, 29), time(9, 30), weekdays=[0, 4], weeks=1)
        assert [s.date().isoformat() for s in starts] == ["2027-01-29", "2027-02-01"]

    def test_a_series_is_booked_whole_or_not_at_all(
        self, frank: User, tess: User, location: Location, hours: None, follow_up: AppointmentType
    ) -> None:
        patient = PatientFactory(organization=location.organization)
        starts = services.series_starts(MONDAY_10.date(), time(10), weekdays=[0, 2], weeks=3)
        book(frank, location, starts[3])
        with pytest.raises(services.SeriesClash) as caught:
            services.book_series(
                actor=frank,
                patient=patient,
                practitioner=tess.practitioner,
                location=location,
                appointment_type=follow_up,
                starts=starts,
            )
        assert len(caught.value.problems) == 1 and "Wed 2030-01-16 10:00" in caught.value.problems[0]
        assert not Appointment.objects.filter(patient=patient).exists()
        booked = services.book_series(
            actor=frank,
            patient=patient,
            practitioner=tess.practitioner,
            location=location,
            appointment_type=follow_up,
            starts=[s for i, s in enumerate(starts) if i != 3],
        )
        assert len(booked) == 5
