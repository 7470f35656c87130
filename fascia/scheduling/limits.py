"""What a booking runs past: the patient's referral, the payer's authorization, the plan of care.

Asked before a booking or a move to another day, from the forms (which show the sentences and go ahead only once
the user ticks "Book anyway" or "Move anyway"), the API (409 until `confirm_limits`) and the book's drops; the
audit entry keeps what was confirmed. Never a refusal on its own: a referral renewed by telephone, an
authorization extended, a plan about to be revised are the front desk's call, recorded.

An extension point like `fascia.visits.warnings`: the referral and the plan are read here (both sit below
scheduling); billing registers the authorization check in `BillingConfig.ready()`, as the `layers` import
contract keeps scheduling from importing billing. A source takes the patient, the starts of the booking and the
appointment being moved (None for a booking), and returns sentences, a fixed number of queries however many
dates. An appointment being moved is already counted among the visits booked, but it is not another visit: the
sources count it only at its new start (visits_booked leaves it out).
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.utils import timezone

from fascia.patients.models import Patient
from fascia.plans.models import TreatmentPlan
from fascia.referrals.models import Referral
from fascia.scheduling.models import Appointment

Source = Callable[[Patient, list[datetime], Appointment | None], list[str]]

_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    """Add a source of limits (registering a name again replaces it)."""
    _sources[name] = source


def limits_for(patient: Patient, starts: list[datetime], *, moving: Appointment | None = None) -> list[str]:
    """Every source's sentences about booking the patient at `starts` (or moving the appointment `moving` to
    the one start), referral and plan first."""
    if not starts:
        return []
    sources = (referral_and_plan, *_sources.values())
    return [sentence for source in sources for sentence in source(patient, starts, moving)]


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def visits_booked(patient: Patient, first: date, last: date | None = None, *, moving: Appointment | None = None) -> int:
    """The visits a referral or an authorization has given or is promised to, from `first` to `last`: the
    patient's appointments that hold their time (booked, checked in or completed) but the one `moving`, and the
    signed visit notes of no appointment (a visit noted without a booking). Two counts."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    booked = Appointment.objects.filter(patient=patient, status__in=Appointment.HOLDING, start_at__gte=start)
    if moving is not None:
        booked = booked.exclude(pk=moving.pk)
    # Visits sit above scheduling (a note points at its appointment): read through the patient's relation.
    unbooked = patient.visit_notes.filter(appointment__isnull=True, status="signed", visited_on__gte=first)
    if last is not None:
        booked = booked.filter(start_at__lt=start + timedelta(days=(last - first).days + 1))
        unbooked = unbooked.filter(visited_on__lte=last)
    return booked.count() + unbooked.count()


def _dates(days: list[date]) -> str:
    shown = ", ".join(f"{d:%a %Y-%m-%d}" for d in days[:3])
    return shown + (f" and {len(days) - 3} more" if len(days) > 3 else "")


def plan_end(plan: TreatmentPlan) -> date:
    """The last day of the plan of care: its start and its weeks."""
    return plan.start_date + timedelta(weeks=plan.duration_weeks) - timedelta(days=1)


def referral_and_plan(patient: Patient, starts: list[datetime], moving: Appointment | None) -> list[str]:
    """Past the referral's visits or expiry (the active plan's referral, else the patient's latest), or past
    the end of the active plan of care."""
    plan = (
        TreatmentPlan.objects.filter(patient=patient, status=TreatmentPlan.Status.ACTIVE)
        .select_related("referral__provider")
        .order_by("-version", "-pk")
        .first()
    )
    referral = plan.referral if plan is not None and plan.referral_id else None
    if referral is None:
        referral = Referral.objects.filter(patient=patient).select_related("provider").first()  # newest first
    days = sorted(_day(s) for s in starts)
    sentences = []
    if referral is not None:
        of = f"The referral from {referral.provider} ({referral.referral_date:%Y-%m-%d})"
        total = visits_booked(patient, referral.referral_date, moving=moving) + len(starts)
        if total > referral.visits_authorized:
            sentences.append(
                f"{of} allows {referral.visits_authorized} visits; with this booking {total} are booked or seen."
            )
        if after := [d for d in days if d > referral.expires_on]:
            sentences.append(f"{of} expires on {referral.expires_on:%Y-%m-%d}, before {_dates(after)}.")
    if plan is not None and (after := [d for d in days if d > plan_end(plan)]):
        sentences.append(f"The plan of care ends on {plan_end(plan):%Y-%m-%d}, before {_dates(after)}.")
    return sentences
