"""The outcome page and the dashboards show snapshots of their figures (fascia.analytics.snapshots): counted once,
shown until they are older than MAX_AGE and then counted again; one per filter and per viewer, never another
clinic's; with the database task backend, counted by the worker while the page says so."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from fascia.analytics.models import Snapshot
from fascia.analytics.snapshots import KEEP, MAX_AGE
from fascia.analytics.tests.factories import episode
from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.roles import Role


def _outcomes(client: Client, user: User, **params: str) -> str:
    login(client, user)
    r = client.get(reverse("analytics:outcomes"), params)
    assert r.status_code == 200
    return r.content.decode()


def _ten(tess: User) -> None:
    for day in range(1, 11):
        episode(tess, end=date(2026, 11, day), change=20, reached=True, visits_to_mcid=4, days_to_mcid=14)


@pytest.mark.django_db
def test_figures_are_shown_as_counted_until_they_are_older_than_max_age(client: Client, ada: User, tess: User) -> None:
    _ten(tess)
    page = _outcomes(client, ada)
    assert "10 of 10" in page and "Counted " in page
    episode(tess, end=date(2026, 11, 20), change=2, reached=False)  # an eleventh, not a responder
    assert "10 of 10" in _outcomes(client, ada)  # the snapshot, as counted
    Snapshot.objects.update(computed_at=F("computed_at") - MAX_AGE)
    assert "10 of 11" in _outcomes(client, ada)  # older than MAX_AGE: counted again
    assert Snapshot.objects.count() == 1


@pytest.mark.django_db
def test_one_snapshot_per_viewer_and_filter_and_none_of_another_clinic(client: Client, ada: User, tess: User) -> None:
    _ten(tess)
    admin = _outcomes(client, ada)
    assert "By practitioner" in admin
    own = _outcomes(client, tess)
    assert "By practitioner" not in own and ">You</th>" in own  # her own column, no colleague's figures
    # Another filter, its own count (of episodes: under 10, no rate is shown).
    assert 'col-sm-7">6</dd>' in _outcomes(client, ada, start="2026-11-05")
    assert 'col-sm-7">3</dd>' in _outcomes(client, ada, end="2026-11-03")
    assert Snapshot.objects.count() == 4
    other = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
    stranger = make_user(other, "owner2", Role.ADMIN)
    assert "have a baseline and a later score yet" in _outcomes(client, stranger)  # the same filter, their clinic


@pytest.mark.django_db
def test_a_dashboard_keeps_a_snapshot_per_range(client: Client, ada: User) -> None:
    login(client, ada)
    for start in ("2026-01-01", "2026-02-01"):
        r = client.get(reverse("analytics:finances"), {"start": start, "end": "2026-03-31"})
        assert r.status_code == 200 and "Counted " in r.content.decode()
    assert sorted(Snapshot.objects.values_list("page", "key")) == [
        ("finances", "end=2026-03-31&start=2026-01-01"),
        ("finances", "end=2026-03-31&start=2026-02-01"),
    ]
    # Figures nobody asked for in a day are let go when others are counted.
    Snapshot.objects.filter(key__contains="start=2026-01-01").update(computed_at=F("computed_at") - KEEP)
    client.get(reverse("analytics:finances"), {"start": "2026-03-01", "end": "2026-03-31"})
    assert sorted(Snapshot.objects.values_list("key", flat=True)) == [
        "end=2026-03-31&start=2026-02-01",
        "end=2026-03-31&start=2026-03-01",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_worker_counts_while_the_page_says_so(client: Client, ada: User, tess: User, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _ten(tess)
    assert "These figures are being counted" in _outcomes(client, ada)
    assert "These figures are being counted" in _outcomes(client, ada)
    assert DBTaskResult.objects.count() == 1  # queued once, not once per view
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert "10 of 10" in _outcomes(client, ada)
    # Older than MAX_AGE: the old figures stay on the page while the worker counts again.
    Snapshot.objects.update(computed_at=F("computed_at") - MAX_AGE - timedelta(minutes=1))
    episode(tess, end=date(2026, 11, 20), change=2, reached=False)
    assert "10 of 10" in _outcomes(client, ada) and DBTaskResult.objects.count() == 2
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert "10 of 11" in _outcomes(client, ada)
