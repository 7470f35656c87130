"""The admin pages for the organization, locations, rooms and staff."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, unbound
from fascia.core.models import Location, Organization, Room, User
from fascia.core.roles import Role
from fascia.practitioners.models import Practitioner

STAFF = {
    "username": "nina",
    "first_name": "Nina",
    "last_name": "Park",
    "email": "nina@example.org",
    "role": Role.PRACTITIONER,
    "password": "a-long-enough-passphrase",
    "is_active": "on",
}
PROFILE = {
    "practitioner-credential_suffix": "LMT",
    "practitioner-npi": "1295723567",
    "practitioner-taxonomy_code": "225700000X",
    "practitioner-license_number": "MA123",
    "practitioner-license_state": "WA",
}


@pytest.fixture
def admin_client(client: Client, ada: User) -> Client:
    login(client, ada)
    return client


def test_it_adds_a_practitioner_with_a_profile(admin_client: Client, location: Location) -> None:
    r = admin_client.post(
        reverse("practitioners:staff_create"), {**STAFF, **PROFILE, "practitioner-locations": [location.pk]}
    )
    assert r.status_code == 302
    nina = User.objects.get(username="nina")
    assert nina.groups.get().name == Role.PRACTITIONER
    assert nina.practitioner.npi == "1295723567" and list(nina.practitioner.locations.all()) == [location]
    assert AuditEvent.objects.filter(action=AuditAction.STAFF_CREATED).exists()


def test_an_npi_failing_its_check_digit_is_a_field_error(admin_client: Client) -> None:
    r = admin_client.post(reverse("practitioners:staff_create"), {**STAFF, **PROFILE, "practitioner-npi": "1295723568"})
    assert r.status_code == 200
    assert r.context["profile_form"].errors["npi"] == ["This NPI fails its check digit; check it for a typing error."]
    assert not User.objects.filter(username="nina").exists()


def test_a_weak_password_is_refused(admin_client: Client) -> None:
    r = admin_client.post(
        reverse("practitioners:staff_create"), {**STAFF, "role": Role.FRONT_DESK, "password": "short"}
    )
    assert r.status_code == 200 and "too short" in str(r.context["form"].errors["password"])
    assert not User.objects.filter(username="nina").exists()


def test_front_desk_needs_no_practitioner_profile(admin_client: Client) -> None:
    r = admin_client.post(reverse("practitioners:staff_create"), {**STAFF, "role": Role.FRONT_DESK})
    assert r.status_code == 302
    assert not Practitioner.objects.filter(user__username="nina").exists()


def test_an_admin_cannot_demote_themselves(admin_client: Client, ada: User) -> None:
    r = admin_client.post(
        reverse("practitioners:staff_edit", args=[ada.public_id]), {**STAFF, "username": "ada", "role": Role.BILLING}
    )
    assert r.status_code == 200 and "own admin role" in str(r.context["form"].non_field_errors())
    assert ada.groups.get().name == Role.ADMIN


def test_it_saves_a_location_and_a_room(admin_client: Client, organization: Organization) -> None:
    r = admin_client.post(
        reverse("core:location_create"),
        {
            "name": "St. Mary's Hospital",
            "kind": "hospital",
            "place_of_service": "22",
            "phone": "206.555.0190",
            "postal_code": "98104",
            "is_active": "on",
        },
    )
    location = Location.objects.get(name="St. Mary's Hospital")
    assert r.status_code == 302 and location.phone == "206-555-0190"
    r = admin_client.post(
        reverse("core:room_create", args=[location.public_id]),
        {"room-name": "Bed 4", "room-kind": "table", "room-is_active": "on"},
    )
    assert r.status_code == 302 and Room.objects.get().location == location


def test_a_location_with_a_bad_zip_is_not_saved(admin_client: Client, organization: Organization) -> None:
    r = admin_client.post(
        reverse("core:location_create"), {"name": "X", "kind": "clinic", "place_of_service": "11", "postal_code": "123"}
    )
    assert r.status_code == 200 and "ZIP" in str(r.context["form"].errors["postal_code"])
    assert not Location.objects.exists()


def test_a_duplicate_location_name_is_a_clear_error(admin_client: Client, location: Location) -> None:
    r = admin_client.post(
        reverse("core:location_create"), {"name": location.name, "kind": "clinic", "place_of_service": "11"}
    )
    assert r.status_code == 200 and r.context["form"].errors
    assert Location.objects.count() == 1


def test_the_organization_group_npi_is_checked(admin_client: Client, organization: Organization) -> None:
    r = admin_client.post(
        reverse("core:organization_edit"),
        {
            "legal_name": "Renamed",
            "tax_id": "12-3456789",
            "group_npi": "1234567890",
        },
    )
    assert r.status_code == 200 and "check digit" in str(r.context["form"].errors["group_npi"])
    organization.refresh_from_db()
    assert organization.legal_name != "Renamed"


def test_a_new_installation_starts_with_organization_setup(client: Client, db) -> None:
    User.objects.create_superuser("owner", "owner@example.org", "a-long-passphrase")
    client.post(reverse("login"), {"username": "owner", "password": "a-long-passphrase"})
    # Superusers are admins: two-factor login first.
    r = client.get(reverse("core:home"))
    assert r["Location"].startswith(reverse("core:two_factor_setup"))
    User.objects.filter(username="owner").update(is_demo_account=True)  # skip 2FA for the rest of this test
    r = client.get(reverse("core:home"))
    assert r["Location"] == reverse("core:setup")
    r = client.post(
        reverse("core:setup"), {"legal_name": "New Practice", "tax_id": "12-3456789", "group_npi": "1234567893"}
    )
    assert r.status_code == 302
    owner = User.objects.get(username="owner")
    assert owner.organization.legal_name == "New Practice" and owner.groups.get().name == Role.ADMIN
    assert client.get(reverse("core:setup")).status_code == 403


def test_the_home_page_reads_only_the_signed_in_user(client: Client, personas: dict[str, User]) -> None:
    """Its session and its user: no count of the clinic's patients, which took a ten-year clinic's home
    page 40 ms on every visit."""
    for role in (Role.FRONT_DESK, Role.PRACTITIONER):
        login(client, personas[role])
        with CaptureQueriesContext(connection) as queries:
            r = client.get(reverse("core:home"))
        assert r.status_code == 200 and 'role="search"' in r.content.decode()
        assert len(unbound(queries)) == 2, role


def test_every_page_names_the_favicon_and_favicon_ico_leads_to_it(client: Client, frank: User) -> None:
    login(client, frank)
    page = client.get(reverse("patients:list")).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    client.logout()
    assert client.get(reverse("login")).content.decode().count('href="/static/img/favicon.svg"') == 1
    r = client.get("/favicon.ico")
    assert (r.status_code, r["Location"]) == (301, "/static/img/favicon.svg")
    icon = client.get("/static/img/favicon.svg")
    assert icon.status_code == 200 and icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content)
