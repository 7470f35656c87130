"""Visits over FHIR as US Core Encounter: finished once the note is signed, in progress while it is a draft; the
practitioner, the appointment's time and location when booked, the practice; searched by patient, date and
status; validated with fhir.resources' R4B models; the clinical roles only."""

from datetime import date

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter

from fascia.core import services
from fascia.core.models import Location, User
from fascia.patients.tests.factories import PatientFactory
from fascia.visits import services as visits
from fascia.visits.tests.factories import appointment, signed_note

BASE = "/fhir/r4"


def headers_of(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.create_api_token(actor=user, user=user, name='EHR')[1]}"}


@pytest.mark.django_db
def test_visits_are_us_core_encounters(client: Client, tess: User, frank: User, location: Location) -> None:
    patient = PatientFactory(organization=tess.organization)
    walk_in = signed_note(tess, patient, date(2026, 11, 2))
    booked = appointment(tess, patient, location, date(2026, 11, 9))
    draft = visits.start_note(actor=tess, patient=patient, appointment=booked)
    headers = headers_of(tess)
    r = client.get(f"{BASE}/Encounter", {"patient": f"Patient/{patient.public_id}"}, headers=headers)
    found = Bundle.model_validate_json(r.content)
    first, second = (e.resource for e in found.entry)
    assert isinstance(first, Encounter) and first.id == str(walk_in.public_id)
    assert (first.status, first.class_fhir.code, first.type[0].text) == ("finished", "AMB", "Treatment note")
    assert first.participant[0].individual.reference == f"Practitioner/{tess.practitioner.public_id}"
    assert first.serviceProvider.reference == f"Organization/{tess.organization.public_id}"
    assert first.location is None  # not booked: no appointment's place
    assert second.id == str(draft.public_id) and second.status == "in-progress"
    assert second.location[0].location.reference == f"Location/{location.public_id}"
    assert second.period.start == booked.start_at

    def total(**params: str) -> int:
        return Bundle.model_validate_json(client.get(f"{BASE}/Encounter", params, headers=headers).content).total

    assert total(status="finished") == 1 and total(status="in-progress") == 1
    assert total(date="ge2026-11-05") == 1
    assert client.get(f"{BASE}/Encounter", headers=headers_of(frank)).status_code == 403
