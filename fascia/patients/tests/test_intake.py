"""Intake: what a patient writes stays apart from the chart until staff accept it, item by item."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, unbound
from fascia.core.models import Organization, User
from fascia.core.tests.factories import OrganizationFactory
from fascia.patients import intake, services
from fascia.patients.models import (
    Allergy,
    IntakeItem,
    IntakeSubmission,
    Medication,
    Patient,
    Source,
)
from fascia.patients.tests.factories import PatientFactory, drawn_png
from fascia.techniques.models import Technique
from fascia.techniques.queries import screen_patient


def jpeg(width: int = 60, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def card(name: str = "front.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg() if content is None else content, content_type="image/jpeg")


ANSWERS = {
    "demographics": {"phone": "(206) 555-0199", "email": "amara@example.com", "family_name": "Okafor"},
    "pregnancy": {"pregnant": "no"},
    "conditions": [{"description": "Lower back pain for two years"}],
    "medications": [{"name": "warfarin", "dose": ""}, {"name": "Vitamin D", "dose": "1000 IU daily"}],
    "allergies": [{"substance": "Almond oil", "category": "oil-lotion", "reaction": "Hives"}],
    "surgeries": [{"procedure": "Knee arthroscopy", "body_region": "leg-right", "performed_on": "2019-05-01"}],
    "implants": [],
    "complaint": {
        "complaint": "My back hurts when I sit",
        "goals": "Sit through a workday",
        "pain_regions": ["lower-back"],
    },
}


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(
        organization=organization, family_name="Okafor", given_name="Amara", phone="206-555-0100", email=""
    )


def submit(patient: Patient, data: dict | None = None, files: dict | None = None) -> IntakeSubmission:
    # The patient's own account acts in the portal; any user of the clinic stands in for it here.
    return intake.submit_intake(actor=None, patient=patient, data=ANSWERS if data is None else data, files=files)


def items(submission: IntakeSubmission) -> dict[str, IntakeItem]:
    """The submission's items by group (details), kind:first answer (history) or kind (the rest)."""
    found = {}
    for item in submission.items.all():
        if item.kind == "demographics":
            key = item.group
        elif item.kind in ("condition", "medication", "allergy", "surgery", "implant"):
            key = f"{item.kind}:{item.value[intake.MATCHED_BY[item.kind]]}"
        else:
            key = item.kind
        found[key] = item
    return found


def decide(actor: User, item: IntakeItem, accept: bool = True) -> IntakeItem:
    return intake.decide_intake_item(actor=actor, item=item, accept=accept)


class TestSubmit:
    def test_nothing_reaches_the_chart_until_reviewed(self, patient: Patient) -> None:
        submission = submit(patient)
        patient.refresh_from_db()
        assert submission.status == IntakeSubmission.Status.SUBMITTED
        assert patient.phone == "206-555-0100" and patient.email == ""
        assert not patient.medications.exists() and not patient.allergies.exists()
        assert not patient.conditions.exists() and not patient.surgeries.exists()
        assert AuditEvent.objects.filter(action=AuditAction.INTAKE_SUBMITTED, patient=patient).count() == 1

    def test_only_what_differs_from_the_chart_is_an_item(self, patient: Patient) -> None:
        found = items(submit(patient))
        # The family name is as on the chart; the phone differs, the email is new, pregnancy "no" is the chart's.
        assert set(found) == {
            "phone",
            "email",
            "condition:Lower back pain for two years",
            "medication:warfarin",
            "medication:Vitamin D",
            "allergy:Almond oil",
            "surgery:Knee arthroscopy",
            "complaint",
        }
        assert found["phone"].value == {"phone": "206-555-0199"}  # as the chart's field stores it

    def test_bad_answers_are_refused_with_their_place_and_nothing_saved(self, patient: Patient) -> None:
        data = {
            **ANSWERS,
            "demographics": {"phone": "12345"},
            "medications": [{"name": "warfarin"}, {"name": ""}],
            "surgeries": [{"procedure": "Knee", "body_region": "knee-ish", "performed_on": "2099-01-01"}],
        }
        with pytest.raises(ValidationError) as e:
            submit(patient, data)
        assert set(e.value.message_dict) == {
            "demographics.phone",
            "medications.1.name",
            "surgeries.0.body_region",
            "surgeries.0.performed_on",
        }
        assert not IntakeSubmission.objects.filter(patient=patient).exists()

    def test_an_empty_intake_is_not_sent(self, patient: Patient) -> None:
        with pytest.raises(ValidationError, match="at least one section"):
            submit(patient, {})
        assert intake.intake_required(patient)

    def test_a_second_submission_waits_for_the_review(self, patient: Patient) -> None:
        submit(patient)
        with pytest.raises(intake.IntakeError):
            submit(patient)

    def test_a_draft_keeps_sections_between_visits_and_submit_takes_them(self, patient: Patient) -> None:
        intake.save_intake_draft(actor=None, patient=patient, data={"medications": [{"name": "Eliquis 5 mg"}]})
        intake.save_intake_draft(actor=None, patient=patient, data={"allergies": []})
        assert intake.intake_required(patient)
        submission = submit(patient, {})
        assert [i.value["name"] for i in submission.items.filter(kind="medication")] == ["Eliquis 5 mg"]
        assert not intake.intake_required(patient)

    def test_intake_required_until_one_is_submitted(self, patient: Patient, tess: User) -> None:
        assert intake.intake_required(patient)
        submission = submit(patient, {"medications": [{"name": "Tramadol"}]})
        assert not intake.intake_required(patient)
        decide(tess, submission.items.get())
        assert not intake.intake_required(patient)


class TestCards:
    def test_photos_are_kept_and_are_an_item(self, patient: Patient) -> None:
        png = SimpleUploadedFile("back.png", drawn_png(), content_type="image/png")
        submission = submit(patient, {}, {"card_front": card(), "card_back": png})
        assert submission.card_front.name.startswith("intake/") and submission.card_back
        assert submission.items.get().kind == "cards"

    @pytest.mark.parametrize(
        ("upload", "problem"),
        [
            (SimpleUploadedFile("card.jpg", b"Name: A. Okafor\nMember ID 123\n"), "Upload a PDF, PNG or JPEG file."),
            (SimpleUploadedFile("card.jpg", b"\xff\xd8\xff" + b"not a photo" * 20), "damaged"),
            (SimpleUploadedFile("card.jpg", b""), "empty"),
            (SimpleUploadedFile("card.jpg", b"\xff\xd8\xff" + b"\0" * (8 * 1024 * 1024)), "the limit is 8 MB"),
        ],
    )
    def test_a_file_that_is_not_a_card_photo_is_refused(
        self, patient: Patient, upload: SimpleUploadedFile, problem: str
    ) -> None:
        with pytest.raises(ValidationError) as e:
            submit(patient, ANSWERS, {"card_front": upload})
        assert problem in " ".join(e.value.message_dict["card_front"])
        assert not IntakeSubmission.objects.filter(patient=patient).exists()

    def test_a_card_opens_for_staff_only_through_the_audited_page(
        self, client: Client, patient: Patient, bill: User
    ) -> None:
        submission = submit(patient, {}, {"card_front": card()})
        url = reverse("patients:intake_card", args=[patient.public_id, submission.public_id, "front"])
        assert client.get(url).status_code == 302  # signed out: to the login page
        login(client, bill)
        r = client.get(url)
        assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and r["X-Content-Type-Options"] == "nosniff"
        assert b"".join(r.streaming_content) == jpeg()
        event = AuditEvent.objects.get(action=AuditAction.INTAKE_CARD_VIEWED)
        assert event.actor == bill and event.patient == patient and event.detail == {"side": "front"}
        back = reverse("patients:intake_card", args=[patient.public_id, submission.public_id, "back"])
        assert client.get(back).status_code == 404  # none uploaded


class TestReview:
    def test_accepting_writes_into_the_chart_with_the_patient_as_source(self, patient: Patient, tess: User) -> None:
        found = items(submit(patient))
        decide(tess, found["allergy:Almond oil"])
        allergy = Allergy.objects.get(patient=patient)
        assert (allergy.substance, allergy.category, allergy.reaction) == ("Almond oil", "oil-lotion", "Hives")
        assert allergy.source == Source.PATIENT and allergy.created_by == tess
        event = AuditEvent.objects.get(action=AuditAction.HISTORY_ADDED, patient=patient)
        assert event.actor == tess and event.target_id == str(allergy.public_id)
        assert event.detail["source"] == "patient" and event.detail["decision"] == "accepted"
        assert event.detail["intake_item"] == str(found["allergy:Almond oil"].public_id)

    def test_accepting_a_changed_phone_updates_the_patient(self, patient: Patient, frank: User) -> None:
        found = items(submit(patient))
        decide(frank, found["phone"])
        patient.refresh_from_db()
        assert patient.phone == "206-555-0199" and patient.updated_by == frank
        event = AuditEvent.objects.get(action=AuditAction.PATIENT_UPDATED, patient=patient)
        assert event.detail["fields"] == ["phone"] and event.detail["source"] == "patient"

    def test_rejecting_leaves_the_chart_and_is_recorded(self, patient: Patient, tess: User) -> None:
        found = items(submit(patient))
        before = AuditEvent.objects.count()
        item = decide(tess, found["medication:warfarin"], accept=False)
        assert item.decision == IntakeItem.Decision.REJECTED and item.decided_by == tess
        assert not Medication.objects.filter(patient=patient).exists()
        assert AuditEvent.objects.count() == before + 1
        event = AuditEvent.objects.get(action=AuditAction.INTAKE_ITEM_REJECTED)
        assert event.actor == tess and event.patient == patient and event.detail["decision"] == "rejected"

    def test_an_item_is_decided_once(self, patient: Patient, tess: User) -> None:
        found = items(submit(patient))
        decide(tess, found["medication:warfarin"], accept=False)
        with pytest.raises(intake.IntakeError):
            decide(tess, found["medication:warfarin"])
        assert not Medication.objects.filter(patient=patient).exists()

    def test_the_intake_is_reviewed_when_every_item_is_decided(self, patient: Patient, tess: User) -> None:
        submission = submit(patient)
        *first, last = submission.items.all()
        for n, item in enumerate(first):
            decide(tess, item, accept=n % 2 == 0)
        submission.refresh_from_db()
        assert submission.status == IntakeSubmission.Status.SUBMITTED
        decide(tess, last)
        submission.refresh_from_db()
        assert submission.status == IntakeSubmission.Status.REVIEWED and submission.reviewed_at
        assert AuditEvent.objects.filter(detail__intake_reviewed=True).count() == 1

    def test_an_accepted_warfarin_is_screened_as_staff_entered_warfarin_is(
        self, organization: Organization, patient: Patient, tess: User
    ) -> None:
        deep = Technique.objects.get(code="deep-tissue")
        staff_patient = PatientFactory(organization=organization)
        services.add_history_entry(actor=tess, patient=staff_patient, kind="medication", name="warfarin")
        found = items(submit(patient))
        assert screen_patient(patient, deep, "leg-right") == []  # not on the chart while pending
        decide(tess, found["medication:warfarin"])
        mine = [(f.rule, f.level) for f in screen_patient(patient, deep, "leg-right")]
        theirs = [(f.rule, f.level) for f in screen_patient(staff_patient, deep, "leg-right")]
        assert mine == theirs == [("anticoagulant", "caution")]

    def test_an_accepted_pregnancy_sets_the_chart(self, patient: Patient, tess: User) -> None:
        due = timezone.localdate() + timedelta(days=90)
        submission = submit(patient, {"pregnancy": {"pregnant": "yes", "due_date": due.isoformat()}})
        decide(tess, submission.items.get(kind="pregnancy"))
        patient.refresh_from_db()
        assert patient.is_pregnant and patient.pregnancy_due_date == due

    def test_a_refused_write_changes_nothing(self, patient: Patient, tess: User) -> None:
        submission = submit(patient, {"surgeries": ANSWERS["surgeries"]})
        item = submission.items.get()
        item.value["performed_on"] = "2099-01-01"  # what the chart refuses, however it came to be stored
        item.save()
        with pytest.raises(ValidationError):
            decide(tess, item)
        item.refresh_from_db()
        assert item.decision == IntakeItem.Decision.PENDING and not patient.surgeries.exists()


class TestChangedOrNew:
    def review(self, patient: Patient, submission: IntakeSubmission, user: User) -> dict[str, intake.ReviewItem]:
        rows = intake.review_items(patient, list(submission.items.all()), user, intake.chart_entries(patient))
        return {r.title if r.item.kind == "demographics" else str(r.item): r for r in rows}

    def test_each_item_says_new_changed_or_already_on_the_chart(self, patient: Patient, tess: User) -> None:
        services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Vitamin D", dose="400 IU")
        services.add_history_entry(
            actor=tess, patient=patient, kind="allergy", substance="almond oil", category="oil-lotion"
        )
        data = {
            "demographics": {"phone": "206-555-0199", "email": "amara@example.com"},
            "medications": [{"name": "Warfarin"}, {"name": "vitamin d", "dose": "1000 IU daily"}],
            "allergies": [
                {"substance": "Almond Oil", "category": "oil-lotion"},
                {"substance": "Latex", "category": "latex"},
            ],
        }
        submission = submit(patient, data)
        # The allergy already on the chart (other case, same words) is no item at all.
        assert submission.items.filter(kind="allergy").count() == 1
        rows = self.review(patient, submission, tess)
        assert rows["Phone"].status == intake.CHANGED
        assert [(r.chart, r.said, r.differs) for r in rows["Phone"].rows] == [("206-555-0100", "206-555-0199", True)]
        assert rows["Email"].status == intake.NEW
        assert rows["Medication: Warfarin"].status == intake.NEW
        assert rows["Medication: vitamin d, 1000 IU daily"].status == intake.CHANGED  # on the chart, another dose
        assert rows["Allergy: Latex, latex"].status == intake.NEW
        # Staff put the phone on the chart meanwhile: the review compares with the chart as it is now.
        services.update_patient(actor=tess, patient=patient, phone="206-555-0199")
        assert self.review(patient, submission, tess)["Phone"].status == intake.SAME

    def test_a_medication_named_with_more_words_is_the_same(self, patient: Patient, tess: User) -> None:
        services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Warfarin 5 mg")
        submission = submit(patient, {"medications": [{"name": "warfarin"}, {"name": "Warfarin 5 mg"}]})
        assert not submission.items.exists() and submission.status == IntakeSubmission.Status.REVIEWED

    def test_accepting_a_new_dose_corrects_the_chart_entry(self, patient: Patient, tess: User) -> None:
        entry = services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Vitamin D")
        submission = submit(patient, {"medications": [{"name": "Vitamin D", "dose": "1000 IU"}]})
        decide(tess, submission.items.get())
        entry.refresh_from_db()
        assert entry.dose == "1000 IU" and patient.medications.count() == 1

    def test_front_desk_decides_details_not_history(self, patient: Patient, frank: User) -> None:
        rows = self.review(patient, submit(patient), frank)
        assert rows["Phone"].can_decide and not rows["Medication: warfarin"].can_decide


class TestReviewPage:
    @pytest.fixture
    def submission(self, patient: Patient) -> IntakeSubmission:
        return submit(patient, files={"card_front": card()})

    def url(self, submission: IntakeSubmission) -> str:
        return reverse("patients:intake_review", args=[submission.patient.public_id, submission.public_id])

    def test_the_chart_links_to_the_intake_to_review(
        self, client: Client, patient: Patient, submission: IntakeSubmission, tess: User
    ) -> None:
        login(client, tess)
        r = client.get(patient.get_chart_url())
        assert "Intake to review" in r.content.decode() and self.url(submission) in r.content.decode()

    def test_it_shows_each_item_with_accept_and_reject(
        self, client: Client, submission: IntakeSubmission, tess: User
    ) -> None:
        login(client, tess)
        r = client.get(self.url(submission))
        page = r.content.decode()
        assert r.status_code == 200
        assert page.count('value="accept"') == submission.items.count()
        assert "206-555-0199" in page and "Almond oil" in page and "Sit through a workday" in page
        assert AuditEvent.objects.filter(action=AuditAction.INTAKE_VIEWED, actor=tess).count() == 1

    def test_accept_and_reject_through_the_page(
        self, client: Client, patient: Patient, submission: IntakeSubmission, tess: User
    ) -> None:
        login(client, tess)
        found = items(submission)
        url = lambda item: reverse(  # noqa: E731
            "patients:intake_decide", args=[patient.public_id, submission.public_id, item.public_id]
        )
        r = client.post(url(found["medication:warfarin"]), {"decision": "accept"})
        assert r.status_code == 302 and r["Location"] == self.url(submission)
        assert patient.medications.get().name == "warfarin"
        client.post(url(found["allergy:Almond oil"]), {"decision": "reject"})
        assert not patient.allergies.exists()
        r = client.post(url(found["condition:Lower back pain for two years"]), {"decision": "maybe"})
        assert not patient.conditions.exists()
        assert found["condition:Lower back pain for two years"].decision == IntakeItem.Decision.PENDING

    def test_front_desk_cannot_accept_history(
        self, client: Client, patient: Patient, submission: IntakeSubmission, frank: User
    ) -> None:
        login(client, frank)
        item = items(submission)["medication:warfarin"]
        url = reverse("patients:intake_decide", args=[patient.public_id, submission.public_id, item.public_id])
        assert client.post(url, {"decision": "accept"}).status_code == 403
        assert not patient.medications.exists()
        item = items(submission)["phone"]
        url = reverse("patients:intake_decide", args=[patient.public_id, submission.public_id, item.public_id])
        assert client.post(url, {"decision": "accept"}).status_code == 302

    def test_another_clinic_finds_no_intake(self, client: Client, submission: IntakeSubmission) -> None:
        other = OrganizationFactory()
        from fascia.conftest import make_user

        stranger = make_user(other, "stranger", "practitioner")
        login(client, stranger)
        assert client.get(self.url(submission)).status_code == 404
        card_url = reverse("patients:intake_card", args=[submission.patient.public_id, submission.public_id, "front"])
        assert client.get(card_url).status_code == 404

    def test_a_draft_is_not_for_staff_to_see(self, client: Client, patient: Patient, tess: User) -> None:
        draft = intake.save_intake_draft(actor=None, patient=patient, data={"allergies": []})
        login(client, tess)
        assert client.get(self.url(draft)).status_code == 404

    def test_the_page_reads_a_fixed_number_of_rows(
        self, client: Client, organization: Organization, patient: Patient, tess: User
    ) -> None:
        def count(submission: IntakeSubmission) -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(self.url(submission)).status_code == 200
            return len(unbound(queries))

        login(client, tess)
        few = count(submit(patient, {"medications": [{"name": "warfarin"}]}))
        other = PatientFactory(organization=organization, birth_date=date(1970, 1, 1))
        for n in range(6):
            services.add_history_entry(actor=tess, patient=other, kind="condition", description=f"Old {n}")
        many = submit(
            other,
            {
                "medications": [{"name": f"Drug {n}"} for n in range(12)],
                "allergies": [{"substance": f"Oil {n}", "category": "oil-lotion"} for n in range(5)],
                "demographics": {"phone": "206-555-0199", "email": "a@example.com"},
                "complaint": ANSWERS["complaint"],
            },
            {"card_front": card()},
        )
        decide(tess, many.items.filter(kind="medication").first())
        assert count(many) == few
