from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.practitioners.models import CourseRecord
from fascia.practitioners.tests.factories import PDF, wa_license


def progress_of(page) -> int:
    return int(page.get_by_role("progressbar").get_attribute("aria-valuenow"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_she_records_a_course_and_watches_her_ce_progress_grow(live_server, page, tess: User) -> None:
    wa_license(tess.practitioner, expires_in=200)  # issued two years ago
    sign_in(page, live_server, "tess")

    page.get_by_role("link", name="Credentials", exact=True).click()
    page.get_by_role("heading", name="My credentials").wait_for()
    assert page.url == f"{live_server.url}{reverse('practitioners:mine')}"
    assert progress_of(page) == 0
    page.get_by_text("CE hours for Washington LMT: 0 of 24").wait_for()

    page.get_by_label("Title").fill("Ethics and boundaries in medical massage")
    page.get_by_role("textbox", name="Provider", exact=True).fill("NW Institute")
    page.get_by_label("Category").select_option(label="Ethics, boundaries, communication, laws")
    page.get_by_role("spinbutton", name="Hours", exact=True).fill("6")
    last_week = (timezone.localdate() - timedelta(days=7)).isoformat()
    page.get_by_label("Started on").fill(last_week)
    page.get_by_label("Completed on").fill(last_week)
    page.get_by_label("Certificate").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Record course").click()

    page.get_by_text("Ethics and boundaries in medical massage recorded: 6 hours.").wait_for()
    assert progress_of(page) == 25
    page.get_by_text("CE hours for Washington LMT: 6 of 24").wait_for()
    course = CourseRecord.objects.get()
    assert course.practitioner == tess.practitioner and course.certificate_type == "application/pdf"
