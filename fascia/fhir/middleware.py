"""Under /fhir/, every error is an OperationOutcome, also those answered outside the FHIR views: a path the server
does not serve (404), a NUL in the query (400, fascia.core.middleware.RefuseBadInputMiddleware), an unhandled
exception (500: Django's handler has answered it and logged it by then)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fascia.fhir.http import FHIR_JSON, FhirError, outcome

PREFIX = "/fhir/"
# The FHIR issue type (http://hl7.org/fhir/issue-type) of each HTTP status answered outside the views.
CODES = {400: "invalid", 403: "forbidden", 404: "not-found", 405: "not-supported", 413: "too-costly"}


class OperationOutcomeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(PREFIX)
            and response.status_code >= 400
            and response.get("Content-Type") != FHIR_JSON
        ):
            words = (
                "This server does not serve this path." if response.status_code == 404 else f"{response.reason_phrase}."
            )
            return outcome(FhirError(response.status_code, CODES.get(response.status_code, "exception"), words))
        return response
