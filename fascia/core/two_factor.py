"""When a signed-in user still owes a second factor."""

from django.contrib.auth.models import AnonymousUser
from django_otp import user_has_device

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
    """'verify' when the user has an authenticator but has not used it in this session;
    'setup' when the user is an admin without one (demo accounts excepted); else None."""
    if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]  # added by OTPMiddleware
        return None
    if has_second_factor(user):
        return "verify"
    if is_admin(user) and not user.is_demo_account:
        return "setup"
    return None
