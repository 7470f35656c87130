import re
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia import audit
from fascia.audit.models import AuditAction, AuditEvent
from fascia.core import roles, services, two_factor
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import AuditSearchForm, LocationForm, OrganizationForm, RoomForm, TokenForm, saved
from fascia.core.models import Location, Organization, Room, User
from fascia.core.queries import role_of
from fascia.lib.contact import digits_only
from fascia.lib.search import search_terms
from fascia.lib.urls import next_url


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Plain "ok" for anyone: a load balancer's health check; asked with a signed-in session, the floor
    bench/http_load.py holds the pages to.

    It reads no database (a request without a session cookie makes no query), so it says only that
    this process serves requests: a database outage shows on the pages, not here.
    """
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for by habit: the SVG icon base.html names, for anyone."""
    return redirect(static("img/favicon.svg"), permanent=True)


@staff_view()
def home(request: ClinicRequest) -> HttpResponse:
    user = request.user
    context = {
        "role": role_of(user),
        "can_view_patients": user.has_perm(roles.VIEW_PATIENT),
        "can_add_patient": user.has_perm(roles.ADD_PATIENT),
    }
    return render(request, "core/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """First run of a new installation: the superuser names the practice."""
    if not request.user.is_superuser or Organization.objects.exists():
        raise PermissionDenied
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_up_organization(actor=request.user, **form.cleaned_data)
        messages.success(request, "Your organization is set up. Add its locations and staff next.")
        return redirect("core:location_list")
    return render(request, "core/setup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show its QR code, confirm with one code."""
    user = request.user
    assert isinstance(user, User)  # login_required
    if user.is_patient_account:
        raise PermissionDenied("Patients turn it on in the portal (Sign-in and security).")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        messages.info(request, "Two-factor login is already on for your account.")
        return redirect("core:home")
    device = two_factor.enrolling_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_device(user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, "Two-factor login is on. You will be asked for a code at each sign-in.")
            return redirect(next_url(request, "/"))
        form.add_error("token", "That code does not match. Check the time on your phone and try the newest code.")
    context = {"form": form, **two_factor.enrolment_context(device), "next": next_url(request, "/")}
    return render(request, "core/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_patient_account:  # type: ignore[union-attr]  # login_required
        raise PermissionDenied("Patients give their code in the portal.")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url(request, "/"))
        form.add_error("token", "That code is not valid. Use the newest code your app shows.")
    return render(request, "core/two_factor_verify.html", {"form": form, "next": next_url(request, "/")})


@staff_view(roles.MANAGE_LOCATIONS)
@require_http_methods(["GET", "POST"])
def organization_edit(request: ClinicRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None, instance=request.organization)
    if request.method == "POST" and form.is_valid():
        services.update_organization(actor=request.user, organization=request.organization, **form.cleaned_data)
        messages.success(request, "Organization saved.")
        return redirect("core:location_list")
    return render(request, "core/organization_form.html", {"form": form})


@staff_view(roles.MANAGE_LOCATIONS)
def location_list(request: ClinicRequest) -> HttpResponse:
    locations = request.organization.locations.prefetch_related("rooms").order_by("-is_active", "name")
    return render(request, "core/location_list.html", {"locations": locations, "organization": request.organization})


@staff_view(roles.MANAGE_LOCATIONS)
@require_http_methods(["GET", "POST"])
def location_edit(request: ClinicRequest, location_id: UUID | None = None) -> HttpResponse:
    location = (
        get_object_or_404(Location, public_id=location_id, organization=request.organization)
        if location_id
        else Location(organization=request.organization)
    )
    form = LocationForm(request.POST or None, instance=location)
    if saved(request, form, lambda: services.save_location(actor=request.user, location=form.instance)):
        messages.success(request, f"Location “{location.name}” saved.")
        return redirect("core:location_edit", location_id=location.public_id)
    context = {
        "form": form,
        "location": location if location.pk else None,
        "rooms": location.rooms.all() if location.pk else [],
        "room_form": RoomForm(prefix="room") if location.pk else None,
    }
    return render(request, "core/location_form.html", context)


@staff_view(roles.MANAGE_LOCATIONS)
@require_http_methods(["GET", "POST"])
def room_edit(request: ClinicRequest, location_id: UUID, room_id: UUID | None = None) -> HttpResponse:
    location = get_object_or_404(Location, public_id=location_id, organization=request.organization)
    room = get_object_or_404(Room, public_id=room_id, location=location) if room_id else Room(location=location)
    form = RoomForm(request.POST or None, instance=room, prefix="room")
    if saved(request, form, lambda: services.save_room(actor=request.user, room=form.instance)):
        messages.success(request, f"Room “{room.name}” saved.")
        return redirect("core:location_edit", location_id=location.public_id)
    return render(request, "core/room_form.html", {"form": form, "location": location, "room": room})


@staff_view(roles.VIEW_AUDIT)
@require_GET
def audit_search(request: ClinicRequest) -> HttpResponse:
    """Who read or changed what: filter by patient, user, action and dates. Read-only."""
    form = AuditSearchForm(request.GET or None)
    organization = request.organization
    events = AuditEvent.objects.filter(organization=organization).select_related("actor", "patient")
    if form.is_valid():
        data = form.cleaned_data
        if data["patient_id"]:  # from the chart: that patient exactly
            events = events.filter(patient__public_id=data["patient_id"], patient__organization=organization)
        if data["patient"]:
            events = events.filter(patient__organization=organization)
            # As the patient search reads a term: digits (an MRN or a phone) as digits, anything else as a
            # fragment of a name; each in the patient's search_text, which PostgreSQL indexes with trigrams.
            for term in search_terms(data["patient"]):
                digits = digits_only(term) if re.fullmatch(r"[\d()\-.+]+", term) else ""
                events = events.filter(patient__search_text__contains=digits or term.lower())
        if data["user"]:
            events = events.filter(actor__username=data["user"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
        audit.record(
            actor=request.user,
            action=AuditAction.AUDIT_SEARCHED,
            target=request.organization,
            detail={k: str(v) for k, v in data.items() if v},
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit_search.html", {"form": form, "page": page, "query": query.urlencode()})
