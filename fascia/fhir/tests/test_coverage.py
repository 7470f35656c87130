"""A patient's insurance over FHIR as US Core Coverage: member ID, payer, plan kind, group, relationship, period,
order; searched by patient; validated with fhir.resources' R4B models; the roles that read coverages (not the
practitioners)."""

from datetime import date

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.coverage import Coverage as FhirCoverage

from fascia.billing.models import Coverage, Payer
from fascia.billing.tests.factories import payer
from fascia.core import services
from fascia.core.models import User
from fascia.patients.tests.factories import PatientFactory

BASE = "/fhir/r4"


def insure(patient, **fields: object) -> Coverage:
    return Coverage.objects.create(
        patient=patient,
        payer=payer(patient.organization, Payer.Kind.COMMERCIAL, name="Evergreen Health Plan", payer_id="EVG01"),
        member_id="XJH123456",
        group_number="G-77",
        relationship=Coverage.Relationship.SPOUSE,
        starts_on=date(2026, 1, 1),
        **fields,
    )


@pytest.mark.django_db
def test_a_coverage_is_a_us_core_coverage(client: Client, bill: User, tess: User) -> None:
    patient = PatientFactory(organization=bill.organization)
    row = insure(patient, ends_on=date(2026, 12, 31))
    headers = {"Authorization": f"Bearer {services.create_api_token(actor=bill, user=bill, name='EHR')[1]}"}
    c = FhirCoverage.model_validate_json(client.get(f"{BASE}/Coverage/{row.public_id}", headers=headers).content)
    assert (c.identifier[0].value, c.identifier[0].type.coding[0].code, c.subscriberId) == (
        "XJH123456",
        "MB",
        "XJH123456",
    )
    assert (c.status, c.type.text, c.relationship.coding[0].code, c.order) == (
        "active",
        "Commercial health plan",
        "spouse",
        1,
    )
    assert (c.payor[0].display, c.payor[0].identifier.value) == ("Evergreen Health Plan", "EVG01")
    assert (c.period.start, c.period.end, c.class_fhir[0].value) == (date(2026, 1, 1), date(2026, 12, 31), "G-77")
    assert c.beneficiary.reference == f"Patient/{patient.public_id}"
    found = Bundle.model_validate_json(
        client.get(f"{BASE}/Coverage", {"patient": str(patient.public_id)}, headers=headers).content
    )
    assert [e.resource.id for e in found.entry] == [str(row.public_id)]
    practitioner = {"Authorization": f"Bearer {services.create_api_token(actor=tess, user=tess, name='x')[1]}"}
    assert client.get(f"{BASE}/Coverage", headers=practitioner).status_code == 403
