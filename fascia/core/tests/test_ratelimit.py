"""The public pages an emailed link opens, and the portal's password reset, answer 429 to an address that asks
too often (settings.LINK_RATE_LIMIT, counted together); other addresses go on as before."""

import re
from datetime import date

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from fascia.measures.services import send_questionnaire
from fascia.patients import services as patient_services
from fascia.patients.models import Consent
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import invitation_for

pytestmark = pytest.mark.django_db
LIMIT = 3
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.LINK_RATE_LIMIT = (LIMIT, 600)


@pytest.fixture
def invitation_url(organization, frank) -> str:
    _, token = invitation_for(PatientFactory(organization=organization, email="nora@example.com"), by=frank)
    return reverse("portal:invitation", args=[token])


@pytest.fixture
def questionnaire_url(organization, frank, tess) -> str:
    patient = PatientFactory(organization=organization, email="nora@example.com")
    patient_services.record_consent(
        actor=frank, patient=patient, kind=Consent.Kind.CONTACT, date=date(2026, 1, 5), allow_email=True
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        send_questionnaire(actor=tess, patient=patient, instrument="NPRS", site="https://clinic.example")
    (url,) = re.findall(r"https://clinic\.example(/my/q/\S+/)", mail.outbox[-1].body)
    return url


def wrong_token_url(name: str) -> str:
    return reverse(name, args=["x" * 43])


def test_the_invitation_refuses_the_request_past_the_limit_wrong_tokens_counting_too(client, invitation_url) -> None:
    for _ in range(LIMIT - 1):
        assert client.get(wrong_token_url("portal:invitation")).status_code == 404
    assert client.get(invitation_url).status_code == 200  # the last one allowed
    refused = client.get(invitation_url)
    assert refused.status_code == 429 and "Too many tries" in refused.content.decode()
    assert refused["Retry-After"] == "600"
    assert client.get(invitation_url, **ELSEWHERE).status_code == 200  # another address is not held back


def test_the_questionnaire_link_refuses_the_request_past_the_limit(client, questionnaire_url) -> None:
    for _ in range(LIMIT):
        assert client.post(wrong_token_url("questionnaires:answer"), {"birth_date": "1980-01-01"}).status_code == 404
    assert client.get(questionnaire_url).status_code == 429
    assert client.get(questionnaire_url, **ELSEWHERE).status_code == 200


def test_the_three_pages_share_one_count(client, invitation_url, questionnaire_url) -> None:
    assert client.get(invitation_url).status_code == 200
    assert client.get(questionnaire_url).status_code == 200
    assert client.post(reverse("portal:password_reset"), {"email": "nobody@example.com"}).status_code == 302
    assert client.get(invitation_url).status_code == 429


def test_password_reset_counts_its_posts_only(client) -> None:
    url = reverse("portal:password_reset")
    for _ in range(LIMIT + 2):
        assert client.get(url).status_code == 200  # reading the form sends nothing
    mail.outbox.clear()
    for _ in range(LIMIT):
        assert client.post(url, {"email": "nobody@example.com"}).status_code == 302
    refused = client.post(url, {"email": "nobody@example.com"})
    assert refused.status_code == 429
    assert client.post(url, {"email": "nobody@example.com"}, **ELSEWHERE).status_code == 302
