from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.evaluations.services import record_evaluation_measure, sign_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.lib.uploads import MAX_UPLOAD_BYTES
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services as plan_services
from fascia.plans.letters import send_letter
from fascia.plans.tests.factories import draft_plan
from fascia.referrals.models import Correspondence, Referral, ReferringProvider
from fascia.referrals.services import record_referral, referral_warnings
from fascia.techniques.models import Technique

PDF = b"%PDF-1.4\n% a tiny test file\n"


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization, family_name="Okafor", given_name="Amara")


@pytest.fixture
def provider(organization: Organization) -> ReferringProvider:
    return ReferringProvider.objects.create(
        organization=organization,
        kind="physician",
        name="Dr. Rosa Quayle",
        credentials="MD",
        npi="1558598797",
        fax="206-555-0188",
    )


def referral_fields(**overrides: object) -> dict:
    return {
        "referral_date": date(2026, 11, 1),
        "order": "Medical massage 2x/week for 6 weeks",
        "visits_authorized": 12,
        "expires_on": date(2027, 2, 1),
        "diagnoses": "m5450, M62.830",
        **overrides,
    }


class TestProviders:
    def test_an_npi_failing_its_check_digit_is_a_field_error(self, client: Client, frank: User) -> None:
        login(client, frank)
        r = client.post(
            reverse("referrals:provider_create"), {"kind": "chiropractor", "name": "Dr. X", "npi": "1558598798"}
        )
        assert "check digit" in str(r.context["form"].errors["npi"])
        assert not ReferringProvider.objects.exists()


class TestReferrals:
    def test_front_desk_records_a_referral_with_its_document(
        self, client: Client, frank: User, patient: Patient, provider: ReferringProvider
    ) -> None:
        login(client, frank)
        data = {
            **referral_fields(),
            "provider": provider.pk,
            "referral_date": "2026-11-01",
            "expires_on": "2027-02-01",
            "document": SimpleUploadedFile("scan.pdf", PDF),
        }
        r = client.post(reverse("referrals:referral_add", args=[patient.public_id]), data)
        assert r.status_code == 302
        referral = Referral.objects.get()
        assert referral.diagnoses == "M54.50, M62.830" and referral.document_type == "application/pdf"
        assert "scan" not in referral.document.name  # stored under a random name
        r = client.get(reverse("referrals:document", args=["referral", referral.public_id]))
        assert r["Content-Type"] == "application/pdf" and b"".join(r.streaming_content) == PDF
        assert AuditEvent.objects.filter(action=AuditAction.DOCUMENT_VIEWED, patient=patient).exists()

    @pytest.mark.parametrize(
        "upload, message",
        [
            (SimpleUploadedFile("notes.pdf", b"just text pretending"), "Upload a PDF, PNG or JPEG"),
            (SimpleUploadedFile("huge.pdf", PDF + b"0" * MAX_UPLOAD_BYTES), "the limit is 10 MB"),
        ],
    )
    def test_uploads_are_checked_by_content_and_size(
        self, frank: User, patient: Patient, provider: ReferringProvider, upload: SimpleUploadedFile, message: str
    ) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match=message):
            record_referral(actor=frank, patient=patient, provider=provider, upload=upload, **referral_fields())
        assert not Referral.objects.exists()

    def test_unknown_diagnosis_codes_are_refused(
        self, frank: User, patient: Patient, provider: ReferringProvider
    ) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="Not ICD-10-CM code"):
            record_referral(actor=frank, patient=patient, provider=provider, **referral_fields(diagnoses="XX1"))

    def test_expired_referrals_are_flagged(self, frank: User, patient: Patient, provider: ReferringProvider) -> None:
        referral = record_referral(
            actor=frank, patient=patient, provider=provider, **referral_fields(expires_on=date(2026, 11, 20))
        )
        assert referral_warnings(referral, on=date(2026, 11, 26)) == [
            "The referral from Dr. Rosa Quayle, MD expired on 2026-11-20."
        ]
        assert "All 12 referred visits are used." in referral_warnings(referral, on=date(2026, 11, 2), visits_used=12)

    def test_another_clinics_document_is_not_found(self, client: Client, frank: User, provider) -> None:
        other = PatientFactory()
        other_provider = ReferringProvider.objects.create(
            organization=other.organization, kind="physician", name="Dr. Other", npi="1234567893"
        )
        referral = record_referral(
            actor=frank,
            patient=other,
            provider=other_provider,
            upload=SimpleUploadedFile("a.pdf", PDF),
            **referral_fields(),
        )
        login(client, frank)
        assert client.get(reverse("referrals:document", args=["referral", referral.public_id])).status_code == 404


class TestLetters:
    def test_the_plan_of_care_letter_is_previewed_then_logged_as_sent(
        self, client: Client, tess: User, patient: Patient, provider: ReferringProvider
    ) -> None:
        evaluation = complete_draft(tess, patient)
        record_evaluation_measure(actor=tess, evaluation=evaluation, instrument="ODI", responses=[3] * 10)
        referral = record_referral(actor=tess, patient=patient, provider=provider, **referral_fields())
        plan = draft_plan(
            tess, patient, evaluation=sign_evaluation(actor=tess, evaluation=evaluation), referral=referral
        )
        plan_services.add_goal(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            term="long",
            measure="instrument",
            instrument="ODI",
            description="Sit through a workday",
            target=30,
            target_date=timezone.localdate() + timedelta(weeks=6),
        )
        plan_services.add_technique(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            technique=Technique.objects.get(code="swedish"),
            region="lower-back",
        )
        login(client, tess)
        letter = {"letter-kind": "plan-of-care", "letter-method": "fax"}
        # The preview is the PDF itself, read and audited, but nothing is logged as sent.
        r = client.post(reverse("plans:letter_preview", args=[plan.public_id]), letter)
        assert r["Content-Type"] == "application/pdf"
        assert not Correspondence.objects.exists()
        previewed = AuditEvent.objects.get(action=AuditAction.LETTER_PREVIEWED)
        assert (previewed.patient_id, previewed.detail) == (patient.pk, {"kind": "plan-of-care"})
        text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(r.content)).pages)
        for expected in (
            "Plan of care: Okafor, Amara",
            "Dr. Rosa Quayle",
            "M54.50",
            "Sit through a workday",
            "60",
            "30",
            "Oswestry Disability Index",
            "Therapeutic (Swedish) massage",
            "Please sign",
        ):
            assert expected in text, expected
        # Logging it as sent keeps the same PDF with the correspondence and returns to the plan, in the app.
        r = client.post(reverse("plans:letter", args=[plan.public_id]), letter, follow=True)
        assert r["Content-Type"].startswith("text/html")
        assert r.redirect_chain[-1][0] == reverse("plans:detail", args=[plan.public_id])
        assert "Plan of care letter logged as sent by fax" in r.content.decode()
        sent = Correspondence.objects.get()
        assert (sent.kind, sent.method, sent.provider, sent.plan) == ("plan-of-care", "fax", provider, plan)
        assert sent.document.read().startswith(b"%PDF")
        assert AuditEvent.objects.filter(action=AuditAction.CORRESPONDENCE_RECORDED, patient=patient).count() == 1

    def test_the_plan_page_previews_in_a_new_tab_before_logging(
        self, client: Client, tess: User, patient: Patient, provider: ReferringProvider
    ) -> None:
        referral = record_referral(actor=tess, patient=patient, provider=provider, **referral_fields())
        plan = draft_plan(tess, patient, referral=referral)
        login(client, tess)
        page = client.get(reverse("plans:detail", args=[plan.public_id])).content.decode()
        preview = reverse("plans:letter_preview", args=[plan.public_id])
        assert f'formaction="{preview}" formtarget="_blank" data-preview>Preview PDF' in page
        assert 'rel="noopener"' in page
        assert ">Log as sent</button>" in page and "Generate PDF and log as sent" not in page

    def test_a_refused_preview_says_why_and_logs_nothing(
        self, client: Client, tess: User, patient: Patient, provider: ReferringProvider
    ) -> None:
        plan = draft_plan(tess, patient)
        login(client, tess)
        r = client.post(
            reverse("plans:letter_preview", args=[plan.public_id]),
            {"letter-kind": "plan-of-care", "letter-method": "fax"},
            follow=True,
        )
        assert "Record the referral" in r.content.decode()
        assert not AuditEvent.objects.filter(action=AuditAction.LETTER_PREVIEWED).exists()

    def test_a_letter_needs_the_referral(self, tess: User, patient: Patient, organization: Organization) -> None:
        plan = draft_plan(tess, patient)
        with pytest.raises(plan_services.PlanError, match="Record the referral"):
            send_letter(actor=tess, organization=organization, plan=plan, kind="plan-of-care", method="fax")
