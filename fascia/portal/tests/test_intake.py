"""The patient's intake form at /my/intake/: a section a step, each kept as a draft, sent for staff to review."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.measures.models import MeasureResult
from fascia.patients import intake
from fascia.patients.models import IntakeSubmission, Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.patients.tests.test_intake import jpeg
from fascia.portal.tests.factories import patient_account, portal_client

URL = reverse("portal:intake")


@pytest.fixture
def patient(organization: Organization, tess: User) -> Patient:
    return PatientFactory(organization=organization, family_name="Okafor", given_name="Amara", phone="206-555-0100")


@pytest.fixture
def account(patient: Patient) -> User:
    return patient_account(patient)


@pytest.fixture
def signed_in(client: Client, account: User) -> Client:
    return portal_client(client, account)


def details(patient: Patient, **changes: str) -> dict[str, str]:
    data = {
        "demographics-family_name": patient.family_name,
        "demographics-given_name": patient.given_name,
        "demographics-birth_date": patient.birth_date.isoformat(),
        "demographics-sex": patient.sex,
        "demographics-phone": patient.phone,
    }
    return data | {f"demographics-{name}": value for name, value in changes.items()}


def rows(prefix: str, entries: list[dict[str, str]], blank: int = 2) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(entries) + blank), f"{prefix}-INITIAL_FORMS": "0"}
    for n, entry in enumerate(entries):
        data |= {f"{prefix}-{n}-{name}": value for name, value in entry.items()}
    return data


class TestSteps:
    def test_the_home_page_asks_for_the_intake(self, signed_in: Client) -> None:
        page = signed_in.get(reverse("portal:home")).content.decode()
        assert "Fill in your intake form" in page and URL in page

    def test_the_details_start_from_the_chart(self, signed_in: Client, patient: Patient) -> None:
        r = signed_in.get(URL)
        assert r.status_code == 200 and 'value="206-555-0100"' in r.content.decode()
        assert AuditEvent.objects.filter(action=AuditAction.PORTAL_VIEWED, detail__page="intake").count() == 1

    def test_each_step_is_kept_as_a_draft_and_sent_at_the_end(
        self, signed_in: Client, patient: Patient, account: User
    ) -> None:
        r = signed_in.post(URL, details(patient, phone="(206) 555-0199"))
        assert r.status_code == 302 and r["Location"] == f"{URL}?step=medications"
        meds = rows("medications", [{"name": "warfarin", "dose": "5 mg daily"}])
        assert signed_in.post(f"{URL}?step=medications", meds)["Location"] == f"{URL}?step=allergies"
        allergies = rows("allergies", [{"substance": "Almond oil", "category": "oil-lotion"}])
        signed_in.post(f"{URL}?step=allergies", allergies)
        draft = IntakeSubmission.objects.get(patient=patient)
        assert draft.status == IntakeSubmission.Status.DRAFT
        assert draft.answers["medications"] == [{"name": "warfarin", "dose": "5 mg daily"}]
        # A step opened again shows what was kept; saved again unchanged, it keeps it.
        page = signed_in.get(f"{URL}?step=medications").content.decode()
        assert 'value="warfarin"' in page
        kept = {"medications-TOTAL_FORMS": "3", "medications-INITIAL_FORMS": "1"}
        kept |= {"medications-0-name": "warfarin", "medications-0-dose": "5 mg daily"}
        signed_in.post(f"{URL}?step=medications", kept)
        draft.refresh_from_db()
        assert draft.answers["medications"] == [{"name": "warfarin", "dose": "5 mg daily"}]

        card = SimpleUploadedFile("card.jpg", jpeg(), content_type="image/jpeg")
        r = signed_in.post(f"{URL}?step=send", {"card_front": card})
        assert r.status_code == 302
        draft.refresh_from_db()
        assert draft.status == IntakeSubmission.Status.SUBMITTED and draft.submitted_by == account
        assert {i.kind for i in draft.items.all()} == {"demographics", "medication", "allergy", "cards"}
        patient.refresh_from_db()
        assert patient.phone == "206-555-0100" and not patient.medications.exists()  # staff review first
        assert not intake.intake_required(patient)
        event = AuditEvent.objects.get(action=AuditAction.INTAKE_SUBMITTED)
        assert event.actor == account and event.patient == patient
        assert "You sent your intake" in signed_in.get(URL).content.decode()

    def test_more_rows_keeps_what_was_typed(self, signed_in: Client, patient: Patient) -> None:
        data = rows("medications", [{"name": "Tramadol"}]) | {"more": "medications"}
        r = signed_in.post(f"{URL}?step=medications", data)
        assert r["Location"] == f"{URL}?step=medications&more=1"
        page = signed_in.get(r["Location"]).content.decode()
        assert 'value="Tramadol"' in page and 'name="medications-TOTAL_FORMS" value="5"' in page


class TestRefusals:
    def test_a_bad_phone_is_shown_and_nothing_kept(self, signed_in: Client, patient: Patient) -> None:
        r = signed_in.post(URL, details(patient, phone="12345"))
        assert r.status_code == 200
        assert "A phone number has 10 digits" in r.content.decode()
        assert 'aria-invalid="true"' in r.content.decode()
        assert not IntakeSubmission.objects.exists()

    def test_a_row_missing_its_name_is_shown(self, signed_in: Client) -> None:
        r = signed_in.post(f"{URL}?step=allergies", rows("allergies", [{"category": "latex"}]))
        assert r.status_code == 200 and "This field is required." in r.content.decode()
        assert not IntakeSubmission.objects.exists()

    @pytest.mark.parametrize(
        ("content", "problem"),
        [(b"Member ID 12345\nGroup 678\n", "Upload a PDF, PNG or JPEG file."), (b"\xff\xd8\xff" * 10, "damaged")],
    )
    def test_a_card_that_is_not_a_photo_is_refused(
        self, signed_in: Client, patient: Patient, content: bytes, problem: str
    ) -> None:
        signed_in.post(URL, details(patient, phone="206-555-0199"))
        card = SimpleUploadedFile("card.jpg", content, content_type="image/jpeg")
        r = signed_in.post(f"{URL}?step=send", {"card_front": card})
        assert r.status_code == 200 and problem in r.content.decode()
        assert IntakeSubmission.objects.get().status == IntakeSubmission.Status.DRAFT

    def test_nothing_answered_is_not_sent(self, signed_in: Client) -> None:
        r = signed_in.post(f"{URL}?step=send", {})
        assert r.status_code == 200 and "at least one section" in r.content.decode()
        assert not IntakeSubmission.objects.exists()

    def test_an_unknown_step_is_404(self, signed_in: Client) -> None:
        assert signed_in.get(f"{URL}?step=billing").status_code == 404

    def test_another_patients_draft_is_not_shown(self, client: Client, organization: Organization, tess: User) -> None:
        other = PatientFactory(organization=organization)
        intake.save_intake_draft(actor=None, patient=other, data={"medications": [{"name": "Secretol"}]})
        me = PatientFactory(organization=organization)
        portal_client(client, patient_account(me))
        assert "Secretol" not in client.get(f"{URL}?step=medications").content.decode()


def complaint(client: Client, *regions: str) -> None:
    data = {"complaint-complaint": "Back pain when sitting", "complaint-pain_regions": list(regions)}
    assert client.post(f"{URL}?step=complaint", data)["Location"] == f"{URL}?step=questionnaire"


# 16 of 50 on the ODI: 32 %, "moderate disability" (Fairbank & Pynsent 2000's worked example; REFERENCE.md §3).
ODI_ANSWERS = [3, 2, 2, 1, 2, 2, 1, 0, 2, 1]


def answers(responses: list[int | None]) -> dict[str, str]:
    return {f"item-{n}": str(r) for n, r in enumerate(responses) if r is not None}


class TestQuestionnaire:
    def test_a_low_back_complaint_asks_the_odi(self, signed_in: Client) -> None:
        complaint(signed_in, "lower-back", "neck")
        page = signed_in.get(f"{URL}?step=questionnaire").content.decode()
        assert "Oswestry Disability Index" in page and 'name="item-9"' in page and "Skip for now" in page
        assert "Neck Disability Index" not in page

    def test_a_neck_complaint_asks_the_ndi(self, signed_in: Client) -> None:
        complaint(signed_in, "neck")
        assert "Neck Disability Index" in signed_in.get(f"{URL}?step=questionnaire").content.decode()

    def test_answering_records_the_scored_odi_as_from_the_patient(
        self, signed_in: Client, client: Client, patient: Patient, account: User, tess: User
    ) -> None:
        complaint(signed_in, "lower-back")
        r = signed_in.post(f"{URL}?step=questionnaire", answers(ODI_ANSWERS))
        assert r["Location"] == f"{URL}?step=send"
        result = MeasureResult.objects.get(patient=patient)
        assert (result.instrument, result.value, result.band) == ("ODI", 32.0, "moderate disability")
        assert result.responses == ODI_ANSWERS
        assert result.source == MeasureResult.Source.PATIENT and result.entered_by == account
        draft = IntakeSubmission.objects.get(patient=patient)
        event = AuditEvent.objects.get(action=AuditAction.MEASURE_RECORDED)
        assert event.actor == account and event.patient == patient
        assert event.detail == {"source": "patient", "portal": True, "intake": str(draft.public_id)}
        # The step says it was answered, and a second answer is refused.
        page = signed_in.get(f"{URL}?step=questionnaire").content.decode()
        assert "You answered the Oswestry Disability Index" in page and 'name="item-0"' not in page
        signed_in.post(f"{URL}?step=questionnaire", answers(ODI_ANSWERS))
        assert MeasureResult.objects.count() == 1

        signed_in.post(f"{URL}?step=send", {})
        draft.refresh_from_db()
        assert draft.status == IntakeSubmission.Status.SUBMITTED
        assert draft.answers["questionnaire"]["result"] == str(result.public_id)
        login(client, tess)
        review = reverse("patients:intake_review", args=[patient.public_id, draft.public_id])
        page = client.get(review).content.decode()
        assert "Oswestry Disability Index" in page and "<strong>32</strong> · moderate disability" in page

    def test_skipping_records_nothing(self, signed_in: Client, patient: Patient) -> None:
        complaint(signed_in, "lower-back")
        page = signed_in.get(f"{URL}?step=questionnaire").content.decode()
        assert 'href="?step=send"' in page
        assert signed_in.post(f"{URL}?step=send", {}).status_code == 302
        draft = IntakeSubmission.objects.get(patient=patient)
        assert draft.status == IntakeSubmission.Status.SUBMITTED and "questionnaire" not in draft.answers
        assert not MeasureResult.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.MEASURE_RECORDED).exists()

    @pytest.mark.parametrize(
        "responses",
        [
            [3, 2, 2, 1, 2, 2, 1, 0, None, None],  # two unanswered: the ODI allows one
            [3, 2, 2, 1, 2, 2, 1, 0, 2, 9],  # out of 0-5
        ],
    )
    def test_bad_answers_are_refused_and_change_nothing(
        self, signed_in: Client, patient: Patient, responses: list[int | None]
    ) -> None:
        complaint(signed_in, "lower-back")
        before = IntakeSubmission.objects.get(patient=patient).answers
        r = signed_in.post(f"{URL}?step=questionnaire", answers(responses))
        assert r.status_code == 200 and "Not sent yet" in r.content.decode()
        assert not MeasureResult.objects.exists()
        assert IntakeSubmission.objects.get(patient=patient).answers == before
        assert not AuditEvent.objects.filter(action=AuditAction.MEASURE_RECORDED).exists()

    def test_no_region_asks_no_questionnaire(self, signed_in: Client) -> None:
        complaint(signed_in)
        page = signed_in.get(f"{URL}?step=questionnaire").content.decode()
        assert "There is no questionnaire to answer" in page and 'name="item-0"' not in page
        assert signed_in.post(f"{URL}?step=questionnaire", answers([3]))["Location"] == f"{URL}?step=send"
        assert not MeasureResult.objects.exists()

    def test_the_step_speaks_spanish(self, signed_in: Client) -> None:
        complaint(signed_in, "lower-back")
        page = signed_in.get(f"{URL}?step=questionnaire", headers={"accept-language": "es"}).content.decode()
        assert "Un breve cuestionario" in page and "Omitir por ahora" in page
