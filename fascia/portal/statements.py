"""What the patient owes (/my/statements/): their share after insurance, claim by claim, as the clinic's ledger
and statement total it (fascia.billing.queries.ledger, the same sums as the Today board's "balance due"), and the
statement PDF the billing staff print. Payments are taken by the clinic's staff, not here."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.billing.paper.statement import render_statement
from fascia.billing.queries import ledger
from fascia.portal.auth import PatientRequest, patient_view


@patient_view
@require_GET
def statements(request: PatientRequest) -> HttpResponse:
    """The balance and each claim's charges, insurance payments and the patient's share, in plain words: two
    queries for any number of claims."""
    patient = request.patient
    books = ledger(patient.claims.select_related("payer").prefetch_related("lines"))
    audit.record(actor=request.user, action=AuditAction.PORTAL_VIEWED, target=patient, detail={"page": "statements"})
    return render(request, "portal/statements/statements.html", {**books, "organization": request.organization})


@patient_view
@require_GET
def statement_pdf(request: PatientRequest) -> HttpResponse:
    """The patient's statement as a PDF: the one billing staff print, audited as their export is."""
    patient = request.patient
    audit.record(actor=request.user, action=AuditAction.CLAIM_VIEWED, target=patient, detail={"pdf": "statement"})
    pdf = render_statement(patient, organization=request.organization, language=translation.get_language())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{patient.mrn}.pdf"'
    return response
