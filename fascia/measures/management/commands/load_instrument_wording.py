import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.measures.services import load_wording


class Command(BaseCommand):
    help = (
        "Load the licensed full wording of an instrument's items from a JSON file: "
        '{"instrument": "ODI", "licence": "...", "items": ["item 1 text", ...]}. '
        "Shown beside Fascia's short labels when the instrument is entered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            wording = load_wording(instrument=data["instrument"], items=data["items"], licence=data["licence"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CommandError(f"{file}: {e}") from None
        self.stdout.write(f"Loaded the wording of {len(wording.items)} {wording.instrument} items.")
