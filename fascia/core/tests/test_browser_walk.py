"""Issue 26, "at 768 px every page fits": each staff role's demo user walks the demo clinic on a tablet, every
link of the navigation and one page of each kind reachable from them, and no page answers an error or scrolls
sideways; the pages a practitioner or the front desk opens on a phone fit at 390 px too."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.core.roles import Role
from fascia.demo.loader import DEMO_LOGINS, DEMO_PASSWORD
from fascia.evaluations.services import start_evaluation
from fascia.patients.models import Patient
from fascia.visits.services import start_note
from fascia.visits.tests.test_browser_tablet import PHONE, PROBE, TABLET, scrolls_sideways

# Files, not pages (PDFs, attachments, the 837), and what is no page at all.
NOT_PAGES = ("pdf", "statement", "transcript", "document", "export", "healthz", "favicon", "logout")
PHONE_PAGES = {"patients:chart", "frontdesk:today", "scheduling:day", "visits:edit", "visits:detail"}
DEPTH = 3  # the navigation, its lists, their records, and what a record links to
# What each role's walk reaches at least, so that a link that goes missing does not shrink the walk unseen.
REACHED = {
    "admin": {"core:audit_search", "core:organization_edit", "core:location_edit", "core:room_edit",
              "practitioners:staff_edit", "practitioners:detail", "records:verify", "billing:claim",
              "patients:consent_versions", "patients:consent_publish", "analytics:practice", "analytics:finances"},
    "practitioner": {"patients:chart", "evaluations:detail", "evaluations:edit", "plans:detail", "visits:detail",
                     "visits:edit", "scheduling:day", "scheduling:week", "scheduling:reschedule"},
    "front desk": {"frontdesk:today", "patients:chart", "scheduling:book", "scheduling:reschedule",
                   "referrals:referral_add", "referrals:provider_edit", "patients:consent_sign"},
    "billing": {"billing:queue", "billing:claim", "billing:remittances", "billing:payers", "billing:reports",
                "analytics:finances"},
}  # fmt: skip

LINKS = """() => [...document.querySelectorAll('main a[href], nav a[href]')]
  .map(a => a.href).filter(h => h.startsWith(location.origin))"""


def kind(url: str) -> str | None:
    """A page's kind, its URL's name, or None for a file or another site's page."""
    parts = urlsplit(url)
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        return None
    if any(word in name for word in NOT_PAGES) or parts.path.startswith("/api/"):
        return None
    return name


def walk(page, start: str, more: list[str]) -> tuple[list[str], list[str], dict[str, str]]:
    """Visit `more` and one page of each kind reachable from the navigation; return the pages that answered
    an error, the pages that scroll sideways, each with what reaches past the edge, and the pages visited
    by kind."""
    page.goto(start)
    nav = page.evaluate("() => [...document.querySelectorAll('nav a[href]')].map(a => a.href)")
    queue = [(url, 0) for url in more + nav]
    seen: dict[str, str] = {}
    errors, wide = [], []
    while queue:
        url, depth = queue.pop(0)
        key = url if url in more else kind(url)  # `more` are variants of pages of a kind the walk knows
        if key is None or key in seen:
            continue
        seen[key] = url
        response = page.goto(url)
        if response.status >= 400:
            errors.append(f"{response.status} {url}")
            continue
        if scrolls_sideways(page):
            wide.append(f"{url}: {page.evaluate(PROBE)}")
        if depth < DEPTH:
            queue += [(link, depth + 1) for link in page.evaluate(LINKS)]
    return errors, wide, seen


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_of_every_role_fits_a_tablet(
    committed_demo_clinic: None, live_server, browser, tmp_path: Path
) -> None:
    # A remittance posted, so that its page lists one: the 837 sent, the payer's 835 back.
    call_command("export_837", out=tmp_path / "claims.837")
    call_command("demo_835", out=tmp_path / "era.835")
    call_command("import_835", str(tmp_path / "era.835"))
    # The day by room is a choice in the day's form, not a link; the drafts are ones the practitioner starts.
    more = [reverse("scheduling:day") + "?by=room", reverse("scheduling:week")]
    therapist = User.objects.get(username="therapist")
    patient = Patient.objects.filter(plans__practitioner__user=therapist).first()
    drafts = [
        reverse("evaluations:edit", args=[start_evaluation(actor=therapist, patient=patient).public_id]),
        reverse("visits:edit", args=[start_note(actor=therapist, patient=patient).public_id]),
    ]
    errors, wide = [], []
    for username, role in DEMO_LOGINS:
        context = browser.new_context(viewport=TABLET)  # one per role: its own session
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, username, DEMO_PASSWORD)
        extra = more + (drafts if role == Role.PRACTITIONER else [])
        role_errors, role_wide, seen = walk(page, live_server.url + "/", [live_server.url + u for u in extra])
        errors += [f"{role}: {e}" for e in role_errors]
        wide += [f"{role} at 768 px: {w}" for w in role_wide]
        visited = {kind(url) for url in seen.values()}
        assert REACHED[role] <= visited, (role, REACHED[role] - visited)
        page.set_viewport_size(PHONE)
        for url in seen.values():
            if kind(url) in PHONE_PAGES:
                page.goto(url)
                if scrolls_sideways(page):
                    wide.append(f"{role} at 390 px: {url}: {page.evaluate(PROBE)}")
        context.close()
    assert errors + wide == [], "\n".join(errors + wide)
