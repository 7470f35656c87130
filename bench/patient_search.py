"""Patient search as the front desk experiences it, on the seeded PostgreSQL database.

Two measurements for each search term, in milliseconds (time.perf_counter):
  page   GET /patients/?q=<term> through django.test.Client, signed in as the front-desk user:
         middleware, session, the search, the audit entry, the template.
  query  the search alone: first page of 25 from fascia.patients.queries.search_patients() and its count.

Prints a table, writes bench/results/patient_search.json and the results table in bench/README.md.
Exits 1 when the median page time is over the budget. Normally run by bench/run (after `fascia seed`).
"""

import argparse
import os
import sys
from dataclasses import dataclass, field
from time import perf_counter

import django
import report
from report import (
    README,
    busy,
    cpu_times,
    git_revision,
    load_average,
    machine,
    now_iso,
    summarize,
    update_readme,
    write_result,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from fascia.core.models import User  # noqa: E402
from fascia.patients.models import Patient  # noqa: E402
from fascia.patients.queries import search_patients  # noqa: E402

BUDGET_MS = 50.0  # median of the page request, at 50,000 patients on PostgreSQL
PAGE_SIZE = 25  # as fascia.patients.views.PAGE_SIZE
MODES = ("page", "query")

# Fragments of the seeded names (`fascia seed`, fascia/demo/seed.py), 3 to 6 letters, as people type them.
# "ngu", "hern" and "yarr" each match one family name only: slow when PostgreSQL walks the name-order index
# down to it (whether it does depends on the ANALYZE sample).
NAME_FRAGMENTS = ["ell", "ngu", "okaf", "hern", "marlo", "richar", "yarr"]
# The search box searches as one types (htmx), so the first letters are searched too; no trigram helps them.
FIRST_LETTERS = ["ma", "ok"]
FAMILY_NAMES = ["Okafor", "Martinez"]
PHONE_FRAGMENTS = ["555-0142", "555-0107"]
# Patients whose date of birth, MRN and name give the other terms (MRNs are 0000001..0050000).
SAMPLE_MRNS = ["0012345", "0033333", "0031337", "0020000"]


@dataclass
class Term:
    kind: str
    text: str
    hits: int = 0
    queries_per_page: int = 0
    timings: dict[str, list[float]] = field(default_factory=lambda: {mode: [] for mode in MODES})


def choose_terms(user: User) -> list[Term]:
    """The search terms: fixed name fragments and phone digits, plus values read from seeded patients."""
    by_mrn = {p.mrn: p for p in Patient.objects.filter(organization=user.organization, mrn__in=SAMPLE_MRNS)}
    missing = sorted(set(SAMPLE_MRNS) - set(by_mrn))
    if missing:
        raise SystemExit(f"patient_search: no patients with MRN {missing}; run bench/run --reseed")
    two_words = by_mrn["0020000"]
    terms = [Term("name fragment", text) for text in NAME_FRAGMENTS]
    terms += [Term("first 2 letters", text) for text in FIRST_LETTERS]
    terms += [Term("family name", text) for text in FAMILY_NAMES]
    terms += [Term("two words", f"{two_words.family_name} {two_words.given_name[:3]}".lower())]
    terms += [Term("date of birth", by_mrn[mrn].birth_date.isoformat()) for mrn in ("0012345", "0033333")]
    terms += [Term("phone", text) for text in PHONE_FRAGMENTS]
    terms += [Term("MRN", "0031337")]
    return terms


def time_page(client: Client, term: str) -> float:
    started = perf_counter()
    response = client.get("/patients/", {"q": term})
    elapsed = perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"patient_search: GET /patients/?q={term} answered {response.status_code}")
    return elapsed * 1000


def run_query(user: User, term: str) -> int:
    page = Paginator(search_patients(user, term), PAGE_SIZE).get_page(1)
    list(page)
    return page.paginator.count


def time_query(user: User, term: str) -> float:
    started = perf_counter()
    run_query(user, term)
    return (perf_counter() - started) * 1000


def measure(terms: list[Term], user: User, repeat: int, warmup: int) -> None:
    client = Client()
    client.force_login(user, backend="fascia.core.backends.RoleBackend")
    for term in terms:
        term.hits = run_query(user, term.text)
        if term.hits == 0:
            raise SystemExit(f"patient_search: {term.text!r} finds nobody; the terms must match seeded patients")
        with CaptureQueriesContext(connection) as queries:
            time_page(client, term.text)
        term.queries_per_page = len(queries)
        for _ in range(warmup):
            time_page(client, term.text)
            time_query(user, term.text)
    # Round-robin over the terms, so no term gets caches warmed by its own previous run.
    for _ in range(repeat):
        for term in terms:
            term.timings["page"].append(time_page(client, term.text))
            term.timings["query"].append(time_query(user, term.text))


def results_by_kind(terms: list[Term]) -> dict[str, dict[str, dict[str, float | int]]]:
    kinds = list(dict.fromkeys(term.kind for term in terms))
    grouped: dict[str, dict[str, dict[str, float | int]]] = {}
    for kind in [*kinds, "overall"]:
        chosen = [t for t in terms if kind in ("overall", t.kind)]
        grouped[kind] = {mode: summarize([ms for t in chosen for ms in t.timings[mode]]) for mode in MODES}
    return grouped


def result_document(
    terms: list[Term], user: User, repeat: int, warmup: int, load_before: float, cpu_before: list[int]
) -> dict:
    by_kind = results_by_kind(terms)
    page_median = by_kind["overall"]["page"]["median_ms"]
    return {
        "benchmark": "patient_search",
        "date": now_iso(),
        "revision": git_revision(),
        "machine": machine(load_before, cpu_before),
        "database": report.database(connection),
        "counts": {
            "patients": Patient.objects.count(),
            "organization_patients": Patient.objects.filter(organization=user.organization).count(),
            "active_patients": Patient.objects.filter(organization=user.organization, is_active=True).count(),
            "terms": len(terms),
            "repeat": repeat,
            "warmup": warmup,
            "measurements": sum(len(t.timings[mode]) for t in terms for mode in MODES),
        },
        "budget": {"page_median_ms": BUDGET_MS, "measured_page_median_ms": page_median, "ok": page_median < BUDGET_MS},
        "results": by_kind,
        "terms": [
            {
                "kind": t.kind,
                "term": t.text,
                "hits": t.hits,
                "queries_per_page": t.queries_per_page,
                **{mode: summarize(t.timings[mode]) for mode in MODES},
            }
            for t in terms
        ],
    }


def markdown_table(document: dict) -> str:
    counts, db, machine = document["counts"], document["database"], document["machine"]
    hits: dict[str, list[int]] = {}
    for term in document["terms"]:
        hits.setdefault(term["kind"], []).append(term["hits"])
    lines = [
        f"Measured {document['date']} at `{document['revision']}`: {counts['organization_patients']:,} patients, "
        f"PostgreSQL {db['server_version']}, {machine['nproc']} CPUs ({busy(machine)}), "
        f"{counts['measurements']} measurements ({counts['repeat']} runs of each term after "
        f"{counts['warmup']} warm-up).",
        "",
        "| kind | terms | matches | page median | page p95 | page max | query median | query p95 | query max |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, modes in document["results"].items():
        page, query = modes["page"], modes["query"]
        found = [n for values in hits.values() for n in values] if kind == "overall" else hits[kind]
        matches = f"{min(found):,}–{max(found):,}" if min(found) != max(found) else f"{found[0]:,}"
        terms = len(found)
        name = f"**{kind}**" if kind == "overall" else kind
        lines.append(
            f"| {name} | {terms} | {matches} | {page['median_ms']:.1f} | {page['p95_ms']:.1f} | "
            f"{page['max_ms']:.1f} | {query['median_ms']:.1f} | {query['p95_ms']:.1f} | {query['max_ms']:.1f} |"
        )
    budget = document["budget"]
    verdict = "within" if budget["ok"] else "**over**"
    lines += [
        "",
        f"Times in milliseconds. Median page time {budget['measured_page_median_ms']:.1f} ms: "
        f"{verdict} the {budget['page_median_ms']:.0f} ms budget.",
    ]
    return "\n".join(lines)


def print_report(terms: list[Term], table: str) -> None:
    print(f"{'kind':<15} {'term':<16} {'hits':>6} {'SQL':>4}  {'page med':>8} {'p95':>7}  {'query med':>9} {'p95':>7}")
    for t in terms:
        page, query = summarize(t.timings["page"]), summarize(t.timings["query"])
        print(
            f"{t.kind:<15} {t.text:<16} {t.hits:>6} {t.queries_per_page:>4}  {page['median_ms']:>8.1f} "
            f"{page['p95_ms']:>7.1f}  {query['median_ms']:>9.1f} {query['p95_ms']:>7.1f}"
        )
    print()
    print(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=12, help="timed runs of each term and mode (default 12)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each term first (default 2)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the JSON and README as they are")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("patient_search: FASCIA_DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    load_before, cpu_before = load_average(), cpu_times()
    if load_before > len(os.sched_getaffinity(0)) / 2:
        print(f"patient_search: load average {load_before:.1f}: other work will slow the figures", file=sys.stderr)
    user = User.objects.select_related("organization").get(username="frontdesk")  # the front desk of `fascia seed`
    terms = choose_terms(user)
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        measure(terms, user, args.repeat, args.warmup)
    document = result_document(terms, user, args.repeat, args.warmup, load_before, cpu_before)
    table = markdown_table(document)
    print_report(terms, table)
    if not args.no_write:
        path = write_result("patient_search", document)
        update_readme("patient_search", table)
        print(f"\nwrote {path.relative_to(README.parent.parent)} and {README.relative_to(README.parent.parent)}")
    return 0 if document["budget"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
