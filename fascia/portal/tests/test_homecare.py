"""The patient's home care page at /my/home-care/ (issue 27, point 6): today's items, a big button to tick each off
(htmx, a second tap takes it back), the last seven days, pictures served to their own patient only and audited;
at 390 px without axe findings."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import User
from fascia.patients.tests.factories import PatientFactory, drawn_png
from fascia.patients.tests.test_browser_medications import violations
from fascia.plans.models import HomeCareCheck, TreatmentPlan
from fascia.portal.tests.factories import patient_account, portal_client, portal_sign_in
from fascia.visits.tests.test_home_care_since import program

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def plan(tess: User) -> TreatmentPlan:
    patient = PatientFactory(organization=tess.organization, given_name="Amara", family_name="Okafor")
    return program(tess, patient, timezone.localdate() - timedelta(days=3))


@pytest.fixture
def amara(plan: TreatmentPlan) -> User:
    return patient_account(plan.patient)


URL = reverse_lazy("portal:home_care")


def tick(plan: TreatmentPlan, name: str, day: date, done: str = "1") -> dict:
    return {"item": str(plan.home_care_items.get(name=name).public_id), "day": day.isoformat(), "done": done}


@pytest.mark.django_db
class TestPage:
    def test_the_patient_sees_the_program_and_the_view_is_audited(self, client: Client, plan, amara: User) -> None:
        portal_client(client, amara)
        html = client.get(reverse("portal:home_care")).content.decode()
        assert "Knee-to-chest stretch" in html and "Walk" in html and "3 days a week" in html
        assert html.count("Mark done today") == 2
        entry = AuditEvent.objects.get(action=AuditAction.HOME_CARE_VIEWED)
        assert (entry.actor, entry.patient) == (amara, plan.patient)

    def test_a_tap_ticks_today_and_a_second_undoes_it(self, client: Client, plan, amara: User) -> None:
        portal_client(client, amara)
        today = timezone.localdate()
        r = client.post(URL, tick(plan, "Walk", today), **HTMX)
        html = r.content.decode()
        assert html.lstrip().startswith("<article") and "Done today ✓ — tap to undo" in html
        check = HomeCareCheck.objects.get()
        assert (check.day, check.recorded_by, check.patient) == (today, amara, plan.patient)
        entry = AuditEvent.objects.get(action=AuditAction.HOME_CARE_DONE)
        assert entry.actor == amara and entry.patient == plan.patient
        # The same page sent twice keeps one tick; the undo button takes it back.
        client.post(URL, tick(plan, "Walk", today), **HTMX)
        assert HomeCareCheck.objects.count() == 1
        html = client.post(URL, tick(plan, "Walk", today, "0"), **HTMX).content.decode()
        assert "Mark done today" in html and not HomeCareCheck.objects.exists()

    def test_yesterday_can_be_caught_up_without_htmx(self, client: Client, plan, amara: User) -> None:
        portal_client(client, amara)
        yesterday = timezone.localdate() - timedelta(days=1)
        r = client.post(URL, tick(plan, "Walk", yesterday))
        assert r.status_code == 302 and r["Location"] == reverse("portal:home_care")
        assert HomeCareCheck.objects.get().day == yesterday

    @pytest.mark.parametrize(
        "data, problem",
        [
            ({"day": "2020-01-01", "done": "1"}, "Only today and the six days before"),
            ({"day": "2999-01-01", "done": "1"}, "Only today and the six days before"),
            ({"day": "tomorrow", "done": "1"}, "Choose the day again."),
            ({"day": "", "done": "x"}, "Choose the day again."),
            ({}, "Choose the day again."),
        ],
    )
    def test_bad_days_say_why_and_change_nothing(
        self, client: Client, plan, amara: User, data: dict, problem: str
    ) -> None:
        portal_client(client, amara)
        item = str(plan.home_care_items.get(name="Walk").public_id)
        r = client.post(URL, {"item": item, **data}, **HTMX)
        html = r.content.decode()
        assert r.status_code == 200 and 'role="alert"' in html and problem in html
        assert not HomeCareCheck.objects.exists()

    @pytest.mark.parametrize("item", ["", "not-a-uuid", "\x00"])
    def test_a_bad_item_sends_back_to_the_page(self, client: Client, plan, amara: User, item: str) -> None:
        portal_client(client, amara)
        r = client.post(URL, {"item": item, "day": timezone.localdate().isoformat(), "done": "1"})
        assert r.status_code == 302 and not HomeCareCheck.objects.exists()
        assert "Choose the exercise again." in client.get(URL).content.decode()

    def test_another_patients_item_is_not_found(self, client: Client, plan, tess: User) -> None:
        other = patient_account(PatientFactory(organization=tess.organization))
        portal_client(client, other)
        r = client.post(URL, tick(plan, "Walk", timezone.localdate()))
        assert r.status_code == 404 and not HomeCareCheck.objects.exists()

    def test_no_plan_says_so(self, client: Client, tess: User) -> None:
        portal_client(client, patient_account(PatientFactory(organization=tess.organization)))
        assert "no home care program yet" in client.get(reverse("portal:home_care")).content.decode()


@pytest.mark.django_db
class TestPicture:
    @pytest.fixture
    def item(self, tess: User, plan: TreatmentPlan):
        item = plan.home_care_items.get(name="Walk")
        item.image.save("x", SimpleUploadedFile("x.png", drawn_png()), save=False)
        item.image_type = "image/png"
        item.save()
        return item

    def test_its_patient_gets_it_audited(self, client: Client, item, amara: User) -> None:
        portal_client(client, amara)
        r = client.get(reverse("portal:home_care_image", args=[item.public_id]))
        assert r.status_code == 200 and r["Content-Type"] == "image/png"
        entry = AuditEvent.objects.get(action=AuditAction.HOME_CARE_VIEWED, detail__picture=True)
        assert (entry.actor, entry.target_id) == (amara, str(item.public_id))

    def test_another_patient_and_staff_are_refused(self, client: Client, item, tess: User) -> None:
        portal_client(client, patient_account(PatientFactory(organization=tess.organization)))
        assert client.get(reverse("portal:home_care_image", args=[item.public_id])).status_code == 404
        client.logout()
        login(client, tess)
        assert client.get(reverse("portal:home_care_image", args=[item.public_id])).status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_ticks_off_on_a_phone(live_server, page, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization, given_name="Amara", family_name="Okafor")
    plan = program(tess, patient, date.today() - timedelta(days=3))
    user = patient_account(patient)
    page.set_viewport_size({"width": 390, "height": 844})
    portal_sign_in(page, live_server, user)
    page.goto(live_server.url + reverse("portal:home_care"))
    card = page.get_by_role("article", name="Walk")
    card.get_by_role("button", name="Mark done today").click()
    card.get_by_role("button", name="Done today ✓ — tap to undo").wait_for()
    assert HomeCareCheck.objects.filter(item__plan=plan, day=date.today()).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert violations(page) == []
    card.get_by_role("button", name="Done today ✓ — tap to undo").click()
    card.get_by_role("button", name="Mark done today").wait_for()
    assert not HomeCareCheck.objects.exists()
