"""The app process killed while exporting claims, from the page or with `fascia export_837`.

Whatever the moment: either every claim is submitted, in a stored batch whose 837P holds it (and
a complete file), or every claim is still ready, in no batch and in no file under --out, so it
is neither lost nor sent twice.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from fascia.billing.claims import services
from fascia.billing.models import Batch, Claim, ClaimEvent
from fascia.billing.tests.factories import billable_patient
from fascia.core.models import Organization, User
from fascia.core.tests.faults import COMMIT, AppServer, KillAt, after_commit

pytestmark = pytest.mark.django_db(transaction=True)
S = Claim.Status


@pytest.fixture
def claims(tess: User, bill: User, organization: Organization) -> list[Claim]:
    """Two ready claims to an electronic payer."""
    start = timezone.localdate() - timedelta(days=10)
    result = []
    for _ in range(2):
        coverage = billable_patient(tess, organization, start=start)
        claim = services.create_claim(
            actor=tess, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
        )
        result.append(services.mark_ready(actor=bill, claim=claim))
    return result


def assert_none_sent(claims: list[Claim]) -> None:
    rows = Claim.objects.filter(pk__in=[c.pk for c in claims])
    assert [(c.status, c.batch_id, c.submitted_at) for c in rows] == [(S.READY, None, None)] * len(claims)
    assert not Batch.objects.exists()
    assert not ClaimEvent.objects.filter(to_status=S.SUBMITTED).exists()


def assert_all_sent(claims: list[Claim]) -> Batch:
    batch = Batch.objects.get()
    for claim in Claim.objects.filter(pk__in=[c.pk for c in claims]):
        assert (claim.status, claim.batch_id) == (S.SUBMITTED, batch.pk) and claim.submitted_at is not None
        assert f"~CLM*{claim.number}*" in batch.content
    assert ClaimEvent.objects.filter(to_status=S.SUBMITTED).count() == len(claims)
    return batch


# The export's writes in order: the batch, then every claim's batch link and status (one statement),
# their history (one statement) and their audit entries.
BEFORE_COMMIT = [
    KillAt(sql=r'^INSERT INTO "billing_batch"', after=True),
    KillAt(sql=r'^UPDATE "billing_claim" SET .*"status" = ', after=True),
    KillAt(sql=r'^INSERT INTO "billing_claimevent"', after=True),
]
KILL_IDS = ["after-batch", "after-statuses", "after-history"]


class TestExportPage:
    @pytest.mark.parametrize("kill_at", BEFORE_COMMIT, ids=KILL_IDS)
    def test_cut_short_it_sends_nothing(
        self, app_server: AppServer, bill: User, claims: list[Claim], kill_at: KillAt
    ) -> None:
        browser = app_server.browser(bill)
        browser.get(reverse("billing:queue"))
        browser.post_killed(reverse("billing:export"), {}, kill_at=kill_at)
        assert_none_sent(claims)

        browser.get(reverse("billing:queue"))  # the Export button sends them, once
        r = browser.post(reverse("billing:export"), {})
        assert r.status == 302 and r.headers["Location"].endswith("?batch=1")
        assert_all_sent(claims)

    def test_killed_after_commit_the_batch_is_whole_and_downloadable(
        self, app_server: AppServer, bill: User, claims: list[Claim]
    ) -> None:
        browser = app_server.browser(bill)
        browser.get(reverse("billing:queue"))
        browser.post_killed(reverse("billing:export"), {}, kill_at=after_commit())
        batch = assert_all_sent(claims)
        assert browser.get(reverse("billing:batch", args=[batch.control_number])).text == batch.content


class TestExportCommand:
    def visible(self, folder: Path) -> list[str]:
        return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))

    @pytest.mark.parametrize("kill_at", BEFORE_COMMIT, ids=KILL_IDS)
    def test_cut_short_in_the_database_it_writes_and_sends_nothing(
        self, app_server: AppServer, claims: list[Claim], tmp_path: Path, kill_at: KillAt
    ) -> None:
        out = tmp_path / "claims.837"
        app_server.command_killed("export_837", "--out", str(out), kill_at=kill_at)
        assert_none_sent(claims)
        assert list(tmp_path.iterdir()) == []

        assert app_server.command("export_837", "--out", str(out))["ok"]
        assert out.read_text(encoding="ascii") == assert_all_sent(claims).content

    def test_killed_after_the_file_is_written_but_before_the_commit(
        self, app_server: AppServer, claims: list[Claim], tmp_path: Path
    ) -> None:
        """The file must not be there: its claims are still ready and would go again in the next one."""
        out = tmp_path / "claims.837"
        app_server.command_killed("export_837", "--out", str(out), kill_at=KillAt(call=COMMIT))
        assert_none_sent(claims)
        assert self.visible(tmp_path) == []  # only a hidden .partial file, never under --out

        assert app_server.command("export_837", "--out", str(out))["ok"]
        assert out.read_text(encoding="ascii") == assert_all_sent(claims).content

    def test_killed_after_the_commit_the_batch_is_whole(
        self, app_server: AppServer, bill: User, claims: list[Claim], tmp_path: Path
    ) -> None:
        out = tmp_path / "claims.837"
        app_server.command_killed("export_837", "--out", str(out), kill_at=after_commit())
        batch = assert_all_sent(claims)
        assert self.visible(tmp_path) == []  # not yet named; complete, and on the billing page
        (staged,) = tmp_path.iterdir()
        assert staged.read_text(encoding="ascii") == batch.content
        browser = app_server.browser(bill)
        assert browser.get(reverse("billing:batch", args=[batch.control_number])).text == batch.content
        result = app_server.command("export_837", "--out", str(tmp_path / "again.837"))
        assert result == {
            "ok": False,
            "error": "No ready electronic claims to export; no file was written.",
            "stdout": "",
        }
