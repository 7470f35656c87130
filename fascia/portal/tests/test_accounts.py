"""A patient opens their portal account from the clinic's invitation and signs in; staff and patients each
keep to their own side."""

import re
import time
from datetime import date

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import PASSWORD, login
from fascia.core.middleware import IDLE_LIMIT, RENEWED
from fascia.core.models import User
from fascia.patients import accounts
from fascia.patients import services as patient_services
from fascia.patients.models import Consent, PatientAccount, PortalInvitation
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import patient_account, portal_client

pytestmark = pytest.mark.django_db
BORN = date(1980, 4, 12)


@pytest.fixture
def patient(organization, frank):
    patient = PatientFactory(organization=organization, birth_date=BORN, email="nora@example.com", given_name="Nora")
    patient_services.record_consent(
        actor=frank, patient=patient, kind=Consent.Kind.CONTACT, date=date(2026, 1, 5), allow_email=True
    )
    return patient


def invite(frank: User, patient) -> str:
    """Send the invitation from the chart's button; the address the patient was emailed."""
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        accounts.invite_to_portal(actor=frank, patient=patient, site="https://clinic.example")
    (message,) = mail.outbox
    assert message.to == ["nora@example.com"]
    (url,) = re.findall(r"https://clinic\.example(/my/invite/\S+/)", message.body)
    return url


def test_a_patient_opens_their_account_from_the_invitation_and_lands_home(client, frank, patient) -> None:
    url = invite(frank, patient)
    page = client.get(url)
    assert "date of birth" in page.content.decode()
    assert client.post(url, {"birth_date": "1980-04-12"}).status_code == 302
    form = client.get(url).content.decode()
    assert 'value="nora@example.com"' in form  # the address the invitation went to, to keep or change
    answer = client.post(
        url, {"email": "Nora.Q@example.com", "password": "a long walk home", "password_again": "a long walk home"}
    )
    assert answer.status_code == 302 and answer.url == reverse("portal:home")
    account = PatientAccount.objects.select_related("user").get(patient=patient)
    assert account.user.is_patient_account and account.user.organization_id == patient.organization_id
    assert not account.user.groups.exists()
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200 and "Hello, Nora" in home.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_ACCOUNT_CREATED, actor=account.user).exists()
    # The link opened once: again, it says so and opens nothing.
    client.logout()
    again = client.get(url)
    assert again.status_code == 410 and "has been used" in again.content.decode()
    # The patient signs in with the email they chose, in any case.
    signed = client.post(reverse("portal:login"), {"username": "nora.q@EXAMPLE.com", "password": "a long walk home"})
    assert signed.status_code == 302 and client.get(reverse("portal:home")).status_code == 200


def test_three_wrong_dates_of_birth_lock_the_invitation(client, frank, patient) -> None:
    url = invite(frank, patient)
    first = client.post(url, {"birth_date": "1980-04-13"})
    assert "Tries left: 2" in first.content.decode()
    client.post(url, {"birth_date": "1981-04-12"})
    locked = client.post(url, {"birth_date": "1979-01-01"})
    assert locked.status_code == 410 and "locked" in locked.content.decode()
    # Even the right date opens nothing now.
    assert client.post(url, {"birth_date": "1980-04-12"}).status_code == 410
    assert not PatientAccount.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_INVITATION_REFUSED).count() == 3


def test_the_account_form_refuses_a_weak_password_and_a_taken_email_and_opens_nothing(
    client, frank, patient, organization
) -> None:
    other = PatientFactory(organization=organization, email="sam@example.com")
    patient_account(other, email="sam@example.com")
    url = invite(frank, patient)
    client.post(url, {"birth_date": "1980-04-12"})
    weak = client.post(url, {"email": "nora@example.com", "password": "12345678901", "password_again": "12345678901"})
    assert "entirely numeric" in weak.content.decode()
    taken = client.post(
        url, {"email": "SAM@example.com", "password": "a long walk home", "password_again": "a long walk home"}
    )
    assert "Another portal account uses this email" in taken.content.decode()
    differ = client.post(
        url, {"email": "nora@example.com", "password": "a long walk home", "password_again": "a long walk hom"}
    )
    assert "The two passwords differ" in differ.content.decode()
    assert not PatientAccount.objects.filter(patient=patient).exists()


def test_a_new_invitation_replaces_the_old_and_an_expired_one_opens_nothing(client, frank, patient) -> None:
    old = invite(frank, patient)
    new = invite(frank, patient)
    replaced = client.get(old)
    assert replaced.status_code == 410 and "newer invitation" in replaced.content.decode()
    PortalInvitation.objects.filter(revoked_at=None).update(expires_at=PortalInvitation.objects.first().created_at)
    expired = client.get(new)
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert client.get("/my/invite/not-a-token-at-all-but-long-enough/").status_code == 404


def test_an_invitation_needs_an_address_and_consent_to_email(frank, organization) -> None:
    no_email = PatientFactory(organization=organization, email="")
    with pytest.raises(accounts.AccountError, match="email address"):
        accounts.invite_to_portal(actor=frank, patient=no_email, site="https://clinic.example")
    no_consent = PatientFactory(organization=organization, email="x@example.com")
    with pytest.raises(accounts.AccountError, match="no consent to email"):
        accounts.invite_to_portal(actor=frank, patient=no_consent, site="https://clinic.example")
    assert not PortalInvitation.objects.exists()  # refused whole: no invitation left behind


def test_a_patient_with_an_account_is_not_invited_again(frank, patient) -> None:
    patient_account(patient)
    with pytest.raises(accounts.AccountError, match="already has"):
        accounts.invite_to_portal(actor=frank, patient=patient, site="https://clinic.example")


def test_the_chart_invites_and_shows_the_account(client, frank, patient) -> None:
    login(client, frank)
    chart = client.get(patient.get_chart_url()).content.decode()
    assert "No portal account yet" in chart and "Invite to the patient portal" in chart
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("patients:portal_invite", args=[patient.public_id]))
    assert len(mail.outbox) == 1
    chart = client.get(patient.get_chart_url()).content.decode()
    assert "Invited" in chart and "Send a new invitation" in chart
    patient_account(patient)
    assert "Account open since" in client.get(patient.get_chart_url()).content.decode()


def test_staff_sign_in_refuses_patients_and_the_portal_refuses_staff(client, frank, patient) -> None:
    user = patient_account(patient, email="nora@example.com")
    staff_login = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert staff_login.status_code == 200 and "patient portal" in staff_login.content.decode()
    frank.email = "frank@example.com"
    frank.save()
    portal_login = client.post(reverse("portal:login"), {"username": "frank@example.com", "password": PASSWORD})
    assert portal_login.status_code == 200 and "do not match" in portal_login.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_patient_session_has_its_own_idle_limit(client, settings, patient) -> None:
    settings.PORTAL_SESSION_IDLE_MINUTES = 5
    user = patient_account(patient)
    client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})
    assert client.session[IDLE_LIMIT] == 5 * 60
    assert client.get(reverse("portal:home")).status_code == 200
    session = client.session
    session[RENEWED] = int(time.time()) - 6 * 60
    session.save()
    expired = client.get(reverse("portal:home"))
    assert expired.status_code == 302 and expired.url.startswith(reverse("portal:login"))


def test_a_staff_session_keeps_the_staff_limit(client, settings, frank) -> None:
    settings.PORTAL_SESSION_IDLE_MINUTES = 60
    client.post(reverse("login"), {"username": frank.username, "password": PASSWORD})
    assert client.session[IDLE_LIMIT] == settings.SESSION_IDLE_MINUTES * 60
    session = client.session
    session[RENEWED] = int(time.time()) - (settings.SESSION_IDLE_MINUTES * 60 + 60)
    session.save()
    assert client.get(reverse("patients:list")).status_code == 302


def test_the_api_refuses_a_patient_session(client, patient) -> None:
    portal_client(client, patient_account(patient))
    assert client.get("/api/v1/patients").status_code == 401


def test_password_reset_reaches_patients_only(client, frank, patient) -> None:
    user = patient_account(patient, email="nora@example.com")
    frank.email = "frank@example.com"
    frank.save()
    mail.outbox.clear()
    client.post(reverse("portal:password_reset"), {"email": "frank@example.com"})
    assert mail.outbox == []
    client.post(reverse("portal:password_reset"), {"email": "NORA@example.com"})
    (message,) = mail.outbox
    (path,) = re.findall(r"https?://[^/]+(/my/password/reset/\S+/)", message.body)
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "another long walk", "new_password2": "another long walk"}
    )
    user.refresh_from_db()
    assert user.check_password("another long walk")
