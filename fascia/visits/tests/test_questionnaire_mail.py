"""Before a booked visit that calls for a questionnaire, the patient gets the link by themselves, once."""

import re
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from fascia.core.models import Location, Organization, User
from fascia.measures.models import QuestionnaireLink
from fascia.measures.services import record_measure
from fascia.patients import services as patient_services
from fascia.patients.models import Consent
from fascia.patients.tests.factories import PatientFactory
from fascia.visits.tests.factories import active_plan, appointment, signed_note

pytestmark = pytest.mark.django_db


def patient_before_visit_4(
    tess: User, organization: Organization, location: Location, *, email: bool = True, days: int = 1
):
    """Three visits into a plan with an ODI goal (asked before every 4th visit), the 4th booked in `days` days at 10."""
    today = timezone.localdate()
    patient = PatientFactory(organization=organization, email="nora@example.com")
    if email:
        patient_services.record_consent(
            actor=tess, patient=patient, kind=Consent.Kind.CONTACT, date=date(2026, 1, 5), allow_email=True
        )
    active_plan(tess, patient, start=today - timedelta(days=10))
    for days_ago in (8, 6, 4):
        signed_note(tess, patient, today - timedelta(days=days_ago))
    appointment(tess, patient, location, today + timedelta(days=days))
    return patient


def run() -> str:
    out = StringIO()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send_questionnaires", stdout=out)
    return out.getvalue()


def test_the_odi_goes_out_before_the_visit_that_calls_for_it_once(settings, tess, organization, location) -> None:
    settings.BASE_URL = "https://clinic.example"
    patient = patient_before_visit_4(tess, organization, location)
    assert run() == "1 questionnaire(s) sent; 0 skipped (no email consent or address).\n"
    (message,) = mail.outbox
    assert message.to == ["nora@example.com"] and "Oswestry Disability Index" in message.body
    assert re.search(r"https://clinic\.example/my/q/\S+/", message.body)
    link = QuestionnaireLink.objects.get(patient=patient)
    assert link.instrument == "ODI" and link.created_by is None
    assert run().startswith("0 questionnaire(s) sent") and mail.outbox == []  # a second run sends nothing


def test_nothing_goes_out_once_answered_or_without_consent(settings, tess, organization, location) -> None:
    settings.BASE_URL = "https://clinic.example"
    answered = patient_before_visit_4(tess, organization, location)
    record_measure(
        actor=tess, patient=answered, instrument="ODI", responses=[1] * 10, administered_on=timezone.localdate()
    )
    patient_before_visit_4(tess, organization, location, email=False, days=2)
    assert run() == "0 questionnaire(s) sent; 1 skipped (no email consent or address).\n"
    assert mail.outbox == [] and not QuestionnaireLink.objects.exists()


def test_without_the_sites_address_it_refuses_before_sending(settings, tess, organization, location) -> None:
    settings.BASE_URL = ""
    patient_before_visit_4(tess, organization, location)
    with pytest.raises(ImproperlyConfigured, match="FASCIA_BASE_URL"):
        run()
    assert not QuestionnaireLink.objects.exists()
