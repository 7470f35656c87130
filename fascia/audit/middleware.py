from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from fascia.audit import current_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; behind our own reverse proxy, the one the proxy appended last."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Make the client address available to fascia.audit.record() for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
