"""Who may open a portal page: one decorator that every patient view uses, as staff_view is for staff."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.middleware import HtmxDetails

from fascia.core.models import Organization, User
from fascia.core.two_factor import has_second_factor
from fascia.patients.models import Patient, PatientAccount


class PatientRequest(HttpRequest):
    """A request from a patient signed in to their portal account."""

    user: User
    organization: Organization
    account: PatientAccount
    patient: Patient  # the one patient whose records this request may read and write
    htmx: HtmxDetails


def patient_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Require a signed-in patient's account: anonymous visitors go to the portal's sign-in, staff sessions get
    403 (a staff member has no patient record of their own to see here), and a patient the clinic has marked
    inactive is signed out with a page saying to call the clinic (a closed account's session is already gone:
    Django's backend refuses an inactive user). The view gets `request.patient` and reads nothing of any
    other patient. With two-step sign-in on, a session that has not given its code yet goes to give it."""

    @wraps(view)
    def wrapped(request: PatientRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if not user.is_patient_account:
            raise PermissionDenied("The patient portal is for patients; staff use the clinic's pages.")
        account = PatientAccount.objects.select_related("patient__organization").get(user=user)
        if not account.patient.is_active:  # the clinic marked the patient inactive: no portal either
            logout(request)
            return render(request, "portal/unavailable.html", status=403)
        # Two-step sign-in on, its code not given yet in this session (is_verified: added by OTPMiddleware).
        if not user.is_verified() and has_second_factor(user):  # type: ignore[attr-defined]
            return redirect(f"{reverse('portal:two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")
        request.account, request.patient = account, account.patient
        request.organization = account.patient.organization
        return view(request, *args, **kwargs)

    return wrapped
