"""The signed-record lifecycle (fascia.records.lifecycle), driven through real records: evaluations and a
visit note."""

import threading
import time
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.models import Organization, User
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.models import Addendum, Evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.tests.factories import PatientFactory
from fascia.records import chain, lifecycle
from fascia.records.chain import verify
from fascia.records.models import Seal
from fascia.visits.models import NoteAddendum
from fascia.visits.tests.factories import signed_note

SIGNED = AuditAction.EVALUATION_SIGNED


class Refused(Exception):
    """An app's own error, as the lifecycle raises it."""


@pytest.fixture
def draft(tess: User, organization: Organization) -> Evaluation:
    return complete_draft(tess, PatientFactory(organization=organization))


def sign(record: Evaluation, actor: User, **options: object) -> Evaluation:
    with transaction.atomic():
        locked = lifecycle.lock_draft(record, refuse=Refused, to_sign=True)
        return lifecycle.sign(locked, actor=actor, action=SIGNED, **options)


def trail(record: object) -> list[str]:
    events = AuditEvent.objects.filter(target_id=str(record.public_id)).order_by("id")
    return list(events.values_list("action", flat=True))


def seals_of(record: object) -> list[Seal]:
    return list(Seal.objects.filter(record_id=record.public_id))


def test_a_draft_is_locked_as_stored_with_the_rows_asked_for(draft: Evaluation) -> None:
    Evaluation.objects.filter(pk=draft.pk).update(chief_complaint="Neck pain since the fall")
    with transaction.atomic():
        locked = lifecycle.lock_draft(draft, refuse=Refused, related=("patient",))
    assert locked.chief_complaint == "Neck pain since the fall" and not locked.is_locked
    assert locked.patient == draft.patient


def test_a_signed_record_cannot_be_locked_as_a_draft(tess: User, draft: Evaluation) -> None:
    sign(draft, tess)
    with transaction.atomic(), pytest.raises(Refused):
        lifecycle.lock_draft(draft, refuse=Refused)


def test_signing_sets_who_and_when_then_seals_and_audits_once(tess: User, draft: Evaluation) -> None:
    before = timezone.now()
    returned = sign(draft, tess)
    stored = Evaluation.objects.get(pk=draft.pk)
    assert (stored.status, stored.signed_by, returned.signed_by) == (Evaluation.Status.SIGNED, tess, tess)
    assert before <= stored.signed_at <= timezone.now()
    assert stored.is_signed and stored.is_locked
    [seal] = seals_of(draft)
    assert (seal.kind, seal.patient_id, seal.sealed_by) == ("evaluation", draft.patient_id, tess)
    assert verify([seal]) == []
    assert trail(draft).count(SIGNED) == 1


def test_a_failing_check_refuses_before_anything_is_written(tess: User, draft: Evaluation) -> None:
    checked: list[Evaluation] = []

    def refuse(record: Evaluation) -> None:
        checked.append(record)
        raise Refused("not this one")

    with pytest.raises(Refused, match="not this one"):
        sign(draft, tess, checks=[refuse, checked.append])
    assert [record.pk for record in checked] == [draft.pk]  # in order, and none after a refusal
    stored = Evaluation.objects.get(pk=draft.pk)
    assert (stored.status, stored.signed_by_id, stored.signed_at) == (Evaluation.Status.DRAFT, None, None)
    assert seals_of(draft) == [] and SIGNED not in trail(draft)


def test_a_signature_writes_only_the_signature_unless_the_caller_writes_more(
    tess: User, organization: Organization
) -> None:
    """What is sealed is what was stored: an unsaved change stays unsaved, and out of the seal."""
    patient = PatientFactory(organization=organization)
    alone, with_save = complete_draft(tess, patient), complete_draft(tess, patient)
    for record, options in ((alone, {}), (with_save, {"write": lambda r: r.save()})):
        with transaction.atomic():
            locked = lifecycle.lock_draft(record, refuse=Refused, to_sign=True)
            locked.impression = "Myofascial low back pain"
            lifecycle.sign(locked, actor=tess, action=SIGNED, **options)
    assert Evaluation.objects.get(pk=alone.pk).impression == ""
    assert Evaluation.objects.get(pk=with_save.pk).impression == "Myofascial low back pain"
    assert all(Evaluation.objects.get(pk=r.pk).is_signed for r in (alone, with_save))
    assert verify(Seal.objects.filter(patient=patient).order_by("sequence")) == []


def test_addenda_are_for_signed_records_by_their_signer_or_an_admin(
    tess: User, ada: User, frank: User, draft: Evaluation
) -> None:
    def add(record: Evaluation, actor: User, text: str) -> Addendum:
        with transaction.atomic():
            return lifecycle.add_addendum(
                record, model=Addendum, actor=actor, text=text, action=AuditAction.ADDENDUM_ADDED, error=Refused
            )

    with pytest.raises(Refused, match="addenda are for signed evaluations"):
        add(draft, tess, "Too early.")
    signed = sign(draft, tess)
    with pytest.raises(Refused, match="Only the signer or an admin"):
        add(signed, frank, "Not mine to add.")
    with pytest.raises(ValidationError):
        add(signed, tess, "   ")
    assert not Addendum.objects.exists()

    by_signer, by_admin = add(signed, tess, "  Onset was in March. "), add(signed, ada, "Chart reviewed.")
    assert [(a.evaluation, a.author, a.text) for a in Addendum.objects.order_by("id")] == [
        (signed, tess, "Onset was in March."),
        (signed, ada, "Chart reviewed."),
    ]
    seals = list(Seal.objects.filter(patient=signed.patient_id).order_by("sequence"))
    assert [s.record_id for s in seals] == [signed.public_id, by_signer.public_id, by_admin.public_id]
    assert verify(seals) == []
    assert trail(by_signer) == trail(by_admin) == [AuditAction.ADDENDUM_ADDED]


def test_a_visit_note_gets_a_visit_addendum(tess: User, organization: Organization) -> None:
    note = signed_note(tess, PatientFactory(organization=organization), date(2026, 11, 5))
    with transaction.atomic():
        addendum = lifecycle.add_addendum(
            note,
            model=NoteAddendum,
            actor=tess,
            text="Soreness settled.",
            action=AuditAction.NOTE_ADDENDUM_ADDED,
            error=Refused,
        )
    assert isinstance(addendum, NoteAddendum) and addendum.note == note
    assert [s.kind for s in Seal.objects.filter(patient=note.patient_id).order_by("sequence")] == [
        "visit-note",
        "visit-addendum",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_signatures_at_once_sign_once(tess: User, organization: Organization) -> None:
    """The same draft signed from two places at the same instant: one signature, one seal, one audit entry."""
    draft = complete_draft(tess, PatientFactory(organization=organization))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            copy = Evaluation.objects.get(pk=draft.pk)
            barrier.wait()
            evaluation_services.sign_evaluation(actor=tess, evaluation=copy)
            outcomes.append("signed")
        except evaluation_services.EvaluationLocked:
            outcomes.append("locked")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["locked", "signed"]
    assert len(seals_of(draft)) == 1 and trail(draft).count(SIGNED) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite's transaction serializes)")
@pytest.mark.django_db(transaction=True)
def test_two_records_of_one_organization_signed_at_once_are_chained_one_after_the_other(
    tess: User, organization: Organization
) -> None:
    """Two drafts of two patients of one organization signed while a third signature holds the organization's
    chain: both wait for its lock (taken with the record's, lifecycle.lock_draft), then are sealed one after the
    other in the organization's chain, instead of both claiming its next place."""
    drafts = [complete_draft(tess, PatientFactory(organization=organization)) for _ in range(2)]
    outcomes: list[str] = []

    def attempt(draft: Evaluation) -> None:
        try:
            evaluation_services.sign_evaluation(actor=tess, evaluation=draft)
            outcomes.append("signed")
        except Exception as e:  # noqa: BLE001 - a refusal is what the test reads
            outcomes.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(draft,)) for draft in drafts]
    waiting = 0
    with transaction.atomic():
        chain.lock_chain(organization.pk)  # another signature, under way
        for thread in threads:
            thread.start()
        for _ in range(200):  # until both wait for the lock (or 10 s: they did not)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                (waiting,) = cursor.fetchone()
            if waiting == 2:
                break
            time.sleep(0.05)
    for thread in threads:
        thread.join()
    assert waiting == 2
    assert outcomes == ["signed", "signed"]
    seals = list(Seal.objects.filter(organization=organization).order_by("sequence"))
    assert [s.sequence for s in seals] == [1, 2]
    assert seals[1].previous_hash == seals[0].content_hash
    assert {s.record_id for s in seals} == {d.public_id for d in drafts}
    assert verify(seals) == []
