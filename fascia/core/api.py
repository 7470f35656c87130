"""What every API endpoint needs from the request: the authenticated staff member and their rights."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from fascia.core.models import User


def api_user(request: HttpRequest, *perms: str) -> User:
    """The authenticated user when they belong to an organization and hold `perms`; else 403."""
    user: User = request.auth  # type: ignore[attr-defined]  # set by django-ninja's authentication
    if user.organization_id is None or not user.has_perms(perms):
        raise PermissionDenied("Your role does not allow this.")
    return user
