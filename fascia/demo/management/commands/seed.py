import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.demo.loader import DEMO_PASSWORD
from fascia.demo.outcomes import parameters_text
from fascia.demo.seed import PORTAL_ACCOUNTS, SeedRefused, Size, seed


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Fill an empty database with a synthetic clinic at scale: patients with years of evaluations, "
        "plans, visits with signed notes, claims and payments (for benchmarks; never real data). " + parameters_text()
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = Size()
        parser.add_argument("--patients", type=_positive, default=defaults.patients)
        parser.add_argument("--practitioners", type=_positive, default=defaults.practitioners)
        parser.add_argument("--years", type=_positive, default=defaults.years, help="Years of history up to today")
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same clinic (dates follow today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size = Size(patients=options["patients"], practitioners=options["practitioners"], years=options["years"])
        started = time.monotonic()
        terminal = sys.stderr.isatty()
        tenths_shown: set[int] = set()

        def progress(done: int, total: int) -> None:
            """A bar redrawn in place on a terminal; in a log, a line each tenth of the way."""
            tenth = done * 10 // total
            if not terminal and tenth in tenths_shown:
                return
            tenths_shown.add(tenth)
            elapsed = time.monotonic() - started
            bar = "#" * round(30 * done / total)
            left = elapsed / done * (total - done)
            line = f"patients [{bar:<30}] {done:,}/{total:,} {elapsed:4.0f} s, about {left:4.0f} s left"
            sys.stderr.write(line + ("\r" if terminal and done < total else "\n"))
            sys.stderr.flush()

        try:
            seeded = seed(size, seed=options["seed"], progress=progress if options["verbosity"] > 0 else None)
        except SeedRefused as e:
            raise CommandError(str(e)) from None
        elapsed = time.monotonic() - started
        self.stdout.write(f"Seeded {sum(seeded.rows.values()):,} rows in {elapsed:.0f} s:")
        for label, count in sorted(seeded.rows.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {count:>10,}  {label}")
        if seeded.unplaced_visits:
            self.stdout.write(f"{seeded.unplaced_visits:,} planned visits found no free slot and were left out.")
        self.stdout.write(
            f"Logins (password {DEMO_PASSWORD}): admin, frontdesk, billing, therapist, "
            + (f"therapist02 … therapist{size.practitioners:02d}" if size.practitioners > 1 else "")
        )
        self.stdout.write(
            f"Patient portal (/my/login/, same password): portal01@example.com … "
            f"portal{PORTAL_ACCOUNTS:02d}@example.com"
        )
