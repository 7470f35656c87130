"""Appointments over FHIR (R4 Appointment): status in FHIR's codes, type, time, participants, why one was
cancelled; searched by patient, date and status; validated with fhir.resources' R4B models; every staff role
reads them, as the schedule."""

from datetime import date

import pytest
from django.test import Client
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle

from fascia.core import services
from fascia.core.models import Location, User
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.services import cancel_appointment
from fascia.visits.tests.factories import appointment

BASE = "/fhir/r4"


@pytest.mark.django_db
def test_appointments_read_and_search(client: Client, tess: User, bill: User, location: Location) -> None:
    patient = PatientFactory(organization=tess.organization)
    kept = appointment(tess, patient, location, date(2030, 3, 4))
    dropped = cancel_appointment(
        actor=tess, appointment=appointment(tess, patient, location, date(2030, 3, 11)), reason="Flu"
    )
    headers = {"Authorization": f"Bearer {services.create_api_token(actor=bill, user=bill, name='EHR')[1]}"}
    a = FhirAppointment.model_validate_json(client.get(f"{BASE}/Appointment/{kept.public_id}", headers=headers).content)
    assert (a.status, a.start, a.end, a.minutesDuration) == ("booked", kept.start_at, kept.end_at, 30)
    assert [p.actor.reference for p in a.participant] == [
        f"Patient/{patient.public_id}",
        f"Practitioner/{tess.practitioner.public_id}",
        f"Location/{location.public_id}",
    ]
    c = FhirAppointment.model_validate_json(
        client.get(f"{BASE}/Appointment/{dropped.public_id}", headers=headers).content
    )
    assert (c.status, c.cancelationReason.text) == ("cancelled", "Flu")

    def ids(**params: str) -> list[str]:
        found = Bundle.model_validate_json(client.get(f"{BASE}/Appointment", params, headers=headers).content)
        return [e.resource.id for e in found.entry or []]

    assert ids(patient=str(patient.public_id)) == [str(kept.public_id), str(dropped.public_id)]
    assert ids(status="cancelled") == [str(dropped.public_id)]
    assert ids(date="ge2030-03-05") == [str(dropped.public_id)]
    assert client.get(f"{BASE}/Appointment", {"status": "maybe"}, headers=headers).status_code == 400
