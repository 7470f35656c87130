"""The language a patient picks in the portal (or opens their account in) is the language of their emails."""

import re
from datetime import date

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.models import User
from fascia.patients import accounts
from fascia.patients import services as patient_services
from fascia.patients.models import Consent, Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import patient_account, portal_client


@pytest.fixture
def patient(organization, frank: User) -> Patient:
    patient = PatientFactory(
        organization=organization, given_name="Nora", email="nora@example.com", birth_date=date(1980, 4, 12)
    )
    patient_services.record_consent(
        actor=frank, patient=patient, kind=Consent.Kind.CONTACT, date=date(2026, 1, 5), allow_email=True
    )
    return patient


def choose(client, language: str):
    return client.post(reverse("portal:language"), {"language": language, "next": reverse("portal:home")})


def test_a_signed_in_patients_choice_is_kept_for_their_emails_and_audited(client, patient: Patient) -> None:
    user = patient_account(patient)
    portal_client(client, user)
    assert choose(client, "es").status_code == 302
    patient.refresh_from_db()
    assert patient.preferred_language == "es"
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_UPDATED, patient=patient)
    assert event.actor == user and event.detail["preferred_language"] == "es"
    assert choose(client, "klingon").status_code == 302  # Django's switch ignores it; so do we
    patient.refresh_from_db()
    assert patient.preferred_language == "es"
    assert AuditEvent.objects.filter(action=AuditAction.PATIENT_UPDATED, patient=patient).count() == 1


def test_before_signing_in_only_the_cookie_changes(client, patient: Patient) -> None:
    assert choose(client, "es").status_code == 302
    patient.refresh_from_db()
    assert patient.preferred_language == ""


def test_staff_switching_the_portals_language_change_no_patient(client, frank: User, patient: Patient) -> None:
    client.force_login(frank)
    assert choose(client, "es").status_code == 302
    assert not Patient.objects.exclude(preferred_language="").exists()


def test_the_account_opened_in_spanish_gets_its_emails_in_spanish(client, frank: User, patient: Patient) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        accounts.invite_to_portal(actor=frank, patient=patient, site="https://clinic.example")
    (url,) = re.findall(r"https://clinic\.example(/my/invite/\S+/)", mail.outbox[0].body)
    spanish = {"accept-language": "es"}
    assert client.post(url, {"birth_date": "1980-04-12"}, headers=spanish).status_code == 302
    opened = client.post(
        url,
        {"email": "nora@example.com", "password": "a long walk home", "password_again": "a long walk home"},
        headers=spanish,
    )
    assert opened.status_code == 302
    patient.refresh_from_db()
    assert patient.preferred_language == "es"
