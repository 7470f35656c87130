from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.validators import plausible_day
from fascia.frontdesk.queries import arrival, today_board
from fascia.patients.models import Patient
from fascia.scheduling import services
from fascia.scheduling.models import Appointment


@staff_view(roles.VIEW_TODAY_BOARD)
@require_GET
def today(request: ClinicRequest) -> HttpResponse:
    """The front desk's day: arrivals with check-in and check-out in one tap, what is due, the waitlist."""
    day = plausible_day(request.GET.get("date", "")) or timezone.localdate()
    board = today_board(request.user, day, book_url=reverse("scheduling:book"))
    # The board shows their balances, consents and referrals: one entry each, the first time this session shows
    # them that day. The board refreshes itself every minute; a refresh showing the same patients again is not
    # another look by a person, and an entry per patient per minute would bury the log's real reads.
    seen_key = f"today-board-audited:{day.isoformat()}"
    seen = set(request.session.get(seen_key, []))
    unseen = [pk for pk in board["patient_ids"] if pk not in seen]
    if unseen:
        audit.record_each(
            actor=request.user,
            action=AuditAction.PATIENT_VIEWED,
            entries=[
                (patient, None, {"page": "today board"})
                for patient in Patient.objects.filter(pk__in=unseen).only(
                    "public_id", "family_name", "given_name", "mrn"
                )
            ],
        )
        request.session[seen_key] = sorted(seen | set(unseen))
    context = {
        **board,
        "day": day,
        "is_today": day == timezone.localdate(),
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "can_move": request.user.has_perm(roles.CHANGE_APPOINTMENT),
        "can_book": request.user.has_perm(roles.BOOK_APPOINTMENT),
    }
    # The board refreshes itself with htmx (every minute): then only the board, not the page around it.
    return render(request, "frontdesk/today.html#board" if request.htmx else "frontdesk/today.html", context)


@staff_view(roles.VIEW_TODAY_BOARD, roles.CHANGE_APPOINTMENT)
@require_POST
def move(request: ClinicRequest, appointment_id: UUID, step: str) -> HttpResponse:
    """Check in, check out or mark a no-show from the board: with htmx, the row's status answers in place."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "practitioner__user", "location", "appointment_type"),
        public_id=appointment_id,
        location__organization=request.organization,
    )
    message, ok = "", True
    try:
        moved = services.move_appointment(actor=request.user, appointment=appointment, move=step.replace("-", "_"))
    except services.SchedulingError as e:
        message, ok = str(e), False
    else:
        appointment.status, appointment.checked_in_at = moved.status, moved.checked_in_at
        appointment.checked_out_at = moved.checked_out_at
        message = services.moved_message(appointment)
    if request.htmx:
        context = {"a": arrival(appointment, timezone.now()), "message": message, "ok": ok, "can_move": True}
        return render(request, "frontdesk/today.html#status", context)
    (messages.success if ok else messages.error)(request, message)
    day = timezone.localtime(appointment.start_at).date()
    return redirect(f"{reverse('frontdesk:today')}?date={day:%Y-%m-%d}")
