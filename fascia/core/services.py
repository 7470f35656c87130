"""Writes to the organization, its locations, rooms and accounts: validated, atomic, audited."""

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import ApiToken, Location, Organization, Room, User
from fascia.core.roles import Role


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
def remove_totp_devices(*, user: User) -> bool:
    """Turn two-factor sign-in off for `user`: their authenticator apps, confirmed or half set up, are forgotten.
    Whether it was on (only then is it audited)."""
    devices = TOTPDevice.objects.filter(user=user)
    was_on: bool = devices.filter(confirmed=True).exists()
    devices.delete()
    if was_on:
        audit.record(actor=user, action=AuditAction.TWO_FACTOR_DISABLED, target=user)
    return was_on


@transaction.atomic
def create_api_token(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; the secret is returned once and only its digest is kept. No actor when
    created from the command line."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(secret))
    audit.record(actor=actor, action=AuditAction.API_TOKEN_CREATED, target=token)
    return token, secret
