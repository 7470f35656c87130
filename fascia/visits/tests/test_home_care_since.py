"""Issue 27, point 6: the note being written shows how the patient kept to the plan's home care program since the
previous visit — per item, days done out of days due — in a fixed number of queries; at 768 px, without axe
findings (with the plan page's program and the chart's last week)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.conftest import login, sign_in
from fascia.core.models import User
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.patients.tests.test_browser_medications import violations
from fascia.plans import services as plan_services
from fascia.plans.models import HomeCareItem, TreatmentPlan
from fascia.plans.tests.factories import draft_plan
from fascia.visits.queries import home_care_since_last_visit
from fascia.visits.services import start_note
from fascia.visits.tests.factories import signed_note

CLINIC = ZoneInfo("America/New_York")
START = date(2026, 11, 2)  # a Monday


def on(day: date) -> time_machine.travel:
    return time_machine.travel(datetime.combine(day, time(9), tzinfo=CLINIC), tick=False)


def program(actor: User, patient: Patient, start: date) -> TreatmentPlan:
    """A plan active from `start` (deep tissue on the low back) with a daily stretch and a walk 3 days a week."""
    with on(start):
        evaluation = evaluation_services.sign_evaluation(actor=actor, evaluation=complete_draft(actor, patient))
        plan = draft_plan(actor, patient, evaluation=evaluation, start_date=start)
        plan_services.add_goal(
            diagnoses=["M54.50"],
            actor=actor,
            plan=plan,
            term="long",
            measure="instrument",
            instrument="ODI",
            description="Halve the disability",
            target=20,
            target_date=start + timedelta(weeks=6),
        )
        plan_services.add_technique(
            diagnoses=["M54.50"],
            actor=actor,
            plan=plan,
            technique=patient.organization.techniques.get(code="deep-tissue"),
            region="lower-back",
        )
        for name, per_week in (("Knee-to-chest stretch", 7), ("Walk", 3)):
            plan_services.add_home_care_item(
                actor=actor, plan=plan, name=name, instructions="As shown at the visit.", days_per_week=per_week
            )
        return plan_services.activate_plan(actor=actor, plan=plan)


def tick(actor: User, plan: TreatmentPlan, name: str, days: list[date]) -> None:
    item = plan.home_care_items.get(name=name)
    for day in days:
        with on(day):
            plan_services.set_home_care_done(actor=actor, patient=plan.patient, item=item, day=day, done=True)


def week(tess: User) -> TreatmentPlan:
    """The program from START; a visit on START + 2; the stretch ticked 3 of the 4 days after it, the walk once
    (and both before the visit, which the next note does not count); the clock at START + 7."""
    patient = PatientFactory(organization=tess.organization)
    plan = program(tess, patient, START)
    tick(tess, plan, "Knee-to-chest stretch", [START, START + timedelta(1), START + timedelta(3), START + timedelta(4)])
    tick(tess, plan, "Knee-to-chest stretch", [START + timedelta(6)])
    tick(tess, plan, "Walk", [START + timedelta(1), START + timedelta(5)])
    with on(START + timedelta(2)):
        signed_note(tess, patient, START + timedelta(2))
    return plan


@pytest.mark.django_db
class TestSinceLastVisit:
    def test_days_done_out_of_days_due_since_the_previous_visit(self, tess: User) -> None:
        plan = week(tess)
        with on(START + timedelta(7)):
            note = start_note(actor=tess, patient=plan.patient, visited_on=START + timedelta(7))
        since = home_care_since_last_visit(note)
        assert since is not None and since.previous == START + timedelta(2)
        assert (since.stretch.first, since.stretch.last) == (START + timedelta(3), START + timedelta(6))
        assert [(r.item.name, r.done, r.expected) for r in since.items] == [
            ("Knee-to-chest stretch", 3, 4),
            ("Walk", 1, 2),
        ]

    def test_the_first_visit_counts_from_the_programs_start(self, tess: User) -> None:
        patient = PatientFactory(organization=tess.organization)
        plan = program(tess, patient, START)
        tick(tess, plan, "Walk", [START, START + timedelta(2)])
        with on(START + timedelta(3)):
            note = start_note(actor=tess, patient=patient, visited_on=START + timedelta(3))
        since = home_care_since_last_visit(note)
        assert since is not None and since.previous is None and since.stretch.days == 3
        assert [(r.item.name, r.done, r.expected) for r in since.items] == [
            ("Knee-to-chest stretch", 0, 3),
            ("Walk", 2, 1),
        ]

    def test_no_program_no_panel(self, client: Client, tess: User) -> None:
        patient = PatientFactory(organization=tess.organization)
        note = start_note(actor=tess, patient=patient)
        assert home_care_since_last_visit(note) is None
        login(client, tess)
        assert (
            "Home care since last visit"
            not in client.get(reverse("visits:edit", args=[note.public_id])).content.decode()
        )

    def test_the_note_page_shows_it_in_constant_queries(self, client: Client, tess: User) -> None:
        plan = week(tess)
        with on(START + timedelta(7)):
            note = start_note(actor=tess, patient=plan.patient, visited_on=START + timedelta(7))
            login(client, tess)
            url = reverse("visits:edit", args=[note.public_id])
            client.get(url)  # sessions and permissions read once
            with CaptureQueriesContext(connection) as two:
                html = client.get(url).content.decode()
            assert "Home care since last visit" in html
            assert "3 of 4 days" in html and "1 of 2 days" in html
            for n in range(3):
                HomeCareItem.objects.create(plan=plan, name=f"Extra {n}", instructions="x", days_per_week=2)
            with CaptureQueriesContext(connection) as five:
                html = client.get(url).content.decode()
            assert "Extra 2" in html and "0 of 1 day" in html
        assert len(five.captured_queries) == len(two.captured_queries)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_therapist_sees_adherence_on_a_tablet(live_server, page, tess: User) -> None:
    today = date.today()
    patient = PatientFactory(organization=tess.organization, family_name="Okafor", given_name="Amara")
    plan = program(tess, patient, today - timedelta(days=9))
    tick(tess, plan, "Knee-to-chest stretch", [today - timedelta(days=d) for d in (4, 3, 1)])
    with on(today - timedelta(days=5)):
        signed_note(tess, patient, today - timedelta(days=5))
    note = start_note(actor=tess, patient=patient, visited_on=today)

    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + reverse("visits:edit", args=[note.public_id]))
    panel = page.get_by_role("region", name="Home care since last visit")
    panel.wait_for()
    assert "Knee-to-chest stretch" in panel.inner_text() and "3 of 4 days" in panel.inner_text()
    assert "Walk" in panel.inner_text() and "0 of 2 days" in panel.inner_text()
    box = panel.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 768
    assert violations(page) == []
    # The program on the plan page, and on the chart the last week.
    page.goto(live_server.url + reverse("plans:detail", args=[plan.public_id]))
    program_section = page.get_by_role("region", name="Home care program")
    assert "3 days a week" in program_section.inner_text()
    assert violations(page) == []
    page.goto(live_server.url + patient.get_chart_url())
    page.get_by_text("Home care, last 7 days").wait_for()
    assert violations(page) == []
