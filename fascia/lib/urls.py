"""Links for pages of rows."""

from collections.abc import Callable
from uuid import UUID

from django.urls import reverse

STAND_IN = str(UUID(int=0))


def url_for_each(name: str, *args: str) -> Callable[[UUID | str], str]:
    """reverse(name, args=[public_id, *args]) for any public_id, reversing only once.

    reverse() and the {% url %} tag resolve the pattern on every call: on a page with hundreds of links
    (the day schedule, a practitioner's day) they were a third of the rendering. Each row's link is the
    one reversed with a stand-in id, with the row's own id put in its place."""
    url = reverse(name, args=[STAND_IN, *args])
    return lambda public_id: url.replace(STAND_IN, str(public_id))
