"""The app process killed while signing a note: the note is signed and sealed whole, or not at all."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.models import Organization, User
from fascia.core.tests.faults import AppServer, KillAt, after_commit
from fascia.patients.tests.factories import PatientFactory
from fascia.records.chain import verify
from fascia.records.models import Seal
from fascia.techniques.models import Technique
from fascia.visits import services
from fascia.visits.models import VisitNote
from fascia.visits.tests.factories import signed_note

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def draft(tess: User, organization: Organization) -> VisitNote:
    """A note ready to sign, for a patient whose chain already holds last week's signed note."""
    patient = PatientFactory(organization=organization)
    signed_note(tess, patient, timezone.localdate() - timedelta(days=7))
    note = services.start_note(actor=tess, patient=patient)
    rows = [{"technique_id": Technique.objects.get(code="deep-tissue").pk, "region": "lower-back", "minutes": 25}]
    services.save_note(actor=tess, note=note, techniques=rows, nprs_before=5)
    return note


def chain(note: VisitNote) -> list[Seal]:
    return list(Seal.objects.filter(patient=note.patient_id).order_by("sequence"))


@pytest.mark.parametrize(
    "kill_at",
    [
        KillAt(sql=r'^UPDATE "visits_visitnote" SET .*"signed_by_id"', after=True),  # signed, not yet sealed
        KillAt(sql=r'^INSERT INTO "records_seal"', after=True),  # sealed, not yet audited or committed
        KillAt(sql=r'^INSERT INTO "audit_auditevent"', after=True),  # all written, not committed
    ],
    ids=["after-status", "after-seal", "after-audit"],
)
def test_a_signature_cut_short_leaves_a_draft_that_signs_later(
    app_server: AppServer, tess: User, draft: VisitNote, kill_at: KillAt
) -> None:
    browser = app_server.browser(tess)
    detail = reverse("visits:detail", args=[draft.public_id])
    browser.get(detail)
    browser.post_killed(reverse("visits:sign", args=[draft.public_id]), {}, kill_at=kill_at)

    note = VisitNote.objects.get(pk=draft.pk)
    assert (note.status, note.signed_by_id, note.signed_at) == (VisitNote.Status.DRAFT, None, None)
    assert [s.record_id for s in chain(note)] == [note.patient.visit_notes.exclude(pk=note.pk).get().public_id]
    assert not AuditEvent.objects.filter(action=AuditAction.NOTE_SIGNED, target_id=str(note.public_id)).exists()

    browser.get(detail)  # a fresh worker, and nothing left locked: the same note signs normally
    r = browser.post(reverse("visits:sign", args=[draft.public_id]), {})
    assert (r.status, r.headers["Location"]) == (302, detail)
    note.refresh_from_db()
    assert note.status == VisitNote.Status.SIGNED and note.signed_by_id == tess.pk
    seals = chain(note)
    assert [s.sequence for s in seals] == [1, 2] and seals[-1].record_id == note.public_id
    assert verify(seals) == []


def test_a_signature_killed_after_commit_is_whole(app_server: AppServer, tess: User, draft: VisitNote) -> None:
    browser = app_server.browser(tess)
    browser.get(reverse("visits:detail", args=[draft.public_id]))
    browser.post_killed(reverse("visits:sign", args=[draft.public_id]), {}, kill_at=after_commit())

    note = VisitNote.objects.get(pk=draft.pk)
    assert note.status == VisitNote.Status.SIGNED and note.signed_by_id == tess.pk
    seals = chain(note)
    assert [s.sequence for s in seals] == [1, 2] and seals[-1].record_id == note.public_id
    assert verify(seals) == []
    assert AuditEvent.objects.filter(action=AuditAction.NOTE_SIGNED, target_id=str(note.public_id)).count() == 1
