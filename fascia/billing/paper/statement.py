"""The patient statement: what each claim charged, what insurance paid, and what the patient owes."""

from django.conf import settings
from django.utils import timezone, translation

from fascia.billing.queries import ledger
from fascia.core.models import Organization
from fascia.lib.pdf import render_pdf
from fascia.patients.models import Patient


def render_statement(patient: Patient, *, organization: Organization, language: str = "") -> bytes:
    """The statement in `language`, else in the patient's preferred language (as their emails are), else the
    clinic's: a statement printed at the desk and mailed reads as the one the patient downloads."""
    with translation.override(language or patient.preferred_language or settings.LANGUAGE_CODE):
        return render_pdf(
            "billing/statement.html",
            {
                **ledger(patient.claims.select_related("payer").prefetch_related("lines")),
                "patient": patient,
                "organization": organization,
                "today": timezone.localdate(),
            },
        )
