import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.records.chain import compare_head, unsealed, verify
from fascia.records.models import Seal


class Command(BaseCommand):
    help = (
        "Check every signed evaluation, visit note and addendum against the seal made when it was signed, and "
        "with --head, each organization's chain against a head exported earlier (export_records_head)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            action="append",
            default=[],
            type=Path,
            metavar="FILE_OR_DIR",
            help=(
                "A head written by export_records_head (may be given once per organization), or the directory it "
                "writes to: the newest head of each organization in it"
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        heads = []
        for path in options["head"]:  # type: ignore[attr-defined]
            heads += newest_heads(path) if path.is_dir() else [(path, read_head(path))]
        checked = Seal.objects.count()
        # Streamed: a clinic's years hold close to a million seals.
        problems = verify(Seal.objects.order_by("organization_id", "sequence").iterator(chunk_size=2000))
        for problem in problems:
            s = problem.seal
            self.stderr.write(
                f"organization {s.organization_id}, seal {s.sequence} (patient {s.patient_id}): "
                f"{s.kind} {s.record_id} — {problem.message}"
            )
        other_problems = unsealed()
        for message in other_problems:
            self.stderr.write(message)
        for path, head in heads:
            for message in compare_head(head) if isinstance(head, dict) else [f"{path} is not an exported head."]:
                self.stderr.write(f"{path}: {message}")
                other_problems.append(message)
        if problems or other_problems:
            raise CommandError(f"{len(problems) + len(other_problems)} problem(s) in {checked} signed records.")
        self.stdout.write(f"All {checked} signed records match their hashes.")
        for path, head in heads:
            self.stdout.write(f"The chain holds every seal of the head in {path} ({head['count']}, {head['at']}).")


def read_head(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise CommandError(f"{path} is not an exported head: {e}") from None


def newest_heads(folder: Path) -> list[tuple[Path, Any]]:
    """The newest head of each organization in `folder`, by the time it says it was exported (which it is signed
    with), and every file there that is no head, to be reported. An empty folder is an error: the heads are lost."""
    newest: dict[str, tuple[datetime, Path, Any]] = {}
    others: list[tuple[Path, Any]] = []
    for path in sorted(folder.glob("records-head-*.json")):
        head = read_head(path)
        try:
            organization, at = str(head["organization"]), datetime.fromisoformat(head["at"])
        except (TypeError, KeyError, ValueError):
            at = None
        if at is None or at.tzinfo is None:  # export_records_head writes the time in UTC
            others.append((path, head))
        elif organization not in newest or at > newest[organization][0]:
            newest[organization] = (at, path, head)
    if not newest and not others:
        raise CommandError(f"{folder} holds no exported head (records-head-*.json): export one first.")
    return [(path, head) for _, path, head in newest.values()] + others
