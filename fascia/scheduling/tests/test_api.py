import json
from datetime import time

import pytest
from django.test import Client

from fascia.conftest import login
from fascia.core.models import Location, User
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import Appointment, WorkingHours


@pytest.fixture
def setup(tess: User, frank: User, location: Location) -> dict:
    tess.practitioner.locations.add(location)
    WorkingHours.objects.create(
        practitioner=tess.practitioner, location=location, weekday=0, starts=time(8), ends=time(18)
    )
    return {
        "practitioner_id": str(tess.practitioner.public_id),
        "location_id": str(location.public_id),
        "type": "follow-up-45",
    }


def post(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_booking_listing_and_cancelling(client: Client, frank: User, location: Location, setup: dict) -> None:
    login(client, frank)
    patient = PatientFactory(organization=location.organization)
    r = post(
        client,
        "/api/v1/appointments",
        {**setup, "patient_id": str(patient.public_id), "start_at": "2030-01-07T09:00:00-05:00"},
    )
    assert r.status_code == 201 and r.json()["end_at"] == "2030-01-07T09:45:00-05:00"
    day = client.get("/api/v1/appointments?date=2030-01-07").json()
    assert [a["patient_id"] for a in day] == [str(patient.public_id)]
    clash = post(
        client,
        "/api/v1/appointments",
        {
            **setup,
            "patient_id": str(PatientFactory(organization=location.organization).public_id),
            "start_at": "2030-01-07T09:30:00-05:00",
        },
    )
    assert clash.status_code == 409 and "already booked 09:00–09:45" in clash.json()["errors"][0]["message"]
    r = post(client, f"/api/v1/appointments/{day[0]['id']}/cancel", {"reason": "Patient ill"})
    assert r.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"start_at": "2030-01-07T09:00:00"}, "start_at"),
        ({"type": "massage-marathon"}, "type"),
        ({"practitioner_id": "00000000-0000-0000-0000-000000000000"}, "practitioner_id"),
    ],
)
def test_bad_bookings_are_422(
    client: Client, frank: User, location: Location, setup: dict, change: dict, field: str
) -> None:
    login(client, frank)
    body = {
        **setup,
        "patient_id": str(PatientFactory(organization=location.organization).public_id),
        "start_at": "2030-01-07T09:00:00-05:00",
        **change,
    }
    r = post(client, "/api/v1/appointments", body)
    assert r.status_code == 422 and field in {e.get("field") for e in r.json()["errors"]}
    assert not Appointment.objects.exists()


def test_only_admins_override_warnings(client: Client, frank: User, location: Location, setup: dict) -> None:
    login(client, frank)
    body = {
        **setup,
        "patient_id": str(PatientFactory(organization=location.organization).public_id),
        "start_at": "2030-01-07T20:00:00-05:00",
    }
    assert post(client, "/api/v1/appointments", body).status_code == 409
    assert post(client, "/api/v1/appointments", {**body, "override": True}).status_code == 403
    assert not Appointment.objects.exists()


def test_rescheduling_and_free_slots(client: Client, frank: User, location: Location, setup: dict) -> None:
    login(client, frank)
    first, second = (PatientFactory(organization=location.organization) for _ in range(2))
    a = post(
        client,
        "/api/v1/appointments",
        {**setup, "patient_id": str(first.public_id), "start_at": "2030-01-07T09:00:00-05:00"},
    ).json()
    post(
        client,
        "/api/v1/appointments",
        {**setup, "patient_id": str(second.public_id), "start_at": "2030-01-07T11:00:00-05:00"},
    )
    clash = post(client, f"/api/v1/appointments/{a['id']}/reschedule", {"start_at": "2030-01-07T10:30:00-05:00"})
    assert clash.status_code == 409 and "already booked 11:00–11:45" in clash.json()["errors"][0]["message"]
    moved = post(client, f"/api/v1/appointments/{a['id']}/reschedule", {"start_at": "2030-01-07T13:00:00-05:00"})
    assert moved.status_code == 200 and moved.json()["start_at"] == "2030-01-07T13:00:00-05:00"
    slots = client.get("/api/v1/appointments/free-slots?type=follow-up-45&limit=2").json()
    assert len(slots) == 2 and all(s["practitioner_id"] == setup["practitioner_id"] for s in slots)
    assert client.get("/api/v1/appointments/free-slots?type=nope").status_code == 422
