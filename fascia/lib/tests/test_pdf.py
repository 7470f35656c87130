from io import BytesIO

from pypdf import PdfReader

from fascia.lib.pdf import render_pdf


def test_it_renders_a_template_to_a_real_pdf(settings, tmp_path) -> None:
    (tmp_path / "t.html").write_text("<h1>Report for {{ name }}</h1>")
    settings.TEMPLATES[0]["DIRS"] = [tmp_path]
    pdf = render_pdf("t.html", {"name": "Ivy Marlowe"})
    assert pdf.startswith(b"%PDF-")
    assert "Report for Ivy Marlowe" in PdfReader(BytesIO(pdf)).pages[0].extract_text()
