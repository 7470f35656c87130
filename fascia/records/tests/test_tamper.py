"""Issue 25: whoever can write the database, but holds neither the records key nor the heads exported outside
it, cannot rewrite a signed record, nor remove one, without `verify_records` saying so; on PostgreSQL a plain
UPDATE or DELETE of a seal or an audit row is refused outright."""

import hashlib
import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from fascia.audit.models import AuditEvent
from fascia.core.models import Organization, User
from fascia.patients.tests.factories import PatientFactory
from fascia.records import chain
from fascia.records.models import Seal
from fascia.records.tests.tampering import as_the_database_owner
from fascia.visits.models import VisitNote
from fascia.visits.queries import note_content
from fascia.visits.tests.factories import signed_note


def seals() -> list[Seal]:
    return list(Seal.objects.order_by("organization_id", "sequence"))


def export_head(tmp_path: Path) -> Path:
    call_command("export_records_head", "--out", str(tmp_path / "heads"))
    (head,) = (tmp_path / "heads").iterdir()
    return head


@pytest.fixture
def notes(tess: User, organization: Organization) -> list[VisitNote]:
    """Two patients' notes, signed: seals 1 to 3 of the organization's chain."""
    first, second = PatientFactory(organization=organization), PatientFactory(organization=organization)
    return [
        signed_note(tess, first, date(2026, 11, 2)),
        signed_note(tess, second, date(2026, 11, 3)),
        signed_note(tess, first, date(2026, 11, 5)),
    ]


def test_one_chain_per_organization_links_every_patient_s_seals(notes: list[VisitNote]) -> None:
    chained = seals()
    assert [(s.sequence, s.record_id) for s in chained] == [(i + 1, n.public_id) for i, n in enumerate(notes)]
    assert [s.previous_hash for s in chained] == ["", chained[0].content_hash, chained[1].content_hash]
    assert chain.verify(chained) == [] and chain.unsealed() == []


def test_a_note_rewritten_with_sql_is_detected(notes: list[VisitNote]) -> None:
    VisitNote.objects.filter(pk=notes[1].pk).update(subjective="Rewritten.")
    assert [(p.seal.record_id, p.message[:32]) for p in chain.verify(seals())] == [
        (notes[1].public_id, "The record's content no longer m")
    ]
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_records")


@pytest.mark.parametrize("recompute", ["plain SHA-256", "another key"])
def test_a_seal_recomputed_without_the_key_is_detected(notes: list[VisitNote], settings, recompute: str) -> None:
    """The app's own function, or a plain hash, over the rewritten note gives a seal the key would not: the note
    is reported though its seal was made to fit it."""
    VisitNote.objects.filter(pk=notes[2].pk).update(subjective="Rewritten.")
    seal = Seal.objects.get(record_id=notes[2].public_id)
    content = chain.canonical(note_content(chain.read_back(notes[2])))
    if recompute == "plain SHA-256":
        forged = hashlib.sha256(f"{seal.previous_hash}\n{content}".encode()).hexdigest()
    else:
        real_key, settings.RECORDS_KEY = settings.RECORDS_KEY, b"a guess at the key, 32 bytes long!"
        forged = chain.link_hash(seal.previous_hash, note_content(chain.read_back(notes[2])))
        settings.RECORDS_KEY = real_key
    with as_the_database_owner():
        Seal.objects.filter(pk=seal.pk).update(content_hash=forged)
    assert [(p.seal.record_id, p.message[:32]) for p in chain.verify(seals())] == [
        (notes[2].public_id, "The record's content no longer m")
    ]


def test_a_seal_removed_from_the_middle_breaks_the_chain(notes: list[VisitNote]) -> None:
    with as_the_database_owner():
        Seal.objects.filter(record_id=notes[1].public_id).delete()
    problems = chain.verify(seals())
    assert [(p.seal.record_id, p.message[:24]) for p in problems] == [(notes[2].public_id, "The chain is broken here")]


def test_the_last_seal_removed_and_its_note_set_back_to_draft_is_detected(
    notes: list[VisitNote], tmp_path: Path, tess: User
) -> None:
    """The chain alone cannot show its end was cut off: the head exported before does, and so does the audit
    trail (append-only) that shows the draft signed."""
    head = export_head(tmp_path)
    call_command("verify_records", "--head", str(head))
    last = notes[2]
    with as_the_database_owner():
        Seal.objects.filter(record_id=last.public_id).delete()
    VisitNote.objects.filter(pk=last.pk).update(status="draft", signed_by=None, signed_at=None)

    assert chain.verify(seals()) == []  # what is left is a whole chain
    assert chain.compare_head(json.loads(head.read_text())) == [
        "The chain holds 2 seals, fewer than the 3 of the head exported at "
        f"{json.loads(head.read_text())['at']}: seals were removed."
    ]
    (unsealed,) = chain.unsealed()
    assert str(last.public_id) in unsealed and "is a draft, but the audit trail shows it signed" in unsealed
    with pytest.raises(CommandError, match="2 problem"):
        call_command("verify_records", "--head", str(head))

    # Seals added after the export are no problem; a different seal in the head's place is.
    signed_note(tess, last.patient, date(2026, 11, 9))
    (different,) = chain.compare_head(json.loads(head.read_text()))
    assert "seal 3 is not the one exported" in different


def test_the_daily_check_compares_the_newest_head_of_the_directory_before_exporting_the_next(
    notes: list[VisitNote], tmp_path: Path, tess: User
) -> None:
    """The README's cron line: `verify_records --head DIR && export_records_head --out DIR`. The check reads the
    newest head in DIR (yesterday's), so a seal removed since shows, as it would not against a head exported
    from the database as it is now."""
    heads = tmp_path / "heads"
    heads.mkdir()
    with pytest.raises(CommandError, match="holds no exported head"):
        call_command("verify_records", "--head", str(heads))
    with time_machine.travel("2026-12-01 07:15Z", tick=False):
        call_command("export_records_head", "--out", str(heads))
    signed_note(tess, notes[0].patient, date(2026, 11, 9))
    with time_machine.travel("2026-12-02 07:15Z", tick=False):
        call_command("verify_records", "--head", str(heads))
        call_command("export_records_head", "--out", str(heads))
    out = StringIO()
    call_command("verify_records", "--head", str(heads), stdout=out)
    assert "records-head-" in out.getvalue() and "(4, 2026-12-02T07:15:00+00:00)" in out.getvalue()

    with as_the_database_owner():
        Seal.objects.filter(sequence=4).delete()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_records", "--head", str(heads), stderr=err)
    assert "fewer than the 4 of the head exported at 2026-12-02T07:15:00+00:00" in err.getvalue()


def test_a_signed_note_whose_seal_was_removed_is_detected(notes: list[VisitNote]) -> None:
    with as_the_database_owner():
        Seal.objects.filter(record_id=notes[2].public_id).delete()
    (unsealed,) = chain.unsealed()
    assert str(notes[2].public_id) in unsealed and "is signed but has no seal" in unsealed


def test_a_head_changed_without_the_key_is_refused(notes: list[VisitNote], tmp_path: Path) -> None:
    head = export_head(tmp_path)
    exported = json.loads(head.read_text())
    head.write_text(json.dumps({**exported, "count": 2, "last_seal": seals()[1].content_hash}))
    (refused,) = chain.compare_head(json.loads(head.read_text()))
    assert refused.startswith("The exported head is not signed with this installation's records key")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_records", "--head", str(head))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
@pytest.mark.parametrize("table", ["audit_auditevent", "records_seal"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_audit_rows_and_seals_refuse_update_and_delete_on_postgresql(
    notes: list[VisitNote], table: str, statement: str
) -> None:
    before = (AuditEvent.objects.count(), Seal.objects.count())
    with pytest.raises(DatabaseError, match="only ever added"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))
    assert (AuditEvent.objects.count(), Seal.objects.count()) == before
