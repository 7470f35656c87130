import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control

from fascia.core import tenancy
from fascia.core.two_factor import pending_step

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """No inline scripts or styles anywhere: templates load everything from /static/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in user (or an API token: TokenAuth sets
    request.user): pages, htmx fragments, PDFs, exports and API answers may all carry patient data, and no browser
    or proxy cache is to keep them (HIPAA 45 CFR 164.312(a)(1), access control; OWASP ASVS 8.2.1). Static files
    never get here (WhiteNoise answers them first) and anonymous pages, the sign-in page among them, are left
    as they are."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


PORTAL_PREFIX = "/my/"


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware for the patient portal only: its pages speak the language the patient chose
    (the language cookie, set by the portal's language menu), else the first of LANGUAGES their browser
    accepts. Staff pages stay in LANGUAGE_CODE whatever the browser says."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(PORTAL_PREFIX):
            super().process_request(request)
        else:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.path.startswith(PORTAL_PREFIX):
            response = super().process_response(request, response)
            translation.activate(settings.LANGUAGE_CODE)  # the thread's next work (a task, a test) is the clinic's
        return response


class TenancyMiddleware:
    """A signed-in user's request reads and writes only their organization's rows (PostgreSQL row-level
    security, fascia.core.tenancy); the API binds a bearer token's user the same way once it is known.
    Before that (signing in) and for a user of no organization (first-run setup) it runs as the owner."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        with tenancy.acting_for(user.organization_id if user.is_authenticated else None):
            return self.get_response(request)


class IdleSessionMiddleware:
    """Sign a session out once it has been idle longer than its audience allows, and renew its idle timer at
    most once a minute (`RENEW_EVERY`): Django's SESSION_SAVE_EVERY_REQUEST would write the session row on
    every page and every htmx request.

    Staff sessions last SESSION_IDLE_MINUTES, a patient's portal session PORTAL_SESSION_IDLE_MINUTES (each
    session keeps its limit from signing in: `start_idle_timer`); the stored session lives as long as the
    longer of the two (SESSION_COOKIE_AGE) and this middleware ends the shorter one. A session thus ends
    between its limit less a minute and its limit after the last request that someone made: a page refreshing
    itself (the Today board, every minute) says so in the `X-Fascia-Auto-Refresh` header and leaves the timer
    alone, or a board left open on an unattended desk would never sign its user out."""

    RENEW_EVERY = 60  # seconds

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.get(SESSION_KEY) is not None and time.time() - session.get(RENEWED, time.time()) > session.get(
            IDLE_LIMIT, settings.SESSION_IDLE_MINUTES * 60
        ):
            logout(request)
        response = self.get_response(request)
        if (
            session.get(SESSION_KEY) is not None
            and "HTTP_X_FASCIA_AUTO_REFRESH" not in request.META
            and time.time() - session.get(RENEWED, 0) >= self.RENEW_EVERY
        ):
            request.session[RENEWED] = int(time.time())  # modified: SessionMiddleware saves it with a new expiry
        return response


RENEWED = "renewed_at"
IDLE_LIMIT = "idle_limit"  # seconds


def start_idle_timer(request: HttpRequest, user: Any, **kwargs: object) -> None:
    """On signing in (user_logged_in): the session's idle limit, by audience, and its timer's start."""
    minutes = settings.PORTAL_SESSION_IDLE_MINUTES if user.is_patient_account else settings.SESSION_IDLE_MINUTES
    request.session[IDLE_LIMIT] = minutes * 60
    request.session[RENEWED] = int(time.time())


class TwoFactorMiddleware:
    """Send a signed-in user who owes a second factor to enter or set it up before anything else.

    The API is exempt here because it answers 403 itself (see fascia.api).
    """

    exempt_url_names = ("logout", "core:two_factor_verify", "core:two_factor_setup")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = pending_step(request.user)
        if step and not self._exempt(request.path):
            target = "core:two_factor_verify" if step == "verify" else "core:two_factor_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)

    def _exempt(self, path: str) -> bool:
        if path.startswith(("/static/", "/api/")):
            return True
        return path in {reverse(name) for name in self.exempt_url_names}


API_PREFIX = "/api/"
NUL_MESSAGE = "Text cannot contain the NUL character (\\x00 or \\u0000)."
logger = logging.getLogger(__name__)


def api_errors(status: int, errors: list[dict[str, str]]) -> JsonResponse:
    """The API's one error shape (fascia.api): {"errors": [{"field": ..., "message": ...}, ...]}."""
    return JsonResponse({"errors": errors}, status=status)


def _nul_in(value: Any, path: str) -> str | None:
    """The dotted path of the first key or text in a JSON value that holds a NUL character."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if "\x00" in str(key):
            return here
        found = _nul_in(item, here)
        if found is not None:
            return found
    return None


def field_with_nul(request: HttpRequest) -> str | None:
    """The query parameter, or the API body's field, that holds a NUL character; None when none does."""
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return key
    if not request.path.startswith(API_PREFIX):
        return None  # Django's form fields refuse NUL themselves, with a field error
    try:
        body = request.body
    except RequestDataTooBig:
        return None  # the API answers that itself
    if b"\\u0000" not in body:  # JSON writes NUL only as this escape: a raw NUL is not valid JSON
        return None
    try:
        return _nul_in(json.loads(body), "")  # "" when the whole body is one such text
    except ValueError:
        return None  # not JSON: the API refuses it itself


class RefuseBadInputMiddleware:
    """Input no view can use answers 4xx, never 500, and the API answers every error in its JSON shape.

    PostgreSQL cannot store or compare text that holds NUL, so a NUL in a query parameter or an API body is
    refused with 400 before any view runs (form fields refuse it with a field error). Under /api/, errors
    answered outside the API's own handlers (an unknown path's 404, an unknown method's 405, an unhandled
    exception's 500) are given the API's {"errors": [...]} shape instead of an HTML page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith(API_PREFIX)
        field = field_with_nul(request)
        if field is not None:
            if not is_api:
                raise BadRequest(NUL_MESSAGE)
            return api_errors(400, [{"field": field, "message": NUL_MESSAGE} if field else {"message": NUL_MESSAGE}])
        response = self.get_response(request)
        if (
            is_api
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            message = f"{response.reason_phrase}."
            if response.status_code == 405:
                message = f"Method not allowed; this path allows {response['Allow']}."
            answer = api_errors(response.status_code, [{"message": message}])
            if "Allow" in response:
                answer["Allow"] = response["Allow"]
            return answer
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return api_errors(500, [{"message": "Internal error; it has been logged."}])
