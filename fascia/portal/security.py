"""The patient's "Sign-in and security" page: two-factor sign-in with an authenticator app, on or off, and the
code the portal asks for after the password while it is on (patient_view sends an unverified session there).
The steps are core's, which staff use too (fascia.core.two_factor, core.services)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import services, two_factor
from fascia.core.models import User
from fascia.lib.urls import next_url
from fascia.portal.auth import PatientRequest, patient_view
from fascia.portal.forms import PasswordCheckForm, PortalTokenForm


@patient_view
@require_http_methods(["GET", "POST"])
def security(request: PatientRequest) -> HttpResponse:
    """While two-factor sign-in is off: the QR code of a new authenticator and the code that confirms it (which
    turns it on). While on: says so, and links the page that turns it off."""
    user = request.user
    audit.record(actor=user, action=AuditAction.PORTAL_VIEWED, target=request.patient, detail={"page": "security"})
    if user_has_device(user, confirmed=True):
        return render(request, "portal/security.html", {"is_on": True})
    device = two_factor.enrolling_device(user)
    form = PortalTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_device(user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)  # this session has just shown the code
            messages.success(request, _("Two-step sign-in is on: after your password, the portal asks for a code."))
            return redirect("portal:security")
        form.add_error("token", _("That code does not match. Check the time on your phone and try the newest code."))
    return render(request, "portal/security.html", {"form": form, **two_factor.enrolment_context(device)})


@patient_view
@require_http_methods(["GET", "POST"])
def security_off(request: PatientRequest) -> HttpResponse:
    """Turn two-factor sign-in off, after the patient's password (when already off, that changes nothing)."""
    user = request.user
    form = PasswordCheckForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.remove_totp_devices(user=user)
        messages.success(request, _("Two-step sign-in is off: your password alone signs you in."))
        return redirect("portal:security")
    return render(request, "portal/security_off.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password, the code from the patient's authenticator app (django-otp slows down guessing: each
    wrong code doubles the wait before the next is checked). Not a patient_view: that sends here."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("portal:login"))
    assert isinstance(user, User)
    if not user.is_patient_account:
        raise PermissionDenied("The patient portal is for patients; staff use the clinic's pages.")
    home = next_url(request, reverse("portal:home"))
    if user.is_verified() or not two_factor.has_second_factor(user):  # type: ignore[attr-defined]  # OTPMiddleware
        return redirect(home)
    form = PortalTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(home)
        form.add_error("token", _("That code is not valid. Use the newest code your app shows."))
    return render(request, "portal/two_factor_verify.html", {"form": form, "next": home})
