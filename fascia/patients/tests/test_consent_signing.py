import base64
import hashlib
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.core.tests.factories import OrganizationFactory
from fascia.patients.models import Consent, ConsentDocument, Patient
from fascia.patients.queries import signature_on_file
from fascia.patients.services import publish_consent_document, sign_consent_document
from fascia.patients.tests.factories import PatientFactory, drawn_png

TEXT = "I agree to medical massage.\r\nI may stop at any time.  \r\n"
UA = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"


@pytest.fixture
def document(ada: User, organization: Organization) -> ConsentDocument:
    return publish_consent_document(
        actor=ada, organization=organization, kind=Consent.Kind.TREATMENT, title="Consent to treatment", text=TEXT
    )


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization, family_name="Quill", given_name="Nora")


def sign(actor: User, patient: Patient, document: ConsentDocument, **overrides: object) -> Consent:
    fields = {
        "typed_name": "Nora Quill",
        "signature": drawn_png(),
        "agreed_to_electronic_records": True,
        "ip": "203.0.113.7",
        "user_agent": UA,
        **overrides,
    }
    return sign_consent_document(actor=actor, patient=patient, document=document, **fields)


def pdf_text(consent: Consent) -> str:
    with consent.signed_pdf.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


class TestPublishConsentDocument:
    def test_it_stores_the_text_with_unix_line_ends_and_its_hash(self, document: ConsentDocument) -> None:
        assert document.text == "I agree to medical massage.\nI may stop at any time."
        assert document.sha256 == hashlib.sha256(b"I agree to medical massage.\nI may stop at any time.").hexdigest()
        assert document.version == 1

    def test_a_new_version_keeps_the_old_one(self, ada: User, organization: Organization, document) -> None:
        newer = publish_consent_document(
            actor=ada, organization=organization, kind=document.kind, title=document.title, text=TEXT + "More."
        )
        assert newer.version == 2
        assert ConsentDocument.objects.filter(kind=document.kind).count() == 2
        assert AuditEvent.objects.filter(action=AuditAction.CONSENT_DOCUMENT_PUBLISHED).count() == 2

    def test_it_refuses_the_same_text_again(self, ada: User, organization: Organization, document) -> None:
        with pytest.raises(ValidationError, match="change them to publish"):
            publish_consent_document(
                actor=ada, organization=organization, kind=document.kind, title=document.title, text=TEXT
            )
        assert ConsentDocument.objects.count() == 1

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
    def test_the_database_refuses_to_change_a_published_text(self, document: ConsentDocument) -> None:
        with pytest.raises(DatabaseError, match="only ever added"), transaction.atomic():
            ConsentDocument.objects.filter(pk=document.pk).update(text="Something else.")
        with pytest.raises(DatabaseError, match="only ever added"), transaction.atomic():
            ConsentDocument.objects.filter(pk=document.pk).delete()
        document.refresh_from_db()
        assert document.text == "I agree to medical massage.\nI may stop at any time."


class TestSignConsentDocument:
    def test_it_records_the_consent_with_its_signed_pdf(self, frank: User, patient: Patient, document) -> None:
        consent = sign(frank, patient, document)
        assert (consent.kind, consent.granted, consent.document, consent.recorded_by) == (
            Consent.Kind.TREATMENT,
            True,
            document,
            frank,
        )
        text = pdf_text(consent)
        for shown in (document.sha256, "Nora Quill", "203.0.113.7", UA, "I may stop at any time.", "version 1"):
            assert shown in text, shown
        assert re.search(r"Signed at \(clinic time\) \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} E[SD]T", text)
        with consent.signed_pdf.open("rb") as f:
            assert b"/Subtype /Image" in f.read()  # the drawn signature

    def test_it_is_audited_once_with_the_version_and_hash(self, frank: User, patient: Patient, document) -> None:
        consent = sign(frank, patient, document)
        event = AuditEvent.objects.get(action=AuditAction.CONSENT_SIGNED)
        assert (event.patient, event.target_id) == (patient, str(consent.public_id))
        assert (event.detail["version"], event.detail["sha256"], event.detail["user_agent"]) == (1, document.sha256, UA)

    def test_an_e_signed_assignment_is_billings_signature_on_file(
        self, ada: User, frank: User, patient: Patient, organization: Organization
    ) -> None:
        assignment = publish_consent_document(
            actor=ada, organization=organization, kind=Consent.Kind.ASSIGNMENT, title="Assignment", text="Pay them."
        )
        consent = sign(frank, patient, assignment)
        assert signature_on_file(patient.consents.all(), Consent.Kind.ASSIGNMENT, payer_id=None) == consent

    def test_a_keyboard_user_signs_with_the_typed_name(self, frank: User, patient: Patient, document) -> None:
        consent = sign(frank, patient, document, signature=None, typed_name_only=True)
        assert "Signed with the typed name alone" in pdf_text(consent)

    def test_a_representative_is_named_on_the_pdf(self, frank: User, patient: Patient, document) -> None:
        consent = sign(frank, patient, document, signed_by="representative", representative_name="Ann Quill, mother")
        assert "Ann Quill, mother, representative of the patient" in pdf_text(consent)

    @pytest.mark.parametrize(
        "overrides, field, message",
        [
            ({"signature": None}, "signature", "Draw your signature"),
            ({"signature": b""}, "signature", "Draw your signature"),
            ({"signature": drawn_png(ink=False)}, "signature", "blank"),
            ({"signature": b"GIF89a" + bytes(100)}, "signature", "not a PNG"),
            ({"signature": drawn_png()[:40]}, "signature", "damaged"),
            ({"signature": drawn_png() + bytes(600 * 1024)}, "signature", "limit is 512 KB"),
            ({"typed_name": "   "}, "typed_name", "Type your full name"),
            ({"agreed_to_electronic_records": False}, "agreed_to_electronic_records", "electronically"),
            ({"signed_by": "representative"}, "representative_name", "Name the representative"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_written(
        self, frank: User, patient: Patient, document, overrides, field, message
    ) -> None:
        with pytest.raises(ValidationError) as refused:
            sign(frank, patient, document, **overrides)
        assert message in " ".join(refused.value.message_dict[field])
        assert not Consent.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.CONSENT_SIGNED).exists()

    def test_an_older_version_is_refused(self, ada: User, frank: User, patient: Patient, document) -> None:
        publish_consent_document(
            actor=ada, organization=patient.organization, kind=document.kind, title="New", text="New words."
        )
        with pytest.raises(ValidationError, match=r"newer version \(2\)"):
            sign(frank, patient, document)
        assert not Consent.objects.exists()

    def test_another_organizations_document_is_refused(self, ada: User, frank: User, patient: Patient) -> None:
        elsewhere = publish_consent_document(
            actor=ada, organization=OrganizationFactory(), kind="treatment", title="Theirs", text="Their words."
        )
        with pytest.raises(ValidationError, match="practice's documents"):
            sign(frank, patient, elsewhere)


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


class TestSignPage:
    def post(self, client, patient: Patient, document: ConsentDocument, **overrides: object):
        data = {
            "document": document.public_id,
            "agreed_to_electronic_records": "on",
            "signed_by": "patient",
            "typed_name": "Nora Quill",
            "signature": data_url(drawn_png()),
            **overrides,
        }
        url = reverse("patients:consent_sign", args=[patient.public_id, document.kind])
        return client.post(url, data, HTTP_USER_AGENT=UA)

    def test_the_chart_offers_each_document_to_sign(self, client, frank: User, patient: Patient, document) -> None:
        login(client, frank)
        page = client.get(patient.get_chart_url()).content.decode()
        assert reverse("patients:consent_sign", args=[patient.public_id, "treatment"]) in page

    def test_signing_on_the_device_records_the_consent(self, client, frank: User, patient: Patient, document) -> None:
        login(client, frank)
        response = self.post(client, patient, document)
        assert response.status_code == 302
        consent = Consent.objects.get()
        assert UA in pdf_text(consent)
        chart = client.get(patient.get_chart_url()).content.decode()
        pdf_url = reverse("patients:consent_pdf", args=[patient.public_id, consent.public_id])
        assert pdf_url in chart

    def test_the_signed_pdf_opens_audited(self, client, bill: User, frank: User, patient: Patient, document) -> None:
        consent = sign(frank, patient, document)
        login(client, bill)  # billing reads the signatures on file too
        response = client.get(reverse("patients:consent_pdf", args=[patient.public_id, consent.public_id]))
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        event = AuditEvent.objects.get(action=AuditAction.CONSENT_PDF_VIEWED)
        assert (event.actor, event.patient) == (bill, patient)

    def test_a_bad_signature_comes_back_with_the_reason(self, client, frank: User, patient, document) -> None:
        login(client, frank)
        response = self.post(client, patient, document, signature="data:image/png;base64,!!!")
        assert response.status_code == 200
        assert "The signature image is damaged." in response.content.decode()
        assert not Consent.objects.exists()

    def test_a_stale_page_starts_again_on_the_new_version(self, client, ada, frank, patient, document) -> None:
        publish_consent_document(
            actor=ada, organization=patient.organization, kind=document.kind, title="Consent v2", text="New words."
        )
        login(client, frank)
        page = self.post(client, patient, document).content.decode()
        assert "newer version (2)" in page and "New words." in page
        assert not Consent.objects.exists()

    def test_another_organizations_patient_or_document_is_not_found(self, client, frank, ada, patient, document):
        other = OrganizationFactory()
        theirs = PatientFactory(organization=other)
        their_document = publish_consent_document(
            actor=ada, organization=other, kind="treatment", title="Theirs", text="Their words."
        )
        login(client, frank)
        assert self.post(client, theirs, document).status_code == 404
        assert self.post(client, patient, their_document).status_code == 404
        consent = sign(frank, patient, document)
        outsider = User.objects.create_user(username="x", organization=other)
        outsider.groups.add(*frank.groups.all())
        login(client, outsider)
        assert (
            client.get(reverse("patients:consent_pdf", args=[patient.public_id, consent.public_id])).status_code == 404
        )
        assert not AuditEvent.objects.filter(action=AuditAction.CONSENT_PDF_VIEWED).exists()


class TestConsentDocumentsPage:
    def test_an_admin_publishes_a_new_version(self, client, ada: User, document) -> None:
        login(client, ada)
        url = reverse("patients:consent_publish", args=["treatment"])
        assert "I may stop at any time." in client.get(url).content.decode()  # starts from the current text
        response = client.post(url, {"title": "Consent to treatment", "text": "Revised words."})
        assert response.status_code == 302
        page = client.get(reverse("patients:consent_versions")).content.decode()
        assert "Version 2" in page and "Version 1" in page

    def test_an_unknown_kind_is_not_found(self, client, ada: User) -> None:
        login(client, ada)
        assert client.get(reverse("patients:consent_publish", args=["contact-preferences"])).status_code == 404

    def test_an_empty_text_is_refused_and_nothing_published(self, client, ada: User, document) -> None:
        login(client, ada)
        url = reverse("patients:consent_publish", args=["treatment"])
        response = client.post(url, {"title": "Consent to treatment", "text": "  "})
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert ConsentDocument.objects.count() == 1
