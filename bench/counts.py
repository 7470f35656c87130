"""How long the worker takes to count the outcome page's and the dashboards' figures (issue 28), on the benchmark
database.

The pages read snapshots (fascia.analytics.snapshots), so their speed is the HTTP run's; this measures the other
half, how long a new filter's figures take to appear: each page's snapshot builder (what the worker runs), the
median of 3, bound to the clinic as the worker is and, for comparison, as the table owner (no row-level security
policies). No budget: the figures arrive in the background; the table shows where the time goes.

Writes bench/results/counts.json and its table in bench/README.md.
"""

import argparse
import os
import statistics
import sys
from datetime import timedelta
from time import perf_counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
django.setup()

import report  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.utils import timezone  # noqa: E402

from fascia.analytics.snapshots import BUILDERS  # noqa: E402
from fascia.core import tenancy  # noqa: E402
from fascia.core.models import Organization  # noqa: E402
from fascia.practitioners.models import Practitioner  # noqa: E402

REPEAT = 3


def seconds(organization: Organization, page: str, key: str, *, bound: bool) -> float:
    times = []
    for _ in range(REPEAT):
        start = perf_counter()
        with tenancy.acting_for(organization.pk if bound else None):
            BUILDERS[page](organization, QueryDict(key))
        times.append(perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave the JSON and README as they are")
    args = parser.parse_args()
    load_before, cpu_before = report.load_average(), report.cpu_times()
    organization = Organization.objects.order_by("pk").first()
    if organization is None:
        print("counts: no clinic in the database (run fascia seed first)", file=sys.stderr)
        return 1
    practitioner = Practitioner.objects.filter(user__organization=organization).order_by("pk").first()
    today = timezone.localdate()
    year = f"start={today - timedelta(days=364)}&end={today}"
    one = f"&practitioner={practitioner.public_id}" if practitioner else ""
    cases = [
        ("outcomes", "viewer=admin", "outcomes, the admin's"),
        ("practice", "", "practice, twelve weeks"),
        ("finances", "", "finances, twelve weeks"),
        ("finances", year, "finances, a year"),
        ("finances", year + one, "finances, a year, one practitioner"),
        ("practice", year + one, "practice, a year, one practitioner"),
    ]
    rows = []
    for page, key, label in cases:
        bound = seconds(organization, page, key, bound=True)
        owner = seconds(organization, page, key, bound=False)
        rows.append(
            {"snapshot": label, "page": page, "key": key, "bound_s": round(bound, 2), "owner_s": round(owner, 2)}
        )
    machine = report.machine(load_before, cpu_before)
    lines = [
        f"Measured {report.now_iso()} at `{report.git_revision()}` on `{connection.settings_dict['NAME']}`; "
        f"median of {REPEAT} counts each, in seconds; {report.busy(machine)}.",
        "",
        "| snapshot | bound to the clinic | as the table owner |",
        "| --- | ---: | ---: |",
        *(f"| {r['snapshot']} | {r['bound_s']:.2f} | {r['owner_s']:.2f} |" for r in rows),
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        document = {
            "date": report.now_iso(),
            "revision": report.git_revision(),
            "machine": machine,
            "database": report.database(connection),
            "counts": rows,
        }
        path = report.write_result("counts", document)
        report.update_readme("counts", text)
        print(f"counts: wrote {path.relative_to(report.README.parent.parent)} and bench/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
