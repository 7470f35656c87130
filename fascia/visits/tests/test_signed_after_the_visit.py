"""Notes signed after the visit (issue 24 point 8): a note of an appointment cannot be signed before the appointment
starts, and one never checked in asks the signer to confirm the patient came, which checks it in as it signs."""

import threading
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Location, Organization, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling import services as scheduling_services
from fascia.scheduling.models import Appointment
from fascia.techniques.models import Technique
from fascia.visits import services
from fascia.visits.models import VisitNote
from fascia.visits.queries import get_note_for_user
from fascia.visits.tests.factories import appointment
from fascia.visits.tests.test_views import note_form, technique_rows

DAY = date(2026, 11, 2)  # the appointment at 10:00 (clinic time), 30 minutes
BEFORE = "2026-11-02 09:30"
DURING = "2026-11-02 10:05"
AFTER = "2026-11-02 17:00"


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def at(moment: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(moment))


def draft(tess: User, patient: Patient, location: Location) -> VisitNote:
    """A complete draft of the 10 o'clock appointment's visit, written before it (the booking is in the past)."""
    with time_machine.travel(at("2026-11-01 12:00"), tick=False):
        visit = appointment(tess, patient, location, DAY)
    note = services.start_note(actor=tess, patient=patient, appointment=visit)
    rows = [{"technique_id": Technique.objects.get(code="deep-tissue").pk, "region": "lower-back", "minutes": 25}]
    services.save_note(actor=tess, note=note, techniques=rows, nprs_before=5)
    return note


def checked_in(note: VisitNote) -> None:
    assert note.appointment is not None
    scheduling_services.move_appointment(
        actor=note.practitioner.user, appointment=note.appointment, move="check_in", at=note.appointment.start_at
    )


def moves_audited(appointment: Appointment) -> list[dict]:
    moves = AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_MOVED, target_id=str(appointment.public_id))
    return list(moves.values_list("detail", flat=True))


class TestSigning:
    @pytest.mark.parametrize("sign", ["sign_note", "save_and_sign"])
    def test_not_before_the_appointment_starts(self, tess: User, patient: Patient, location: Location, sign) -> None:
        note = draft(tess, patient, location)
        checked_in(note)
        with time_machine.travel(at(BEFORE), tick=False), pytest.raises(services.VisitNotStarted) as refused:
            _sign(sign, tess, note, arrived=True)
        assert str(refused.value) == (
            "The appointment starts at 10:00 on 2026-11-02: its note can be signed once the visit has begun."
        )
        stored = VisitNote.objects.get(pk=note.pk)
        assert stored.status == VisitNote.Status.DRAFT and stored.signed_at is None
        assert not AuditEvent.objects.filter(action=AuditAction.NOTE_SIGNED).exists()
        with time_machine.travel(at(DURING), tick=False):  # the visit has begun
            _sign(sign, tess, note)
        assert VisitNote.objects.get(pk=note.pk).is_signed

    @pytest.mark.parametrize("sign", ["sign_note", "save_and_sign"])
    def test_a_visit_never_checked_in_asks_for_the_arrival(
        self, tess: User, patient: Patient, location: Location, sign
    ) -> None:
        note = draft(tess, patient, location)
        with time_machine.travel(at(AFTER), tick=False):
            with pytest.raises(services.ArrivalNotConfirmed, match="Confirm that the patient came"):
                _sign(sign, tess, note)
            visit = Appointment.objects.get(pk=note.appointment_id)
            assert (visit.status, visit.checked_in_at) == (Appointment.Status.BOOKED, None)
            assert not VisitNote.objects.get(pk=note.pk).is_signed and moves_audited(visit) == []
            _sign(sign, tess, note, arrived=True)
        visit = Appointment.objects.get(pk=note.appointment_id)
        assert (visit.status, visit.checked_in_at) == (Appointment.Status.ARRIVED, visit.start_at)
        assert VisitNote.objects.get(pk=note.pk).is_signed
        assert moves_audited(visit) == [{"to": "arrived", "confirmed_at_signing": str(note.public_id)}]
        event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_MOVED)
        assert event.actor == tess and event.patient_id == patient.pk

    @pytest.mark.parametrize("sign", ["sign_note", "save_and_sign"])
    def test_the_check_in_is_written_with_the_signature(
        self, tess: User, patient: Patient, location: Location, sign: str
    ) -> None:
        """Confirmed at signing, the check-in is one UPDATE of the appointment (no lock of its own first) and its
        audit entry goes into the signature's INSERT, after the note's."""
        note = get_note_for_user(tess, draft(tess, patient, location).public_id)  # as the pages read it
        rows = [{"technique_id": Technique.objects.get(code="deep-tissue").pk, "region": "lower-back", "minutes": 25}]
        with time_machine.travel(at(AFTER), tick=False), CaptureQueriesContext(connection) as queries:
            if sign == "sign_note":
                services.sign_note(actor=tess, note=note, arrived=True)
            else:
                services.save_and_sign(actor=tess, note=note, techniques=rows, nprs_before=5, arrived=True)
        sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        assert [s.split(" SET ")[0] for s in sql if "scheduling_appointment" in s.split(" WHERE ")[0][:40]] == [
            'UPDATE "scheduling_appointment"'
        ]
        assert sum(s.startswith('INSERT INTO "audit_auditevent"') for s in sql) == 1
        trail = AuditEvent.objects.filter(patient=patient).order_by("-id").values_list("action", flat=True)[:2]
        assert list(trail)[::-1] == [AuditAction.NOTE_SIGNED, AuditAction.APPOINTMENT_MOVED]
        # The note and the patient locked, the techniques and measures read under the lock, the screening facts,
        # the check-in, the note, the last seal and the seal, the audit entries, the billing queue (the techniques
        # save_and_sign is given are those stored: left in place).
        assert len(sql) == 10, "\n".join(sql)

    def test_a_visit_checked_in_signs_without_asking(self, tess: User, patient: Patient, location: Location) -> None:
        note = draft(tess, patient, location)
        checked_in(note)
        with time_machine.travel(at(AFTER), tick=False):
            services.sign_note(actor=tess, note=note)
        assert len(moves_audited(note.appointment)) == 1  # the front desk's check-in only

    def test_a_no_show_has_no_note_to_sign(self, tess: User, patient: Patient, location: Location) -> None:
        note = draft(tess, patient, location)
        scheduling_services.move_appointment(actor=tess, appointment=note.appointment, move="no_show")
        with time_machine.travel(at(AFTER), tick=False), pytest.raises(services.NoteError, match="no-show"):
            services.sign_note(actor=tess, note=note, arrived=True)
        assert Appointment.objects.get(pk=note.appointment_id).status == Appointment.Status.NO_SHOW
        assert not VisitNote.objects.get(pk=note.pk).is_signed

    def test_a_note_of_no_appointment_signs_as_before(self, tess: User, patient: Patient) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=DAY)
        rows = [{"technique_id": Technique.objects.get(code="deep-tissue").pk, "region": "lower-back", "minutes": 25}]
        services.save_note(actor=tess, note=note, techniques=rows, nprs_before=5)
        assert services.sign_note(actor=tess, note=note).is_signed


def _sign(how: str, tess: User, note: VisitNote, *, arrived: bool = False) -> None:
    if how == "sign_note":
        services.sign_note(actor=tess, note=VisitNote.objects.get(pk=note.pk), arrived=arrived)
    else:
        rows = [{"technique_id": Technique.objects.get(code="deep-tissue").pk, "region": "lower-back", "minutes": 25}]
        services.save_and_sign(
            actor=tess, note=VisitNote.objects.get(pk=note.pk), techniques=rows, nprs_before=5, arrived=arrived
        )


class TestPages:
    def test_the_sign_page_asks_for_the_arrival(
        self, client: Client, tess: User, patient: Patient, location: Location
    ) -> None:
        note = draft(tess, patient, location)
        login(client, tess)
        detail = reverse("visits:detail", args=[note.public_id])
        with time_machine.travel(at(AFTER), tick=False):
            page = client.get(detail).content.decode()
            assert 'name="patient_arrived"' in page and "The patient came to this visit" in page
            r = client.post(reverse("visits:sign", args=[note.public_id]), follow=True)
            assert r.redirect_chain[-1][0] == detail
            assert "Confirm that the patient came" in r.content.decode()
            assert not VisitNote.objects.get(pk=note.pk).is_signed
            r = client.post(reverse("visits:sign", args=[note.public_id]), {"patient_arrived": "on"})
            assert r.status_code == 302 and VisitNote.objects.get(pk=note.pk).is_signed
        assert Appointment.objects.get(pk=note.appointment_id).status == Appointment.Status.ARRIVED

    def test_the_pages_hold_the_signature_until_the_visit(
        self, client: Client, tess: User, patient: Patient, location: Location
    ) -> None:
        note = draft(tess, patient, location)
        checked_in(note)
        login(client, tess)
        with time_machine.travel(at(BEFORE), tick=False):
            for name in ("visits:detail", "visits:edit"):
                page = client.get(reverse(name, args=[note.public_id])).content.decode()
                assert "The appointment starts at 10:00 on 2026-11-02" in page
                assert "Sign and lock" not in page and 'value="sign"' not in page
                assert 'name="patient_arrived"' not in page  # checked in: nothing to confirm
            r = client.post(reverse("visits:sign", args=[note.public_id]), follow=True)
            assert "its note can be signed once the visit has begun" in r.content.decode()
        assert not VisitNote.objects.get(pk=note.pk).is_signed

    def test_save_and_sign_on_the_form_confirms_the_arrival(
        self, client: Client, tess: User, patient: Patient, location: Location
    ) -> None:
        note = draft(tess, patient, location)
        login(client, tess)
        edit = reverse("visits:edit", args=[note.public_id])
        with time_machine.travel(at(AFTER), tick=False):
            page = client.get(edit).content.decode()
            assert 'name="patient_arrived"' in page
            fields = note_form(note, nprs_before="5") | technique_rows(("deep-tissue", "lower-back", 25))
            r = client.post(edit, {**fields, "then": "sign"}, follow=True)
            assert "Confirm that the patient came" in r.content.decode()
            assert not VisitNote.objects.get(pk=note.pk).is_signed
            r = client.post(edit, {**fields, "then": "sign", "patient_arrived": "on"})
            assert r.status_code == 302, r.content.decode()[:2000]
        assert VisitNote.objects.get(pk=note.pk).is_signed


class TestApi:
    def test_the_api_takes_the_arrival_as_a_field(
        self, client: Client, tess: User, patient: Patient, location: Location
    ) -> None:
        note = draft(tess, patient, location)
        login(client, tess)
        url = f"/api/v1/notes/{note.public_id}/sign"
        with time_machine.travel(at(AFTER), tick=False):
            r = client.post(url, content_type="application/json")
            assert r.status_code == 422 and "Confirm that the patient came" in r.json()["errors"][0]["message"]
            r = client.post(url, {"patient_arrived": False}, content_type="application/json")
            assert r.status_code == 422
            assert not VisitNote.objects.get(pk=note.pk).is_signed
            r = client.post(url, {"patient_arrived": True}, content_type="application/json")
            assert r.status_code == 200, r.content
            assert r.json()["status"] == "signed"
        assert Appointment.objects.get(pk=note.appointment_id).status == Appointment.Status.ARRIVED

    def test_the_api_refuses_before_the_appointment(
        self, client: Client, tess: User, patient: Patient, location: Location
    ) -> None:
        note = draft(tess, patient, location)
        login(client, tess)
        with time_machine.travel(at(BEFORE), tick=False):
            r = client.post(
                f"/api/v1/notes/{note.public_id}/sign", {"patient_arrived": True}, content_type="application/json"
            )
        assert r.status_code == 422 and "once the visit has begun" in r.json()["errors"][0]["message"]
        assert Appointment.objects.get(pk=note.appointment_id).status == Appointment.Status.BOOKED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_no_show_marked_while_the_note_is_signed(
    tess: User, frank: User, organization: Organization, location: Location
) -> None:
    """The front desk marks the appointment a no-show as the practitioner signs, confirming the arrival: one of the
    two wins, and the record never holds a signed note of a no-show."""
    patient = PatientFactory(organization=organization)
    note = draft(tess, patient, location)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def run(work) -> None:
        try:
            barrier.wait()
            work()
        except Exception as e:  # noqa: BLE001 - each side's refusal is what the test reads
            errors.append(e)
        finally:
            connection.close()

    def sign() -> None:
        with time_machine.travel(at(AFTER), tick=False):
            services.sign_note(actor=tess, note=VisitNote.objects.get(pk=note.pk), arrived=True)

    def no_show() -> None:
        scheduling_services.move_appointment(actor=frank, appointment=note.appointment, move="no_show")

    threads = [threading.Thread(target=run, args=(w,)) for w in (sign, no_show)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    visit = Appointment.objects.get(pk=note.appointment_id)
    signed = VisitNote.objects.get(pk=note.pk).is_signed
    assert len(errors) == 1, errors
    if signed:
        assert visit.status == Appointment.Status.ARRIVED and "cannot be marked" in str(errors[0])
    else:
        assert visit.status == Appointment.Status.NO_SHOW and "no-show" in str(errors[0])
