"""The clinic's day over HTTP, for bench/http_load.py: locust users for the front desk, practitioners,
billing and patients in the portal, each doing what they do through the real pages and forms, plus /healthz as
the floor.

Not run on its own: bench/http_load.py discovers what to use from the database (logins, patients, free
slots, the visits to note, which it books in the past weeks, claims) and passes it in the JSON file named
by BENCH_PLAN; every request is recorded here (time since the start, milliseconds, failure) and written to
BENCH_OUT when the run ends.
Requests in the first BENCH_WARMUP seconds are left out: workers still connecting, caches still cold.

The server is driven as it runs in production, behind a reverse proxy that terminates HTTPS: every
request says X-Forwarded-Proto: https (and FASCIA_BEHIND_PROXY=True trusts it), so the session and CSRF
cookies are Secure, there is no redirect to https, and forms are posted with the Origin and Referer a
browser sends; the cookie jar treats the plain-http loopback connection as the HTTPS the browser would see.
"""

import json
import os
import random
import re
import time
from collections import defaultdict
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, events, task
from locust.contrib.fasthttp import FastHttpSession

PLAN: dict[str, Any] = json.loads(Path(os.environ["BENCH_PLAN"]).read_text()) if "BENCH_PLAN" in os.environ else {}
WARMUP = float(os.environ.get("BENCH_WARMUP", "0"))
WAIT = [float(s) for s in os.environ.get("BENCH_WAIT", "1-3").split("-")]
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
FORM = "application/x-www-form-urlencoded"

# One process, one gevent loop: these are shared by all users without locks. Each slot and each
# appointment is handed out once, so two users never book the same time or write the same note.
SLOTS: list[dict] = list(reversed(PLAN.get("slots", [])))
APPOINTMENTS: dict[str, list[str]] = {login: list(reversed(ids)) for login, ids in PLAN.get("appointments", {}).items()}
_logins: dict[str, count] = defaultdict(count)
_started = time.monotonic()
_records: list[tuple[str, float, float, str]] = []  # name, seconds since start, ms, failure ("" when it worked)
_skipped: dict[str, int] = defaultdict(int)  # actions that had nothing left to work on


@events.request.add_listener
def _record(name: str, response_time: float, exception: Exception | None, start_time: float, **_: Any) -> None:
    _records.append((name, start_time - _wall_start, response_time, str(exception)[:200] if exception else ""))


_wall_start = time.time()


@events.user_error.add_listener
def _user_error(user_instance: Any, exception: Exception, tb: Any, **_: Any) -> None:
    """A bug or a surprise in the user's own code (a page without the expected form): a failure too."""
    _records.append((f"error in {type(user_instance).__name__}", time.time() - _wall_start, 0.0, repr(exception)[:200]))


@events.test_stop.add_listener
def _write(**_: Any) -> None:
    if "BENCH_OUT" not in os.environ:
        return
    document = {
        "warmup_s": WARMUP,
        "elapsed_s": round(time.monotonic() - _started, 3),
        "records": [r for r in _records if r[1] >= WARMUP],
        "warmup_records": sum(1 for r in _records if r[1] < WARMUP),
        "skipped": dict(_skipped),
        "slots_left": len(SLOTS),
        "appointments_left": sum(len(ids) for ids in APPOINTMENTS.values()),
    }
    with open(os.environ["BENCH_OUT"], "w") as f:
        json.dump(document, f)


class BehindTheProxy(DefaultCookiePolicy):
    """Secure cookies go back over the loopback connection: the browser would send them over HTTPS to the
    proxy, which passes them on."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        return True


class Forms(HTMLParser):
    """The forms of a page, each as a browser would submit it: (name, value) pairs in document order,
    checked boxes only, a select's selected option (or its first), a textarea's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"id": a.get("id", ""), "action": a.get("action", ""), "fields": [], "options": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "selected": []}
            self._form["options"][a["name"]] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form["options"][self._select["name"]].append(value)
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["selected"].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "text": ""}

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            chosen = self._select["selected"] or ([self._select["first"]] if self._select["first"] is not None else [])
            self._form["fields"] += [[self._select["name"], value] for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append([self._textarea["name"], self._textarea["text"].removeprefix("\n")])
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def form_with(html: str, *, id: str = "", having: str = "") -> dict | None:
    """The page's form with this id, or the first holding a field of this name, or else the first form."""
    for form in forms_of(html):
        names = {name for name, _ in form["fields"]} | set(form["options"])
        if (id and form["id"] == id) or (having and having in names) or not (id or having):
            return form
    return None


def need(form: dict | None, what: str) -> dict:
    """A page that answered 200 without the form it always has is a failure too (recorded as a user error)."""
    if form is None:
        raise LookupError(f"no {what} on the page")
    return form


def set_field(form: dict, name: str, value: str) -> None:
    """Replace a field's value(s), or add the field."""
    form["fields"] = [f for f in form["fields"] if f[0] != name] + [[name, value]]


def value_of(form: dict, name: str) -> str:
    return next((v for n, v in form["fields"] if n == name), "")


def links(html: str, prefix: str) -> list[str]:
    """Distinct hrefs on the page that start with prefix and end after one UUID (e.g. charts, claims)."""
    found, start = [], 0
    needle = f'href="{prefix}'
    while (i := html.find(needle, start)) != -1:
        end = html.find('"', i + 6)
        href = html[i + 6 : end]
        if len(href) == len(prefix) + 37 and href.endswith("/") and href not in found:
            found.append(href)
        start = end
    return found


class Staff(FastHttpUser):
    """A signed-in member of staff: signs in first, and answers for every request it makes."""

    abstract = True
    role = ""
    # Where this kind of user signs in and out, and what its requests are called before the page's name.
    login_url, logout_url, named = "/login/", "/logout/", ""
    wait_time = between(*WAIT)
    default_headers = PROXY_HEADERS

    def on_start(self) -> None:
        logins = PLAN["logins"][self.role]
        number = next(_logins[self.role])
        self.login = logins[number % len(logins)]
        # Each user's own choices, the same from run to run (a seed per role and user number).
        self.rng = random.Random(f"{self.role}-{number}")
        self.client.cookiejar.set_policy(BehindTheProxy())
        self.origin = "https://" + urlsplit(self.host).netloc
        self.page = "/"
        self.html = ""
        # /healthz as a load balancer asks it, without the session cookie.
        self.anonymous = FastHttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self, headers=PROXY_HEADERS
        )
        self.sign_in()

    def get(self, url: str, name: str, *, htmx: bool = False) -> str | None:
        """GET a page as a browser does; it must answer 200. Returns its HTML, or None after a failure."""
        headers = {"Referer": self.origin + self.page}
        if htmx:
            headers["HX-Request"] = "true"
        with self.client.get(url, name=name, headers=headers, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} {r.headers.get('Location', '')}".strip())
                return None
            html = r.text
        if not htmx:
            self.page, self.html = url, html
        return html

    def post(self, url: str, name: str, fields: list, *, expect_to: str = "", exactly: bool = False) -> str | None:
        """POST a form; it must redirect (302), to a path starting with expect_to (or to expect_to itself,
        exactly). Returns the Location."""
        headers = {"Content-Type": FORM, "Origin": self.origin, "Referer": self.origin + self.page}
        with self.client.post(
            url,
            name=name,
            data=urlencode([tuple(f) for f in fields]),
            headers=headers,
            catch_response=True,
            allow_redirects=False,
        ) as r:
            location = r.headers.get("Location", "") if r.status_code == 302 else ""
            if not location.startswith(expect_to or "/") or (exactly and location != expect_to):
                r.failure(f"{r.status_code} {location or problems(r.text)}".strip())
                return None
        return location

    def csrf(self) -> str:
        """The CSRF token of the last page's forms, as a browser posts it."""
        form = form_with(self.html)
        return value_of(form, "csrfmiddlewaretoken") if form else ""

    def sign_in(self) -> None:
        html = self.get(self.login_url, f"{self.named}sign in: form")
        if html is None:
            return
        form = need(form_with(html, having="username"), "the sign-in form")
        set_field(form, "username", self.login)  # a patient's email, in the portal
        set_field(form, "password", PLAN["password"])
        location = self.post(self.login_url, f"{self.named}sign in: password", form["fields"])
        if location is not None and not location.startswith(self.login_url):
            self.get(location, f"{self.named}home")

    @task(1)
    def sign_out_and_in(self) -> None:
        """Signed out and in again: about one action in 80 to 90, so each user signs in every few minutes (people do
        it once or twice a shift; checking the password, by design the costliest request, would swamp the run)."""
        signed_out = self.post(
            self.logout_url, f"{self.named}sign out", [["csrfmiddlewaretoken", self.csrf()]], expect_to=self.login_url
        )
        if signed_out is None:
            self.client.cookiejar.clear()
        self.sign_in()

    @task(20)
    def healthz(self) -> None:
        """The floor: the minimal view asked with the user's session cookie, as from the signed-in browser: what
        any request of a signed-in user costs before the page's own work (the session, the user, the second-factor
        check). Asked often, so that its p95 is taken over a couple of hundred requests."""
        with self.client.get("/healthz", name="healthz, signed in (floor)", catch_response=True) as r:
            if r.status_code != 200 or r.text != "ok":
                r.failure(f"{r.status_code} {r.text[:40]!r}")

    @task(10)
    def healthz_no_session(self) -> None:
        """The same view as a load balancer asks it, without the session cookie (so no database)."""
        with self.anonymous.get("/healthz", name="healthz, no session", catch_response=True) as r:
            if r.status_code != 200 or r.text != "ok":
                r.failure(f"{r.status_code} {r.text[:40]!r}")


def problems(html: str) -> str:
    """The error messages of a form sent back (alerts and field errors), for the failure report."""
    found = re.findall(r'class="(?:alert alert-danger|invalid-feedback[^"]*)"[^>]*>(.*?)</div>', html, re.DOTALL)
    text = " ".join(re.sub(r"<[^>]+>|\s+", " ", f).strip() for f in found)
    return text[:200] or "no redirect"


class FrontDesk(Staff):
    """Searches patients and opens their charts, watches the day, books appointments."""

    weight = 6
    role = "front-desk"

    @task(30)
    def search_and_open_chart(self) -> None:
        term = self.rng.choice(PLAN["search_terms"])
        html = self.get(f"/patients/?{urlencode({'q': term})}", "search patients")
        charts = links(html or "", "/patients/")
        chart = self.rng.choice(charts) if charts else f"/patients/{self.rng.choice(PLAN['charts'])}/"
        self.get(chart, "open chart")

    @task(20)
    def day_schedule(self) -> None:
        self.get(
            f"/schedule/?{urlencode({'date': PLAN['today'], 'location': self.rng.choice(PLAN['locations'])})}",
            "day schedule",
        )

    @task(10)
    def book(self) -> None:
        """From a free slot: find the patient in the picker, then the booking form, filled in and sent."""
        if not SLOTS:
            _skipped["book"] += 1
            return
        slot = SLOTS.pop()
        self.get(f"/schedule/book/patients/?{urlencode({'q': slot['search']})}", "book: patient picker", htmx=True)
        query = {k: slot[k] for k in ("practitioner", "location", "day", "start", "patient")}
        html = self.get(f"/schedule/book/?{urlencode(query)}", "book: form")
        if html is None:
            return
        form = need(form_with(html, having="appointment_type"), "the booking form")
        set_field(form, "appointment_type", str(slot["type"]))
        location = self.post("/schedule/book/", "book: send", form["fields"], expect_to="/schedule/")
        if location:
            self.get(location, "day schedule")


class Practitioner(Staff):
    """Checks the day, opens charts, and writes and signs the note of a visit that has happened (booked in the past
    weeks, never checked in: the practitioner confirms the patient came)."""

    weight = 12
    role = "practitioner"

    @task(20)
    def my_day(self) -> None:
        self.get("/notes/", "my day")

    @task(2)
    def my_outcomes(self) -> None:
        """Their own outcome evidence beside the clinic's (issue 28)."""
        self.get("/analytics/outcomes/", "outcome evidence")

    @task(15)
    def open_chart(self) -> None:
        patients = PLAN["practitioner_patients"].get(self.login) or PLAN["charts"]
        self.get(f"/patients/{self.rng.choice(patients)}/", "open chart")

    @task(15)
    def write_and_sign_note(self) -> None:
        waiting = APPOINTMENTS.get(self.login)
        if not waiting:
            _skipped["note"] += 1
            return
        appointment = waiting.pop()
        if not self.html or "csrfmiddlewaretoken" not in self.html:
            self.get("/notes/", "my day")
        edit = self.post(
            f"/notes/appointment/{appointment}/",
            "note: start",
            [["csrfmiddlewaretoken", self.csrf()]],
            expect_to="/notes/",
        )
        if edit is None:
            return
        html = self.get(edit, "note: open")
        if html is None:
            return
        form = need(form_with(html, id="note-form"), "the note form")
        if value_of(form, "kind") in ("progress", "discharge"):
            # Due a progress report or a discharge summary: re-take a measure and judge every goal first.
            measure = [["csrfmiddlewaretoken", value_of(form, "csrfmiddlewaretoken")], ["instrument", "NPRS"]]
            if (
                self.post(f"{edit.removesuffix('edit/')}measures/", "note: record measure", [*measure, ["item-0", "4"]])
                is None
            ):
                return
            for name, options in form["options"].items():
                if name.startswith("goals-") and name.endswith("-status"):
                    set_field(form, name, next(o for o in options if o))
        fill_note(form)
        form["fields"].append(["then", "sign"])
        form["fields"].append(["patient_arrived", "on"])  # the practitioner confirms the patient came
        # Signed, it shows the note; refused, it goes back to the form (with the reason in a message).
        detail = edit.removesuffix("edit/")
        signed = self.post(edit, "note: save and sign", form["fields"], expect_to=detail, exactly=True)
        if signed:
            self.get(signed, "note: signed")


def fill_note(form: dict) -> None:
    """What signing needs, as a practitioner types it: pain before and after, a line of subjective, and the
    techniques with their minutes (kept within a 30-minute visit); copied rows are kept."""
    for name, value in (("nprs_before", "4"), ("nprs_after", "2"), ("subjective", "Less stiff since the last visit.")):
        if not value_of(form, name):
            set_field(form, name, value)
    rows = sorted(
        {n.split("-")[1] for n, v in form["fields"] if n.startswith("techniques-") and n.endswith("-technique") and v}
    )
    if not rows:
        rows = ["0"]
        options = form["options"]
        set_field(form, "techniques-0-technique", next(o for o in options["techniques-0-technique"] if o))
        set_field(form, "techniques-0-region", next(o for o in options["techniques-0-region"] if o))
    minutes = [int(value_of(form, f"techniques-{r}-minutes") or 0) for r in rows]
    if 0 in minutes or sum(minutes) > 30:
        for r in rows:
            set_field(form, f"techniques-{r}-minutes", str(max(1, 30 // len(rows))))
    for r in rows:
        if not value_of(form, f"techniques-{r}-override_reason"):
            set_field(form, f"techniques-{r}-override_reason", "Discussed with the patient; light pressure.")


class Billing(Staff):
    """Works the billing queue: opens it, and the claims on it."""

    weight = 2
    role = "billing"

    @task(20)
    def queue(self) -> None:
        html = self.get("/billing/", "billing queue")
        claims = links(html or "", "/billing/claims/")
        if claims:
            self.get(self.rng.choice(claims), "claim")

    @task(2)
    def finances(self) -> None:
        """The financial dashboard over its default range (the last twelve weeks), issue 28."""
        self.get("/analytics/finances/", "finances dashboard")


class Owner(Staff):
    """The clinic's owner (an admin) reads the outcome evidence and the practice and financial dashboards over their
    default ranges (issue 28): aggregates over every episode, visit and claim of the clinic."""

    weight = 1
    role = "admin"

    @task(10)
    def outcomes(self) -> None:
        self.get("/analytics/outcomes/", "outcome evidence")

    @task(10)
    def practice(self) -> None:
        self.get("/analytics/practice/", "practice dashboard")

    @task(5)
    def finances(self) -> None:
        self.get("/analytics/finances/", "finances dashboard")


class PortalPatient(Staff):
    """A patient in the portal (/my/), signed in with the email of a seeded patient's account: looks at the home
    page, the coming visits, the week of free times to book one, their scores over time and their statement.
    Asks /healthz with their session too: the floor is what any signed-in request costs, a patient's as well."""

    weight = 4
    role = "patient"
    login_url, logout_url, named = "/my/login/", "/my/logout/", "portal: "

    @task(20)
    def home(self) -> None:
        self.get("/my/", "portal: home")

    @task(10)
    def appointments(self) -> None:
        self.get("/my/appointments/", "portal: appointments")

    @task(10)
    def book(self) -> None:
        """The one visit type open to a returning patient, chosen for them: a week of free times, each a link."""
        html = self.get("/my/book/", "portal: book a visit")
        if html is not None and "/my/book/confirm/?" not in html:
            _skipped["portal: no free time"] += 1

    @task(10)
    def progress(self) -> None:
        self.get("/my/progress/", "portal: progress")

    @task(5)
    def statements(self) -> None:
        self.get("/my/statements/", "portal: statements")
