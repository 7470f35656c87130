import json
import tarfile
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.backup import checksums, read_manifest
from fascia.core.models import Organization, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.records.chain import compare_head
from fascia.visits.tests.factories import signed_note


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_the_practice_as_it_was(tmp_path: Path, tess: User, organization: Organization) -> None:
    media = tmp_path / "media"
    with override_settings(MEDIA_ROOT=media):
        kept = PatientFactory(organization=organization, family_name="Keeper")
        signed_note(tess, kept, kept.created_at.date())
        (media / "documents").mkdir(parents=True)
        (media / "documents" / "letter.pdf").write_bytes(b"%PDF-1.4 kept")
        before = checksums()
        archive = tmp_path / "practice.tar.gz"
        call_command("backup", str(archive))
        assert read_manifest(archive)["tables"] == before
        # The organization's signed chain head, for `verify_records --head` (fascia.records.chain.head).
        with tarfile.open(archive) as opened:
            (head_file,) = (m for m in opened.getmembers() if m.name.startswith("records-head/"))
            head = json.load(opened.extractfile(head_file))  # type: ignore[arg-type]
        assert head["count"] == 1 and compare_head(head) == []
        # The archive holds every patient: the clinic's audit trail says it was written.
        written = AuditEvent.objects.get(action=AuditAction.BACKUP_WRITTEN)
        assert written.target_id == str(organization.public_id) and written.detail["file"] == str(archive)

        # Life goes on after the backup: a new patient, a changed name, a new document.
        PatientFactory(organization=organization, family_name="Newcomer")
        Patient.objects.filter(pk=kept.pk).update(family_name="Changed")
        (media / "documents" / "later.pdf").write_bytes(b"%PDF-1.4 later")

        call_command("restore", str(archive))
        assert checksums() == before
        assert list(Patient.objects.values_list("family_name", flat=True)) == ["Keeper"]
        assert sorted(p.name for p in (media / "documents").iterdir()) == ["letter.pdf"]


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path, db: None) -> None:
    bogus = tmp_path / "not-a-backup.tar.gz"
    bogus.write_bytes(b"hello")
    with pytest.raises(CommandError, match="is not a Fascia backup"):
        call_command("restore", str(bogus))


@pytest.mark.django_db(transaction=True)
def test_an_archive_reaching_outside_its_folder_is_refused_and_nothing_restored(
    tmp_path: Path, organization: Organization
) -> None:
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        good = tmp_path / "practice.tar.gz"
        call_command("backup", str(good))
        tampered = tmp_path / "tampered.tar.gz"
        escape = tmp_path / "escape.txt"
        escape.write_text("written outside")
        with tarfile.open(good) as source, tarfile.open(tampered, "w:gz") as target:
            for member in source.getmembers():
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
            target.add(escape, arcname="../../escaped.txt")
        PatientFactory(organization=organization, family_name="After")
        with pytest.raises(CommandError, match="which no Fascia backup does"):
            call_command("restore", str(tampered))
    assert Patient.objects.filter(family_name="After").exists()  # the database was not replaced
    assert not (Path(tempfile.gettempdir()).parent / "escaped.txt").exists()  # where it would have landed
