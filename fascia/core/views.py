from base64 import b32encode
from uuid import UUID

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.core import roles, services
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import LocationForm, OrganizationForm, PractitionerForm, RoomForm, StaffForm, TokenForm
from fascia.core.models import Location, Organization, Room, User
from fascia.core.queries import role_of
from fascia.core.roles import Role


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.GET.get("next") or request.POST.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Plain "ok" for anyone: a load balancer's health check; asked with a signed-in session, the floor
    bench/http_load.py holds the pages to.

    It reads no database (a request without a session cookie makes no query), so it says only that
    this process serves requests: a database outage shows on the pages, not here.
    """
    return HttpResponse("ok", content_type="text/plain")


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
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        messages.info(request, "Two-factor login is already on for your account.")
        return redirect("core:home")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_device(user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, "Two-factor login is on. You will be asked for a code at each sign-in.")
            return redirect(_safe_next(request))
        form.add_error("token", "That code does not match. Check the time on your phone and try the newest code.")
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff"),
        "secret": _base32_secret(device),
        "next": _safe_next(request),
    }
    return render(request, "core/two_factor_setup.html", context)


def _base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", "That code is not valid. Use the newest code your app shows.")
    return render(request, "core/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


@staff_view(roles.MANAGE_LOCATIONS)
@require_http_methods(["GET", "POST"])
def organization_edit(request: ClinicRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None, instance=request.organization)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        services.update_organization(actor=request.user, organization=request.organization, **fields)
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
    if request.method == "POST" and form.is_valid():
        try:
            services.save_location(actor=request.user, location=form.instance)
        except ValidationError as e:
            form.add_error(None, e)
        else:
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
    if request.method == "POST" and form.is_valid():
        try:
            services.save_room(actor=request.user, room=form.instance)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, f"Room “{room.name}” saved.")
            return redirect("core:location_edit", location_id=location.public_id)
    return render(request, "core/room_form.html", {"form": form, "location": location, "room": room})


@staff_view(roles.MANAGE_STAFF)
def staff_list(request: ClinicRequest) -> HttpResponse:
    staff = (
        User.objects.filter(organization=request.organization)
        .select_related("practitioner")
        .prefetch_related("groups")
        .order_by("-is_active", "last_name", "first_name")
    )
    rows = [(user, dict(Role.choices).get(role_of(user) or "", "—")) for user in staff]
    return render(request, "core/staff_list.html", {"rows": rows})


@staff_view(roles.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def staff_edit(request: ClinicRequest, user_id: UUID | None = None) -> HttpResponse:
    editing = user_id is not None
    staff = (
        get_object_or_404(User, public_id=user_id, organization=request.organization)
        if editing
        else User(organization=request.organization)
    )
    initial = {"role": role_of(staff)} if editing else {"role": Role.PRACTITIONER}
    form = StaffForm(request.POST or None, instance=staff, initial=initial, editing=editing)
    profile_form = PractitionerForm(
        request.POST or None,
        instance=getattr(staff, "practitioner", None) if editing else None,
        organization=request.organization,
        prefix="practitioner",
    )
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        profile = None
        if role == Role.PRACTITIONER:
            profile = dict(profile_form.cleaned_data) if profile_form.is_valid() else None
        if role != Role.PRACTITIONER or profile is not None:
            fields = {n: form.cleaned_data[n] for n in ("username", "first_name", "last_name", "email", "is_active")}
            try:
                if editing:
                    services.update_staff(
                        actor=request.user, user=staff, role=role, practitioner_profile=profile, **fields
                    )
                else:
                    staff = services.create_staff(
                        actor=request.user,
                        organization=request.organization,
                        role=role,
                        password=form.cleaned_data["password"],
                        practitioner_profile=profile,
                        **fields,
                    )
            except ValidationError as e:
                form.add_error("password" if not editing and not hasattr(e, "error_dict") else None, e)
            except services.CoreError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, f"{staff.display_name} saved.")
                return redirect("core:staff_list")
    context = {"form": form, "profile_form": profile_form, "staff": staff if editing else None}
    return render(request, "core/staff_form.html", context)
