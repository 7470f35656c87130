"""Staff close a patient's portal access from the chart; a new invitation reopens the same account; a patient the
clinic marked inactive can neither sign in nor open a portal page."""

import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import PASSWORD, login
from fascia.core.models import User
from fascia.patients.models import PatientAccount, PortalInvitation
from fascia.portal.tests.factories import invitation_for, patient_account, portal_client
from fascia.portal.tests.test_accounts import invite, patient  # noqa: F401  # the emailed patient fixture

pytestmark = pytest.mark.django_db


def close(client, staff: User, patient):  # noqa: F811
    login(client, staff)
    answer = client.post(reverse("patients:portal_close", args=[patient.public_id]))
    client.logout()
    return answer


def test_closing_signs_the_patient_out_refuses_sign_in_and_revokes_invitations(client, frank, patient) -> None:  # noqa: F811
    user = patient_account(patient, email="nora@example.com")
    pending, _ = invitation_for(patient, by=frank)  # say one was sent again and not used
    login(client, frank)
    chart = client.get(patient.get_chart_url()).content.decode()
    assert "Account open since" in chart and "has not signed in yet" in chart and "Close portal access" in chart
    answer = client.post(reverse("patients:portal_close", args=[patient.public_id]))
    assert answer.status_code == 302 and answer.url.endswith("#portal")
    chart = client.get(patient.get_chart_url()).content.decode()
    assert "Closed" in chart and "Invite to reopen the portal account" in chart and "Close portal access" not in chart
    user.refresh_from_db()
    pending.refresh_from_db()
    assert not user.is_active and pending.revoked_at is not None
    event = AuditEvent.objects.get(action=AuditAction.PORTAL_ACCOUNT_CLOSED)
    assert (event.actor, event.patient, event.detail) == (frank, patient, {"invitations_revoked": 1})
    # A session the patient had open ends at their next request.
    client.logout()
    portal_client(client, user)
    home = client.get(reverse("portal:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("portal:login"))
    refused = client.post(reverse("portal:login"), {"username": "nora@example.com", "password": PASSWORD})
    assert refused.status_code == 200 and "do not match" in refused.content.decode()
    assert client.get(reverse("portal:home")).status_code == 302


def test_closing_twice_or_without_an_account_changes_nothing(client, frank, patient) -> None:  # noqa: F811
    close(client, frank, patient)
    assert not AuditEvent.objects.filter(action=AuditAction.PORTAL_ACCOUNT_CLOSED).exists()
    patient_account(patient)
    close(client, frank, patient)
    login(client, frank)
    again = client.post(reverse("patients:portal_close", args=[patient.public_id]), follow=True)
    assert "already closed" in again.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_ACCOUNT_CLOSED).count() == 1


def test_billing_may_not_close_an_account(client, bill, patient) -> None:  # noqa: F811
    user = patient_account(patient)
    assert close(client, bill, patient).status_code == 403
    user.refresh_from_db()
    assert user.is_active


def test_a_new_invitation_reopens_the_same_account_with_a_new_password(client, frank, patient) -> None:  # noqa: F811
    user = patient_account(patient, email="nora@example.com")
    TOTPDevice.objects.create(user=user, name="Lost phone", confirmed=True)
    close(client, frank, patient)
    url = invite(frank, patient)  # refused for an open account; a closed one may be invited again
    assert client.post(url, {"birth_date": "1980-04-12"}).status_code == 302
    form = client.get(url)
    assert form.status_code == 200 and 'value="nora@example.com"' in form.content.decode()
    opened = client.post(
        url, {"email": "nora@example.com", "password": "a new long walk", "password_again": "a new long walk"}
    )
    assert opened.status_code == 302 and opened.url == reverse("portal:home")
    account = PatientAccount.objects.select_related("user", "invitation").get(patient=patient)
    assert account.user == user and account.user.is_active and User.objects.filter(is_patient_account=True).count() == 1
    assert account.invitation == PortalInvitation.objects.filter(patient=patient).first()  # the newest
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_ACCOUNT_REOPENED, actor=user).exists()
    assert not TOTPDevice.objects.filter(user=user).exists()  # the lost phone's app no longer signs in
    client.logout()
    old = client.post(reverse("portal:login"), {"username": "nora@example.com", "password": PASSWORD})
    assert old.status_code == 200
    new = client.post(reverse("portal:login"), {"username": "nora@example.com", "password": "a new long walk"})
    assert new.status_code == 302 and client.get(reverse("portal:home")).status_code == 200
    assert "has been used" in client.get(url).content.decode()


def test_an_open_account_is_not_invited_again(client, frank, patient) -> None:  # noqa: F811
    patient_account(patient)
    login(client, frank)
    answer = client.post(reverse("patients:portal_invite", args=[patient.public_id]), follow=True)
    assert "already has a portal account" in answer.content.decode()
    assert not mail.outbox


def test_an_inactive_patient_is_signed_out_and_cannot_sign_in(client, frank, patient) -> None:  # noqa: F811
    user = patient_account(patient, email="nora@example.com")
    portal_client(client, user)
    assert client.get(reverse("portal:home")).status_code == 200
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    page = client.get(reverse("portal:home"))
    assert page.status_code == 403 and "Your portal is not available" in page.content.decode()
    assert "_auth_user_id" not in client.session
    refused = client.post(reverse("portal:login"), {"username": "nora@example.com", "password": PASSWORD})
    assert refused.status_code == 200 and "not available" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_inactive_patient_is_not_invited(client, frank, patient) -> None:  # noqa: F811
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    login(client, frank)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = client.post(reverse("patients:portal_invite", args=[patient.public_id]), follow=True)
    assert "inactive" in answer.content.decode() and not mail.outbox
    assert not re.search("Portal invitation sent", answer.content.decode())
