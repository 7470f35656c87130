"""Two-factor sign-in with an authenticator app (django-otp's TOTP), for staff (fascia.core.views) and patients
(fascia.portal.security) alike: enrolling one, and when a signed-in user still owes a second factor."""

from base64 import b32encode

import segno
from django.contrib.auth.models import AnonymousUser
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.core.models import User
from fascia.core.queries import role_of
from fascia.core.roles import Role


def is_admin(user: User) -> bool:
    return user.is_superuser or role_of(user) == Role.ADMIN


def has_second_factor(user: User) -> bool:
    """A confirmed two-factor device: as fascia.core.queries.signed_in_users() read it, else asked of django-otp."""
    if hasattr(user, "has_second_factor"):
        return user.has_second_factor
    return user_has_device(user, confirmed=True)


def pending_step(user: User | AnonymousUser) -> str | None:
    """'verify' when a staff user has an authenticator but has not used it in this session;
    'setup' when the user is an admin without one (demo accounts excepted); else None. A patient's second
    factor is asked by the portal itself (fascia.portal.auth.patient_view), on the portal's own page."""
    if not user.is_authenticated or user.is_patient_account or user.is_verified():  # type: ignore[attr-defined]
        return None
    if has_second_factor(user):
        return "verify"
    if is_admin(user) and not user.is_demo_account:
        return "setup"
    return None


def enrolling_device(user: User) -> TOTPDevice:
    """The authenticator the user is setting up: the one not yet confirmed, else a new one."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )


def enrolment_context(device: TOTPDevice) -> dict[str, str]:
    """What a setup page shows to add the device to an app: its QR code (SVG) and its key to type instead."""
    return {
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff"),
        "secret": b32encode(device.bin_key).decode(),
    }
