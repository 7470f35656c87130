"""Issue 27, point 6: a plan's home care program (items edited on the draft, copied by a new version, printed on
the sheet and in the letter), the patient's daily ticks, and how many days were done out of those due."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.roles import Role
from fascia.lib.pdf import render_pdf
from fascia.lib.uploads import MAX_IMAGE_BYTES, checked_image
from fascia.patients.tests.factories import PatientFactory, drawn_png
from fascia.plans import services
from fascia.plans.adherence import Stretch, days_expected, frequency, since_last_visit
from fascia.plans.models import HomeCareCheck, HomeCareItem, TreatmentPlan
from fascia.plans.pdf import letter_context
from fascia.plans.queries import chart_context, get_home_care_item_for_patient, home_care_adherence, home_care_week
from fascia.plans.tests.test_services import odi_goal, technique
from fascia.plans.tests.test_treats import LOW_BACK, START, signed_plan

HTMX = {"HTTP_HX_REQUEST": "true"}
CLINIC = ZoneInfo("America/New_York")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def on(day: date) -> time_machine.travel:
    return time_machine.travel(datetime.combine(day, time(9), tzinfo=CLINIC), tick=False)


def png_upload(name: str = "stretch.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, drawn_png(), content_type="image/png")


def stretch_item(**overrides: object) -> dict:
    return {
        "name": "Doorway pectoral stretch",
        "instructions": "Forearms on the door frame, step through until you feel the stretch. Hold 30 seconds.",
        "times_per_day": 2,
        "days_per_week": 7,
        **overrides,
    }


@pytest.fixture
def plan(tess: User, organization: Organization) -> TreatmentPlan:
    with on(START):
        return signed_plan(tess, PatientFactory(organization=organization), [LOW_BACK])


def activate(tess: User, plan: TreatmentPlan) -> TreatmentPlan:
    services.add_goal(diagnoses=[LOW_BACK], actor=tess, plan=plan, **odi_goal())
    services.add_technique(
        diagnoses=[LOW_BACK], actor=tess, plan=plan, technique=technique("swedish"), region="lower-back"
    )
    return services.activate_plan(actor=tess, plan=plan)


@pytest.fixture
def active(tess: User, plan: TreatmentPlan) -> Iterator[TreatmentPlan]:
    """The plan active from START, with a daily stretch and a walk 3 days a week; the clock on START."""
    with on(START):
        services.add_home_care_item(actor=tess, plan=plan, **stretch_item())
        services.add_home_care_item(
            actor=tess,
            plan=plan,
            **stretch_item(name="Walk", instructions="20 minutes", times_per_day=1, days_per_week=3),
        )
        yield activate(tess, plan)


class TestAdherenceCore:
    @pytest.mark.parametrize(
        "times, days, words",
        [(1, 7, "daily"), (2, 7, "twice a day, daily"), (3, 5, "3 times a day, 5 days a week"), (1, 1, "1 day a week")],
    )
    def test_frequency_in_words(self, times: int, days: int, words: str) -> None:
        assert frequency(times, days) == words

    @pytest.mark.parametrize(
        "days, per_week, expected", [(7, 7, 7), (7, 3, 3), (3, 3, 1), (4, 3, 2), (14, 5, 10), (0, 7, 0), (2, 7, 2)]
    )
    def test_days_due(self, days: int, per_week: int, expected: int) -> None:
        assert days_expected(days, per_week) == expected

    def test_the_stretch_is_the_days_between_visits(self) -> None:
        stretch = since_last_visit(visit=date(2026, 11, 10), previous=date(2026, 11, 6), plan_start=date(2026, 11, 3))
        assert (stretch.first, stretch.last, stretch.days) == (date(2026, 11, 7), date(2026, 11, 9), 3)
        first = since_last_visit(visit=date(2026, 11, 10), previous=None, plan_start=date(2026, 11, 3))
        assert (first.first, first.days) == (date(2026, 11, 3), 7)
        # A visit before the program began (the evaluation) does not stretch it back.
        early = since_last_visit(visit=date(2026, 11, 5), previous=date(2026, 10, 1), plan_start=date(2026, 11, 3))
        assert early.first == date(2026, 11, 3) and early.days == 2
        assert since_last_visit(visit=date(2026, 11, 3), previous=None, plan_start=date(2026, 11, 3)).days == 0


class TestPictureCheck:
    def test_png_and_jpeg_by_their_bytes(self) -> None:
        assert checked_image(png_upload()) == "image/png"
        assert checked_image(SimpleUploadedFile("x.bin", JPEG, content_type="application/octet-stream")) == "image/jpeg"

    @pytest.mark.parametrize(
        "content, problem",
        [
            (b"%PDF-1.4 a document", "PNG or JPEG"),
            (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "PNG or JPEG"),  # the signature without a header chunk
            (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PNG or JPEG"),
            (b"", "empty"),
            (JPEG + b"\x00" * MAX_IMAGE_BYTES, "limit is 2 MB"),
        ],
    )
    def test_anything_else_is_refused(self, content: bytes, problem: str) -> None:
        # Named and typed as a PNG: the bytes decide.
        with pytest.raises(ValidationError, match=problem):
            checked_image(SimpleUploadedFile("fake.png", content, content_type="image/png"))


@pytest.mark.django_db
class TestProgram:
    def test_a_draft_gets_items_with_a_picture_and_an_audit_entry(self, tess: User, plan: TreatmentPlan) -> None:
        item = services.add_home_care_item(actor=tess, plan=plan, image=png_upload(), **stretch_item())
        item.refresh_from_db()
        assert item.frequency == "twice a day, daily"
        assert item.image_type == "image/png" and item.image.name.startswith("home-care/")
        assert "stretch" not in item.image.name  # never the uploader's file name
        entry = AuditEvent.objects.get(action=AuditAction.PLAN_UPDATED, patient=plan.patient)
        assert entry.detail == {"home_care_added": item.name, "frequency": "twice a day, daily", "image": True}

    @pytest.mark.parametrize(
        "fields, problem",
        [
            (stretch_item(days_per_week=8), "less than or equal to 7"),
            (stretch_item(times_per_day=0), "greater than or equal to 1"),
            (stretch_item(name=""), "cannot be blank"),
            (stretch_item(instructions=""), "cannot be blank"),
        ],
    )
    def test_bad_items_are_refused(self, tess: User, plan: TreatmentPlan, fields: dict, problem: str) -> None:
        with pytest.raises(ValidationError, match=problem):
            services.add_home_care_item(actor=tess, plan=plan, **fields)
        assert not HomeCareItem.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.PLAN_UPDATED).exists()

    def test_a_refused_picture_stores_nothing(self, tess: User, plan: TreatmentPlan) -> None:
        fake = SimpleUploadedFile("x.png", b"%PDF-1.4", content_type="image/png")
        with pytest.raises(ValidationError, match="PNG or JPEG"):
            services.add_home_care_item(actor=tess, plan=plan, image=fake, **stretch_item())
        assert not HomeCareItem.objects.exists()

    def test_a_second_item_of_the_same_name_is_refused(self, tess: User, plan: TreatmentPlan) -> None:
        services.add_home_care_item(actor=tess, plan=plan, **stretch_item())
        with pytest.raises(ValidationError, match="already has an item of this name"):
            services.add_home_care_item(actor=tess, plan=plan, **stretch_item(name="doorway PECTORAL stretch"))

    def test_an_active_plan_changes_by_a_new_version_that_copies_it(self, tess: User, active: TreatmentPlan) -> None:
        with pytest.raises(services.PlanLocked):
            services.add_home_care_item(actor=tess, plan=active, **stretch_item(name="Other"))
        with pytest.raises(services.PlanLocked):
            services.remove_home_care_item(actor=tess, item=active.home_care_items.first())
        revision = services.revise_plan(actor=tess, plan=active)
        fields = ("name", "instructions", "times_per_day", "days_per_week")
        assert list(revision.home_care_items.values_list(*fields)) == list(active.home_care_items.values_list(*fields))
        services.remove_home_care_item(actor=tess, item=revision.home_care_items.get(name="Walk"))
        assert active.home_care_items.count() == 2 and revision.home_care_items.count() == 1

    def test_the_old_free_text_stays_as_the_general_advice(self, tess: User, plan: TreatmentPlan) -> None:
        services.update_plan(actor=tess, plan=plan, home_care="Heat 15 minutes before stretching.")
        services.add_home_care_item(actor=tess, plan=plan, **stretch_item())
        context = letter_context(plan, kind="plan-of-care")
        assert [i.name for i in context["home_care"]] == ["Doorway pectoral stretch"]
        plan.refresh_from_db()
        assert plan.home_care == "Heat 15 minutes before stretching."


@pytest.mark.django_db
class TestTicks:
    def test_a_tick_is_kept_once_a_day_and_audited(self, tess: User, active: TreatmentPlan) -> None:
        item = active.home_care_items.get(name="Walk")
        patient = active.patient
        assert services.set_home_care_done(actor=tess, patient=patient, item=item, day=START, done=True)
        # The same tap again (a double tap, a page sent twice) changes nothing.
        assert not services.set_home_care_done(actor=tess, patient=patient, item=item, day=START, done=True)
        check = HomeCareCheck.objects.get()
        assert (check.item, check.patient, check.day, check.recorded_by) == (item, patient, START, tess)
        entries = AuditEvent.objects.filter(action=AuditAction.HOME_CARE_DONE)
        assert [(e.target_id, e.patient_id, e.detail) for e in entries] == [
            (str(item.public_id), patient.pk, {"day": "2026-11-03"})
        ]

    def test_untick_takes_it_back(self, tess: User, active: TreatmentPlan) -> None:
        item = active.home_care_items.first()
        services.set_home_care_done(actor=tess, patient=active.patient, item=item, day=START, done=True)
        assert services.set_home_care_done(actor=tess, patient=active.patient, item=item, day=START, done=False)
        assert not HomeCareCheck.objects.exists()
        assert AuditEvent.objects.filter(action=AuditAction.HOME_CARE_UNDONE, patient=active.patient).count() == 1

    @pytest.mark.parametrize(
        "offset, problem", [(1, "still to come"), (-1, "starts on 2026-11-03"), (-7, "last seven days")]
    )
    def test_days_outside_the_week_and_the_program_are_refused(
        self, tess: User, active: TreatmentPlan, offset: int, problem: str
    ) -> None:
        with pytest.raises(ValidationError, match=problem):
            services.set_home_care_done(
                actor=tess,
                patient=active.patient,
                item=active.home_care_items.first(),
                day=START + timedelta(days=offset),
                done=True,
            )
        assert not HomeCareCheck.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.HOME_CARE_DONE).exists()

    def test_six_days_back_is_accepted(self, tess: User, active: TreatmentPlan) -> None:
        item = active.home_care_items.first()
        with on(START + timedelta(days=6)):
            services.set_home_care_done(actor=tess, patient=active.patient, item=item, day=START, done=True)
        assert HomeCareCheck.objects.count() == 1

    def test_another_patients_item_is_refused(self, tess: User, active: TreatmentPlan, organization) -> None:
        other = PatientFactory(organization=organization)
        with pytest.raises(services.PlanError, match="not on the patient's plan"):
            services.set_home_care_done(
                actor=tess, patient=other, item=active.home_care_items.first(), day=START, done=True
            )
        assert not HomeCareCheck.objects.exists()

    def test_a_draft_or_ended_plan_is_not_ticked(self, tess: User, plan: TreatmentPlan, active) -> None:
        revision = services.revise_plan(actor=tess, plan=active)
        with pytest.raises(services.PlanError, match="active plan"):
            services.set_home_care_done(
                actor=tess, patient=plan.patient, item=revision.home_care_items.first(), day=START, done=True
            )
        ended = services.end_plan(actor=tess, plan=active, status="completed")
        with pytest.raises(services.PlanError, match="active plan"):
            services.set_home_care_done(
                actor=tess, patient=plan.patient, item=ended.home_care_items.first(), day=START, done=True
            )
        assert not HomeCareCheck.objects.exists()

    def test_adherence_counts_days_done_out_of_days_due(self, tess: User, active: TreatmentPlan) -> None:
        stretch_, walk = active.home_care_items.order_by("id")
        for offset in range(5):  # the stretch on 5 days of the first week, the walk on 2
            day = START + timedelta(days=offset)
            with on(day):
                services.set_home_care_done(actor=tess, patient=active.patient, item=stretch_, day=day, done=True)
                if offset in (1, 3):
                    services.set_home_care_done(actor=tess, patient=active.patient, item=walk, day=day, done=True)
        week = Stretch(START, START + timedelta(days=6))
        rows = home_care_adherence(active, week)
        assert [(r.item.name, r.done, r.expected, r.short) for r in rows] == [
            ("Doorway pectoral stretch", 5, 7, True),
            ("Walk", 2, 3, True),
        ]
        # Ticks outside the stretch do not count.
        assert [
            r.done for r in home_care_adherence(active, Stretch(START + timedelta(days=2), START + timedelta(days=3)))
        ] == [2, 1]


@pytest.mark.django_db
class TestOnThePlanPage:
    def test_adding_answers_with_the_section_alone(self, client: Client, tess: User, plan: TreatmentPlan) -> None:
        login(client, tess)
        data = {f"home_care-{k}": v for k, v in stretch_item().items()} | {"home_care-image": png_upload()}
        r = client.post(reverse("plans:add_home_care", args=[plan.public_id]), data, **HTMX)
        html = r.content.decode()
        assert html.lstrip().startswith('<section class="card mb-4" id="home_care"')
        assert "Home care item added." in html and "twice a day, daily" in html
        item = plan.home_care_items.get()
        assert reverse("plans:home_care_image", args=[plan.public_id, item.public_id]) in html

    def test_a_refused_picture_says_why_and_keeps_what_was_typed(
        self, client: Client, tess: User, plan: TreatmentPlan
    ) -> None:
        login(client, tess)
        fake = SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png")
        data = {f"home_care-{k}": v for k, v in stretch_item().items()} | {"home_care-image": fake}
        r = client.post(reverse("plans:add_home_care", args=[plan.public_id]), data, **HTMX)
        html = r.content.decode()
        assert "Home care item not added" in html and "Upload a PNG or JPEG picture." in html
        assert 'value="Doorway pectoral stretch"' in html
        assert not HomeCareItem.objects.exists()

    def test_removing_one_of_another_plan_changes_nothing(self, client: Client, tess: User, plan) -> None:
        item = services.add_home_care_item(actor=tess, plan=plan, **stretch_item())
        other = services.create_plan(
            actor=tess,
            evaluation=plan.evaluation,
            start_date=START,
            visits_per_week=1,
            duration_weeks=4,
            planned_visits=4,
        )
        login(client, tess)
        r = client.post(reverse("plans:remove_home_care", args=[other.public_id, item.public_id]), **HTMX)
        assert "no longer on the plan" in r.content.decode()
        r = client.post(reverse("plans:remove_home_care", args=[plan.public_id, item.public_id]), **HTMX)
        assert "Home care item removed: Doorway pectoral stretch." in r.content.decode()
        assert not HomeCareItem.objects.exists()

    def test_the_front_desk_is_refused(self, client: Client, frank: User, plan: TreatmentPlan) -> None:
        login(client, frank)
        data = {f"home_care-{k}": v for k, v in stretch_item().items()}
        r = client.post(reverse("plans:add_home_care", args=[plan.public_id]), data)
        assert r.status_code == 403 and not HomeCareItem.objects.exists()

    def test_the_picture_is_served_as_its_bytes_say_and_audited(
        self, client: Client, tess: User, plan: TreatmentPlan
    ) -> None:
        item = services.add_home_care_item(actor=tess, plan=plan, image=png_upload(), **stretch_item())
        login(client, tess)
        r = client.get(reverse("plans:home_care_image", args=[plan.public_id, item.public_id]))
        assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
        assert b"".join(r.streaming_content).startswith(b"\x89PNG")
        entry = AuditEvent.objects.get(action=AuditAction.HOME_CARE_VIEWED)
        assert (entry.actor, entry.patient, entry.target_id) == (tess, plan.patient, str(item.public_id))

    def test_another_clinic_gets_no_picture(self, client: Client, tess: User, plan: TreatmentPlan) -> None:
        item = services.add_home_care_item(actor=tess, plan=plan, image=png_upload(), **stretch_item())
        elsewhere = Organization.objects.create(legal_name="Elsewhere Clinic")
        login(client, make_user(elsewhere, "pat", Role.PRACTITIONER))
        r = client.get(reverse("plans:home_care_image", args=[plan.public_id, item.public_id]))
        assert r.status_code == 404
        assert not AuditEvent.objects.filter(action=AuditAction.HOME_CARE_VIEWED).exists()

    def test_the_sheet_and_the_letter_show_the_program(self, client: Client, tess: User, active) -> None:
        login(client, tess)
        html = client.get(reverse("plans:home_care", args=[active.public_id])).content.decode()
        assert "Doorway pectoral stretch" in html and "3 days a week" in html
        context = letter_context(active, kind="plan-of-care")
        letter = render_to_string("plans/letter.html", {**context, "author": tess})
        assert "Home care program" in letter and "Walk" in letter and "twice a day, daily" in letter

    def test_the_letters_pdf_shows_each_item_with_its_picture(self, tess: User, plan: TreatmentPlan) -> None:
        services.add_home_care_item(actor=tess, plan=plan, image=png_upload(), **stretch_item())
        services.add_home_care_item(actor=tess, plan=plan, **stretch_item(name="Walk", instructions="20 minutes"))
        context = letter_context(plan, kind="plan-of-care", pictures=True)
        pdf = render_pdf("plans/letter.html", {**context, "author": tess})
        pages = PdfReader(BytesIO(pdf)).pages
        text = " ".join(" ".join(page.extract_text().split()) for page in pages)
        assert "Doorway pectoral stretch twice a day" in text and "Walk twice a day, daily 20 minutes" in text
        [picture] = [image for page in pages for image in page.images]  # the stretch's; the walk has none
        assert picture.image is not None and picture.image.size == (40, 12)

    def test_a_picture_whose_file_is_gone_leaves_the_letter_without_it(self, tess: User, plan: TreatmentPlan) -> None:
        item = services.add_home_care_item(actor=tess, plan=plan, image=png_upload(), **stretch_item())
        assert letter_context(plan, kind="plan-of-care", pictures=True)["home_care_rows"][0]["picture"].startswith(
            "data:image/png;base64,iVBORw0KGgo"
        )
        item.image.storage.delete(item.image.name)
        [row] = letter_context(plan, kind="plan-of-care", pictures=True)["home_care_rows"]
        assert row["item"] == item and row["picture"] == ""


@pytest.mark.django_db
class TestOnTheChart:
    def test_the_active_plans_last_week_in_constant_queries(self, tess: User, active: TreatmentPlan) -> None:
        item = active.home_care_items.first()
        for offset in range(3):
            day = START + timedelta(days=offset)
            with on(day):
                services.set_home_care_done(actor=tess, patient=active.patient, item=item, day=day, done=True)
        with on(START + timedelta(days=7)):
            chart_context(active.patient, tess)  # the user's permissions read once, as on any page
            with CaptureQueriesContext(connection) as two:
                context = chart_context(active.patient, tess)
            services_count = len(two.captured_queries)
            assert [(r.item.name, r.done, r.expected) for r in context["home_care"]] == [
                ("Doorway pectoral stretch", 3, 7),
                ("Walk", 0, 3),
            ]
            for n in range(3):
                HomeCareItem.objects.create(plan=active, name=f"Extra {n}", instructions="x")
            with CaptureQueriesContext(connection) as five:
                chart_context(active.patient, tess)
        assert len(five.captured_queries) == services_count


@pytest.mark.django_db
class TestTheWeek:
    def test_the_patients_week_in_three_queries(self, tess: User, active: TreatmentPlan) -> None:
        walk = active.home_care_items.get(name="Walk")
        for offset in (0, 2):
            day = START + timedelta(days=offset)
            with on(day):
                services.set_home_care_done(actor=tess, patient=active.patient, item=walk, day=day, done=True)
        with CaptureQueriesContext(connection) as queries:
            plan, weeks = home_care_week(active.patient, START + timedelta(days=3))
        assert plan == active and len(queries.captured_queries) == 3
        assert [w.item.name for w in weeks] == ["Doorway pectoral stretch", "Walk"]
        walk_week = weeks[1]
        assert [d.day for d in walk_week.days][-1] == START + timedelta(days=3)
        assert [d.done for d in walk_week.days] == [False, False, False, True, False, True, False]
        # Before the program began, a day is shown but cannot be ticked.
        assert [d.open for d in walk_week.days] == [False, False, False, True, True, True, True]
        assert not walk_week.today.done

    def test_no_active_plan_no_week(self, tess: User, plan: TreatmentPlan) -> None:
        assert home_care_week(plan.patient, START) == (None, [])

    def test_an_item_is_found_for_its_own_patient_only(self, tess: User, active: TreatmentPlan, organization) -> None:
        item = active.home_care_items.first()
        assert get_home_care_item_for_patient(active.patient, item.public_id) == item
        with pytest.raises(Http404):
            get_home_care_item_for_patient(PatientFactory(organization=organization), item.public_id)
