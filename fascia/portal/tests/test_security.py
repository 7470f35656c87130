"""A patient turns two-step sign-in (an authenticator app) on and off on the portal's "Sign-in and security" page;
while it is on, the portal asks for the code after the password before any of its pages opens."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import PASSWORD, login
from fascia.core.models import User
from fascia.core.tests.test_auth import current_code
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import patient_account, portal_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def nora(organization, frank) -> User:  # frank: the staff member an invitation comes from
    return patient_account(PatientFactory(organization=organization), email="nora@example.com")


def sign_in(client: Client, user: User):
    return client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if current_code(device) != "000000" else "111111"


def turn_on(client: Client, user: User) -> TOTPDevice:
    portal_client(client, user)
    client.get(reverse("portal:security"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(reverse("portal:security"), {"token": current_code(device)}).status_code == 302
    device.refresh_from_db()
    device.last_t = -1  # the same time step may be used again in this test
    device.save(update_fields=["last_t"])
    return device


def test_a_patient_turns_it_on_with_a_code_from_the_app(client, nora) -> None:
    portal_client(client, nora)
    page = client.get(reverse("portal:security")).content.decode()
    assert "<svg" in page and "Off" in page and 'href="/my/password/"' in page
    device = TOTPDevice.objects.get(user=nora, confirmed=False)
    wrong = client.post(reverse("portal:security"), {"token": wrong_code(device)})
    assert wrong.status_code == 200 and wrong.context["form"].errors["token"]
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # django-otp slows down guessing after a wrong code
    on = client.post(reverse("portal:security"), {"token": current_code(device)}, follow=True)
    device.refresh_from_db()
    assert device.confirmed and "Two-step sign-in is on" in on.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_ENABLED, actor=nora).exists()
    assert client.get(reverse("portal:home")).status_code == 200  # this session gave the code


def test_once_on_the_portal_asks_for_the_code_after_the_password(client, nora) -> None:
    device = turn_on(Client(), nora)
    signed = sign_in(client, nora)
    assert signed.status_code == 302
    home = client.get(reverse("portal:appointments"))
    verify_url = reverse("portal:two_factor_verify")
    assert home.status_code == 302 and home.url == f"{verify_url}?next=%2Fmy%2Fappointments%2F"
    assert client.get(reverse("portal:security")).status_code == 302  # every patient page waits for the code
    page = client.get(home.url)
    assert page.status_code == 200 and "Enter your code" in page.content.decode()
    wrong = client.post(home.url, {"token": wrong_code(device)})
    assert wrong.status_code == 200 and wrong.context["form"].errors["token"]
    assert client.get(reverse("portal:home")).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    right = client.post(home.url, {"token": current_code(device), "next": "/my/appointments/"})
    assert right.status_code == 302 and right.url == "/my/appointments/"
    assert client.get(reverse("portal:home")).status_code == 200


def test_turning_it_off_takes_the_password(client, nora) -> None:
    turn_on(client, nora)
    assert "Turn two-step sign-in off" in client.get(reverse("portal:security")).content.decode()
    wrong = client.post(reverse("portal:security_off"), {"password": "not my password"})
    assert wrong.status_code == 200 and "not your password" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=nora, confirmed=True).exists()
    off = client.post(reverse("portal:security_off"), {"password": PASSWORD}, follow=True)
    assert "Two-step sign-in is off" in off.content.decode()
    assert not TOTPDevice.objects.filter(user=nora, confirmed=True).exists()  # the page shows a new one to scan
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_DISABLED, actor=nora).count() == 1
    fresh = Client()
    sign_in(fresh, nora)
    assert fresh.get(reverse("portal:home")).status_code == 200  # the password alone again


def test_the_code_page_serves_signed_in_patients_only(client, frank, nora) -> None:
    url = reverse("portal:two_factor_verify")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("portal:login"))
    login(client, frank)
    assert client.get(url).status_code == 403
    client.logout()
    portal_client(client, nora)  # no authenticator: nothing to ask
    assert client.get(url).url == reverse("portal:home")
    # Staff's own pages for it refuse a patient.
    assert client.get(reverse("core:two_factor_setup")).status_code == 403
    assert client.get(reverse("core:two_factor_verify")).status_code == 403


def test_a_patients_authenticator_does_not_send_them_to_the_staff_code_page(client, nora) -> None:
    turn_on(Client(), nora)
    sign_in(client, nora)
    answer = client.get(reverse("portal:home"))
    assert answer.url.startswith(reverse("portal:two_factor_verify"))
