from datetime import date, datetime, timedelta
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.models import Location
from fascia.patients.queries import get_patient_for_user, search_patients
from fascia.practitioners.models import Practitioner
from fascia.scheduling import services
from fascia.scheduling.forms import BookingForm, CancelForm, FreeSlotForm, RescheduleForm, WaitlistForm
from fascia.scheduling.models import Appointment, WaitlistEntry
from fascia.scheduling.queries import (
    appointments_on,
    day_bounds,
    day_grid,
    next_free_slots,
    series_from_plan,
    waitlist_for,
)

SLOT_MINUTES = 15


def day_url(day: date, location: Location) -> str:
    return f"{reverse('scheduling:day')}?date={day:%Y-%m-%d}&location={location.public_id}"


@staff_view(roles.VIEW_APPOINTMENT)
@require_GET
def day(request: ClinicRequest) -> HttpResponse:
    """One location's day: a column per practitioner, a row per quarter hour; free slots book."""
    day = parse_date(request.GET.get("date", "")) or timezone.localdate()
    locations = list(request.organization.locations.filter(is_active=True))
    location = next(
        (loc for loc in locations if str(loc.public_id) == request.GET.get("location")),
        locations[0] if locations else None,
    )
    appointments = list(appointments_on(request.user, day).filter(location=location)) if location else []
    can_book = request.user.has_perm(roles.BOOK_APPOINTMENT)
    grid = day_grid(location, day, appointments, SLOT_MINUTES) if location else {"columns": [], "rows": []}
    if can_book and location:
        # Every free slot to come links to the booking form: a thousand links on a busy day, made here
        # once rather than reversed and formatted by the template cell by cell.
        book = f"{reverse('scheduling:book')}?location={location.public_id}&day={day:%Y-%m-%d}"
        for row in grid["rows"]:
            for cell in row["cells"] if not row["past"] else []:
                if not (cell["appointment"] or cell["busy"]):
                    cell["book"] = f"{book}&practitioner={cell['practitioner'].public_id}&start={row['label']}"
    context = {
        "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "locations": locations,
        "location": location,
        "can_book": can_book,
        "can_write_notes": request.user.has_perm(roles.ADD_NOTE),
        "waitlist": waitlist_for(request.user, day, location) if can_book else [],
        **grid,
    }
    return render(request, "scheduling/day.html", context)


@staff_view(roles.VIEW_APPOINTMENT)
@require_GET
def week(request: ClinicRequest) -> HttpResponse:
    """One practitioner's week, Monday to Sunday, every location."""
    day = parse_date(request.GET.get("date", "")) or timezone.localdate()
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
    start, _ = day_bounds(monday)
    _, end = day_bounds(monday + timedelta(days=6))
    appointments = list(
        Appointment.objects.filter(practitioner=practitioner, start_at__gte=start, start_at__lt=end)
        .select_related("patient", "location", "appointment_type")
        .order_by("start_at")
    )
    days = [
        (
            monday + timedelta(days=n),
            [a for a in appointments if timezone.localtime(a.start_at).date() == monday + timedelta(days=n)],
        )
        for n in range(7)
    ]
    return render(
        request,
        "scheduling/week.html",
        {
            "days": days,
            "practitioner": practitioner,
            "practitioners": practitioners,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
        },
    )


@staff_view(roles.BOOK_APPOINTMENT)
@require_http_methods(["GET", "POST"])
def book(request: ClinicRequest) -> HttpResponse:
    initial = {
        key: request.GET.get(key)
        for key in ("practitioner", "location", "day", "start", "patient")
        if request.GET.get(key)
    }
    patient_id = request.POST.get("patient") or request.GET.get("patient")
    patient = get_patient_for_user(request.user, patient_id) if patient_id else None
    if patient is not None and request.GET.get("series") == "plan":
        initial.update(series_from_plan(patient, parse_date(initial.get("day", "")) or timezone.localdate()))
    form = BookingForm(request.POST or None, initial=initial, organization=request.organization)
    if request.method == "POST" and form.is_valid():
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
            )
        except services.SchedulingError as e:
            form.add_error(None, str(e))
        else:
            first = timezone.localtime(booked[0].start_at)
            more = f" and {len(booked) - 1} more" if len(booked) > 1 else ""
            messages.success(request, f"Booked {patient.display_name} {first:%a %b %d %H:%M}{more}.")
            return redirect(day_url(first.date(), data["location"]))
    return render(request, "scheduling/book.html", {"form": form, "patient": patient})


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
        patient = get_patient_for_user(request.user, form.cleaned_data["patient"])
        entry = form.instance
        entry.patient = patient
        try:
            services.add_to_waitlist(actor=request.user, entry=entry)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, f"{patient.display_name} is on the waitlist.")
            return redirect("scheduling:waitlist")
    entries = WaitlistEntry.objects.filter(
        patient__organization=request.organization, resolved_at__isnull=True
    ).select_related("patient", "practitioner__user", "location", "appointment_type")
    return render(request, "scheduling/waitlist.html", {"form": form, "entries": entries})


@staff_view(roles.BOOK_APPOINTMENT)
@require_POST
def waitlist_resolve(request: ClinicRequest, entry_id: UUID) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry, public_id=entry_id, patient__organization=request.organization)
    services.resolve_waitlist_entry(actor=request.user, entry=entry)
    messages.success(request, f"{entry.patient.display_name} is off the waitlist.")
    return redirect(request.POST.get("next") or reverse("scheduling:waitlist"))


@staff_view(roles.BOOK_APPOINTMENT)
@require_GET
def patient_picker(request: ClinicRequest) -> HttpResponse:
    """Patients matching the search box of the booking form (htmx)."""
    query = request.GET.get("q", "").strip()
    patients = list(search_patients(request.user, query)[:8]) if len(query) >= 2 else []
    return render(request, "scheduling/book.html#picker", {"patients": patients, "query": query})


@staff_view(roles.CHANGE_APPOINTMENT)
@require_http_methods(["GET", "POST"])
def reschedule(request: ClinicRequest, appointment_id: UUID) -> HttpResponse:
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "practitioner__user", "location", "room"),
        public_id=appointment_id,
        location__organization=request.organization,
    )
    start = timezone.localtime(appointment.start_at)
    initial = {
        "practitioner": appointment.practitioner.public_id,
        "location": appointment.location.public_id,
        "room": appointment.room.public_id if appointment.room else None,
        "day": start.date(),
        "start": start.time(),
    }
    form = RescheduleForm(request.POST or None, initial=initial, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        start_at = datetime.combine(data["day"], data["start"], tzinfo=timezone.get_current_timezone())
        try:
            services.reschedule_appointment(
                actor=request.user,
                appointment=appointment,
                start_at=start_at,
                practitioner=data["practitioner"],
                location=data["location"],
                room=data["room"],
                override=data["override"],
            )
        except services.SchedulingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"Moved to {data['day']:%a %b %d} {data['start']:%H:%M}.")
            return redirect(day_url(data["day"], data["location"]))
    return render(request, "scheduling/reschedule.html", {"form": form, "appointment": appointment})


@staff_view(roles.CHANGE_APPOINTMENT)
@require_POST
def move(request: ClinicRequest, appointment_id: UUID, step: str) -> HttpResponse:
    """Check in, check out, or no-show, from the day view."""
    appointment = get_object_or_404(Appointment, public_id=appointment_id, location__organization=request.organization)
    try:
        services.move_appointment(actor=request.user, appointment=appointment, move=step.replace("-", "_"))
    except services.SchedulingError as e:
        messages.error(request, str(e))
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
