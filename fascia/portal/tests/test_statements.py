"""The patient sees what they owe after insurance, visit by visit, as the clinic's ledger totals it, and downloads
the clinic's statement; never another patient's."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.models import Claim, Coverage
from fascia.billing.paper.statement import render_statement
from fascia.billing.queries import patient_balances
from fascia.billing.tests.factories import billable_patient, note, sent_claim
from fascia.core.models import Organization, User
from fascia.portal.tests.factories import patient_account, portal_client

pytestmark = pytest.mark.django_db

START = timezone.localdate() - timedelta(days=20)


def settled(coverage: Coverage, actor: User, *, paid: str, share: str) -> Claim:
    """A claim of the coverage's unbilled visits, sent, with the payer's answer: `paid`, and `share` left to the
    patient (as a posted 835's PR adjustments leave it)."""
    claim = sent_claim(actor, coverage, today=timezone.localdate())
    Claim.objects.filter(pk=claim.pk).update(
        status=Claim.Status.PAID, paid=Decimal(paid), patient_responsibility=Decimal(share)
    )
    return Claim.objects.get(pk=claim.pk)


@pytest.fixture
def nora(tess: User, organization: Organization) -> Coverage:
    coverage = billable_patient(tess, organization, start=START, visits=1)
    settled(coverage, tess, paid="45.20", share="37.15")
    return coverage


@pytest.fixture
def sam(tess: User, organization: Organization) -> Coverage:
    coverage = billable_patient(tess, organization, start=START, visits=1)
    settled(coverage, tess, paid="12.34", share="61.40")
    return coverage


def test_the_patient_sees_their_share_visit_by_visit(client: Client, nora: Coverage, sam: Coverage) -> None:
    portal_client(client, patient_account(nora.patient))
    body = client.get(reverse("portal:statements")).content.decode()
    assert patient_balances([nora.patient.pk]) == {nora.patient.pk: Decimal("37.15")}  # the Today board's figure
    assert '<p class="display-6 mb-1" id="balance">$37.15</p>' in body
    assert f"Visit on {START:%b %-d, %Y}" in body
    assert "Insurance paid $45.20." in body and "Your share: $37.15" in body
    assert "Pay at the front desk or call the clinic" in body
    # Sam's claim is his alone.
    assert "61.40" not in body and "12.34" not in body


def test_a_patient_with_no_claims_owes_nothing(client: Client, tess: User, organization: Organization) -> None:
    coverage = billable_patient(tess, organization, start=START, visits=1)
    portal_client(client, patient_account(coverage.patient))
    body = client.get(reverse("portal:statements")).content.decode()
    assert "$0.00" in body and "No charges yet." in body


def test_the_statement_pdf_is_an_audited_export(client: Client, nora: Coverage, sam: Coverage) -> None:
    account = patient_account(nora.patient)
    portal_client(client, account)
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client.get(reverse("portal:statement_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entries = list(AuditEvent.objects.filter(pk__gt=last).values_list("action", "actor", "patient"))
    assert entries == [(AuditAction.CLAIM_VIEWED, account.pk, nora.patient.pk)]


def test_the_statement_pdf_reads_in_the_patients_language(client: Client, nora: Coverage) -> None:
    """In Spanish from the Spanish portal; printed at the desk, in the language the patient's emails use."""
    portal_client(client, patient_account(nora.patient))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish = pdf_text(client.get(reverse("portal:statement_pdf")).content)
    assert "Estado de cuenta" in spanish and "Importe adeudado" in spanish and "Amount due" not in spanish
    assert "Amount due" in pdf_text(render_statement(nora.patient, organization=nora.patient.organization))
    nora.patient.preferred_language = "es"
    assert "Importe adeudado" in pdf_text(render_statement(nora.patient, organization=nora.patient.organization))


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


def test_query_counts_do_not_grow_with_the_claims(client: Client, tess: User, nora: Coverage) -> None:
    portal_client(client, patient_account(nora.patient))
    url = reverse("portal:statements")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(2):
        note(tess, nora.patient, START + timedelta(days=3 + n), [("deep-tissue", "lower-back", 25)])
        settled(nora, tess, paid="20.00", share="5.00")
    with CaptureQueriesContext(connection) as three:
        body = client.get(url).content.decode()
    assert body.count("Your share: $") == 3 and "$47.15" in body
    assert len(three) == len(one)
