"""At most so many requests from one address to the public pages a stranger could hammer: an emailed link's
page, whose token they might guess, and the portal's password reset, which sends email. Over the limit the
answer is 429 with a plain page; the count is Django's cache (settings.LINK_RATE_LIMIT)."""

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from fascia.audit.middleware import client_ip

logger = logging.getLogger(__name__)

LINKS = "links"  # the one count the invitation, the questionnaire link and the password reset share


def allow(request: HttpRequest, scope: str) -> bool:
    """Count this request against its address in `scope`; whether it is within the limit.

    Fixed windows (cache keys that expire with their window), as a cache can count them atomically
    (`incr`): a burst straddling two windows may pass up to twice the limit, which still stops guessing."""
    limit, window = settings.LINK_RATE_LIMIT
    key = f"ratelimit:{scope}:{client_ip(request) or 'unknown'}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout=window)
        count = 1
    if count == limit + 1:
        logger.warning("Rate limit %s reached by %s on %s", scope, client_ip(request), request.path)
    return count <= limit


def rate_limited(
    scope: str = LINKS, *, methods: tuple[str, ...] = ()
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Refuse a view (only its `methods`, when given) with 429 once the address is over the limit in `scope`."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if (not methods or request.method in methods) and not allow(request, scope):
                response: HttpResponse = render(request, "429.html", status=429)
                response["Retry-After"] = str(settings.LINK_RATE_LIMIT[1])
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
