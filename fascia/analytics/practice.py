"""The practice dashboard's figures (issue 28 point 3): visits per week, utilization of open hours, new patients,
referral sources with their conversion, plan adherence, cancellation and no-show rates.

Every figure is counted or summed by the database (annotate/aggregate), grouped by week or practitioner, so each
query returns one row per week or per practitioner however many visits the range holds. The one exception is the
practitioners' open hours: a weekly template (WorkingHours, a few rows per practitioner) laid over the calendar,
less their time off (a few rows per practitioner a year) — calendar arithmetic SQL cannot express portably, on rows
that do not grow with the clinic's visits.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DateField, DurationField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncWeek
from django.utils import timezone

from fascia.analytics.filters import Filters, by_week, ratio
from fascia.plans.models import TreatmentPlan
from fascia.practitioners.models import Practitioner, practitioner_name
from fascia.referrals.models import Referral
from fascia.scheduling.models import Appointment, TimeOff, WorkingHours
from fascia.visits.models import VisitNote

A = Appointment.Status
ATTENDED = (A.ARRIVED, A.FULFILLED)  # the patient came: checked in, or the visit was completed
SIGNED = VisitNote.Status.SIGNED
ENDED = (TreatmentPlan.Status.COMPLETED, TreatmentPlan.Status.DISCONTINUED)


# The columns practitioner_name() reads, for rows grouped by practitioner.
NAME_COLUMNS = (
    "practitioner",
    "practitioner__user__first_name",
    "practitioner__user__last_name",
    "practitioner__user__username",
    "practitioner__credential_suffix",
)


def name_of(row: dict[str, Any]) -> str:
    return practitioner_name(*(row[c] for c in NAME_COLUMNS[1:]))


def appointments(f: Filters) -> QuerySet[Appointment]:
    """The appointments of the range (by start, in the clinic's calendar) at the filter's location and with its
    practitioner; those entered in error never happened."""
    rows = Appointment.objects.filter(
        location__organization=f.organization, start_at__gte=f.start_at, start_at__lt=f.end_at
    ).exclude(status=A.ENTERED_IN_ERROR)
    if f.location is not None:
        rows = rows.filter(location=f.location)
    if f.practitioner is not None:
        rows = rows.filter(practitioner=f.practitioner)
    return rows


def signed_notes(f: Filters) -> QuerySet[VisitNote]:
    """Signed visit notes of the range; at a location: those of an appointment there (a note written without an
    appointment has no location)."""
    notes = VisitNote.objects.filter(
        patient__organization=f.organization, status=SIGNED, visited_on__gte=f.start, visited_on__lte=f.end
    )
    if f.location is not None:
        notes = notes.filter(appointment__location=f.location)
    if f.practitioner is not None:
        notes = notes.filter(practitioner=f.practitioner)
    return notes


def first_visits(f: Filters) -> QuerySet[VisitNote]:
    """The signed notes of the range that are their patient's first signed visit ever: new patients."""
    earlier = VisitNote.objects.filter(
        patient=OuterRef("patient"), status=SIGNED, visited_on__lt=OuterRef("visited_on")
    )
    return signed_notes(f).exclude(Exists(earlier))


def weeks(f: Filters) -> list[dict[str, Any]]:
    """Per week (Monday) of the range: attended appointments, signed notes and new patients; every week listed,
    those with none at 0. Three grouped queries."""
    attended = by_week(
        appointments(f).filter(status__in=ATTENDED),
        TruncWeek(TruncDate("start_at"), output_field=DateField()),
        Count("pk"),
    )
    notes = by_week(signed_notes(f), TruncWeek("visited_on"), Count("pk"))
    new = by_week(first_visits(f), TruncWeek("visited_on"), Count("patient", distinct=True))
    first = f.start - timedelta(days=f.start.weekday())
    rows = []
    monday = first
    while monday <= f.end:
        rows.append(
            {
                "week": monday,
                "attended": attended.get(monday, 0),
                "notes": notes.get(monday, 0),
                "new_patients": new.get(monday, 0),
            }
        )
        monday += timedelta(weeks=1)
    return rows


def attendance(f: Filters) -> dict[str, Any]:
    """Cancellation and no-show rates, per practitioner and in all: each over the appointments of the range (those
    entered in error aside). One grouped query."""
    by = (
        appointments(f)
        .order_by()
        .values(*NAME_COLUMNS)
        .annotate(
            booked=Count("pk"),
            attended=Count("pk", filter=Q(status__in=ATTENDED)),
            cancelled=Count("pk", filter=Q(status=A.CANCELLED)),
            late=Count("pk", filter=Q(status=A.CANCELLED, late_cancellation=True)),
            no_shows=Count("pk", filter=Q(status=A.NO_SHOW)),
        )
        .order_by("practitioner__user__last_name", "practitioner__user__first_name", "practitioner")
    )
    rows = [
        {
            "name": name_of(r),
            **{k: r[k] for k in ("booked", "attended", "cancelled", "late", "no_shows")},
        }
        for r in by
    ]
    total = {k: sum(r[k] for r in rows) for k in ("booked", "attended", "cancelled", "late", "no_shows")}
    for row in [*rows, total]:
        row["cancellation_rate"] = ratio(row["cancelled"], row["booked"])
        row["no_show_rate"] = ratio(row["no_shows"], row["booked"])
    return {"rows": rows, "total": total}


def _minutes(a: datetime | Any, b: datetime | Any) -> float:
    return max(0.0, (b - a).total_seconds() / 60)


def utilization(f: Filters) -> dict[str, Any]:
    """Per practitioner: the minutes of their working hours in the range (at the filter's location), less their
    time off, and the minutes booked or attended in them (appointments that hold their slot: booked, checked in,
    completed); utilization is booked ÷ open. Three queries."""
    hours = WorkingHours.objects.filter(practitioner__user__organization=f.organization)
    if f.location is not None:
        hours = hours.filter(location=f.location)
    if f.practitioner is not None:
        hours = hours.filter(practitioner=f.practitioner)
    template: dict[int, dict[int, list[tuple[Any, Any]]]] = defaultdict(lambda: defaultdict(list))
    for practitioner, weekday, starts, ends in hours.values_list("practitioner", "weekday", "starts", "ends"):
        template[practitioner][weekday].append((starts, ends))

    off = TimeOff.objects.filter(
        practitioner__in=list(template), starts_at__lt=f.end_at, ends_at__gt=f.start_at
    ).values_list("practitioner", "starts_at", "ends_at")
    away: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for practitioner, starts_at, ends_at in off:
        away[practitioner].append((timezone.localtime(starts_at), timezone.localtime(ends_at)))

    open_minutes: dict[int, float] = {}
    for practitioner, by_weekday in template.items():
        total = 0.0
        day = f.start
        while day <= f.end:
            for starts, ends in by_weekday.get(day.weekday(), []):
                shift_start = timezone.make_aware(datetime.combine(day, starts))
                shift_end = timezone.make_aware(datetime.combine(day, ends))
                minutes = _minutes(shift_start, shift_end)
                for off_start, off_end in away.get(practitioner, []):
                    minutes -= _minutes(max(shift_start, off_start), min(shift_end, off_end))
                total += max(0.0, minutes)
            day += timedelta(days=1)
        open_minutes[practitioner] = total

    booked = dict(
        appointments(f)
        .filter(status__in=Appointment.HOLDING)
        .order_by()
        .values("practitioner")
        .annotate(length=Sum(F("end_at") - F("start_at"), output_field=DurationField()))
        .values_list("practitioner", "length")
    )
    ids = set(open_minutes) | set(booked)
    names = {
        p["pk"]: practitioner_name(
            p["user__first_name"], p["user__last_name"], p["user__username"], p["credential_suffix"]
        )
        for p in Practitioner.objects.filter(pk__in=ids).values(
            "pk", "user__first_name", "user__last_name", "user__username", "credential_suffix"
        )
    }
    rows: list[dict[str, Any]] = []
    for pk in sorted(ids, key=lambda k: names.get(k, "")):
        length = booked.get(pk)
        minutes = length.total_seconds() / 60 if length else 0.0
        rows.append(
            {
                "name": names.get(pk, ""),
                "open_hours": open_minutes.get(pk, 0.0) / 60,
                "booked_hours": minutes / 60,
            }
        )
    clinic: dict[str, Any] = {
        "open_hours": sum(r["open_hours"] for r in rows),
        "booked_hours": sum(r["booked_hours"] for r in rows),
    }
    for row in [*rows, clinic]:
        row["utilization"] = ratio(row["booked_hours"], row["open_hours"])
    return {"rows": rows, "total": clinic}


def referrals(f: Filters) -> dict[str, Any]:
    """Per referring provider, the referrals written in the range; of them, those whose patient came for a visit
    on or after the referral's date (with the filter's practitioner, at its location), and those whose plan of
    care (a plan answering the referral) was completed. One grouped query."""
    seen = VisitNote.objects.filter(
        patient=OuterRef("patient"), status=SIGNED, visited_on__gte=OuterRef("referral_date")
    )
    if f.location is not None:
        seen = seen.filter(appointment__location=f.location)
    if f.practitioner is not None:
        seen = seen.filter(practitioner=f.practitioner)
    completed = TreatmentPlan.objects.filter(referral=OuterRef("pk"), status=TreatmentPlan.Status.COMPLETED)
    if f.practitioner is not None:
        completed = completed.filter(practitioner=f.practitioner)
    by = (
        Referral.objects.filter(
            patient__organization=f.organization, referral_date__gte=f.start, referral_date__lte=f.end
        )
        .annotate(was_seen=Exists(seen), was_completed=Exists(completed))
        .order_by()
        .values("provider", "provider__name", "provider__credentials")
        .annotate(
            referred=Count("pk"),
            seen=Count("pk", filter=Q(was_seen=True)),
            completed=Count("pk", filter=Q(was_completed=True)),
        )
        .order_by("-referred", "provider__name", "provider")
    )
    rows = [
        {
            "name": ", ".join(filter(None, [r["provider__name"], r["provider__credentials"]])),
            **{k: r[k] for k in ("referred", "seen", "completed")},
        }
        for r in by
    ]
    total = {k: sum(r[k] for r in rows) for k in ("referred", "seen", "completed")}
    for row in [*rows, total]:
        row["seen_rate"] = ratio(row["seen"], row["referred"])
        row["completed_rate"] = ratio(row["completed"], row["referred"])
    return {"rows": rows, "total": total}


def adherence(f: Filters) -> dict[str, Any]:
    """Plans of care that ended in the range (completed or discontinued): the visits attended (signed notes on the
    plan) over the visits planned, per practitioner and in all. One grouped query. Plans have no location: the
    location filter does not narrow them."""
    attended = (
        VisitNote.objects.filter(plan=OuterRef("pk"), status=SIGNED)
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    plans = TreatmentPlan.objects.filter(
        patient__organization=f.organization, status__in=ENDED, ended_at__gte=f.start_at, ended_at__lt=f.end_at
    )
    if f.practitioner is not None:
        plans = plans.filter(practitioner=f.practitioner)
    by = (
        plans.annotate(attended=Coalesce(Subquery(attended), 0))
        .order_by()
        .values(*NAME_COLUMNS)
        .annotate(
            plans=Count("pk"),
            completed=Count("pk", filter=Q(status=TreatmentPlan.Status.COMPLETED)),
            planned_visits=Sum("planned_visits"),
            attended_visits=Sum("attended"),
        )
        .order_by("practitioner__user__last_name", "practitioner__user__first_name", "practitioner")
    )
    rows = [
        {
            "name": name_of(r),
            "plans": r["plans"],
            "completed": r["completed"],
            "planned": r["planned_visits"] or 0,
            "attended": r["attended_visits"] or 0,
        }
        for r in by
    ]
    total = {k: sum(r[k] for r in rows) for k in ("plans", "completed", "planned", "attended")}
    for row in [*rows, total]:
        row["adherence"] = ratio(row["attended"], row["planned"])
    return {"rows": rows, "total": total}


def practice(f: Filters) -> dict[str, Any]:
    """Everything the practice dashboard shows."""
    week_rows = weeks(f)
    return {
        "weeks": week_rows,
        "visits": {
            "attended": sum(w["attended"] for w in week_rows),
            "notes": sum(w["notes"] for w in week_rows),
            "new_patients": sum(w["new_patients"] for w in week_rows),
        },
        "attendance": attendance(f),
        "utilization": utilization(f),
        "referrals": referrals(f),
        "adherence": adherence(f),
    }
