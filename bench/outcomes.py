"""The outcome evidence recovers the seed's known responder rates (issue 28, "Truth"), on the benchmark database.

`fascia seed` draws each episode's response with a known rate per condition group and dominant technique
(fascia.demo.outcomes, stated in `fascia seed --help`). This reads the seeded records back (fascia.demo.truth):
per condition group and per technique, the episodes, their responders, the 95 % Wilson interval, and the
expected rate (the mean of the episodes' rates). Where the app has them, it first rebuilds the episodes
(`fascia refresh_episodes`) and asks the outcome pages' own function (fascia.analytics.outcomes.evidence) for
the same cells, which must count the same episodes and responders.

Each cell's 95 % interval misses its expected rate 5 % of the time by chance alone, and there are some thirty
cells, so a miss of one is no failure: the check fails when the pages count differently from the records, or
when a cell's expected rate lies outside its family-wise interval (Bonferroni: 95 % for all the cells together),
which a wrong rate, a trajectory that ignores it, or a page that counts the wrong episodes does, by far, at this
size. The 95 % misses are printed.

Writes bench/results/outcomes.json and its table in bench/README.md; exits 1 when the check fails.
"""

import argparse
import os
import sys
from statistics import NormalDist
from time import perf_counter
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
django.setup()

import report  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection  # noqa: E402

from fascia.analytics.stats import wilson_interval  # noqa: E402
from fascia.core.models import Organization  # noqa: E402
from fascia.demo.truth import MIN_N, Cell, cells, seeded_episodes  # noqa: E402

BY = ("condition", "technique")
PAGE_BY = {"condition": "group", "technique": "technique"}  # the pages' names for the breakdowns


def evidence_cells(organization: Organization, instrument: str, by: str) -> dict[str, tuple[int, int]] | None:
    """The outcome pages' (n, responders) per label, or None where the app has no evidence() yet."""
    try:
        from fascia.analytics.outcomes import evidence
    except ImportError:
        return None
    rows = evidence(organization, instrument, by=PAGE_BY[by])
    return {str(_field(row, "label")): (int(_field(row, "n")), int(_field(row, "responders"))) for row in rows}


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, dict) else getattr(row, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave the JSON and README as they are")
    args = parser.parse_args()
    load_before, cpu_before = report.load_average(), report.cpu_times()
    organization = Organization.objects.order_by("pk").first()
    if organization is None:
        print("outcomes: no clinic in the database (run fascia seed first)", file=sys.stderr)
        return 1
    timings: dict[str, float] = {}
    if "refresh_episodes" in get_commands():
        started = perf_counter()
        call_command("refresh_episodes")
        timings["refresh_episodes_s"] = round(perf_counter() - started, 1)
    started = perf_counter()
    episodes = seeded_episodes(organization)
    timings["read_back_s"] = round(perf_counter() - started, 1)
    instruments = sorted({e.instrument for e in episodes})
    table: list[tuple[str, str, Cell]] = [
        (instrument, by, cell)
        for instrument in instruments
        for by in BY
        for cell in cells(episodes, by, instrument=instrument)
    ]
    counted = [(instrument, by, cell) for instrument, by, cell in table if cell.n >= MIN_N]
    z = NormalDist().inv_cdf(1 - 0.05 / (2 * max(1, len(counted))))
    failures, misses = [], []
    rows = []
    pages: dict[tuple[str, str], dict[str, tuple[int, int]] | None] = {}
    for instrument, by, cell in counted:
        low, high = wilson_interval(cell.responders, cell.n, z) or (0.0, 1.0)
        within = low <= cell.expected <= high
        if not cell.holds:
            misses.append(f"{instrument} {by} {cell.label}")
        if not within:
            failures.append(
                f"{instrument} {by} {cell.label}: expected {cell.expected:.3f}, family-wise [{low:.3f}, {high:.3f}]"
            )
        if (instrument, by) not in pages:
            pages[instrument, by] = evidence_cells(organization, instrument, by)
        page = pages[instrument, by]
        shown = page.get(cell.label) if page is not None else None
        if page is not None and shown != (cell.n, cell.responders):
            failures.append(
                f"{instrument} {by} {cell.label}: the page counts {shown}, the records {(cell.n, cell.responders)}"
            )
        rows.append(
            {
                "instrument": instrument,
                "by": by,
                "label": cell.label,
                "n": cell.n,
                "responders": cell.responders,
                "rate": round(cell.responders / cell.n, 4),
                "low": round(cell.low, 4),
                "high": round(cell.high, 4),
                "expected": round(cell.expected, 4),
                "within_95": cell.holds,
                "page": list(shown) if shown else None,
            }
        )
    compared = any(page is not None for page in pages.values())
    source = "against fascia.analytics.outcomes.evidence" if compared else "the seeded records only: no evidence() yet"
    lines = [
        f"Measured {report.now_iso()[:10]} on {len(episodes):,} measured episodes ({source}); "
        f"{len(counted)} cells of at least {MIN_N} episodes, {len(misses)} outside their 95 % interval "
        f"(about {0.05 * len(counted):.1f} expected by chance), {len(failures)} failures.",
        "",
        "| Instrument | By | Cell | n | Responders | Rate | 95 % interval | Seeded rate |",
        "|---|---|---|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        mark = "" if row["within_95"] else " (outside)"
        lines.append(
            f"| {row['instrument']} | {row['by']} | {row['label']} | {row['n']:,} | {row['responders']:,} | "
            f"{row['rate']:.3f} | {row['low']:.3f}–{row['high']:.3f} | {row['expected']:.3f}{mark} |"
        )
    text = "\n".join(lines)
    print(text)
    for failure in failures:
        print(f"outcomes: FAILED {failure}", file=sys.stderr)
    if not args.no_write:
        document = {
            "date": report.now_iso(),
            "revision": report.git_revision(),
            "machine": report.machine(load_before, cpu_before),
            "database": report.database(connection),
            "episodes": len(episodes),
            "compared_with_evidence": compared,
            "timings": timings,
            "cells": rows,
            "misses_95": misses,
            "failures": failures,
        }
        path = report.write_result("outcomes", document)
        report.update_readme("outcomes", text)
        print(f"outcomes: wrote {path.relative_to(report.README.parent.parent)} and bench/README.md")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
