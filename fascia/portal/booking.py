"""Online booking, the patient's pages (issue 27 point 4): choose a visit type, then a practitioner and a location
(or any), then one of the free times of the week; confirm; see the visits booked, and cancel or move one while the
clinic's cancellation window allows. Phone-first and without JavaScript: every step is a link or a form.

The rules are fascia.scheduling's (online.py for the free times, services.book_online and friends for the writes);
these views only parse, call and show the patient's sentences."""

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.forms import StyledForm
from fascia.core.validators import plausible_day
from fascia.patients.models import Patient
from fascia.portal.auth import PatientRequest, patient_view
from fascia.practitioners.models import Practitioner
from fascia.scheduling import online, services
from fascia.scheduling.models import Appointment
from fascia.scheduling.online import Offer, OnlineTime

DAYS = 7  # a page of free times: one week


class TimeForm(StyledForm):
    """A free time chosen from the list: its type (the OnlineType's id), practitioner, location and start."""

    type = forms.UUIDField(required=False)
    practitioner = forms.UUIDField(required=False)
    location = forms.UUIDField(required=False)
    start = forms.CharField(max_length=40)

    def clean_start(self) -> datetime:
        try:
            start = datetime.fromisoformat(self.cleaned_data["start"])
        except ValueError:
            raise forms.ValidationError(_("Choose a time from the list.")) from None
        if start.tzinfo is None:
            raise forms.ValidationError(_("Choose a time from the list."))
        return start


class CancelOnlineForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _first_day(request: PatientRequest) -> date:
    today = timezone.localdate()
    day = plausible_day(request.GET.get("from", "")) or today
    return max(day, today)


def _pick(items: list[Any], public_id: object) -> Any:
    return next((item for item in items if str(item.public_id) == str(public_id)), None)


def _week(times: dict[date, list[OnlineTime]], first_day: date, link: Any) -> list[dict[str, Any]]:
    """The week's days, each with its times as the template shows them: a label and the link that chooses it."""
    return [
        {
            "day": first_day + timedelta(days=n),
            "times": [{"time": t, "url": link(t)} for t in times.get(first_day + timedelta(days=n), [])],
        }
        for n in range(DAYS)
    ]


def _pages(request: PatientRequest, first_day: date, query: dict[str, str]) -> dict[str, str | None]:
    """Links to the week before (none before today) and the week after."""
    earlier = first_day - timedelta(days=DAYS)
    return {
        "previous": (
            f"?{urlencode({**query, 'from': f'{max(earlier, timezone.localdate()):%Y-%m-%d}'})}"
            if first_day > timezone.localdate()
            else None
        ),
        "next": f"?{urlencode({**query, 'from': f'{first_day + timedelta(days=DAYS):%Y-%m-%d}'})}",
    }


def _intake_first(request: PatientRequest) -> HttpResponse | None:
    if online.intake_before_first_booking(request.patient):
        return render(request, "portal/booking/intake_first.html", status=200)
    return None


@patient_view
@require_GET
def book(request: PatientRequest) -> HttpResponse:
    """Step by step: the visit types open to the patient; for the one chosen, its practitioners (the plan's first)
    and locations; then a week of free times, each a link to confirm it."""
    patient = request.patient
    if (intake := _intake_first(request)) is not None:
        return intake
    offers = online.offers_for(patient)
    picked = _pick([o.online for o in offers], request.GET.get("type"))
    chosen = next((o for o in offers if picked is not None and o.online.pk == picked.pk), None)
    if chosen is None and len(offers) == 1:
        chosen = offers[0]
    context: dict[str, Any] = {"offers": offers, "chosen": chosen}
    if chosen is not None:
        practitioner = _pick(chosen.practitioners, request.GET.get("practitioner"))
        location = _pick(chosen.locations, request.GET.get("location"))
        first_day = _first_day(request)
        times = online.online_times(
            patient, chosen, first_day=first_day, days=DAYS, practitioner=practitioner, location=location
        )
        query = {
            "type": str(chosen.online.public_id),
            **({"practitioner": str(practitioner.public_id)} if practitioner else {}),
            **({"location": str(location.public_id)} if location else {}),
        }
        confirm = reverse("portal:book_confirm")

        def link(t: OnlineTime) -> str:
            return f"{confirm}?" + urlencode(
                {
                    "type": query["type"],
                    "practitioner": str(t.practitioner.public_id),
                    "location": str(t.location.public_id),
                    "start": timezone.localtime(t.start_at).isoformat(),
                }
            )

        context |= {
            "practitioner": practitioner,
            "location": location,
            "week": _week(times, first_day, link),
            "any_time": bool(times),
            "first_day": first_day,
            **_pages(request, first_day, query),
        }
    return render(request, "portal/booking/book.html", context)


def _chosen_time(patient: Patient, form: TimeForm) -> tuple[Offer, Practitioner, Any, datetime] | None:
    """The offer, practitioner, location and start a valid form names, among those open to the patient."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    offer = next((o for o in online.offers_for(patient) if o.online.public_id == data["type"]), None)
    if offer is None:
        return None
    practitioner = _pick(offer.practitioners, data["practitioner"])
    location = _pick(offer.locations, data["location"])
    if practitioner is None or location is None:
        return None
    return offer, practitioner, location, data["start"]


@patient_view
@require_http_methods(["GET", "POST"])
def book_confirm(request: PatientRequest) -> HttpResponse:
    """The time chosen, to confirm; booked on POST, or refused with the reason (taken a moment ago, too soon, to be
    arranged by telephone)."""
    patient = request.patient
    if (intake := _intake_first(request)) is not None:
        return intake
    form = TimeForm(request.POST if request.method == "POST" else request.GET)
    chosen = _chosen_time(patient, form)
    if chosen is None:
        problem = {"problem": _("That time is not available. Please choose a time from the list.")}
        return render(request, "portal/booking/confirm.html", problem, status=200 if request.method == "GET" else 400)
    offer, practitioner, location, start = chosen
    context: dict[str, Any] = {
        "offer": offer,
        "practitioner": practitioner,
        "location": location,
        "start": start,
        "fields": form.cleaned_data | {"start": start.isoformat()},
        "back": f"{reverse('portal:book')}?{urlencode({'type': str(offer.online.public_id)})}",
    }
    if request.method == "POST":
        try:
            services.book_online(
                actor=request.user,
                patient=patient,
                appointment_type=offer.appointment_type,
                practitioner=practitioner,
                location=location,
                start_at=start,
                site=request.build_absolute_uri("/"),
            )
        except services.OnlineRefused as e:
            return render(request, "portal/booking/confirm.html", {**context, "problem": str(e)}, status=409)
        messages.success(request, _("Your visit is booked."))
        return redirect("portal:appointments")
    return render(request, "portal/booking/confirm.html", context)


@patient_view
@require_GET
def appointments(request: PatientRequest) -> HttpResponse:
    """The patient's visits to come, each with Cancel and Change buttons while the clinic's window allows, and the
    latest past ones."""
    patient = request.patient
    policy = online.policy_for(patient.organization_id)
    now = timezone.now()
    latest = list(
        Appointment.objects.filter(patient=patient)
        .select_related("appointment_type", "practitioner__user", "location")
        .order_by("-start_at")[:40]
    )
    upcoming = [
        {"appointment": a, "can_change": services.online_change_allowed(a, policy, now)}
        for a in sorted(latest, key=lambda a: a.start_at)
        if a.start_at >= now and a.status == Appointment.Status.BOOKED
    ]
    past = [a for a in latest if a.start_at < now or a.status != Appointment.Status.BOOKED][:10]
    audit.record(actor=request.user, action=AuditAction.PORTAL_VIEWED, target=patient, detail={"page": "appointments"})
    context = {
        "upcoming": upcoming,
        "past": past,
        "window_hours": policy.cancellation_hours,
        "can_book": bool(policy.online),
    }
    return render(request, "portal/booking/appointments.html", context)


def _own(request: PatientRequest, appointment_id: UUID) -> Appointment:
    """One of the patient's own appointments; 404 for anyone else's."""
    return get_object_or_404(
        Appointment.objects.select_related("appointment_type", "practitioner__user", "location"),
        public_id=appointment_id,
        patient=request.patient,
    )


@patient_view
@require_http_methods(["GET", "POST"])
def cancel(request: PatientRequest, appointment_id: UUID) -> HttpResponse:
    """Cancel a visit: a page to confirm (with an optional reason), cancelled on POST, or the reason it cannot be
    (inside the clinic's window: call the clinic)."""
    appointment = _own(request, appointment_id)
    form = CancelOnlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_online(
                actor=request.user, patient=request.patient, appointment=appointment, reason=form.cleaned_data["reason"]
            )
        except services.OnlineRefused as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("Your visit is cancelled."))
        return redirect("portal:appointments")
    policy = online.policy_for(request.patient.organization_id)
    context = {"appointment": appointment, "form": form, "allowed": services.online_change_allowed(appointment, policy)}
    return render(request, "portal/booking/cancel.html", context)


@patient_view
@require_http_methods(["GET", "POST"])
def reschedule(request: PatientRequest, appointment_id: UUID) -> HttpResponse:
    """Move a visit to another free time with the same practitioner at the same location: a week of times, the
    one chosen to confirm (?start=…), moved on POST, or refused with the reason."""
    patient, appointment = request.patient, _own(request, appointment_id)
    policy = online.policy_for(patient.organization_id)
    here = reverse("portal:reschedule", args=[appointment.public_id])
    context: dict[str, Any] = {
        "appointment": appointment,
        "allowed": services.online_change_allowed(appointment, policy),
    }
    form = TimeForm(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST" or "start" in request.GET:
        if not form.is_valid():
            context["problem"] = _("That time is not available. Please choose a time from the list.")
            return render(request, "portal/booking/reschedule.html", context, status=400)
        context["start"] = form.cleaned_data["start"]
        if request.method == "POST":
            try:
                services.reschedule_online(
                    actor=request.user, patient=patient, appointment=appointment, start_at=context["start"]
                )
            except services.OnlineRefused as e:
                context["problem"] = str(e)
                return render(request, "portal/booking/reschedule.html", context, status=409)
            messages.success(request, _("Your visit is moved."))
            return redirect("portal:appointments")
        return render(request, "portal/booking/reschedule.html", context)
    if context["allowed"]:
        new = online.is_new_patient(patient, moving=appointment)
        offer = online.offer_of(patient, appointment.appointment_type, new=new)
        first_day = _first_day(request)
        times = (
            online.online_times(
                patient,
                offer,
                first_day=first_day,
                days=DAYS,
                practitioner=appointment.practitioner,
                location=appointment.location,
                moving=appointment,
            )
            if offer is not None
            else {}
        )
        context |= {
            "week": _week(
                times,
                first_day,
                lambda t: f"{here}?" + urlencode({"start": timezone.localtime(t.start_at).isoformat()}),
            ),
            "any_time": bool(times),
            **_pages(request, first_day, {}),
        }
    return render(request, "portal/booking/reschedule.html", context)
