"""Shared test set-up: one organization and a persona per role.

tess (practitioner), frank (front desk), bill (billing), ada (admin), and olga, a practitioner
whose account is inactive.
"""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from fascia.core.models import Location, Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.practitioners.models import Practitioner

pytest_plugins = ["fascia.browser", "fascia.core.tests.faults"]  # browser and page; app_server

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the public pages' rate limit counts in it (fascia.core.ratelimit)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organization(db) -> Organization:
    return Organization.objects.create(
        legal_name="Test Massage Clinic, LLC",
        tax_id="12-3456789",
        group_npi="1234567893",
        address_line1="1 Test Street",
        city="Seattle",
        state="WA",
        postal_code="98101-1234",  # ZIP+4, as the 837P's billing provider needs (2010AA N403)
        phone="206-555-0100",
    )


@pytest.fixture
def location(organization: Organization) -> Location:
    return Location.objects.create(organization=organization, name="Main Street Clinic")


def make_user(organization: Organization, username: str, role: str, *, active: bool = True) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        last_name="Test",
        organization=organization,
        is_active=active,
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def tess(organization: Organization, location: Location) -> User:
    user = make_user(organization, "tess", Role.PRACTITIONER)
    practitioner = Practitioner.objects.create(
        user=user,
        credential_suffix="LMT",
        npi=with_check_digit("123456780"),
        license_number="MA60000001",
        license_state="WA",
    )
    practitioner.locations.add(location)
    return user


@pytest.fixture
def frank(organization: Organization) -> User:
    return make_user(organization, "frank", Role.FRONT_DESK)


@pytest.fixture
def bill(organization: Organization) -> User:
    return make_user(organization, "bill", Role.BILLING)


@pytest.fixture
def ada(organization: Organization) -> User:
    # Admins must use two-factor login; tests that are not about it act as a verified session.
    return make_user(organization, "ada", Role.ADMIN)


@pytest.fixture
def olga(organization: Organization) -> User:
    return make_user(organization, "olga", Role.PRACTITIONER, active=False)


@pytest.fixture
def personas(tess: User, frank: User, bill: User, ada: User) -> dict[str, User]:
    return {Role.PRACTITIONER: tess, Role.FRONT_DESK: frank, Role.BILLING: bill, Role.ADMIN: ada}


def load_demo() -> None:
    """The demo clinic (`fascia demo`), its logins' passwords hashed the tests' fast way."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("demo", quiet_logins=True)


@pytest.fixture(scope="module")
def demo_clinic(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """The demo clinic, loaded once for the module (it takes seconds) and rolled back after it. Its files (the
    portal patient's home care drawing) go to a temporary directory, as each test's own do."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"))
    with django_db_blocker.unblock(), transaction.atomic(), media:
        load_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def committed_demo_clinic(transactional_db: None) -> None:
    """The demo clinic committed, where a live server's own connection sees it; the transactional
    test's flush empties the database after."""
    load_demo()


def sign_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page, in a browser test."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def login(client, user: User) -> None:
    """Sign in as `user`, with the second factor done when the user needs one."""
    client.force_login(user)
    if user.groups.filter(name=Role.ADMIN).exists():
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def unbound(queries: CaptureQueriesContext) -> list[str]:
    """A signed-in request's statements but the two that bind it to its organization and release it
    on PostgreSQL (row-level security, fascia.core.tenancy), asserting they are there."""
    statements = [q["sql"] for q in queries.captured_queries]
    binding = [s for s in statements if "set_config('role'" in s]
    assert len(binding) == (2 if connection.vendor == "postgresql" else 0), binding
    return [s for s in statements if "set_config('role'" not in s]
