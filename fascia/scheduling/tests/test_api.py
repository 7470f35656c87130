import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.tests.factories import billable_patient
from fascia.conftest import login
from fascia.core.models import Location, Organization, User
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import Appointment, WorkingHours

MONDAY_9, MONDAY_11 = "2030-01-07T09:00:00-05:00", "2030-01-07T11:00:00-05:00"


@pytest.fixture
def referred(tess: User, organization: Organization) -> object:
    """A patient with a 12-visit referral written on Fri 2030-01-04 (expires 2030-04-07) and a plan of care from
    Mon 2030-01-07 to 2030-02-17, on that Friday."""
    with time_machine.travel(datetime(2030, 1, 4, 9, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield billable_patient(tess, organization, start=date(2030, 1, 7), visits=0).patient


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


def test_booking_past_a_limit_is_409_until_confirmed(
    client: Client, frank: User, organization: Organization, referred, setup: dict
) -> None:
    patient = referred
    login(client, frank)
    body = {**setup, "patient_id": str(patient.public_id), "start_at": "2030-04-08T09:00:00-04:00"}
    other = {
        **body,
        "patient_id": str(PatientFactory(organization=organization).public_id),
        "start_at": "2030-04-08T09:30:00-04:00",
    }
    assert post(client, "/api/v1/appointments", other).status_code == 201
    # Onto another booking: confirming would not let it through, so no limits are offered.
    clash = post(client, "/api/v1/appointments", body)
    assert clash.status_code == 409 and clash.json()["limits"] == []
    assert "already booked 09:30–10:15" in clash.json()["errors"][0]["message"]
    Appointment.objects.filter(patient__public_id=other["patient_id"]).update(status=Appointment.Status.CANCELLED)
    r = post(client, "/api/v1/appointments", body)
    assert r.status_code == 409
    assert r.json()["limits"] == [
        "The referral from Dr. Ada Rowe (2030-01-04) expires on 2030-04-07, before Mon 2030-04-08.",
        "The plan of care ends on 2030-02-17, before Mon 2030-04-08.",
    ]
    assert "confirm_limits" in r.json()["errors"][0]["message"]
    assert not Appointment.objects.filter(patient=patient).exists()
    assert post(client, "/api/v1/appointments", {**body, "confirm_limits": "yes"}).status_code == 422
    r = post(client, "/api/v1/appointments", {**body, "confirm_limits": True})
    assert r.status_code == 201
    event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_BOOKED, target_id=r.json()["id"])
    assert event.detail["limits_confirmed"] == [
        "The referral from Dr. Ada Rowe (2030-01-04) expires on 2030-04-07, before Mon 2030-04-08.",
        "The plan of care ends on 2030-02-17, before Mon 2030-04-08.",
    ]


def test_rescheduling_past_a_limit_and_to_another_length(
    client: Client, frank: User, organization: Organization, referred, setup: dict
) -> None:
    patient = referred
    login(client, frank)
    a = post(
        client, "/api/v1/appointments", {**setup, "patient_id": str(patient.public_id), "start_at": MONDAY_9}
    ).json()
    post(
        client,
        "/api/v1/appointments",
        {**setup, "patient_id": str(PatientFactory(organization=organization).public_id), "start_at": MONDAY_11},
    )
    url = f"/api/v1/appointments/{a['id']}/reschedule"
    late = "2030-02-18T09:00:00-05:00"  # the Monday after the plan of care's end
    r = post(client, url, {"start_at": late})
    assert r.status_code == 409 and r.json()["limits"] == [
        "The plan of care ends on 2030-02-17, before Mon 2030-02-18."
    ]
    for minutes in (10, 245, 62, "60", True):
        assert post(client, url, {"start_at": MONDAY_9, "minutes": minutes}).status_code == 422, minutes
    clash = post(client, url, {"start_at": MONDAY_9, "minutes": 150})  # into the 11:00 booking
    assert clash.status_code == 409 and "already booked 11:00–11:45" in clash.json()["errors"][0]["message"]
    assert clash.json()["limits"] == []
    assert Appointment.objects.get(public_id=a["id"]).end_at.isoformat() == "2030-01-07T14:45:00+00:00"
    r = post(client, url, {"start_at": MONDAY_9, "minutes": 90})  # the same day: no limit asked
    assert r.status_code == 200 and r.json()["end_at"] == "2030-01-07T10:30:00-05:00"
    r = post(client, url, {"start_at": late, "confirm_limits": True})
    assert r.status_code == 200 and (r.json()["start_at"], r.json()["end_at"]) == (late, "2030-02-18T10:30:00-05:00")
    [moved, resized] = AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_RESCHEDULED).order_by("-pk")
    assert resized.detail == {"from": MONDAY_9, "from_minutes": 45}
    assert moved.detail == {
        "from": MONDAY_9,
        "limits_confirmed": ["The plan of care ends on 2030-02-17, before Mon 2030-02-18."],
    }
