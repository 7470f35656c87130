"""axe-core finds no accessibility violation (labels, contrast, landmarks, ARIA) on the pages."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from fascia.billing.claims.services import create_claim, unbilled_notes
from fascia.billing.models import Coverage
from fascia.billing.tests.factories import billable_patient
from fascia.conftest import sign_in
from fascia.core.models import Location, User
from fascia.evaluations.services import sign_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients import services
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.services import create_plan
from fascia.practitioners.tests.factories import course, wa_license
from fascia.scheduling.models import AppointmentType
from fascia.scheduling.services import book_appointment
from fascia.visits.services import start_note


def violations(page) -> list[str]:
    result = Axe().run(page)
    return [f"{v['id']}: {v['nodes'][0]['target']}" for v in result.response["violations"]]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_have_no_axe_violations(live_server, page, ada: User, tess: User, location: Location) -> None:
    User.objects.filter(pk=ada.pk).update(is_demo_account=True)  # no second factor in this test
    patient = PatientFactory(organization=ada.organization)
    services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Warfarin", is_anticoagulant=True)
    # A name nobody recognizes: the chart asks "anticoagulant or antiplatelet?"
    unknown = services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Zorblax")
    # A red flag: the review shows it with the form to record a referral or clearance.
    evaluation = complete_draft(
        tess, patient, body_marks=[{"region": "back-neck", "kind": "pain", "intensity": 4}], red_flags=["calf_swelling"]
    )
    signed = sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
    tess.practitioner.locations.add(location)
    appointment = book_appointment(
        actor=ada,  # an admin may book outside working hours
        patient=patient,
        practitioner=tess.practitioner,
        location=location,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        # Next month: a note is dated at most a year ahead (fascia.core.validators.PlausibleDate).
        start_at=datetime.combine(date.today() + timedelta(days=30), time(10), tzinfo=ZoneInfo("America/New_York")),
        override=True,
    )
    plan = create_plan(
        actor=tess,
        evaluation=signed,
        start_date=date(2026, 11, 3),
        visits_per_week=2,
        duration_weeks=6,
        planned_visits=12,
    )
    coverage = billable_patient(tess, ada.organization, start=date(2026, 11, 2))
    Coverage.objects.filter(pk=coverage.pk).update(member_id="")  # a claim with problems to show
    coverage.refresh_from_db()
    claim = create_claim(actor=ada, coverage=coverage, notes=unbilled_notes(coverage.patient, coverage))
    wa_license(tess.practitioner)
    course(tess.practitioner, 6, "ethics", date.today())
    page.goto(f"{live_server.url}/login/")
    assert violations(page) == []
    sign_in(page, live_server, "ada")
    urls = [
        reverse("core:home"),
        reverse("patients:list"),
        reverse("patients:create"),
        patient.get_chart_url(),
        reverse("patients:edit", args=[patient.public_id]),
        reverse("patients:medication_edit", args=[patient.public_id, unknown.public_id]),
        reverse("practitioners:staff_list"),
        reverse("practitioners:staff_create"),
        reverse("core:location_list"),
        reverse("core:location_edit", args=[location.public_id]),
        reverse("core:organization_edit"),
        reverse("core:audit_search"),
        reverse("password_change"),
        reverse("core:two_factor_setup"),
        reverse("techniques:catalog"),
        reverse("techniques:edit", args=["swedish"]),
        reverse("referrals:provider_list"),
        reverse("referrals:provider_create"),
        reverse("referrals:referral_add", args=[patient.public_id]),
        reverse("referrals:correspondence_add", args=[patient.public_id]),
        reverse("plans:detail", args=[plan.public_id]),
        reverse("scheduling:day"),
        reverse("frontdesk:today"),
        reverse("scheduling:book"),
        f"{reverse('scheduling:book')}?patient={coverage.patient.public_id}",
        reverse("scheduling:free"),
        reverse("scheduling:week"),
        reverse("scheduling:waitlist"),
        reverse("scheduling:reschedule", args=[appointment.public_id]),
        reverse("records:verify"),
        reverse("practitioners:requirements"),
        reverse("practitioners:requirement_create"),
        reverse("billing:queue"),
        reverse("billing:claim", args=[claim.public_id]),
        reverse("billing:reports"),
        reverse("billing:payers"),
        reverse("billing:payer_edit", args=[claim.payer.public_id]),
        reverse("billing:patient_record", args=[claim.patient.public_id, "coverage"]),
        reverse("practitioners:detail", args=[tess.practitioner.public_id]),
        reverse("practitioners:compliance"),
    ]
    found = {}
    for url in urls:
        page.goto(live_server.url + url)
        found[url] = violations(page)
    # On a tablet the claim's ten columns of service lines scroll in their own box, not the page.
    wide = page.viewport_size
    page.set_viewport_size({"width": 768, "height": 1000})
    page.goto(live_server.url + reverse("billing:claim", args=[claim.public_id]))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found["claim at 768 px"] = violations(page)
    page.set_viewport_size(wide)
    page.goto(live_server.url + reverse("patients:create"))
    page.get_by_role("button", name="Register patient").click()  # every required field missing
    found["register with errors"] = violations(page)
    page.goto(live_server.url + reverse("evaluations:detail", args=[evaluation.public_id]))
    found["evaluation (admin)"] = violations(page)

    page.context.clear_cookies()  # the practitioner's pages
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + reverse("evaluations:edit", args=[evaluation.public_id]))
    page.get_by_label("Instrument").select_option("ODI")
    page.locator("#item-9").wait_for()
    found["evaluation form"] = violations(page)
    page.goto(live_server.url + reverse("evaluations:detail", args=[evaluation.public_id]))
    found["evaluation review"] = violations(page)
    page.goto(live_server.url + reverse("plans:detail", args=[plan.public_id]))
    page.locator("#id_technique-technique").select_option("deep-tissue")
    found["plan draft"] = violations(page)
    note = start_note(actor=tess, patient=patient, appointment=appointment)
    page.goto(live_server.url + reverse("visits:edit", args=[note.public_id]))
    page.get_by_label("Technique, row 1").select_option(index=1)
    page.get_by_label("Minutes, row 1").fill("20")
    page.get_by_text("Timed minutes").wait_for()
    found["note form"] = violations(page)
    page.goto(live_server.url + reverse("visits:detail", args=[note.public_id]))
    found["note review"] = violations(page)
    page.goto(live_server.url + reverse("visits:dashboard"))
    found["dashboard"] = violations(page)
    assert {url: v for url, v in found.items() if v} == {}
