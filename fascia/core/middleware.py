import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

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


class IdleSessionMiddleware:
    """Renew a signed-in session's idle timer at most once a minute (`RENEW_EVERY`): Django's
    SESSION_SAVE_EVERY_REQUEST would write the session row on every page and every htmx request.
    A session thus expires between SESSION_IDLE_MINUTES less a minute and SESSION_IDLE_MINUTES
    after the last request."""

    RENEW_EVERY = 60  # seconds

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if session.get(SESSION_KEY) is not None and time.time() - session.get(RENEWED, 0) >= self.RENEW_EVERY:
            start_idle_timer(request)  # modified: SessionMiddleware saves it with a new expiry
        return response


RENEWED = "renewed_at"


def start_idle_timer(request: HttpRequest, **kwargs: object) -> None:
    """Note when the session's expiry was last pushed back; also on signing in (user_logged_in)."""
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
