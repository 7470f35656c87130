"""The practitioner sees, before the visit, which questionnaire it calls for, or how the patient answered it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fascia.conftest import login
from fascia.core.models import Location, Organization, User
from fascia.measures.services import record_measure
from fascia.patients.tests.factories import PatientFactory
from fascia.visits.tests.factories import active_plan, appointment, signed_note

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(tess: User, organization: Organization, location: Location):
    """Three visits into an active plan with an ODI goal (asked before every 4th visit), the 4th booked today."""
    today = timezone.localdate()
    patient = PatientFactory(organization=organization, family_name="Quill")
    active_plan(tess, patient, start=today - timedelta(days=10))  # ODI at the evaluation: 40%
    for days_ago in (8, 6, 4):
        signed_note(tess, patient, today - timedelta(days=days_ago))
    appointment(tess, patient, location, today)
    return patient


def pages(client: Client, patient) -> list[str]:
    return [client.get(url).content.decode() for url in (reverse("visits:dashboard"), patient.get_chart_url())]


def test_my_day_and_the_chart_say_the_odi_is_due(client: Client, tess: User, patient) -> None:
    login(client, tess)
    for body in pages(client, patient):
        assert "<strong>ODI due at this visit</strong>" in body
        assert "(visit 4 (every 4th))" in body


def test_an_answer_since_the_last_visit_shows_the_score_against_the_mcid(client: Client, tess: User, patient) -> None:
    two_days_ago = timezone.localdate() - timedelta(days=2)
    record_measure(
        actor=tess, patient=patient, instrument="ODI", responses=[1] * 8 + [2, 2], administered_on=two_days_ago
    )
    login(client, tess)
    for body in pages(client, patient):
        assert "ODI due at this visit" not in body
        assert "answered 2 days ago: 24% (moderate disability), improved by 16 from 40, at least the MCID (10)." in body


def test_a_small_change_is_said_to_be_below_the_mcid(client: Client, tess: User, patient) -> None:
    record_measure(
        actor=tess, patient=patient, instrument="ODI", responses=[2] * 9 + [1], administered_on=timezone.localdate()
    )
    login(client, tess)
    assert (
        "answered today: 38% (moderate disability), changed by 2 from 40, less than the MCID (10)."
        in pages(client, patient)[1]
    )


def test_nothing_is_due_between_the_timings(client: Client, tess: User, patient) -> None:
    signed_note(tess, patient, timezone.localdate() - timedelta(days=1))  # the coming visit is the 5th
    login(client, tess)
    dashboard, chart = pages(client, patient)
    assert "ODI" not in dashboard.split("Today's schedule")[1].split("Notes to sign")[0]
    assert "None due at the next visit." in chart
