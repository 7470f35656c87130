"""The front desk's Today board (issue 26 point 3): the day's arrivals in time order, each with what the desk
must see to it (late, a copay to collect, a balance due, consents missing, a referral or an authorization running
out or expired), and the waitlist with the openings left that day. A fixed number of queries however many
appointments."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from fascia.billing.models import Authorization, Coverage
from fascia.billing.queries import patient_balances
from fascia.billing.queries import with_visits_used as with_authorized_visits_used
from fascia.core.models import User
from fascia.patients.models import Consent, name_for_display
from fascia.practitioners.models import practitioner_name
from fascia.referrals.models import Referral
from fascia.referrals.services import with_visits_used
from fascia.scheduling.models import Appointment, WaitlistEntry
from fascia.scheduling.queries import STEPS, day_bounds, next_free_slots
from fascia.visits.queries import REFERRAL_DAYS_LEFT, REFERRAL_VISITS_LEFT

# The consents taken at intake, before a first treatment: without them the desk asks the patient to sign.
INTAKE_CONSENTS = (Consent.Kind.TREATMENT, Consent.Kind.PRIVACY_NOTICE)
OPENINGS_PER_ENTRY = 3  # the free times the board offers each waitlist entry


@dataclass(slots=True)
class Alert:
    text: str
    expired: bool  # already past (expired, used up), not merely running out


@dataclass(slots=True)
class Arrival:
    """An appointment of the day as the board shows it: plain values (today_board)."""

    public_id: UUID
    start_at: datetime
    end_at: datetime
    status: str
    patient_id: int
    patient_public_id: UUID
    patient_name: str
    practitioner: str
    location_name: str
    type_name: str
    checked_in_at: datetime | None
    copay: Decimal | None = None  # the primary coverage's, to collect at check-in
    owes: Decimal | None = None
    paperwork: list[str] = field(default_factory=list)  # the intake consents missing
    alerts: list[Alert] = field(default_factory=list)
    late: bool = False

    @property
    def status_label(self) -> str:
        return Appointment.Status(self.status).label

    @property
    def steps(self) -> list[tuple[str, str]]:
        """What the desk can do next: check in or out, and mark a no-show once the patient is late."""
        return [(step, label) for step, label in STEPS.get(self.status, []) if step != "no-show" or self.late]


def arrival(a: Appointment, now: datetime) -> Arrival:
    """One appointment (with its patient, practitioner's user, location and type) as the board's row shows it."""
    return Arrival(
        a.public_id,
        a.start_at,
        a.end_at,
        a.status,
        a.patient_id,
        a.patient.public_id,
        a.patient.display_name,
        str(a.practitioner),
        a.location.name,
        a.appointment_type.name,
        a.checked_in_at,
        late=a.status == Appointment.Status.BOOKED and a.start_at < now,
    )


def _arrivals(user: User, day: date, now: datetime) -> list[Arrival]:
    start, end = day_bounds(day)
    primary = (
        Coverage.objects.filter(patient=OuterRef("patient_id"), rank=1, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("-starts_on", "-pk")
    )
    rows = (
        Appointment.objects.filter(
            location__organization_id=user.member_organization_id, start_at__gte=start, start_at__lt=end
        )
        .exclude(status__in=[Appointment.Status.CANCELLED, Appointment.Status.ENTERED_IN_ERROR])
        .annotate(copay=Subquery(primary.values("copay")[:1]))
        .order_by("start_at", "pk")
        .values_list(
            "public_id",
            "start_at",
            "end_at",
            "status",
            "patient_id",
            "patient__public_id",
            "patient__family_name",
            "patient__given_name",
            "patient__preferred_name",
            "practitioner__user__first_name",
            "practitioner__user__last_name",
            "practitioner__user__username",
            "practitioner__credential_suffix",
            "location__name",
            "appointment_type__name",
            "checked_in_at",
            "copay",
        )
    )
    return [
        Arrival(
            public_id,
            start_at,
            end_at,
            status,
            patient_id,
            patient_public_id,
            name_for_display(family, given, preferred),
            practitioner_name(first, last, username, suffix),
            location_name,
            type_name,
            checked_in_at,
            copay,
            late=status == Appointment.Status.BOOKED and start_at < now,
        )
        for (
            public_id,
            start_at,
            end_at,
            status,
            patient_id,
            patient_public_id,
            family,
            given,
            preferred,
            first,
            last,
            username,
            suffix,
            location_name,
            type_name,
            checked_in_at,
            copay,
        ) in rows
    ]


def missing_consents(patient_ids: list[int]) -> dict[int, list[str]]:
    """The intake consents each patient has not given: none on record, or the latest one declined."""
    latest: dict[tuple[int, str], bool] = {}
    consents = (
        Consent.objects.filter(patient_id__in=patient_ids, kind__in=INTAKE_CONSENTS)
        .order_by("-date", "-id")
        .values_list("patient_id", "kind", "granted")
    )
    for patient_id, kind, granted in consents:
        latest.setdefault((patient_id, kind), granted)
    labels = dict(Consent.Kind.choices)
    return {
        pk: missing
        for pk in patient_ids
        if (missing := [labels[kind] for kind in INTAKE_CONSENTS if not latest.get((pk, kind))])
    }


def referral_alerts(patient_ids: list[int], day: date) -> dict[int, list[Alert]]:
    """Each patient's latest referral, when it has expired or is used up (expired), or runs out within
    REFERRAL_DAYS_LEFT days or REFERRAL_VISITS_LEFT visits (as the practitioner's day counts them)."""
    referrals = with_visits_used(
        Referral.objects.filter(patient_id__in=patient_ids)
        .select_related("provider")
        .only("patient", "referral_date", "visits_authorized", "expires_on", "provider__name", "provider__credentials")
        .order_by("patient_id", "-referral_date", "-id")
    )
    alerts: dict[int, list[Alert]] = {}
    for r in referrals:
        if r.patient_id in alerts:
            continue  # an older referral of the same patient
        left = r.visits_authorized - r.visits_used
        found = []
        if r.expires_on < day:
            found.append(Alert(f"Referral from {r.provider} expired {r.expires_on:%b %-d, %Y}", True))
        elif r.expires_on <= day + timedelta(days=REFERRAL_DAYS_LEFT):
            found.append(Alert(f"Referral from {r.provider} expires {r.expires_on:%b %-d}", False))
        if left <= 0:
            found.append(Alert(f"All {r.visits_authorized} referred visits used", True))
        elif left <= REFERRAL_VISITS_LEFT:
            found.append(Alert(f"{left} of {r.visits_authorized} referred visits left", False))
        alerts[r.patient_id] = found
    return alerts


def authorization_alerts(patient_ids: list[int], day: date) -> dict[int, list[Alert]]:
    """Each patient's authorization on the primary coverage in force: the one covering the day when it ends
    within REFERRAL_DAYS_LEFT days or has REFERRAL_VISITS_LEFT visits or fewer left (or none: expired), else the
    latest one when it already ended (expired); none is said when the coverage has no authorization on file."""
    authorizations = with_authorized_visits_used(
        Authorization.objects.filter(
            coverage__patient_id__in=patient_ids, coverage__rank=1, coverage__starts_on__lte=day
        )
        .filter(Q(coverage__ends_on__isnull=True) | Q(coverage__ends_on__gte=day))
        .select_related("coverage")
        .only("coverage__patient", "number", "visits_allowed", "starts_on", "ends_on")
    )
    by_patient: dict[int, list] = defaultdict(list)
    for a in authorizations:
        by_patient[a.coverage.patient_id].append(a)
    alerts: dict[int, list[Alert]] = {}
    for pk, held in by_patient.items():
        current = [a for a in held if a.starts_on <= day <= a.ends_on]
        if not current:
            ended = [a for a in held if a.ends_on < day]
            if ended and not any(a.starts_on > day for a in held):
                last = max(ended, key=lambda a: a.ends_on)
                alerts[pk] = [Alert(f"Authorization {last.number} expired {last.ends_on:%b %-d, %Y}", True)]
            continue
        a = max(current, key=lambda a: a.starts_on)
        left = a.visits_allowed - a.used
        found = []
        if a.ends_on <= day + timedelta(days=REFERRAL_DAYS_LEFT):
            found.append(Alert(f"Authorization {a.number} ends {a.ends_on:%b %-d}", False))
        if left <= 0:
            found.append(Alert(f"Authorization {a.number}: all {a.visits_allowed} visits used", True))
        elif left <= REFERRAL_VISITS_LEFT:
            found.append(Alert(f"Authorization {a.number}: {left} of {a.visits_allowed} visits left", False))
        alerts[pk] = found
    return alerts


def waitlist_openings(user: User, day: date, now: datetime, book_url: str) -> list[tuple[WaitlistEntry, list[dict]]]:
    """The open waitlist entries whose window includes the day, each with up to OPENINGS_PER_ENTRY free times
    left that day that fit it (its practitioner and location, when it names them, and its length): three
    queries per length of the types waited for, whatever the number of entries."""
    entries = list(
        WaitlistEntry.objects.filter(
            patient__organization_id=user.member_organization_id,
            resolved_at__isnull=True,
            earliest__lte=day,
            latest__gte=day,
        )
        .select_related("patient", "practitioner__user", "appointment_type", "location")
        .order_by("created_at", "pk")
    )
    start, _ = day_bounds(day)
    after = max(start, now)
    free: dict[int, list] = {}
    if timezone.localtime(after).date() == day:  # openings are still to come that day
        for minutes in {e.appointment_type.minutes for e in entries}:
            free[minutes] = next_free_slots(user, minutes=minutes, after=after, days=1, limit=200)
    rows = []
    for e in entries:
        fits = [
            (moment, practitioner, location)
            for moment, practitioner, location in free.get(e.appointment_type.minutes, [])
            if e.practitioner_id in (None, practitioner.pk) and e.location_id in (None, location.pk)
        ][:OPENINGS_PER_ENTRY]
        openings = [
            {
                "start": timezone.localtime(moment),
                "practitioner": practitioner,
                "location_name": location.name,
                "url": (
                    f"{book_url}?patient={e.patient.public_id}&practitioner={practitioner.public_id}"
                    f"&location={location.public_id}&appointment_type={e.appointment_type_id}"
                    f"&day={timezone.localtime(moment):%Y-%m-%d}&start={timezone.localtime(moment):%H:%M}"
                ),
            }
            for moment, practitioner, location in fits
        ]
        rows.append((e, openings))
    return rows


def today_board(user: User, day: date, *, book_url: str) -> dict:
    """Everything the Today board shows for the day: the arrivals with their flags, and the waitlist."""
    now = timezone.now()
    arrivals = _arrivals(user, day, now)
    patient_ids = list(dict.fromkeys(a.patient_id for a in arrivals))
    owes, paperwork = patient_balances(patient_ids), missing_consents(patient_ids)
    referrals, authorizations = referral_alerts(patient_ids, day), authorization_alerts(patient_ids, day)
    for a in arrivals:
        a.owes = owes.get(a.patient_id)
        a.paperwork = paperwork.get(a.patient_id, [])
        a.alerts = referrals.get(a.patient_id, []) + authorizations.get(a.patient_id, [])
    waiting = sum(a.status == Appointment.Status.BOOKED for a in arrivals)
    return {
        "arrivals": arrivals,
        "patient_ids": patient_ids,
        "counts": {
            "booked": len(arrivals),
            "waiting": waiting,
            "late": sum(a.late for a in arrivals),
            "here": sum(a.status == Appointment.Status.ARRIVED for a in arrivals),
            "done": sum(a.status == Appointment.Status.FULFILLED for a in arrivals),
            "due": sum(1 for pk in patient_ids if pk in owes),
            "paperwork": sum(1 for pk in patient_ids if pk in paperwork),
        },
        "waitlist": waitlist_openings(user, day, now, book_url),
    }
