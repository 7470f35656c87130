"""Who may open a page: one decorator that every staff view uses."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from fascia.core.models import Organization, User


class ClinicRequest(HttpRequest):
    """A request from a signed-in staff member of an organization."""

    user: User
    organization: Organization
    htmx: HtmxDetails  # set by django-htmx's middleware


def staff_view(*perms: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Require a signed-in user of an organization holding every permission in `perms`.

    Anonymous users are sent to the login page; signed-in users without the permission get 403, and so does
    a patient's portal account, whatever the page asks.
    """

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: ClinicRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # signed in: login_required
            user = request.user
            if user.is_patient_account:
                raise PermissionDenied("This is a patient's account: it opens the patient portal only.")
            organization = user.organization  # None, without a query, for a user of no organization
            if organization is None:
                if user.is_superuser:
                    return redirect("core:setup")
                raise PermissionDenied("This account belongs to no organization.")
            if not user.has_perms(perms):
                raise PermissionDenied
            request.organization = organization
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
