"""Render a Django template to PDF with WeasyPrint."""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDFs need it

    html = render_to_string(template, context)
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()  # WeasyPrint ships no types
    return pdf
