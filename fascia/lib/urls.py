"""Links: for pages of rows, and where to go back to after a form."""

from collections.abc import Callable
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

STAND_IN = str(UUID(int=0))


def url_for_each(name: str, *args: str) -> Callable[[UUID | str], str]:
    """reverse(name, args=[public_id, *args]) for any public_id, reversing only once.

    reverse() and the {% url %} tag resolve the pattern on every call: on a page with hundreds of links
    (the day schedule, a practitioner's day) they were a third of the rendering. Each row's link is the
    one reversed with a stand-in id, with the row's own id put in its place."""
    url = reverse(name, args=[STAND_IN, *args])
    return lambda public_id: url.replace(STAND_IN, str(public_id))


def next_url(request: HttpRequest, default: str) -> str:
    """The page a form asked to return to (`next`, posted or in the query string) when it is on this site;
    else `default`. Never another site: a crafted link must not send a signed-in user elsewhere."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default
