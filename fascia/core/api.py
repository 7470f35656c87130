"""What every API endpoint needs from the request: the authenticated staff member and their rights. Shared by the
JSON API (/api/v1/) and the FHIR server (/fhir/r4/)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Choices, F, Model, Q
from django.db.models import Field as DjangoField
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import (
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from fascia.core import tenancy
from fascia.core.models import ApiToken, User
from fascia.core.queries import signed_in_users
from fascia.core.validators import PlausibleDate, date_pattern, latest, validate_not_blank

# How stale a token's last use may be. Writing it on every request made each read a write too; to say
# which integrations are alive, a minute is close enough.
LAST_USED_EVERY = timedelta(minutes=1)


def mark_used(digest: str, last_used_at: datetime | None) -> None:
    """Note the token's use, at most once per LAST_USED_EVERY: nothing when `last_used_at` (as read with the
    user) is recent, else one UPDATE whose WHERE holds the old value stale, so that of concurrent requests at
    most one writes it."""
    now = timezone.now()
    stale = now - LAST_USED_EVERY
    if last_used_at is not None and last_used_at >= stale:
        return
    ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), digest=digest).update(
        last_used_at=now
    )


def token_user(request: HttpRequest, token: str) -> User | None:
    """The staff member an API token (`fascia create_api_token`) stands for, or None for an unknown or revoked
    token. From here on the request is bound to the user's organization (fascia.core.tenancy)."""
    digest = ApiToken.digest_of(token)
    user = (
        signed_in_users()
        .filter(
            is_active=True, is_patient_account=False, api_tokens__digest=digest, api_tokens__revoked_at__isnull=True
        )
        .annotate(token_last_used_at=F("api_tokens__last_used_at"))
        .first()
    )
    if user is None:
        return None
    tenancy.switch(user.organization_id)
    mark_used(digest, user.token_last_used_at)
    request.user = user
    return user


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


# The default of a field a change may leave out, `name: str = ABSENT`: None stands for "left out" (the view
# reads payload.dict(exclude_unset=True)) while the field's type, and so its schema, admits no null, which is
# refused with 422. (pydantic does not validate a default; typed Any so that type checkers agree.)
ABSENT: Any = None


# --- What the OpenAPI schema states, checked by the same code that validates ----------------------------

# The time of day and its UTC offset after a date: the API books at an instant, so the offset is required.
TIME_PATTERN = r"T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"
DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}" + TIME_PATTERN)


def _a_number(value: Any) -> Any:
    if isinstance(value, (bool, str)):  # pydantic would read true as 1 and "5" as 5
        raise PydanticCustomError("int_type", "Give a whole number.")
    return value


# A JSON integer: a whole number (2.0 is one, as JSON Schema says), not a boolean or a text. With limits,
# Annotated[int, limits(...), WHOLE]: limits put after it would be stated as unknown keywords ("ge").
WHOLE = BeforeValidator(_a_number)
Integer = Annotated[int, WHOLE]


class NotBlank:
    """Pydantic metadata for text that must say something: validate_not_blank's rule (422 "This field cannot be
    blank."), stated in the OpenAPI schema as a pattern: a character besides spaces and, as all text, no NUL."""

    PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        def check(value: str) -> str:
            try:
                validate_not_blank(value)
            except ValidationError as e:
                raise PydanticCustomError("blank", e.messages[0]) from None
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "pattern": self.PATTERN}


NOT_BLANK = NotBlank()


@dataclass(frozen=True)
class Plausible:
    """Pydantic metadata for a date (or a date-time with its offset) in PlausibleDate's range.

    It refuses (422) what is not written YYYY-MM-DD (pydantic alone reads 0 as 1970-01-01) and a day out of
    the range, and states both in the OpenAPI schema as a pattern, computed each time the schema is read
    because the range ends `years_ahead` years after today.
    """

    years_ahead: int = 0

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        shape = DATETIME_SHAPE if source is datetime else DATE_SHAPE
        example = (
            "Give the time with its UTC offset, e.g. 2030-01-07T10:00:00-05:00."
            if source is datetime
            else "Give the date as YYYY-MM-DD, e.g. 2030-01-07."
        )

        def check(value: Any, parse: ValidatorFunctionWrapHandler) -> Any:
            if not isinstance(value, date) and not (isinstance(value, str) and shape.fullmatch(value)):
                raise PydanticCustomError("date_shape", example)
            parsed = parse(value)
            try:
                PlausibleDate(self.years_ahead)(parsed.date() if isinstance(parsed, datetime) else parsed)
            except ValidationError as e:
                raise PydanticCustomError("date_range", e.messages[0]) from None
            return parsed

        return core_schema.no_info_wrap_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        days = date_pattern(latest(self.years_ahead))
        json_schema["pattern"] = days if json_schema.get("format") == "date" else days[:-2] + TIME_PATTERN + ")$"
        return json_schema


def plausible(model: type[Model], field: str) -> Plausible:
    """The range of dates `model`'s `field` accepts (its PlausibleDate validator), for an API schema's field."""
    model_field = model._meta.get_field(field)
    assert isinstance(model_field, DjangoField)
    for validator in model_field.validators:
        if isinstance(validator, PlausibleDate):
            return Plausible(validator.years_ahead)
    raise ImproperlyConfigured(f"{model.__name__}.{field} has no PlausibleDate validator.")


def limits(model: type[Model], field: str) -> Any:
    """The constraints of `model`'s `field` (max_length; ge and le from its MinValueValidator and
    MaxValueValidator) as pydantic metadata, Annotated[str, limits(...)], so an API schema states the model's
    rule rather than a copy of it."""
    model_field = model._meta.get_field(field)
    assert isinstance(model_field, DjangoField)
    found: dict[str, Any] = {}
    if model_field.max_length:
        found["max_length"] = model_field.max_length
    for validator in model_field.validators:
        if isinstance(validator, MinValueValidator):
            found["ge"] = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            found["le"] = validator.limit_value
    return Field(**found)


def one_of(values: Iterable[str]) -> WithJsonSchema:
    """Pydantic metadata stating the codes a text field takes (the view refuses the others, 422)."""
    return WithJsonSchema({"type": "string", "enum": list(values)})


def inline(choices: type[Choices]) -> WithJsonSchema:
    """Pydantic metadata stating an enum in place rather than as a shared component.

    django-ninja gathers every schema's definitions into one components map by name, so two enums of one name
    (Evaluation.Kind, VisitNote.Kind, Credential.Kind) overwrote each other and the schema told one's values
    for all; test_openapi_schema checks that no component is overwritten.
    """
    return one_of(choices.values)
