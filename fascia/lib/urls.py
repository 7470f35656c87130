"""Where to go back to after a form."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, default: str) -> str:
    """The page a form asked to return to (`next`, posted or in the query string) when it is on this site;
    else `default`. Never another site: a crafted link must not send a signed-in user elsewhere."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default
