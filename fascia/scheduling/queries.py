from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from fascia.core.models import User
from fascia.scheduling.models import Appointment


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in the clinic's time zone (23 or 25 hours on daylight-saving days)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def appointments_on(user: User, day: date) -> QuerySet[Appointment]:
    start, end = day_bounds(day)
    return Appointment.objects.filter(
        location__organization_id=user.organization_id, start_at__gte=start, start_at__lt=end
    ).select_related("patient", "practitioner__user", "location", "room", "appointment_type")
