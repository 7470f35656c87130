from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fascia.billing.claims import services
from fascia.billing.models import Batch, Claim, Coverage
from fascia.billing.tests.factories import billable_patient
from fascia.billing.x12.validate import validate_837
from fascia.conftest import sign_in
from fascia.core.models import Organization, User


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_billing_fixes_a_failing_claim_and_exports_it(
    live_server, page, tess: User, bill: User, organization: Organization
) -> None:
    coverage = billable_patient(tess, organization, start=timezone.localdate() - timedelta(days=10))
    Coverage.objects.filter(pk=coverage.pk).update(member_id="")
    coverage.refresh_from_db()
    services.create_claim(actor=bill, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage))
    sign_in(page, live_server, "bill")

    page.goto(live_server.url + reverse("billing:queue"))
    failing = page.get_by_role("region", name="Claims failing the scrubber")
    failing.get_by_text("The coverage has no member ID.").wait_for()
    failing.get_by_role("link").first.click()
    page.get_by_role("link", name="the coverage").click()
    page.get_by_label("Member ID").fill("XYZ555000111")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Check and mark ready").click()
    page.get_by_text("is ready to send").wait_for()

    page.goto(live_server.url + reverse("billing:queue"))
    page.get_by_role("button", name="Export the electronic claims (837P)").click()
    page.get_by_text("837P file ready").wait_for()
    claim = Claim.objects.get()
    assert claim.status == Claim.Status.SUBMITTED
    batch = Batch.objects.get()
    assert "NM1*IL*1*" in batch.content and "*MI*XYZ555000111~" in batch.content
    assert validate_837(batch.content) == []
    with page.expect_download() as download:
        page.get_by_role("link", name=f"download batch {batch.control_number}").click()
    assert download.value.suggested_filename == f"fascia-837p-{batch.control_number:09d}.txt"
