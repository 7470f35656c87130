"""Writes to the organization, its locations and its staff: validated, atomic, audited."""

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import ApiToken, Location, Organization, Room, User
from fascia.core.roles import Role
from fascia.practitioners.models import Practitioner


class CoreError(Exception):
    pass


@transaction.atomic
def set_up_organization(*, actor: User, **fields: Any) -> Organization:
    """First run: create the organization and make the signed-in superuser its admin."""
    if Organization.objects.exists():
        raise CoreError("This installation already has an organization.")
    organization = Organization(**fields)
    organization.full_clean()
    organization.save()
    actor.organization = organization
    actor.save(update_fields=["organization"])
    actor.groups.add(Group.objects.get(name=Role.ADMIN))
    audit.record(actor=actor, action=AuditAction.ORGANIZATION_UPDATED, target=organization)
    return organization


@transaction.atomic
def update_organization(*, actor: User, organization: Organization, **fields: Any) -> Organization:
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    audit.record(actor=actor, action=AuditAction.ORGANIZATION_UPDATED, target=organization)
    return organization


@transaction.atomic
def save_location(*, actor: User, location: Location) -> Location:
    location.full_clean()
    location.save()
    audit.record(actor=actor, action=AuditAction.LOCATION_SAVED, target=location)
    return location


@transaction.atomic
def save_room(*, actor: User, room: Room) -> Room:
    room.full_clean()
    room.save()
    audit.record(actor=actor, action=AuditAction.ROOM_SAVED, target=room)
    return room


def _save_practitioner_profile(user: User, profile: dict[str, Any] | None) -> None:
    if profile is None:
        return
    locations = profile.pop("locations", None)
    practitioner = getattr(user, "practitioner", None) or Practitioner(user=user)
    for name, value in profile.items():
        setattr(practitioner, name, value)
    practitioner.full_clean()
    practitioner.save()
    if locations is not None:
        practitioner.locations.set(locations)


@transaction.atomic
def create_staff(
    *,
    actor: User,
    organization: Organization,
    role: str,
    password: str,
    practitioner_profile: dict[str, Any] | None = None,
    **fields: Any,
) -> User:
    """Create a staff account with one role; practitioners also get their clinical profile."""
    if role == Role.PRACTITIONER and practitioner_profile is None:
        raise CoreError("A practitioner needs a practitioner profile (NPI, license).")
    user = User(organization=organization, **fields)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    _save_practitioner_profile(user, practitioner_profile if role == Role.PRACTITIONER else None)
    audit.record(actor=actor, action=AuditAction.STAFF_CREATED, target=user, detail={"role": role})
    return user


@transaction.atomic
def update_staff(
    *,
    actor: User,
    user: User,
    role: str,
    practitioner_profile: dict[str, Any] | None = None,
    **fields: Any,
) -> User:
    if user == actor and (role != Role.ADMIN or not fields.get("is_active", True)):
        raise CoreError("You cannot remove your own admin role or deactivate your own account.")
    if role == Role.PRACTITIONER and practitioner_profile is None and not hasattr(user, "practitioner"):
        raise CoreError("A practitioner needs a practitioner profile (NPI, license).")
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    _save_practitioner_profile(user, practitioner_profile if role == Role.PRACTITIONER else None)
    audit.record(actor=actor, action=AuditAction.STAFF_UPDATED, target=user, detail={"role": role})
    return user


@transaction.atomic
def confirm_totp_device(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm a newly enrolled authenticator app with a code it shows."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit.record(actor=user, action=AuditAction.TWO_FACTOR_ENABLED, target=user)
    return True


@transaction.atomic
def create_api_token(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; the secret is returned once and only its digest is kept. No actor when
    created from the command line."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(secret))
    audit.record(actor=actor, action=AuditAction.API_TOKEN_CREATED, target=token)
    return token, secret
