"""The patient statement: what each claim charged, what insurance paid, and what the patient owes."""

from django.utils import timezone

from fascia.billing.queries import ledger
from fascia.core.models import Organization
from fascia.lib.pdf import render_pdf
from fascia.patients.models import Patient


def render_statement(patient: Patient, *, organization: Organization) -> bytes:
    return render_pdf(
        "billing/statement.html",
        {
            **ledger(patient.claims.select_related("payer").prefetch_related("lines")),
            "patient": patient,
            "organization": organization,
            "today": timezone.localdate(),
        },
    )
