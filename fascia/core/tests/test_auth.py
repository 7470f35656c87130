"""Signing in: Argon2 hashes, lock-out, idle expiry, two-factor login."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import time_machine
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.conftest import PASSWORD, login, unbound
from fascia.core import roles
from fascia.core.models import User
from fascia.core.roles import Role


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_passwords_are_hashed_with_argon2(settings) -> None:
    from fascia import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # tests otherwise use a fast hasher
    encoded = make_password("a long passphrase")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("a long passphrase", encoded)


def test_it_signs_in_with_the_right_password(client: Client, frank: User) -> None:
    r = sign_in(client, "frank")
    assert r.status_code == 302 and r["Location"] == "/"


def test_it_locks_the_account_after_five_failures(client: Client, frank: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "frank", "wrong").status_code == 200
    assert sign_in(client, "frank", "wrong").status_code == 429
    r = sign_in(client, "frank")  # now even the right password is refused
    assert r.status_code == 429
    assert "Too many failed sign-in attempts" in r.content.decode()
    assert not Client().get("/").wsgi_request.user.is_authenticated


PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the app from it


def test_behind_a_proxy_a_lock_out_holds_the_username_at_one_client_address_only(
    settings, client: Client, frank: User
) -> None:
    settings.BEHIND_PROXY = True
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "frank", "wrong")
    assert sign_in(attacker, "frank").status_code == 429
    # Frank, through the same proxy from his own address, still signs in; a forged left-most
    # X-Forwarded-For entry does not pick the address (the proxy appends the real one last).
    frank_client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
    r = sign_in(frank_client, "frank")
    assert r.status_code == 302 and r["Location"] == "/"


def test_without_a_proxy_the_forwarded_header_is_not_trusted(settings, frank: User) -> None:
    settings.BEHIND_PROXY = False
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.5"), "frank", "wrong")
    # A made-up X-Forwarded-For does not get the attacker a fresh address to guess from.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1"), "frank").status_code == 429
    r = sign_in(Client(REMOTE_ADDR="203.0.113.5"), "frank")
    assert r.status_code == 302


def test_the_session_expires_after_the_idle_time(client: Client, frank: User) -> None:
    assert settings.SESSION_IDLE_MINUTES == 15
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, "frank")
        for _ in range(3):  # working on: each request renews the idle timer, 42 minutes in all
            clock.shift(timedelta(minutes=14))
            assert client.get(reverse("patients:list")).status_code == 200
        clock.shift(timedelta(minutes=15, seconds=1))
        r = client.get(reverse("patients:list"))
        assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


def test_a_page_refreshing_itself_does_not_keep_the_session_alive(client: Client, frank: User) -> None:
    """The Today board, left open on an unattended desk, refreshes every minute: its user is still signed out."""
    refresh = {"HX-Request": "true", "X-Fascia-Auto-Refresh": "true"}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, "frank")
        for _ in range(14):
            clock.shift(timedelta(minutes=1))
            assert client.get(reverse("frontdesk:today"), headers=refresh).status_code == 200
        clock.shift(timedelta(minutes=1, seconds=1))
        r = client.get(reverse("frontdesk:today"), headers=refresh)
        assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


def test_the_idle_timer_is_written_at_most_once_a_minute(client: Client, frank: User) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, "frank")
        clock.shift(timedelta(seconds=61))
        with CaptureQueriesContext(connection) as renewed:
            client.get(reverse("patients:list"))
        with CaptureQueriesContext(connection) as again:
            client.get(reverse("patients:list"))

    def session_writes(queries: CaptureQueriesContext) -> int:
        return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

    assert (session_writes(renewed), session_writes(again)) == (1, 0)


def test_a_signed_in_request_reads_its_session_and_its_user_in_two_queries(
    client: Client, personas: dict[str, User]
) -> None:
    """The user comes with their organization, practitioner profile, role and second factor
    (fascia.core.queries.signed_in_users): pages ask for these. Admins are left out: their verified
    device is one more read. On PostgreSQL the request is bound to the organization (row-level
    security, fascia.core.tenancy) by one statement and released by another."""
    for role, user in personas.items():
        if role == Role.ADMIN:
            continue
        login(client, user)
        with CaptureQueriesContext(connection) as queries:
            r = client.get(reverse("core:healthz"))
            assert r.status_code == 200
            signed_in = r.wsgi_request.user
            assert signed_in.has_perm(roles.VIEW_PATIENT) and signed_in.organization == user.organization
            assert hasattr(signed_in, "practitioner") == (role == Role.PRACTITIONER)
        assert len(unbound(queries)) == 2, role


class TestTwoFactor:
    def test_an_admin_without_an_authenticator_must_set_one_up(self, client: Client, ada: User) -> None:
        sign_in(client, "ada")
        r = client.get(reverse("practitioners:staff_list"))
        assert r.status_code == 302 and r["Location"].startswith(reverse("core:two_factor_setup"))
        assert api_status(client) == 401

    def test_setting_up_an_authenticator_then_signing_in_with_it(self, client: Client, ada: User) -> None:
        sign_in(client, "ada")
        r = client.get(reverse("core:two_factor_setup"))
        assert "<svg" in r.content.decode()
        device = TOTPDevice.objects.get(user=ada, confirmed=False)
        r = client.post(
            reverse("core:two_factor_setup"), {"token": "000000" if current_code(device) != "000000" else "111111"}
        )
        assert r.status_code == 200 and r.context["form"].errors["token"]
        device.refresh_from_db()
        device.throttle_reset()  # django-otp slows down guessing after a wrong code
        r = client.post(reverse("core:two_factor_setup"), {"token": current_code(device)})
        assert r.status_code == 302
        assert client.get(reverse("practitioners:staff_list")).status_code == 200

        fresh = Client()
        sign_in(fresh, "ada")
        r = fresh.get(reverse("practitioners:staff_list"))
        assert r["Location"].startswith(reverse("core:two_factor_verify"))
        device.refresh_from_db()
        device.last_t = -1  # allow the same time step again in this test
        device.save(update_fields=["last_t"])
        r = fresh.post(reverse("core:two_factor_verify") + "?next=/staff/", {"token": current_code(device)})
        assert r.status_code == 302 and r["Location"] == "/staff/"
        assert fresh.get(reverse("practitioners:staff_list")).status_code == 200

    def test_any_staff_member_may_turn_it_on(self, client: Client, frank: User) -> None:
        login(client, frank)
        assert client.get(reverse("core:home")).status_code == 200  # not required of front desk
        assert client.get(reverse("core:two_factor_setup")).status_code == 200

    def test_demo_admins_are_not_asked(self, client: Client, ada: User) -> None:
        User.objects.filter(pk=ada.pk).update(is_demo_account=True)
        sign_in(client, "ada")
        assert client.get(reverse("practitioners:staff_list")).status_code == 200


def api_status(client: Client) -> int:
    return client.get("/api/v1/patients").status_code


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FASCIA_")}
    code = "import fascia.settings as s; print(s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)"
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_production_settings_need_a_secret_key() -> None:
    r = _settings_with({"FASCIA_DEBUG": "False"})
    assert r.returncode != 0 and "FASCIA_SECRET_KEY" in r.stderr


def test_production_settings_need_a_records_key_file(tmp_path: Path) -> None:
    """The key that seals signed records is read from a file, never made up in production (issue 25)."""
    r = _settings_with({"FASCIA_DEBUG": "False", "FASCIA_SECRET_KEY": "x" * 50})
    assert r.returncode != 0 and "ImproperlyConfigured" in r.stderr and "FASCIA_RECORDS_KEY_FILE" in r.stderr
    short = tmp_path / "short.key"
    short.write_text("too short")
    r = _settings_with({"FASCIA_DEBUG": "False", "FASCIA_SECRET_KEY": "x" * 50, "FASCIA_RECORDS_KEY_FILE": str(short)})
    assert r.returncode != 0 and "too short" in r.stderr


def test_production_settings_are_secure_by_default(tmp_path: Path) -> None:
    key = tmp_path / "records.key"
    key.write_text("k" * 64)
    r = _settings_with({"FASCIA_DEBUG": "False", "FASCIA_SECRET_KEY": "x" * 50, "FASCIA_RECORDS_KEY_FILE": str(key)})
    assert r.stdout.split() == ["True", "31536000", "True"], r.stderr


def test_staff_change_their_own_password(client: Client, frank: User) -> None:
    login(client, frank)
    r = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert r.status_code == 302
    frank.refresh_from_db()
    assert frank.check_password("a-new-long-passphrase")
