"""What every API endpoint needs from the request: the authenticated staff member and their rights."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from fascia.core.models import User

# The highest page number a list accepts: far beyond any clinic's data, and its offset still fits the
# database's 64-bit integers (page 9223372036854775808 otherwise overflowed into a 500).
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """Every paginated list of the API: ?page=1.. (at most MAX_PAGE), 25 items a page."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=100)


def api_user(request: HttpRequest, *perms: str) -> User:
    """The authenticated user when they belong to an organization and hold `perms`; else 403."""
    user: User = request.auth  # type: ignore[attr-defined]  # set by django-ninja's authentication
    if user.organization_id is None or not user.has_perms(perms):
        raise PermissionDenied("Your role does not allow this.")
    return user


def refuse_nulls(model: type[Model], fields: dict[str, Any]) -> None:
    """422 for each field given null (JSON null) that `model` cannot store as null, before anything is written."""
    errors = {
        name: "This field cannot be null."
        for name, value in fields.items()
        if value is None and not getattr(model._meta.get_field(name), "null", False)
    }
    if errors:
        raise ValidationError(errors)
