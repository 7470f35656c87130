"""The front desk's Today board (issue 26 point 3): arrivals in time order with check-in and check-out in one
tap, late and no-show, balances due as the ledger has them, consents missing, referrals and authorizations
running out or expired, and the waitlist with the day's openings."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.models import Authorization, Coverage
from fascia.billing.queries import ledger, patient_balances
from fascia.billing.tests.factories import billable_patient, post_835, second_coverage, sent_claim
from fascia.conftest import login
from fascia.core.models import Location, Organization, User
from fascia.patients.models import Consent, Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.referrals.models import ReferringProvider
from fascia.referrals.services import record_referral
from fascia.scheduling.models import Appointment, AppointmentType, WaitlistEntry, WorkingHours

CLINIC = ZoneInfo("America/New_York")
DAY = date(2030, 3, 4)  # a Monday
NOW = datetime.combine(DAY, time(10, 15), tzinfo=CLINIC)


@pytest.fixture(autouse=True)
def _clock() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hours(tess: User, location: Location) -> None:
    for weekday in range(5):
        WorkingHours.objects.create(
            practitioner=tess.practitioner, location=location, weekday=weekday, starts=time(8), ends=time(18)
        )


def appointment(tess: User, patient: Patient, location: Location, hour: int, minute: int = 0, **fields) -> Appointment:
    start = datetime.combine(DAY, time(hour, minute), tzinfo=CLINIC)
    return Appointment.objects.create(
        patient=patient,
        practitioner=tess.practitioner,
        location=location,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        start_at=start,
        end_at=start + timedelta(minutes=30),
        created_by=tess,
        **fields,
    )


def consented(tess: User, patient: Patient) -> Patient:
    for kind in (Consent.Kind.TREATMENT, Consent.Kind.PRIVACY_NOTICE):
        Consent.objects.create(patient=patient, kind=kind, date=DAY - timedelta(days=40), recorded_by=tess)
    return patient


@pytest.fixture
def owing(tess: User, bill: User, organization: Organization) -> Coverage:
    """A patient with a claim the payer paid, leaving a 10.00 copay (PR-3), and a referral good for months."""
    coverage = billable_patient(tess, organization, start=DAY - timedelta(days=35), visits=1)
    post_835(bill, [sent_claim(bill, coverage, today=DAY - timedelta(days=5))], paid_on=DAY - timedelta(days=3))
    consented(tess, coverage.patient)
    return coverage


def board(client: Client, user: User) -> str:
    login(client, user)
    r = client.get(reverse("frontdesk:today"))
    assert r.status_code == 200
    return r.content.decode()


class TestArrivals:
    def test_they_come_in_time_order_with_the_late_marked(
        self, client: Client, frank: User, tess: User, location: Location
    ) -> None:
        late = consented(tess, PatientFactory(organization=location.organization, family_name="Latimer"))
        later = consented(tess, PatientFactory(organization=location.organization, family_name="Arden"))
        here = consented(tess, PatientFactory(organization=location.organization, family_name="Mbeki"))
        gone = PatientFactory(organization=location.organization, family_name="Cancelled")
        appointment(tess, later, location, 11)
        appointment(tess, late, location, 9, 30)
        appointment(tess, here, location, 8, checked_in_at=NOW, status=Appointment.Status.ARRIVED)
        appointment(tess, gone, location, 12, status=Appointment.Status.CANCELLED)
        body = board(client, frank)
        assert body.index("Mbeki") < body.index("Latimer") < body.index("Arden")
        assert "Cancelled" not in body
        latimer = body[body.index("Latimer") : body.index("Arden")]
        assert "Late" in latimer and "No-show" in latimer and "Check in" in latimer
        arden = body[body.index("Arden") :]
        assert "No-show" not in arden.split("</li>")[0]  # not late yet: no no-show to mark
        mbeki = body[body.index("Mbeki") : body.index("Latimer")]
        assert "Check out" in mbeki and "in at 10:15" in mbeki

    def test_each_patient_shown_is_audited(self, client: Client, frank: User, tess: User, location: Location) -> None:
        patient = PatientFactory(organization=location.organization)
        appointment(tess, patient, location, 11)
        board(client, frank)
        event = AuditEvent.objects.get(action=AuditAction.PATIENT_VIEWED, patient=patient)
        assert event.actor == frank and event.detail == {"page": "today board"}

    def test_the_minute_refresh_audits_only_patients_it_newly_shows(
        self, client: Client, frank: User, tess: User, location: Location
    ) -> None:
        first = PatientFactory(organization=location.organization)
        appointment(tess, first, location, 11)
        board(client, frank)
        board(client, frank)  # the refresh a minute later: the same patient, not looked at again
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED, patient=first).count() == 1
        walk_in = PatientFactory(organization=location.organization)
        appointment(tess, walk_in, location, 12)
        board(client, frank)
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED, patient=walk_in).count() == 1
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED, patient=first).count() == 1
        client.logout()
        board(client, frank)  # a new session looks again
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED, patient=first).count() == 2


class TestWhatIsDue:
    def test_a_balance_due_is_what_the_ledger_says(
        self, client: Client, frank: User, tess: User, location: Location, owing: Coverage
    ) -> None:
        patient = owing.patient
        owed = ledger(patient.claims.all())["patient_owes"]
        assert owed == Decimal("10.00")
        appointment(tess, patient, location, 11)
        assert "Balance due $10.00" in board(client, frank)

    def test_the_primary_coverages_copay_is_shown_next_to_the_balance(
        self, client: Client, frank: User, tess: User, location: Location, owing: Coverage
    ) -> None:
        """The copay of the primary coverage in force that day, to collect at check-in; not a secondary's, nor
        one on a card that has ended, nor a zero one."""
        owing.copay = Decimal("20.00")
        owing.save(update_fields=["copay"])
        second = PatientFactory(organization=location.organization, family_name="Secondo")
        ended = PatientFactory(organization=location.organization, family_name="Ended")
        nothing = PatientFactory(organization=location.organization, family_name="Zero")
        Coverage.objects.bulk_create(
            [
                Coverage(patient=second, payer=owing.payer, member_id="S", starts_on=DAY, copay=Decimal("5")),
                Coverage(patient=second, payer=owing.payer, member_id="S2", rank=2, starts_on=DAY, copay=Decimal("7")),
                Coverage(
                    patient=ended,
                    payer=owing.payer,
                    member_id="E",
                    starts_on=DAY - timedelta(days=400),
                    ends_on=DAY - timedelta(days=1),
                    copay=Decimal("30"),
                ),
                Coverage(patient=nothing, payer=owing.payer, member_id="Z", starts_on=DAY, copay=Decimal("0")),
            ]
        )
        appointment(tess, owing.patient, location, 11)
        appointment(tess, second, location, 12)
        appointment(tess, ended, location, 13)
        appointment(tess, nothing, location, 14)
        body = board(client, frank)
        owing_row = body[body.index(owing.patient.family_name) : body.index("Secondo")]
        assert "Copay $20.00" in owing_row and "Balance due $10.00" in owing_row
        assert "Copay $5.00" in body[body.index("Secondo") : body.index("Ended")]
        assert "Copay $7.00" not in body and "Copay $30.00" not in body and "Copay $0" not in body
        assert body.count("Copay $") == 2

    def test_a_share_a_second_payer_carries_on_is_not_due(
        self, tess: User, bill: User, organization: Organization
    ) -> None:
        coverage = billable_patient(tess, organization, start=DAY - timedelta(days=35), visits=1)
        second_coverage(coverage)
        post_835(bill, [sent_claim(bill, coverage, today=DAY - timedelta(days=5))], paid_on=DAY - timedelta(days=3))
        patient = coverage.patient
        assert ledger(patient.claims.all())["patient_owes"] == 0
        assert patient_balances([patient.pk]) == {}

    def test_missing_consents_are_named(self, client: Client, frank: User, tess: User, location: Location) -> None:
        patient = PatientFactory(organization=location.organization)
        Consent.objects.create(
            patient=patient, kind=Consent.Kind.TREATMENT, granted=False, date=DAY, recorded_by=tess
        )  # declined
        appointment(tess, patient, location, 11)
        body = board(client, frank)
        assert "Missing: Consent to treatment" in body
        assert "Missing: Notice of privacy practices acknowledged" in body

    def test_an_expired_referral_is_shown_as_expired_not_running_out(
        self, client: Client, frank: User, tess: User, location: Location
    ) -> None:
        patient = consented(tess, PatientFactory(organization=location.organization))
        provider = ReferringProvider.objects.create(
            organization=location.organization, kind="physician", name="Dr. Ada Rowe", npi="1234567893"
        )
        record_referral(
            actor=frank,
            patient=patient,
            provider=provider,
            referral_date=DAY - timedelta(days=100),
            order="Medical massage",
            visits_authorized=12,
            expires_on=DAY - timedelta(days=10),
        )
        appointment(tess, patient, location, 11)
        body = board(client, frank)
        assert "Referral from Dr. Ada Rowe expired Feb 22, 2030" in body
        assert "expires" not in body

    def test_an_authorization_ending_soon_or_ended_is_flagged(
        self, client: Client, frank: User, tess: User, location: Location, owing: Coverage
    ) -> None:
        Authorization.objects.create(
            coverage=owing,
            number="A-1",
            visits_allowed=20,
            starts_on=DAY - timedelta(days=60),
            ends_on=DAY + timedelta(days=5),
        )
        appointment(tess, owing.patient, location, 11)
        assert "Authorization A-1 ends Mar 9" in board(client, frank)
        Authorization.objects.filter(number="A-1").update(ends_on=DAY - timedelta(days=1))
        assert "Authorization A-1 expired Mar 3, 2030" in board(client, frank)


class TestRefresh:
    def test_the_board_refreshes_alone_with_what_changed_elsewhere(
        self, client: Client, frank: User, tess: User, location: Location
    ) -> None:
        """htmx asks for the board every minute: it gets the board without the page around it, with a
        check-in made at another desk; the patients it shows were audited on the page load, once."""
        patient = PatientFactory(organization=location.organization, family_name="Rosales", given_name="Ravi")
        booked = appointment(tess, patient, location, 10, 30)
        login(client, frank)
        url = f"{reverse('frontdesk:today')}?date=2030-03-04"
        page = client.get(url).content.decode()
        assert 'id="today-board"' in page and "every 60s" in page and "js/today.js" in page
        booked.status, booked.checked_in_at = Appointment.Status.ARRIVED, NOW
        booked.save(update_fields=["status", "checked_in_at"])
        r = client.get(url, headers={"HX-Request": "true", "HX-Target": "today-board", "HX-Trigger": "today-board"})
        assert r.status_code == 200
        body = r.content.decode()
        assert "<html" not in body and "<h1" not in body and 'id="today-board"' not in body
        assert "Rosales, Ravi" in body and "in at 10:15" in body and "Check out" in body
        assert "Updated 10:15" in body and "1 here" in body
        assert 'role="status"' not in body and "aria-live" not in body  # a refresh announces nothing
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED, patient=patient).count() == 1


class TestWaitlist:
    def test_it_offers_the_openings_left_today(
        self, client: Client, frank: User, tess: User, location: Location, hours: None
    ) -> None:
        waiting = PatientFactory(organization=location.organization, family_name="Waits")
        WaitlistEntry.objects.create(
            patient=waiting,
            practitioner=tess.practitioner,
            appointment_type=AppointmentType.objects.get(code="follow-up-30"),
            earliest=DAY,
            latest=DAY + timedelta(days=3),
            created_by=frank,
        )
        appointment(tess, PatientFactory(organization=location.organization), location, 10, 15)
        body = board(client, frank)
        assert "Waits" in body
        # 10:15 is taken; the first opening is 10:45, and it books the patient there in one click.
        assert ">10:45 · " in body and f"patient={waiting.public_id}" in body
        assert "start=10:45" in body and ">10:15 · " not in body


class TestCheckIn:
    def test_one_tap_checks_in_and_says_so_in_place(
        self, client: Client, frank: User, tess: User, location: Location
    ) -> None:
        patient = PatientFactory(organization=location.organization, family_name="Rosales", given_name="Ravi")
        booked = appointment(tess, patient, location, 10, 30)
        login(client, frank)
        url = reverse("frontdesk:move", args=[booked.public_id, "check-in"])
        r = client.post(url, headers={"HX-Request": "true"})
        assert r.status_code == 200
        body = r.content.decode()
        assert "Checked in Rosales, Ravi at 10:15." in body and "Check out" in body and "<html" not in body
        booked.refresh_from_db()
        assert booked.status == Appointment.Status.ARRIVED
        assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_MOVED, patient=patient).count() == 1

    def test_a_refused_move_changes_nothing_and_says_why(
        self, client: Client, frank: User, tess: User, location: Location
    ) -> None:
        booked = appointment(tess, PatientFactory(organization=location.organization), location, 10, 30)
        login(client, frank)
        r = client.post(reverse("frontdesk:move", args=[booked.public_id, "check-out"]), headers={"HX-Request": "true"})
        assert "it cannot be marked completed" in r.content.decode()
        booked.refresh_from_db()
        assert booked.status == Appointment.Status.BOOKED
        r = client.post(reverse("frontdesk:move", args=[booked.public_id, "teleport"]), headers={"HX-Request": "true"})
        assert r.status_code == 200 and "Unknown step" in r.content.decode()

    def test_without_htmx_it_goes_back_to_the_board_with_a_message(
        self, client: Client, frank: User, tess: User, location: Location
    ) -> None:
        booked = appointment(tess, PatientFactory(organization=location.organization), location, 9)
        login(client, frank)
        r = client.post(reverse("frontdesk:move", args=[booked.public_id, "no-show"]), follow=True)
        assert r.redirect_chain[-1][0] == f"{reverse('frontdesk:today')}?date=2030-03-04"
        assert ": no-show." in r.content.decode()

    def test_another_clinics_appointment_is_not_found(
        self, client: Client, frank: User, tess: User, location: Location
    ) -> None:
        other = Organization.objects.create(legal_name="Elsewhere Massage, LLC", tax_id="98-7654321")
        there = Location.objects.create(organization=other, name="There")
        booked = appointment(tess, PatientFactory(organization=other), there, 10, 30)
        login(client, frank)
        assert client.post(reverse("frontdesk:move", args=[booked.public_id, "check-in"])).status_code == 404
        booked.refresh_from_db()
        assert booked.status == Appointment.Status.BOOKED
