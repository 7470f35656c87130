from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

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
