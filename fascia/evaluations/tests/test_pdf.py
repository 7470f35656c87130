from io import BytesIO

from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from fascia.conftest import login
from fascia.core.models import User
from fascia.evaluations import services
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.tests.factories import PatientFactory


def test_the_report_is_a_pdf_with_the_findings_and_scores(client: Client, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization, family_name="Pemberton", given_name="Hannah")
    evaluation = complete_draft(
        tess,
        patient,
        rom=[{"motion": "thoracolumbar-flexion", "side": "", "degrees": 50}],
        body_marks=[{"region": "back-lower-back", "kind": "pain", "intensity": 7}],
    )
    services.record_evaluation_measure(
        actor=tess, evaluation=evaluation, instrument="ODI", responses=[2, 2, 2, 2, 2, 2, 1, 1, 2, None]
    )
    services.sign_evaluation(actor=tess, evaluation=evaluation)
    login(client, tess)
    r = client.get(reverse("evaluations:pdf", args=[evaluation.public_id]))
    assert r["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(r.content)).pages)
    for expected in (
        "Initial evaluation",
        "Pemberton, Hannah",
        "Low back pain after lifting",
        "M54.50",
        "Oswestry Disability Index",
        "35.6",
        "moderate disability",
        "Lower back",
        "Thoracolumbar flexion",
        "30°",
        "Electronically signed by",
    ):
        assert expected in text, expected
