import re
from io import BytesIO

from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from fascia.conftest import login
from fascia.core.models import User
from fascia.evaluations import services
from fascia.evaluations.catalog import MARK_COLOURS
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


def colours(content: str, operator: str) -> set[tuple[float, ...]]:
    """The RGB colours a PDF page's drawing sets with `operator` (rg: fill, RG: stroke), rounded to match."""
    triples = re.findall(rf"([\d.]+) ([\d.]+) ([\d.]+) {operator}\b", content)
    return {tuple(round(float(c), 2) for c in triple) for triple in triples}


def rgb(hex_colour: str) -> tuple[float, ...]:
    return tuple(round(int(hex_colour[i : i + 2], 16) / 255, 2) for i in (1, 3, 5))


def test_the_report_draws_the_body_figure_with_each_mark_in_its_kinds_colour_and_a_legend(
    client: Client, tess: User
) -> None:
    marks = [
        {"region": "back-lower-back", "kind": "pain", "intensity": 7},
        {"region": "front-thigh-left", "kind": "numbness", "intensity": 3},
    ]
    evaluation = complete_draft(tess, PatientFactory(organization=tess.organization), body_marks=marks)
    services.sign_evaluation(actor=tess, evaluation=evaluation)
    login(client, tess)
    r = client.get(reverse("evaluations:pdf", args=[evaluation.public_id]))
    page = PdfReader(BytesIO(r.content)).pages[0]
    text = " ".join(page.extract_text().split())
    for legend in ("Front Back", "Pain", "Numbness", "Tingling", "Tightness", "Trigger point", "●", "○", "▲"):
        assert legend in text, legend
    content = page.get_contents().get_data().decode("latin-1")
    assert rgb("#eef3f3") in colours(content, "rg")  # the figure itself (static/img/body-figure.svg)
    assert {rgb(c) for c in MARK_COLOURS.values()} <= colours(content, "rg")  # the legend's swatches
    # A mark's outline is its kind's colour; a kind nobody marked outlines nothing.
    strokes = colours(content, "RG")
    assert rgb(MARK_COLOURS["pain"]) in strokes and rgb(MARK_COLOURS["numbness"]) in strokes
    assert rgb(MARK_COLOURS["tightness"]) not in strokes
