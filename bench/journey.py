"""The patient journey a clinic repeats thousands of times, timed and counted.

One journey: the front desk registers a patient; the practitioner adds a condition to the history, starts an
initial evaluation, fills it in (chief complaint, pain now, a diagnosis), records an NPRS at it and signs it;
the front desk books three visits; the practitioner starts, fills in and signs a note for each.

  1. In-process, through the services (what the pages and the API call): per journey its time and its SQL
     statements by kind (SELECT, INSERT, UPDATE, DELETE, SAVEPOINT, RELEASE, other), and per service call.
  2. Over the JSON API under gunicorn (production settings, on loopback, started and stopped here): per
     journey its time and its requests, then the patient's chart read back (the patient, then its chart).
     The API has no endpoint to add a history entry or record a measure, so the journey over HTTP leaves the
     condition and the NPRS out.

Budgets: at most 80 statements per journey in-process, at most 2 requests to read a chart through the API.
Exits 1 when one is missed. Writes bench/results/journey.json and its table in bench/README.md.

It writes what it does (patients, evaluations, appointments, notes) into the database it is given, so
bench/run gives it a database of its own (fascia_bench_journey, created afresh each run); on a database without
the demo clinic's logins it loads the demo clinic first (`fascia demo`, into an empty database only).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
django.setup()

import report  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from http_load import free_port, server_environment, start_gunicorn, stop  # noqa: E402

from fascia.core import tenancy  # noqa: E402
from fascia.core.models import User  # noqa: E402
from fascia.core.services import create_api_token  # noqa: E402
from fascia.demo.loader import load_demo  # noqa: E402
from fascia.evaluations.services import (  # noqa: E402
    record_evaluation_measure,
    save_evaluation,
    sign_evaluation,
    start_evaluation,
)
from fascia.patients.services import add_history_entry, create_patient  # noqa: E402
from fascia.scheduling.models import AppointmentType  # noqa: E402
from fascia.scheduling.queries import next_free_slots  # noqa: E402
from fascia.scheduling.services import book_appointment  # noqa: E402
from fascia.techniques.models import Technique  # noqa: E402
from fascia.visits.services import save_and_sign, start_note  # noqa: E402

ROOT = report.BENCH_DIR.parent
STATEMENTS_BUDGET = 80  # per journey, in-process
CHART_REQUESTS_BUDGET = 2  # to read a patient's chart through the API
CHART_PARTS = ("patient", "history", "appointments", "evaluations", "notes")
KINDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE", "other")
VISITS = 3
APPOINTMENT_TYPE = "follow-up-30"
TECHNIQUE = "swedish"
DIAGNOSIS = "M54.50"  # low back pain, unspecified: a billable leaf


def kind_of(sql: str) -> str:
    # A UNION's first SELECT may stand in parentheses (the screening facts).
    word = sql.lstrip(" \n(").split(None, 1)[0].upper() if sql.strip(" \n(") else ""
    if word == "RELEASE":
        return "RELEASE"
    return word if word in KINDS else "other"


class Statements:
    """Every statement Django sends on the default connection while active, by kind and by the step running."""

    def __init__(self) -> None:
        self.step = ""
        self.by_kind: Counter[str] = Counter()
        self.by_step: dict[str, Counter[str]] = defaultdict(Counter)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        kind = kind_of(sql)
        self.by_kind[kind] += 1
        self.by_step[self.step][kind] += 1
        return execute(sql, params, many, context)

    @contextmanager
    def during(self, step: str) -> Any:
        self.step = step
        try:
            yield
        finally:
            self.step = ""


# --- What the journeys work with ---------------------------------------------------------------


def clinic() -> dict[str, Any]:
    """The demo clinic's front desk and practitioner, the type booked and the technique noted; the demo clinic
    is loaded first into an empty database."""
    if not User.objects.filter(username="therapist").exists() and not load_demo():
        raise SystemExit("journey: the database holds another organization but no demo logins")
    frontdesk = User.objects.select_related("organization").get(username="frontdesk")
    therapist = User.objects.select_related("organization", "practitioner").get(username="therapist")
    return {
        "frontdesk": frontdesk,
        "therapist": therapist,
        "practitioner": therapist.practitioner,
        "type": AppointmentType.objects.get(code=APPOINTMENT_TYPE),
        "technique": Technique.objects.get(organization=therapist.organization, code=TECHNIQUE),
    }


def past_slots(people: dict[str, Any], wanted: int) -> list[tuple[datetime, Any, Any]]:
    """Free times of the practitioner in the past weeks (a visit's note is written on the day, so the visits
    have happened), one appointment's length apart."""
    minutes = people["type"].minutes
    slots: list[tuple[datetime, Any, Any]] = []
    after = timezone.now() - timedelta(days=120)
    while len(slots) < wanted:
        found = next_free_slots(
            people["frontdesk"],
            minutes=minutes,
            after=after,
            practitioner=people["practitioner"],
            limit=wanted * 2,
            days=14,
            step=minutes,
        )
        slots += [s for s in found if s[0] < timezone.now() - timedelta(hours=1)]
        after += timedelta(days=14)
        if after > timezone.now():
            break
    if len(slots) < wanted:
        raise SystemExit(f"journey: only {len(slots)} free past slots for {people['practitioner']}, {wanted} wanted")
    return slots[:wanted]


# --- 1. In-process -----------------------------------------------------------------------------


def journey_in_process(n: int, people: dict[str, Any], slots: list, counter: Statements) -> None:
    frontdesk, therapist, kind = people["frontdesk"], people["therapist"], people["type"]
    with counter.during("create_patient"):
        patient = create_patient(
            actor=frontdesk,
            organization=frontdesk.organization,
            family_name=f"Journey{n:04d}",
            given_name="Pat",
            birth_date=datetime(1980, 1, 1 + n % 28).date(),
            sex="female",
            phone="206-555-0100",
        )
    with counter.during("add_history_entry"):
        add_history_entry(
            actor=therapist,
            patient=patient,
            kind="condition",
            description="Low back pain",
            icd10_code=DIAGNOSIS,
        )
    with counter.during("start_evaluation"):
        evaluation = start_evaluation(actor=therapist, patient=patient)
    with counter.during("save_evaluation"):
        save_evaluation(
            actor=therapist,
            evaluation=evaluation,
            diagnoses=[DIAGNOSIS],
            chief_complaint="Low back pain after lifting",
            nprs_now=6,
        )
    with counter.during("record_evaluation_measure"):
        record_evaluation_measure(actor=therapist, evaluation=evaluation, instrument="NPRS", responses=[6])
    with counter.during("sign_evaluation"):
        sign_evaluation(actor=therapist, evaluation=evaluation)
    appointments = []
    for start_at, practitioner, location in slots:
        with counter.during("book_appointment"):
            appointments.append(
                book_appointment(
                    actor=frontdesk,
                    patient=patient,
                    practitioner=practitioner,
                    location=location,
                    appointment_type=kind,
                    start_at=start_at,
                )
            )
    for appointment in appointments:
        with counter.during("start_note"):
            note = start_note(actor=therapist, patient=patient, appointment=appointment)
        with counter.during("save_and_sign"):
            save_and_sign(
                actor=therapist,
                note=note,
                techniques=[{"technique_id": people["technique"].pk, "region": "lower-back", "minutes": 25}],
                subjective="Less pain this week",
                nprs_before=5,
                nprs_after=3,
                arrived=True,  # booked, never checked in: the practitioner confirms the patient came
            )


def run_in_process(journeys: int, warmup: int, people: dict[str, Any], slots: list) -> dict[str, Any]:
    times, per_journey = [], []
    steps: dict[str, Counter[str]] = defaultdict(Counter)
    for n in range(journeys + warmup):
        counter = Statements()
        mine = slots[n * VISITS : (n + 1) * VISITS]
        # As a signed-in request runs: bound to the clinic by row-level security on PostgreSQL (the binding,
        # once per request over HTTP, is outside the count).
        with tenancy.acting_for(people["therapist"].organization_id), connection.execute_wrapper(counter):
            started = time.perf_counter()
            journey_in_process(n, people, mine, counter)
            elapsed = (time.perf_counter() - started) * 1000
        if n < warmup:
            continue
        times.append(elapsed)
        per_journey.append(counter.by_kind)
        for step, kinds in counter.by_step.items():
            steps[step].update(kinds)
    first = per_journey[0]
    if any(c != first for c in per_journey):
        # Every journey does the same: a count that moves means a read depends on what came before.
        print("journey: statement counts differ between journeys:", [sum(c.values()) for c in per_journey])
    calls_per_journey = {"book_appointment": VISITS, "start_note": VISITS, "save_and_sign": VISITS}
    return {
        "journeys": journeys,
        "warmup": warmup,
        "ms": report.summarize(times),
        "statements": {kind: round(statistics.mean(c[kind] for c in per_journey), 1) for kind in KINDS},
        "statements_total": round(statistics.mean(sum(c.values()) for c in per_journey), 1),
        "by_step": {
            step: {
                "calls": calls_per_journey.get(step, 1),
                **{kind: round(kinds[kind] / journeys, 1) for kind in KINDS if kinds[kind]},
                "total": round(sum(kinds.values()) / journeys, 1),
            }
            for step, kinds in steps.items()
        },
    }


# --- 2. Over HTTP ------------------------------------------------------------------------------


class Client:
    """JSON requests to the API with a bearer token, as an integration makes them; counts and times them."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.requests = 0

    def __call__(self, method: str, path: str, body: dict | None = None) -> Any:
        request = urllib.request.Request(
            f"{self.base}/api/v1{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Host": "127.0.0.1",
                "X-Forwarded-Proto": "https",  # production runs behind a proxy that terminates HTTPS
            },
        )
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            raise SystemExit(f"journey: {method} {path} answered {e.code}: {e.read()[:500]!r}") from None


def journey_over_http(
    n: int, frontdesk: Client, therapist: Client, slots: list, people: dict[str, Any]
) -> dict[str, Any]:
    patient = frontdesk(
        "POST",
        "/patients",
        {"family_name": f"Webjourney{n:04d}", "given_name": "Sam", "birth_date": "1975-05-05", "sex": "male"},
    )
    evaluation = therapist(
        "POST",
        f"/patients/{patient['id']}/evaluations",
        {"chief_complaint": "Low back pain after lifting", "nprs_now": 6, "diagnoses": [DIAGNOSIS]},
    )
    therapist("POST", f"/evaluations/{evaluation['id']}/sign")
    appointments = [
        frontdesk(
            "POST",
            "/appointments",
            {
                "patient_id": patient["id"],
                "practitioner_id": str(practitioner.public_id),
                "location_id": str(location.public_id),
                "type": APPOINTMENT_TYPE,
                "start_at": start_at.isoformat(),
            },
        )
        for start_at, practitioner, location in slots
    ]
    for appointment in appointments:
        note = therapist(
            "POST",
            f"/patients/{patient['id']}/notes",
            {
                "appointment_id": appointment["id"],
                "subjective": "Less pain this week",
                "nprs_before": 5,
                "nprs_after": 3,
                "techniques": [{"technique": TECHNIQUE, "region": "lower-back", "minutes": 25}],
            },
        )
        therapist("POST", f"/notes/{note['id']}/sign", {"patient_arrived": True})
    return patient


def read_chart(therapist: Client, patient_id: str) -> dict[str, Any]:
    """A patient's chart as an integration reads it: the patient, then the chart."""
    return {"patient": therapist("GET", f"/patients/{patient_id}"), **therapist("GET", f"/patients/{patient_id}/chart")}


def run_over_http(journeys: int, warmup: int, people: dict[str, Any], slots: list, workers: int) -> dict[str, Any]:
    tokens = {
        role: create_api_token(actor=None, user=people[role], name="bench/journey.py")[1]
        for role in ("frontdesk", "therapist")
    }
    database_url = settings.DATABASE_URL
    connection.close()
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="fascia-journey-"))
    server = start_gunicorn(server_environment(database_url), port, workers, work / "gunicorn.log")
    try:
        base = f"http://127.0.0.1:{port}"
        times, requests, chart_times, chart_requests = [], [], [], []
        for n in range(journeys + warmup):
            frontdesk, therapist = Client(base, tokens["frontdesk"]), Client(base, tokens["therapist"])
            started = time.perf_counter()
            patient = journey_over_http(n, frontdesk, therapist, slots[n * VISITS : (n + 1) * VISITS], people)
            elapsed = (time.perf_counter() - started) * 1000
            reader = Client(base, tokens["therapist"])
            started = time.perf_counter()
            chart = read_chart(reader, patient["id"])
            chart_elapsed = (time.perf_counter() - started) * 1000
            missing = [part for part in CHART_PARTS if not chart[part]]
            if missing or len(chart["appointments"]["past"]) != VISITS:
                raise SystemExit(f"journey: the chart read back lacks {missing or 'its appointments'}")
            if n < warmup:
                continue
            times.append(elapsed)
            requests.append(frontdesk.requests + therapist.requests)
            chart_times.append(chart_elapsed)
            chart_requests.append(reader.requests)
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "journeys": journeys,
        "warmup": warmup,
        "workers": workers,
        "ms": report.summarize(times),
        "requests": max(requests),
        "chart_ms": report.summarize(chart_times),
        "chart_requests": max(chart_requests),
    }


# --- Figures and budgets -----------------------------------------------------------------------


def budgets(in_process: dict[str, Any], http: dict[str, Any] | None) -> list[str]:
    missed = []
    if in_process["statements_total"] > STATEMENTS_BUDGET:
        missed.append(
            f"{in_process['statements_total']:.0f} statements per journey in-process, budget {STATEMENTS_BUDGET}"
        )
    if http is not None and http["chart_requests"] > CHART_REQUESTS_BUDGET:
        missed.append(f"{http['chart_requests']} requests to read a chart, budget {CHART_REQUESTS_BUDGET}")
    return missed


def markdown_table(document: dict[str, Any]) -> str:
    machine, db, inp, http = document["machine"], document["database"], document["in_process"], document["http"]
    lines = [
        f"Measured {document['date']} at `{document['revision']}` on `{db['name']}` (PostgreSQL "
        f"{db['server_version'].split()[0]}), {machine['nproc']} CPUs ({report.busy(machine)}): {inp['journeys']} "
        f"journeys in-process and {http['journeys'] if http else 0} over HTTP, after {inp['warmup']} warm-up each.",
        "",
        "| way | median ms | p95 ms | requests | statements | SELECT | INSERT | UPDATE | DELETE | SAVEPOINT | RELEASE"
        " | other |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| in-process | {inp['ms']['median_ms']:.1f} | {inp['ms']['p95_ms']:.1f} | — | "
        f"{inp['statements_total']:.0f} | " + " | ".join(f"{inp['statements'][kind]:.0f}" for kind in KINDS) + " |",
    ]
    if http:
        lines += [
            f"| HTTP, the journey | {http['ms']['median_ms']:.1f} | {http['ms']['p95_ms']:.1f} | {http['requests']} | "
            + " | ".join("—" for _ in range(len(KINDS) + 1))
            + " |",
            f"| HTTP, its chart read back | {http['chart_ms']['median_ms']:.1f} | {http['chart_ms']['p95_ms']:.1f} | "
            f"{http['chart_requests']} | " + " | ".join("—" for _ in range(len(KINDS) + 1)) + " |",
        ]
    lines += [
        "",
        "Statements in-process per service call, per journey:",
        "",
        "| service | calls | statements | SELECT | INSERT | UPDATE | DELETE | SAVEPOINT | RELEASE | other |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for step, row in inp["by_step"].items():
        lines.append(
            f"| {step} | {row['calls']} | {row['total']:.0f} | "
            + " | ".join(f"{row.get(kind, 0):.0f}" for kind in KINDS)
            + " |"
        )
    missed = document["budget"]["missed"]
    lines += [
        "",
        "Budgets: all met." if not missed else "Budgets missed: " + "; ".join(missed) + ".",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=20, help="journeys measured each way (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="journeys run first each way, not measured (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--no-http", action="store_true", help="in-process only")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the JSON and README as they are")
    args = parser.parse_args()
    if connection.vendor != "postgresql" and not args.no_http:
        print("journey: over HTTP it needs PostgreSQL in FASCIA_DATABASE_URL (or --no-http)", file=sys.stderr)
        return 2
    load_before, cpu_before = report.load_average(), report.cpu_times()
    people = clinic()
    per_way = args.journeys + args.warmup
    slots = past_slots(people, per_way * VISITS * (1 if args.no_http else 2))
    database_info = report.database(connection) if connection.vendor == "postgresql" else {"name": "sqlite"}
    in_process = run_in_process(args.journeys, args.warmup, people, slots[: per_way * VISITS])
    http = None
    if not args.no_http:
        http = run_over_http(args.journeys, args.warmup, people, slots[per_way * VISITS :], args.workers)
    missed = budgets(in_process, http)
    document = {
        "benchmark": "journey",
        "date": report.now_iso(),
        "revision": report.git_revision(),
        "machine": report.machine(load_before, cpu_before),
        "database": database_info,
        "budget": {
            "statements_in_process": STATEMENTS_BUDGET,
            "chart_requests": CHART_REQUESTS_BUDGET,
            "missed": missed,
            "ok": not missed,
        },
        "in_process": in_process,
        "http": http,
    }
    table = markdown_table(document)
    print(table)
    if not args.no_write:
        path = report.write_result("journey", document)
        report.update_readme("journey", table)
        print(f"journey: wrote {path.relative_to(ROOT)} and {report.README.relative_to(ROOT)}")
    for line in missed:
        print(f"journey: budget missed: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
