"""Referrals over FHIR as US Core ServiceRequest: the order, the visits it allows until when, its ICD-10-CM
diagnoses, the referring provider by NPI; searched by patient and date written; validated with fhir.resources'
R4B models; the roles that read referrals."""

from datetime import date

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest

from fascia.core import services
from fascia.core.models import User
from fascia.fhir.directory import NPI
from fascia.fhir.history import ICD_10_CM
from fascia.patients.tests.factories import PatientFactory
from fascia.referrals.models import Referral, ReferringProvider
from fascia.referrals.services import record_referral

BASE = "/fhir/r4"


def refer(actor: User, patient, written: date) -> Referral:
    provider, _ = ReferringProvider.objects.get_or_create(
        organization=patient.organization,
        npi="1558598797",
        defaults={"kind": "physician", "name": "Dr. Rhee", "credentials": "MD"},
    )
    return record_referral(
        actor=actor,
        patient=patient,
        provider=provider,
        referral_date=written,
        diagnoses="m54.50, M54.2",
        order="Medical massage 2x/week for 6 weeks",
        visits_authorized=12,
        expires_on=date(2027, 3, 1),
    )


@pytest.mark.django_db
def test_a_referral_is_a_us_core_service_request(client: Client, frank: User, bill: User) -> None:
    patient = PatientFactory(organization=frank.organization)
    first, later = refer(frank, patient, date(2026, 9, 1)), refer(frank, patient, date(2026, 11, 20))
    headers = {"Authorization": f"Bearer {services.create_api_token(actor=frank, user=frank, name='EHR')[1]}"}
    sr = ServiceRequest.model_validate_json(
        client.get(f"{BASE}/ServiceRequest/{first.public_id}", headers=headers).content
    )
    assert (sr.status, sr.intent, sr.code.text) == ("active", "order", "Medical massage 2x/week for 6 weeks")
    assert [(c.coding[0].system, c.coding[0].code) for c in sr.reasonCode] == [
        (ICD_10_CM, "M54.50"),
        (ICD_10_CM, "M54.2"),
    ]
    assert (sr.requester.identifier.system, sr.requester.identifier.value, sr.requester.display) == (
        NPI,
        "1558598797",
        "Dr. Rhee, MD",
    )
    assert (sr.quantityQuantity.value, sr.occurrencePeriod.end) == (12, date(2027, 3, 1))
    assert sr.subject.reference == f"Patient/{patient.public_id}"

    def ids(**params: str) -> list[str]:
        found = Bundle.model_validate_json(client.get(f"{BASE}/ServiceRequest", params, headers=headers).content)
        return [e.resource.id for e in found.entry or []]

    assert ids(patient=f"Patient/{patient.public_id}") == [str(first.public_id), str(later.public_id)]
    assert ids(authored="ge2026-10") == [str(later.public_id)]
    bill_headers = {"Authorization": f"Bearer {services.create_api_token(actor=bill, user=bill, name='x')[1]}"}
    assert client.get(f"{BASE}/ServiceRequest", headers=bill_headers).status_code == 403
