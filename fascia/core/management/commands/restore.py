from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the database and the documents with a backup, then verify every table against it. Stop the app first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        try:
            mismatched = restore(file)
        except BackupError as e:
            raise CommandError(str(e)) from None
        if mismatched:
            raise CommandError(f"Restored, but these tables do not match the backup: {', '.join(mismatched)}.")
        self.stdout.write(f"Restored {file}; every table matches its checksum.")
