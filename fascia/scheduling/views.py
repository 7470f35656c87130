from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import saved
from fascia.core.models import Location
from fascia.core.validators import plausible_day
from fascia.lib.urls import next_url
from fascia.patients.models import Patient
from fascia.patients.queries import get_patient_for_user, search_patients
from fascia.practitioners.models import Practitioner
from fascia.scheduling import services
from fascia.scheduling.agenda import location_day, practitioner_week
from fascia.scheduling.forms import (
    BookingForm,
    BookingPolicyForm,
    CancelForm,
    FreeSlotForm,
    OnlineTypeForm,
    RescheduleForm,
    WaitlistForm,
    locations_offered,
    practitioners_offered,
)
from fascia.scheduling.models import Appointment, AppointmentType, OnlineType, WaitlistEntry
from fascia.scheduling.online import policy_for
from fascia.scheduling.queries import booking_defaults, next_free_slots, series_from_plan, waitlist_for


def day_url(day: date, location: Location) -> str:
    return f"{reverse('scheduling:day')}?date={day:%Y-%m-%d}&location={location.public_id}"


@staff_view(roles.VIEW_APPOINTMENT)
@require_GET
def day(request: ClinicRequest) -> HttpResponse:
    """One location's appointment book for a day: a column per practitioner (or per room, with ?by=room), time
    down the side, appointments as blocks, closed hours shaded; open time books, blocks drag to move."""
    day = plausible_day(request.GET.get("date", "")) or timezone.localdate()
    locations = list(locations_offered(request.organization.pk))
    location = next(
        (loc for loc in locations if str(loc.public_id) == request.GET.get("location")),
        locations[0] if locations else None,
    )
    by_room = request.GET.get("by") == "room"
    can_book = request.user.has_perm(roles.BOOK_APPOINTMENT)
    book: dict = {"columns": [], "axis": [], "cancelled": []}
    if location:
        book = location_day(request.user, location, day, by_room=by_room)
    query = {"location": str(location.public_id) if location else "", **({"by": "room"} if by_room else {})}
    context = {
        "day": day,
        "previous": f"?{urlencode({'date': f'{day - timedelta(days=1):%Y-%m-%d}', **query})}",
        "next": f"?{urlencode({'date': f'{day + timedelta(days=1):%Y-%m-%d}', **query})}",
        "today": f"?{urlencode(query)}",
        "by_room": by_room,
        "locations": locations,
        "location": location,
        "can_book": can_book,
        "waitlist": waitlist_for(request.user, day, location) if can_book and location else [],
        **book,
    }
    return render(request, "scheduling/day.html", context)


@staff_view(roles.VIEW_APPOINTMENT)
@require_GET
def week(request: ClinicRequest) -> HttpResponse:
    """One practitioner's week, Monday to Sunday, every location: a column per day, as the day's book."""
    day = plausible_day(request.GET.get("date", "")) or timezone.localdate()
    monday = day - timedelta(days=day.weekday())
    practitioners = list(
        Practitioner.objects.filter(user__organization=request.organization, user__is_active=True).select_related(
            "user"
        )
    )
    practitioner = next(
        (p for p in practitioners if str(p.public_id) == request.GET.get("practitioner")),
        getattr(request.user, "practitioner", None) or (practitioners[0] if practitioners else None),
    )
    book = practitioner_week(request.user, practitioner, monday) if practitioner else {"columns": [], "axis": []}
    who = {"practitioner": str(practitioner.public_id)} if practitioner else {}
    return render(
        request,
        "scheduling/week.html",
        {
            **book,
            "practitioner": practitioner,
            "practitioners": practitioners,
            "monday": monday,
            "previous": f"?{urlencode({'date': f'{monday - timedelta(days=7):%Y-%m-%d}', **who})}",
            "next": f"?{urlencode({'date': f'{monday + timedelta(days=7):%Y-%m-%d}', **who})}",
            "today": f"?{urlencode(who)}",
        },
    )


BOOKING_KEYS = ("practitioner", "location", "appointment_type", "day", "start", "patient", "room")
FREE_TIMES = 6  # the next free times the booking form offers beside it


def _chosen(form: BookingForm, name: str) -> Any:
    """The form's choice of `name` (posted or initial), as its field finds it; None when there is none."""
    field = form.fields[name]
    value = form.data.get(name) if form.is_bound else form.initial.get(name)
    try:
        return field.clean(value) if value else None
    except ValidationError:
        return None


def _free_times(request: ClinicRequest, form: BookingForm, patient: Patient | None) -> list[dict]:
    """The next free times for the form's practitioner, location and type (any practitioner or location not
    chosen), each with the link that fills the form with it: one click to choose, one to book."""
    kind = _chosen(form, "appointment_type")
    if kind is None:
        return []
    slots = next_free_slots(
        request.user,
        minutes=kind.minutes,
        after=timezone.now(),
        practitioner=_chosen(form, "practitioner"),
        location=_chosen(form, "location"),
        limit=FREE_TIMES,
    )
    book = reverse("scheduling:book")
    times = []
    for start, practitioner, location in slots:
        local = timezone.localtime(start)
        query = {
            "practitioner": practitioner.public_id,
            "location": location.public_id,
            "appointment_type": kind.pk,
            "day": f"{local:%Y-%m-%d}",
            "start": f"{local:%H:%M}",
        } | ({"patient": patient.public_id} if patient else {})
        times.append(
            {"start": local, "practitioner": practitioner, "location": location, "url": f"{book}?{urlencode(query)}"}
        )
    return times


def _initial(request: ClinicRequest, patient: Patient | None) -> dict:
    """The booking form's first values: what the link names, else the patient's defaults (booking_defaults)
    and, for a patient, the first free time they fit (so a follow-up from the chart books in two clicks)."""
    initial = {key: value for key in BOOKING_KEYS if (value := request.GET.get(key))}
    day = plausible_day(initial.get("day", "")) or timezone.localdate()
    if patient is not None:
        initial = booking_defaults(patient, day) | initial
        if request.GET.get("series") == "plan":
            initial.update(series_from_plan(patient, day))
    return initial


@staff_view(roles.BOOK_APPOINTMENT)
@require_http_methods(["GET", "POST"])
def book(request: ClinicRequest) -> HttpResponse:
    """Book an appointment or a weekly series, with the patient's defaults and the next free times beside the
    form; a booking past the referral, authorization or plan of care asks "Book anyway" first."""
    patient_id = request.POST.get("patient") or request.GET.get("patient")
    patient = get_patient_for_user(request.user, patient_id) if patient_id else None
    if request.htmx and request.method == "GET":  # the free times, as the form's choices change
        form = BookingForm(request.GET, organization=request.organization)
        times = _free_times(request, form, patient)
        return render(request, "scheduling/book.html#free-times", {"free_times": times, "patient": patient})
    form = BookingForm(request.POST or None, initial=_initial(request, patient), organization=request.organization)
    free_times = _free_times(request, form, patient)
    if patient is not None and not form.is_bound and free_times and not {"day", "start"} & request.GET.keys():
        opening = free_times[0]
        form.initial.update(
            {
                "practitioner": opening["practitioner"].public_id,
                "location": opening["location"].public_id,
                "day": opening["start"].date(),
                "start": opening["start"].time(),
            }
        )
    limits: list[str] = []
    failures: list[tuple[datetime, str]] = []
    if request.method == "POST" and form.is_valid():
        assert patient is not None  # the form requires the patient it was posted for, found above
        data = form.cleaned_data
        start_at = datetime.combine(data["day"], data["start"], tzinfo=timezone.get_current_timezone())
        starts = (
            services.series_starts(
                data["day"], data["start"], [int(d) for d in data["repeat_weekdays"]], data["repeat_weeks"]
            )
            if data["repeat_weeks"]
            else [start_at]
        )
        try:
            booked = services.book_series(
                actor=request.user,
                patient=patient,
                practitioner=data["practitioner"],
                location=data["location"],
                appointment_type=data["appointment_type"],
                starts=starts,
                room=data["room"],
                notes=data["notes"],
                override=data["override"],
                check_limits=True,
                limits_confirmed=data["confirm"],
                site=request.build_absolute_uri("/"),
            )
        except services.LimitsReached as e:
            limits = e.sentences
            form.add_error("confirm", "Tick “Book anyway” to book past these limits, or change the booking.")
        except services.SeriesClash as e:
            if len(starts) == 1:
                form.add_error(None, e.failures[0][1])
            else:
                failures = [(timezone.localtime(start), why) for start, why in e.failures]
                form.add_error(None, f"{len(failures)} of the {len(starts)} dates cannot be booked, so none was:")
        except services.SchedulingError as e:
            form.add_error(None, str(e))
        else:
            first = timezone.localtime(booked[0].start_at)
            more = f" and {len(booked) - 1} more" if len(booked) > 1 else ""
            messages.success(request, f"Booked {patient.display_name} {first:%a %b %d %H:%M}{more}.")
            return redirect(day_url(first.date(), data["location"]))
    context: dict[str, Any] = {
        "form": form,
        "patient": patient,
        "free_times": free_times,
        "limits": limits,
        "failures": failures,
    }
    return render(request, "scheduling/book.html", context)


@staff_view(roles.BOOK_APPOINTMENT)
@require_GET
def free_slots(request: ClinicRequest) -> HttpResponse:
    """The next free times for a practitioner, or for anyone, with a link to book each."""
    form = FreeSlotForm(request.GET or None, organization=request.organization)
    slots = []
    if form.is_valid():
        data = form.cleaned_data
        slots = next_free_slots(
            request.user,
            minutes=data["appointment_type"].minutes,
            after=timezone.now(),
            practitioner=data["practitioner"],
            location=data["location"],
            limit=10,
        )
    return render(
        request,
        "scheduling/free_slots.html",
        {
            "form": form,
            "slots": [(timezone.localtime(start), practitioner, location) for start, practitioner, location in slots],
            "searched": form.is_bound,
        },
    )


@staff_view(roles.BOOK_APPOINTMENT)
@require_http_methods(["GET", "POST"])
def waitlist(request: ClinicRequest) -> HttpResponse:
    """Patients waiting for an earlier or a specific slot: add them, and strike them off once booked."""
    form = WaitlistForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        form.instance.patient = get_patient_for_user(request.user, form.cleaned_data["patient"])
        if entry := saved(request, form, lambda: services.add_to_waitlist(actor=request.user, entry=form.instance)):
            messages.success(request, f"{entry.patient.display_name} is on the waitlist.")
            return redirect("scheduling:waitlist")
    entries = WaitlistEntry.objects.filter(
        patient__organization=request.organization, resolved_at__isnull=True
    ).select_related("patient", "practitioner__user", "location", "appointment_type")
    return render(request, "scheduling/waitlist.html", {"form": form, "entries": entries})


@staff_view(roles.MANAGE_ONLINE_BOOKING)
@require_http_methods(["GET", "POST"])
def online_booking(request: ClinicRequest) -> HttpResponse:
    """The clinic's online booking: open or not, lead time, how far ahead, the cancellation window (which the
    staff's cancellations keep to as well), and which appointment types are open online, to whom, with whom and
    where."""
    organization = request.organization
    policy = policy_for(organization.pk)
    data = request.POST or None
    form = BookingPolicyForm(data, instance=policy)
    rows = {
        o.appointment_type_id: o
        for o in OnlineType.objects.filter(organization=organization).prefetch_related("practitioners", "locations")
    }
    # Every type's form offers the same practitioners and locations: read once, not once a form.
    practitioners, locations = list(practitioners_offered(organization.pk)), list(locations_offered(organization.pk))
    types = []
    for kind in AppointmentType.objects.filter(is_active=True):
        row = rows.get(kind.pk)
        initial = (
            {
                "for_new": row.for_new,
                "for_returning": row.for_returning,
                "practitioners": [p.public_id for p in row.practitioners.all()],
                "locations": [loc.public_id for loc in row.locations.all()],
            }
            if row
            else {}
        )
        types.append(
            (
                kind,
                OnlineTypeForm(
                    data, prefix=kind.code, initial=initial, practitioners=practitioners, locations=locations
                ),
            )
        )
    # Every type's form checked (a list, not a generator: each shows its errors), then the policy's with the save.
    if all([f.is_valid() for _, f in types]):
        chosen = [(kind, f.cleaned_data) for kind, f in types]
        save = lambda: services.save_booking_policy(actor=request.user, policy=form.instance, types=chosen)  # noqa: E731
        if saved(request, form, save) is not None:
            messages.success(request, "Online booking saved.")
            return redirect("scheduling:online_booking")
    return render(request, "scheduling/online_booking.html", {"form": form, "types": types})


@staff_view(roles.BOOK_APPOINTMENT)
@require_POST
def waitlist_resolve(request: ClinicRequest, entry_id: UUID) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry, public_id=entry_id, patient__organization=request.organization)
    services.resolve_waitlist_entry(actor=request.user, entry=entry)
    messages.success(request, f"{entry.patient.display_name} is off the waitlist.")
    return redirect(next_url(request, reverse("scheduling:waitlist")))


@staff_view(roles.BOOK_APPOINTMENT)
@require_GET
def patient_picker(request: ClinicRequest) -> HttpResponse:
    """Patients matching the search box of the booking form (htmx)."""
    query = request.GET.get("q", "").strip()
    # Only what the picker shows: not the preferred location search_patients() joins for the list page.
    shown = ("public_id", "family_name", "given_name", "preferred_name", "birth_date", "mrn")
    patients = (
        list(search_patients(request.user, query).select_related(None).only(*shown)[:8]) if len(query) >= 2 else []
    )
    return render(request, "scheduling/book.html#picker", {"patients": patients, "query": query})


def _appointment_to_change(request: ClinicRequest, appointment_id: UUID) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("patient", "practitioner__user", "location", "room"),
        public_id=appointment_id,
        location__organization=request.organization,
    )


def _reschedule(request: ClinicRequest, appointment: Appointment, form: RescheduleForm) -> tuple[str | None, list[str]]:
    """Move the appointment as the form says, through the one service: the message of its success; else None,
    with the form's errors saying why (nothing changed) and the limits the move runs past when ticking "Move
    anyway" would let it through."""
    if not form.is_valid():
        return None, []
    data = form.cleaned_data
    start_at = datetime.combine(data["day"], data["start"], tzinfo=timezone.get_current_timezone())
    try:
        moved = services.reschedule_appointment(
            actor=request.user,
            appointment=appointment,
            start_at=start_at,
            practitioner=data["practitioner"],
            location=data["location"],
            room=data["room"],
            minutes=data["minutes"],
            override=data["override"],
            limits_confirmed=data["confirm"],
        )
    except services.LimitsReached as e:
        form.add_error("confirm", "Tick “Move anyway” to move past these limits, or choose another time.")
        return None, e.sentences
    except services.SchedulingError as e:
        form.add_error(None, str(e))
        return None, []
    length = moved.end_at - moved.start_at
    resized = (
        f" ({length // timedelta(minutes=1)} minutes)" if length != appointment.end_at - appointment.start_at else ""
    )
    return f"Moved {appointment.patient.display_name} to {data['day']:%a %b %d} {data['start']:%H:%M}{resized}.", []


@staff_view(roles.CHANGE_APPOINTMENT)
@require_http_methods(["GET", "POST"])
def reschedule(request: ClinicRequest, appointment_id: UUID) -> HttpResponse:
    """Move an appointment to another time, practitioner, location, room or length; a move to another day past
    the referral, authorization or plan of care asks "Move anyway" first."""
    appointment = _appointment_to_change(request, appointment_id)
    start = timezone.localtime(appointment.start_at)
    initial = {
        "practitioner": appointment.practitioner.public_id,
        "location": appointment.location.public_id,
        "room": appointment.room.public_id if appointment.room else None,
        "day": start.date(),
        "start": start.time(),
        "minutes": (appointment.end_at - appointment.start_at) // timedelta(minutes=1),
    }
    form = RescheduleForm(request.POST or None, initial=initial, organization=request.organization)
    limits: list[str] = []
    if request.method == "POST":
        moved, limits = _reschedule(request, appointment, form)
        if moved:
            messages.success(request, moved)
            return redirect(day_url(form.cleaned_data["day"], form.cleaned_data["location"]))
    return render(request, "scheduling/reschedule.html", {"form": form, "appointment": appointment, "limits": limits})


@staff_view(roles.CHANGE_APPOINTMENT)
@require_POST
def drop(request: ClinicRequest, appointment_id: UUID) -> JsonResponse:
    """An appointment dropped or resized on the book (by pointer or keys, static/js/book.js): the reschedule
    form's fields (`minutes` for a new length, `confirm` past the limits), the same form and service;
    {"moved": message}, or 409 with {"errors": [why], "limits": [what confirming goes past]} and nothing
    changed (limits only when confirming would let it through)."""
    appointment = _appointment_to_change(request, appointment_id)
    form = RescheduleForm(request.POST, organization=request.organization)
    moved, limits = _reschedule(request, appointment, form)
    if moved:
        messages.success(request, moved)
        return JsonResponse({"moved": moved})
    if limits:
        return JsonResponse(
            {"errors": ["This move runs past a limit; confirm to move it anyway."], "limits": limits}, status=409
        )
    errors = [str(e) for e in form.non_field_errors()]
    fields = (name for name in form.errors if name != "__all__")
    errors += [f"{form.fields[name].label or name.capitalize()}: {e}" for name in fields for e in form.errors[name]]
    return JsonResponse({"errors": errors, "limits": []}, status=409)


@staff_view(roles.CHANGE_APPOINTMENT)
@require_POST
def move(request: ClinicRequest, appointment_id: UUID, step: str) -> HttpResponse:
    """Check in, check out, or no-show, from the day view."""
    appointment = get_object_or_404(Appointment, public_id=appointment_id, location__organization=request.organization)
    try:
        moved = services.move_appointment(actor=request.user, appointment=appointment, move=step.replace("-", "_"))
    except services.SchedulingError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, services.moved_message(moved))
    return redirect(day_url(timezone.localtime(appointment.start_at).date(), appointment.location))


@staff_view(roles.CHANGE_APPOINTMENT)
@require_POST
def cancel(request: ClinicRequest, appointment_id: UUID) -> HttpResponse:
    appointment = get_object_or_404(Appointment, public_id=appointment_id, location__organization=request.organization)
    form = CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise services.SchedulingError("Say why the appointment is cancelled.")
        services.cancel_appointment(actor=request.user, appointment=appointment, reason=form.cleaned_data["reason"])
    except services.SchedulingError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "Appointment cancelled.")
    return redirect(day_url(timezone.localtime(appointment.start_at).date(), appointment.location))
