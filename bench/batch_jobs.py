"""Billing's batch jobs, timed in-process on the benchmark database, which they leave as it was.

  837P export   1,000 ready electronic claims through fascia.billing.claims.services.export_claims, the service
                `fascia export_837` runs, with its pyx12 check; in files of edi837.MAX_CLAIMS claims, as the
                command writes them. Timed from reading the ready claims to the last file built and checked.
  835 import    an 835 answering 1,000 submitted claims, written by fascia.demo.era.write_835 (the code
                behind `fascia demo_835`; not timed), posted by fascia.billing.remittance.posting.import_835 (timed).
                With fewer submitted claims, ready ones are exported first (not timed) to make up the 1,000.
  AR aging      fascia.billing.reports.aging(), the report on the billing reports page.

Each run of a job is one transaction that is rolled back: claims, batches, remittances, postings and audit
entries are never kept (only sequences move on). Each job runs --repeat times; the budget is judged on the
median. With fewer claims than 1,000 the job measures what there is and says so.
Writes bench/results/batch_jobs.json and its table in bench/README.md; exits 1 when a budget is missed.
"""

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from contextlib import contextmanager
from time import perf_counter
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
django.setup()

import report  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from fascia.billing import queries, reports  # noqa: E402
from fascia.billing.claims import services  # noqa: E402
from fascia.billing.models import Claim, Payer, Posting  # noqa: E402
from fascia.billing.remittance import posting  # noqa: E402
from fascia.billing.x12 import edi837, from_models, validate  # noqa: E402
from fascia.core.models import Organization  # noqa: E402
from fascia.demo.era import write_835  # noqa: E402
from fascia.patients.models import Patient  # noqa: E402

CLAIMS = 1000
BUDGETS_S = {"837P export": 5.0, "835 import": 5.0, "AR aging": 1.0}


class Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Run the block in a transaction and undo it, whatever it wrote."""
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


@contextmanager
def timing(module: Any, name: str, spent: dict[str, float]):
    """Add the time spent in module.name to spent[name] while the block runs."""
    original = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + perf_counter() - started

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


def ready_claims(organization: Organization, limit: int) -> list[Claim]:
    """What `fascia export_837` exports: ready claims to electronic payers, by number."""
    return list(
        Claim.objects.filter(
            organization=organization, status=Claim.Status.READY, payer__claim_method=Payer.ClaimMethod.ELECTRONIC
        )
        .select_related("organization")
        .order_by("number")[:limit]
    )


def export(claims: list[Claim]) -> int:
    """Export in files of edi837.MAX_CLAIMS, as the command does run after run; the number of files."""
    files = 0
    for start in range(0, len(claims), edi837.MAX_CLAIMS):
        services.export_claims(actor=None, claims=claims[start : start + edi837.MAX_CLAIMS])
        files += 1
    return files


def run_export(organization: Organization) -> dict:
    spent: dict[str, float] = {}
    with rolled_back(), timing(validate, "validate_837", spent), timing(from_models, "build_837", spent):
        started = perf_counter()
        claims = ready_claims(organization, CLAIMS)
        files = export(claims) if claims else 0
        seconds = perf_counter() - started
    return {
        "seconds": seconds,
        "claims": len(claims),
        "files": files,
        "pyx12_seconds": spent.get("validate_837", 0.0),
        "build_seconds": spent.get("build_837", 0.0),
    }


def run_import(organization: Organization) -> dict:
    spent: dict[str, float] = {}
    with rolled_back():
        submitted = Claim.objects.filter(organization=organization, status=Claim.Status.SUBMITTED)
        short = max(CLAIMS - submitted.count(), 0)
        extra = ready_claims(organization, short) if short else []
        if extra:
            export(extra)
        claims = list(
            submitted.select_related("organization", "payer", "patient")
            .prefetch_related("lines")
            .order_by("number")[:CLAIMS]
        )
        if not claims:
            return {"seconds": 0.0, "claims": 0, "exported_first": 0, "parse_seconds": 0.0}
        today = timezone.localdate()
        text = write_835(claims, paid_on=today, trace=f"BENCH{today:%Y%m%d}{len(claims)}")
        with timing(posting, "parse_835", spent):
            started = perf_counter()
            result = posting.import_835(actor=None, organization=organization, text=text, filename="bench.835")
            seconds = perf_counter() - started
        postings = Posting.objects.filter(remittance__in=result).count()
    return {
        "seconds": seconds,
        "claims": len(claims),
        "postings": postings,
        "exported_first": len(extra),
        "bytes": len(text),
        "parse_seconds": spent.get("parse_835", 0.0),
    }


def run_aging(organization: Organization) -> dict:
    started = perf_counter()
    result = reports.aging(organization, timezone.localdate())
    seconds = perf_counter() - started
    open_claims = queries.claims_of(organization).filter(status__in=queries.OPEN).count()
    return {"seconds": seconds, "claims": open_claims, "payers": len(result["rows"])}


JOBS: dict[str, Callable[[Organization], dict]] = {
    "837P export": run_export,
    "835 import": run_import,
    "AR aging": run_aging,
}


def measure(organization: Organization, repeat: int) -> dict[str, dict]:
    results = {}
    for name, job in JOBS.items():
        runs = []
        for _ in range(repeat):
            runs.append(job(organization))
            print(f"batch_jobs: {name}: {runs[-1]['seconds']:.2f} s ({runs[-1]['claims']} claims)", flush=True)
        seconds = [r["seconds"] for r in runs]
        budget = BUDGETS_S[name]
        median = statistics.median(seconds)
        results[name] = {
            **{k: v for k, v in runs[-1].items() if k != "seconds"},
            "runs_s": [round(s, 3) for s in seconds],
            "median_s": round(median, 3),
            "max_s": round(max(seconds), 3),
            "budget_s": budget,
            "full_size": name == "AR aging" or runs[-1]["claims"] >= CLAIMS,
            "ok": median < budget,
        }
        for key in ("pyx12_seconds", "build_seconds", "parse_seconds"):
            if key in runs[-1]:
                results[name][key] = round(statistics.median(r[key] for r in runs), 3)
    return results


def describe(name: str, row: dict) -> str:
    if name == "837P export":
        files = f"{row['files']} file" + ("" if row["files"] == 1 else "s")
        return (
            f"{row['claims']:,} ready claims in {files} of up to {edi837.MAX_CLAIMS:,}; of which building "
            f"{row['build_seconds']:.2f} s, pyx12 {row['pyx12_seconds']:.2f} s"
        )
    if name == "835 import":
        made_up = f", {row['exported_first']:,} of them exported first" if row["exported_first"] else ""
        return f"{row['claims']:,} submitted claims{made_up}; of which parsing {row['parse_seconds']:.2f} s"
    return f"{row['claims']:,} open claims, {row['payers']} payers"


def markdown_table(document: dict) -> str:
    db, machine, data = document["database"], document["machine"], document["dataset"]
    lines = [
        f"Measured {document['date']} at `{document['revision']}` on `{db['name']}`: {data['patients']:,} patients, "
        f"{data['claims']:,} claims ({data['claims_by_status'].get('ready', 0):,} ready, "
        f"{data['claims_by_status'].get('submitted', 0):,} submitted). PostgreSQL {db['server_version'].split()[0]}, "
        f"{machine['nproc']} CPUs ({report.busy(machine)}), {document['repeat']} runs of each job, each rolled back.",
        "",
        "| job | what | median | max | budget |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for name, row in document["results"].items():
        verdict = "" if row["ok"] else " **missed**"
        size = "" if row["full_size"] else f" (fewer than {CLAIMS:,} claims)"
        lines.append(
            f"| {name} | {describe(name, row)}{size} | {row['median_s']:.2f} | {row['max_s']:.2f} | "
            f"{row['budget_s']:.0f}{verdict} |"
        )
    lines += ["", "Times in seconds."]
    short = [n for n, r in document["results"].items() if not r["full_size"]]
    if short:
        lines.append(f"Not at full size ({', '.join(short)}): the database holds fewer than {CLAIMS:,} such claims.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each job (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the JSON and README as they are")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("batch_jobs: FASCIA_DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    load_before, cpu_before = report.load_average(), report.cpu_times()
    organization = Organization.objects.annotate(n=Count("patients")).filter(n__gt=0).order_by("-n").first()
    if organization is None:
        print("batch_jobs: the database holds no patients; seed it first (bench/run)", file=sys.stderr)
        return 2
    claims = dict(Claim.objects.filter(organization=organization).values_list("status").annotate(n=Count("pk")))
    # bench/run sets FASCIA_DEBUG=True, which keeps every SQL statement in memory: not what production does.
    with override_settings(DEBUG=False):
        results = measure(organization, args.repeat)
        database = report.database(connection)
    document = {
        "benchmark": "batch_jobs",
        "date": report.now_iso(),
        "revision": report.git_revision(),
        "machine": report.machine(load_before, cpu_before),
        "database": database,
        "dataset": {
            "patients": Patient.objects.filter(organization=organization).count(),
            "claims": sum(claims.values()),
            "claims_by_status": claims,
        },
        "repeat": args.repeat,
        "claims_per_job": CLAIMS,
        "max_claims_per_file": edi837.MAX_CLAIMS,
        "results": results,
    }
    missed = [
        f"{name}: median {row['median_s']:.2f} s, budget under {row['budget_s']:.0f} s"
        for name, row in results.items()
        if not row["ok"]
    ]
    document["budget"] = {"missed": missed, "ok": not missed}
    table = markdown_table(document)
    print(table)
    if not args.no_write:
        path = report.write_result("batch_jobs", document)
        report.update_readme("batch_jobs", table)
        print(f"batch_jobs: wrote {path.relative_to(report.README.parent.parent)} and bench/README.md")
    for line in missed:
        print(f"batch_jobs: budget missed: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
