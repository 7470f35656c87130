from io import BytesIO

from pypdf import PdfReader

from fascia.lib.pdf import render_pdf


def test_it_renders_a_template_to_a_real_pdf() -> None:
    pdf = render_pdf("404.html", {})
    assert pdf.startswith(b"%PDF-")
    assert "There is nothing at this address" in PdfReader(BytesIO(pdf)).pages[0].extract_text()
