"""The JSON API under /api/v1/: authentication, one error shape, and the routers of each app.

Every error answers {"errors": [{"field": ..., "message": ...}, ...]}; "field" is omitted when
the error is not about one field.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.types import DictStrAny

from fascia.chart_api import router as chart_router
from fascia.core.api import token_user
from fascia.core.models import User
from fascia.core.two_factor import pending_step
from fascia.evaluations.api import router as evaluations_router
from fascia.measures.api import router as measures_router
from fascia.patients.api import router as patients_router
from fascia.practitioners.api import router as practitioners_router
from fascia.scheduling.api import router as scheduling_router
from fascia.techniques.api import router as techniques_router
from fascia.visits.api import router as visits_router


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for integrations (see `fascia create_api_token`)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return token_user(request, token)


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie means no credentials (401), not a failed CSRF check (403).
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if user.is_authenticated and user.is_active and not user.is_patient_account and pending_step(user) is None:
            return user
        return None


ERROR_RESPONSES = {
    "400": "The request body is not a JSON object, or a text holds NUL.",
    "401": "No valid bearer token or signed-in session.",
    "403": "The user's role does not allow this.",
    "404": "Not found, or not in the user's organization.",
    "409": "The record's state does not allow this, e.g. it is already signed.",
    "422": "The input is not valid.",
}
ERRORS_SCHEMA = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["message"],
            },
        }
    },
    "required": ["errors"],
}


# No text the API takes may hold NUL (RefuseBadInputMiddleware answers 400: PostgreSQL cannot store it), in a
# value or a key, however deep in the body; the schema states it on every string, object and free JSON value.
NO_NUL = "^[^\\u0000]*$"
JSON_VALUE = {"$ref": "#/components/schemas/JsonValue"}
JSON_VALUE_SCHEMA = {
    "description": "Any JSON value whose texts and keys hold no NUL character",
    "anyOf": [
        {"type": "string", "pattern": NO_NUL},
        {"type": ["number", "boolean", "null"]},
        {"type": "array", "items": JSON_VALUE},
        {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": JSON_VALUE},
    ],
}


def refuse_nul(node: Any) -> None:
    """State NO_NUL on every string (other than dates, ids and choices, which cannot hold NUL) and object."""
    if isinstance(node, list):
        for item in node:
            refuse_nul(item)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "string" and not {"format", "enum", "pattern", "const"} & node.keys():
        node["pattern"] = NO_NUL
    if kind == "object":
        node.setdefault("propertyNames", {"pattern": NO_NUL})  # or the keys it names, e.g. a Literal's
        # Properties the model does not name are ignored, but the NUL check reads them too.
        if node.get("additionalProperties", True) is True:
            node["additionalProperties"] = JSON_VALUE
    for key, value in node.items():
        if key not in ("propertyNames", "example", "examples", "default"):
            refuse_nul(value)


class FasciaAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> OpenAPISchema:
        """Declare the shared error responses on every operation, so clients (and the fuzz test) know them, and
        that no text holds NUL."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        refuse_nul(schema["paths"])
        refuse_nul(schema.get("components", {}).get("schemas", {}))
        schema.setdefault("components", {}).setdefault("schemas", {})["Errors"] = ERRORS_SCHEMA
        schema["components"]["schemas"]["JsonValue"] = JSON_VALUE_SCHEMA
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, description in ERROR_RESPONSES.items():
                    operation["responses"].setdefault(status, {"description": description, **error})
        return schema


class ObjectParser(Parser):
    """Every request body is a JSON object (an optional one may be left out: ninja parses no empty body). ninja's
    schemas read attributes (from_attributes), so a body of another JSON value, [null, null], passed for an empty
    change where every field is optional."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("The request body must be a JSON object.")  # ninja answers 400
        return data


AUTH = [TokenAuth(), SessionAuth()]


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs and the OpenAPI schema (docs_decorator): for the same credentials as the API itself, a bearer
    token or a signed-in staff session; 401 in the API's error shape otherwise."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not any(auth(request) for auth in AUTH):
            return _errors(request, 401, [{"message": "Authentication required: send a bearer token or sign in."}])
        return view(request, *args, **kwargs)

    return wrapped


api = FasciaAPI(
    title="Fascia API",
    version="1",
    description="Clinic data for integrations. Authenticate with a bearer token or a signed-in session.",
    auth=AUTH,
    parser=ObjectParser(),
    urls_namespace="api",
    docs_decorator=staff_only,
)


def _errors(request: HttpRequest, status: int, errors: list[dict[str, str]]) -> HttpResponse:
    return api.create_response(request, {"errors": errors}, status=status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _errors(request, 401, [{"message": "Authentication required: send a bearer token or sign in."}])


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _errors(request, 403, [{"message": str(exc) or "Your role does not allow this."}])


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _errors(request, 404, [{"message": str(exc) or "Not found."}])


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _errors(request, exc.status_code, [{"message": str(exc)}])


@api.exception_handler(SchemaValidationError)
def schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        errors.append({"field": ".".join(location), "message": error.get("msg", "Invalid value.")})
    return _errors(request, 422, errors)


@api.exception_handler(ValidationError)
def domain_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
            if field != "__all__"
        ] + [{"message": m} for m in exc.message_dict.get("__all__", [])]
    else:
        errors = [{"message": message} for message in exc.messages]
    return _errors(request, 422, errors)


api.add_router("/patients", patients_router)
api.add_router("/measures", measures_router)
api.add_router("", evaluations_router)
api.add_router("", techniques_router)
api.add_router("", scheduling_router)
api.add_router("", visits_router)
api.add_router("", practitioners_router)
api.add_router("", chart_router)
