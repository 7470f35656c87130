import json
from pathlib import Path

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
            metavar="FILE",
            help="A head written by export_records_head (may be given once per organization)",
        )

    def handle(self, *args: object, **options: object) -> None:
        heads = []
        for path in options["head"]:  # type: ignore[attr-defined]
            try:
                heads.append((path, json.loads(Path(path).read_text())))
            except (OSError, ValueError) as e:
                raise CommandError(f"{path} is not an exported head: {e}") from None
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
