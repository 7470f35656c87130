"""How the FHIR server answers: resources as application/fhir+json, errors as OperationOutcome, and who may ask.

Access is by bearer token: a staff member's API token (`fascia create_api_token`), which reads what the staff
member's role may read, bound to their organization like every request (fascia.core.tenancy). Only reads are
served; anything else answers 405.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import BaseModel

from fascia.core.api import token_user

FHIR_JSON = "application/fhir+json"
FHIR_VERSION = "4.0.1"


class FhirError(Exception):
    """An error the server answers with an OperationOutcome: its HTTP status, FHIR issue code and words, and
    where in the request it lies (a FHIRPath-like expression, e.g. a search parameter's name)."""

    def __init__(self, status: int, code: str, diagnostics: str, expression: str | None = None) -> None:
        super().__init__(diagnostics)
        self.status, self.code, self.diagnostics, self.expression = status, code, diagnostics, expression


def respond(resource: BaseModel, status: int = 200) -> HttpResponse:
    return HttpResponse(resource.model_dump_json(exclude_none=True), status=status, content_type=FHIR_JSON)


def outcome(error: FhirError) -> HttpResponse:
    issue: dict[str, Any] = {"severity": "error", "code": error.code, "diagnostics": error.diagnostics}
    if error.expression:
        issue["expression"] = [error.expression]
    response = respond(
        OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [issue]}), error.status
    )
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fascia"'
    if error.status == 405:
        response["Allow"] = "GET, HEAD"
    return response


def bearer(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def fhir_view(*perms: str, public: bool = False) -> Callable[[Callable[..., BaseModel]], Callable[..., HttpResponse]]:
    """A FHIR read: GET only; unless `public`, a staff token whose role holds `perms`; the view returns the
    resource, or raises FhirError (or Http404) for an OperationOutcome. Exempt from the CSRF check, which is for
    a browser's cookies: a write answers 405 here, as an OperationOutcome rather than a CSRF page."""

    def decorator(view: Callable[..., BaseModel]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in ("GET", "HEAD"):
                    raise FhirError(405, "not-supported", f"This server only reads; {request.method} is not served.")
                if not public:
                    token = bearer(request)
                    user = token_user(request, token) if token else None
                    if user is None:
                        raise FhirError(401, "login", "A bearer token is required: a staff member's API token.")
                    if user.organization_id is None or not user.has_perms(perms):
                        raise FhirError(403, "forbidden", "The token's role does not allow this read.")
                return respond(view(request, *args, **kwargs))
            except FhirError as error:
                return outcome(error)
            except Http404:
                return outcome(FhirError(404, "not-found", "No such resource in your organization."))

        return wrapped

    return decorator
