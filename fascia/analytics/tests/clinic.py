"""A small clinic for the dashboard tests: rows made directly, with the dates, statuses and minutes each figure's
hand arithmetic needs (the services would add their own side effects: an unbilled visit on signing, bookings held
to working hours)."""

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import uuid4

from django.utils import timezone

from fascia.conftest import make_user
from fascia.core.models import Location, Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.evaluations.models import Evaluation
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import TreatmentPlan
from fascia.practitioners.models import Practitioner
from fascia.scheduling.models import Appointment, AppointmentType
from fascia.techniques.models import Technique
from fascia.visits.models import VisitNote, VisitTechnique


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """That wall-clock time at the clinic."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def practitioner(organization: Organization, username: str, npi: str, *, location: Location) -> Practitioner:
    user = make_user(organization, username, Role.PRACTITIONER)
    p = Practitioner.objects.create(
        user=user, credential_suffix="LMT", npi=with_check_digit(npi), license_number=f"MA{npi}", license_state="WA"
    )
    p.locations.add(location)
    return p


def patient(organization: Organization, name: str) -> Patient:
    return PatientFactory(organization=organization, family_name=name)


def appointment(
    who: Practitioner,
    patient: Patient,
    location: Location,
    start: datetime,
    status: str,
    *,
    minutes: int = 30,
    late: bool = False,
) -> Appointment:
    return Appointment.objects.create(
        patient=patient,
        practitioner=who,
        location=location,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        status=status,
        late_cancellation=late,
        created_by=who.user,
    )


def technique(organization: Organization, cpt_code: str) -> Technique:
    """A technique of the clinic's catalog billed under `cpt_code` (97010 hot packs made for the tests)."""
    found = Technique.objects.filter(organization=organization, cpt_code=cpt_code).order_by("pk").first()
    if found is None:
        found = Technique.objects.filter(organization=organization).order_by("pk").first()
        assert found is not None
        found.pk, found.code, found.cpt_code = None, f"code-{cpt_code}", cpt_code
        if hasattr(found, "public_id"):
            found.public_id = uuid4()
        found.save()
    return found


def note(
    who: Practitioner,
    patient: Patient,
    day: date,
    *,
    appointment: Appointment | None = None,
    plan: TreatmentPlan | None = None,
    signed: bool = True,
    techniques: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
) -> VisitNote:
    """A visit note (signed unless told) with techniques as (CPT code, region, minutes)."""
    n = VisitNote.objects.create(
        patient=patient,
        practitioner=who,
        appointment=appointment,
        plan=plan,
        visited_on=day,
        status=VisitNote.Status.SIGNED if signed else VisitNote.Status.DRAFT,
        signed_by=who.user if signed else None,
        signed_at=timezone.now() if signed else None,
        created_by=who.user,
    )
    for code, region, minutes in techniques:
        VisitTechnique.objects.create(
            note=n, technique=technique(patient.organization, code), region=region, minutes=minutes
        )
    return n


def plan(
    who: Practitioner, patient: Patient, status: str, *, ended: date | None, planned: int, **fields: Any
) -> TreatmentPlan:
    evaluation = Evaluation.objects.create(
        patient=patient,
        practitioner=who,
        evaluated_on=date(2026, 1, 5),
        chief_complaint="Low back pain",
        status=Evaluation.Status.SIGNED,
        signed_by=who.user,
        signed_at=timezone.now(),
        created_by=who.user,
    )
    return TreatmentPlan.objects.create(
        patient=patient,
        evaluation=evaluation,
        practitioner=who,
        status=status,
        start_date=date(2026, 1, 5),
        visits_per_week=2,
        duration_weeks=6,
        planned_visits=planned,
        ended_at=at(ended, 12) if ended else None,
        created_by=who.user,
        **fields,
    )


def other_clinic() -> tuple[Organization, Location, User]:
    """Another organization, with a location and an admin: its data must never be counted."""
    org = Organization.objects.create(
        legal_name="Elsewhere Massage, LLC",
        tax_id="98-7654321",
        group_npi=with_check_digit("123456781"),
        address_line1="9 Other Road",
        city="Tacoma",
        state="WA",
        postal_code="98402-1234",
        phone="253-555-0100",
    )
    location = Location.objects.create(organization=org, name="Elsewhere")
    return org, location, make_user(org, "oscar", Role.ADMIN)
