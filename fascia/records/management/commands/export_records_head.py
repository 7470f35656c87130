from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from fascia.records.chain import head_files


class Command(BaseCommand):
    help = (
        "Write each organization's chain head (how many seals, the last one, when), signed with the records "
        "key, to DIR: keep it off the database server, and run daily from cron after "
        "`fascia verify_records --head DIR`, which shows seals removed since the newest head there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, metavar="DIR")

    def handle(self, *args: object, **options: object) -> None:
        out: Path = options["out"]  # type: ignore[assignment]
        out.mkdir(parents=True, exist_ok=True)
        for name, text in head_files(datetime.now(UTC)).items():
            (out / name).write_text(text)
            self.stdout.write(str(out / name))
