from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database and the stored documents into one file, with a checksum of every table and each "
        "organization's signed records head (records-head/)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        try:
            manifest = backup(file)
        except BackupError as e:
            raise CommandError(str(e)) from None
        rows = sum(t["rows"] for t in manifest.values())
        self.stdout.write(f"Backed up {len(manifest)} tables ({rows} rows) and the documents to {file}.")
