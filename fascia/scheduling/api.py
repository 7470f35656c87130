from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictBool

from fascia.core import roles
from fascia.core.api import NOT_BLANK, WHOLE, Plausible, api_user
from fascia.core.models import Location, Room, User
from fascia.core.validators import SCHEDULE_YEARS_AHEAD
from fascia.patients.queries import get_patient_for_user
from fascia.practitioners.models import Practitioner
from fascia.scheduling import services
from fascia.scheduling.models import MOVED_MINUTES, Appointment, AppointmentType
from fascia.scheduling.queries import appointments_on, next_free_slots

router = Router(tags=["appointments"])


class AppointmentOut(Schema):
    id: UUID = Field(..., alias="public_id")
    patient_id: UUID = Field(..., alias="patient.public_id")
    patient: str = Field(..., alias="patient.display_name")
    practitioner_id: UUID = Field(..., alias="practitioner.public_id")
    practitioner: str
    location_id: UUID = Field(..., alias="location.public_id")
    room_id: UUID | None
    type: str = Field(..., alias="appointment_type.code")
    start_at: datetime
    end_at: datetime
    status: str
    late_cancellation: bool
    cancel_reason: str

    @staticmethod
    def resolve_practitioner(a: Appointment) -> str:
        return str(a.practitioner)

    @staticmethod
    def resolve_room_id(a: Appointment) -> UUID | None:
        return a.room.public_id if a.room else None


SCHEDULE = Plausible(SCHEDULE_YEARS_AHEAD)


class DayFilter(Schema):
    date: Annotated[date, SCHEDULE]
    practitioner_id: UUID | None = None
    location_id: UUID | None = None


class BookIn(Schema):
    patient_id: UUID
    practitioner_id: UUID
    location_id: UUID
    type: str = Field(..., description="Appointment type code, e.g. follow-up-30")
    start_at: Annotated[datetime, SCHEDULE] = Field(..., description="With its UTC offset")
    room_id: UUID | None = None
    notes: str = Field("", max_length=300)
    override: StrictBool = Field(False, description="Admins only: book despite working-hours or location warnings")
    confirm_limits: StrictBool = Field(
        False, description="Book despite the limits a 409 listed (referral, authorization, plan of care)"
    )


Length = Annotated[int, Field(ge=MOVED_MINUTES.start, le=MOVED_MINUTES[-1], multiple_of=MOVED_MINUTES.step), WHOLE]


class RescheduleIn(Schema):
    start_at: Annotated[datetime, SCHEDULE] = Field(..., description="With its UTC offset")
    practitioner_id: UUID | None = None
    location_id: UUID | None = None
    room_id: UUID | None = None
    minutes: Length | None = Field(None, description="The new length; left out, it keeps its length")
    override: StrictBool = False
    confirm_limits: StrictBool = Field(
        False, description="Move despite the limits a 409 listed (referral, authorization, plan of care)"
    )


class Problem(Schema):
    message: str


class Refused(Schema):
    """A 409: why not, and what a booking or move runs past (fascia.scheduling.limits) when that alone is why."""

    errors: list[Problem]
    limits: list[str] = Field([], description="Send confirm_limits: true to go ahead despite these")


class FreeSlotFilter(Schema):
    type: str = Field(..., description="Appointment type code")
    practitioner_id: UUID | None = None
    location_id: UUID | None = None
    limit: int = Field(5, ge=1, le=20)


class FreeSlotOut(Schema):
    start_at: datetime
    practitioner_id: UUID
    practitioner: str
    location_id: UUID


class CancelIn(Schema):
    reason: Annotated[str, NOT_BLANK] = Field(..., max_length=200)


LIMITS = (
    "A booking, or a move to another day, past the referral's or the authorization's visits or dates, or past the"
    " plan of care's end, is refused with 409 and the sentences in `limits`, only once nothing else refuses it;"
    " sent again with `confirm_limits: true`, it goes ahead and the audit trail keeps them."
)


def _refused(error: services.SchedulingError) -> Status:
    """A 409 of booking or moving: why, and the limits when they alone refused it."""
    if isinstance(error, services.LimitsReached):
        message = f"Past a limit (send confirm_limits: true to go ahead): {error}"
        return Status(409, {"errors": [{"message": message}], "limits": error.sentences})
    # A booking is a series of one date: its one reason.
    message = error.failures[0][1] if isinstance(error, services.SeriesClash) else str(error)
    return Status(409, {"errors": [{"message": message}], "limits": []})


NOT_FOUND = {
    "practitioner_id": "No such practitioner in your organization.",
    "location_id": "No such location in your organization.",
    "type": "No such appointment type.",
    "room_id": "No such room at that location.",
}


def _refuse_unknown(**lookups: tuple[object, object]) -> None:
    """422 for each field given an id (or code), as (given, found), that found nothing the user may book with."""
    errors = {
        field: NOT_FOUND[field] for field, (given, found) in lookups.items() if given is not None and found is None
    }
    if errors:
        raise ValidationError(errors)


def _practitioner(user: User, public_id: UUID) -> Practitioner | None:
    return Practitioner.objects.filter(public_id=public_id, user__organization=user.organization).first()


def _location(user: User, public_id: UUID) -> Location | None:
    return Location.objects.filter(public_id=public_id, organization=user.organization).first()


@router.get("/appointments", response=list[AppointmentOut], summary="Appointments on a day")
def list_appointments(request: HttpRequest, filters: Query[DayFilter]) -> list[Appointment]:
    user = api_user(request, roles.VIEW_APPOINTMENT)
    appointments = appointments_on(user, filters.date)
    if filters.practitioner_id:
        appointments = appointments.filter(practitioner__public_id=filters.practitioner_id)
    if filters.location_id:
        appointments = appointments.filter(location__public_id=filters.location_id)
    return list(appointments)


@router.post(
    "/appointments",
    response={201: AppointmentOut, 409: Refused},
    summary="Book an appointment (409 on a clash, or past a limit until confirmed)",
    description=LIMITS,
)
def book(request: HttpRequest, payload: BookIn) -> Status:
    user = api_user(request, roles.BOOK_APPOINTMENT)
    patient = get_patient_for_user(user, payload.patient_id)
    practitioner, location = _practitioner(user, payload.practitioner_id), _location(user, payload.location_id)
    kind = AppointmentType.objects.filter(code=payload.type, is_active=True).first()
    room = Room.objects.filter(public_id=payload.room_id, location=location).first() if payload.room_id else None
    _refuse_unknown(
        practitioner_id=(payload.practitioner_id, practitioner),
        location_id=(payload.location_id, location),
        type=(payload.type, kind),
        room_id=(payload.room_id, room),
    )
    assert practitioner is not None and location is not None and kind is not None  # else refused above
    try:
        [appointment] = services.book_series(
            actor=user,
            patient=patient,
            practitioner=practitioner,
            location=location,
            appointment_type=kind,
            starts=[payload.start_at],
            room=room,
            notes=payload.notes,
            override=payload.override,
            check_limits=True,
            limits_confirmed=payload.confirm_limits,
            site=request.build_absolute_uri("/"),
        )
    except services.OverrideRefused as e:
        raise HttpError(403, str(e)) from None
    except services.SchedulingError as e:
        return _refused(e)
    return Status(201, appointment)


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut, summary="Cancel an appointment")
def cancel(request: HttpRequest, appointment_id: UUID, payload: CancelIn) -> Appointment:
    user = api_user(request, roles.CHANGE_APPOINTMENT)
    appointment = get_object_or_404(Appointment, public_id=appointment_id, location__organization=user.organization)
    try:
        return services.cancel_appointment(actor=user, appointment=appointment, reason=payload.reason)
    except services.OverrideRefused as e:
        raise HttpError(403, str(e)) from None
    except services.SchedulingError as e:
        raise HttpError(409, str(e)) from None


@router.get("/appointments/free-slots", response=list[FreeSlotOut], summary="The next free times to book")
def free_slots(request: HttpRequest, filters: Query[FreeSlotFilter]) -> list[FreeSlotOut]:
    user = api_user(request, roles.BOOK_APPOINTMENT)
    kind = AppointmentType.objects.filter(code=filters.type, is_active=True).first()
    _refuse_unknown(type=(filters.type, kind))
    assert kind is not None  # else refused above
    practitioner = _practitioner(user, filters.practitioner_id) if filters.practitioner_id else None
    _refuse_unknown(practitioner_id=(filters.practitioner_id, practitioner))
    location = _location(user, filters.location_id) if filters.location_id else None
    _refuse_unknown(location_id=(filters.location_id, location))
    slots = next_free_slots(
        user,
        minutes=kind.minutes,
        after=timezone.now(),
        practitioner=practitioner,
        location=location,
        limit=filters.limit,
    )
    return [
        FreeSlotOut(start_at=start, practitioner_id=p.public_id, practitioner=str(p), location_id=loc.public_id)
        for start, p, loc in slots
    ]


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response={200: AppointmentOut, 409: Refused},
    summary="Move an appointment, or change its length (409 on a clash, or past a limit until confirmed)",
    description=LIMITS + " A move within its day asks nothing of them: they count days.",
)
def reschedule(request: HttpRequest, appointment_id: UUID, payload: RescheduleIn) -> Status:
    user = api_user(request, roles.CHANGE_APPOINTMENT)
    appointment = get_object_or_404(Appointment, public_id=appointment_id, location__organization=user.organization)
    practitioner = _practitioner(user, payload.practitioner_id) if payload.practitioner_id else appointment.practitioner
    location = _location(user, payload.location_id) if payload.location_id else appointment.location
    room = Room.objects.filter(public_id=payload.room_id, location=location).first() if payload.room_id else None
    _refuse_unknown(
        practitioner_id=(payload.practitioner_id, practitioner),
        location_id=(payload.location_id, location),
        room_id=(payload.room_id, room),
    )
    try:
        moved = services.reschedule_appointment(
            actor=user,
            appointment=appointment,
            start_at=payload.start_at,
            practitioner=practitioner,
            location=location,
            room=room,
            minutes=payload.minutes,
            override=payload.override,
            limits_confirmed=payload.confirm_limits,
        )
    except services.OverrideRefused as e:
        raise HttpError(403, str(e)) from None
    except services.SchedulingError as e:
        return _refused(e)
    return Status(200, moved)
