from datetime import date, datetime, time, timedelta

from django.utils import timezone

from fascia.core.models import Location, User
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.plans import services as plan_services
from fascia.plans.models import TreatmentPlan
from fascia.plans.tests.factories import draft_plan
from fascia.scheduling import services as scheduling_services
from fascia.scheduling.models import Appointment, AppointmentType, WorkingHours
from fascia.visits import services
from fascia.visits.models import VisitNote

LOW_BACK = [("deep-tissue", "lower-back", ["M54.50"])]


def active_plan(
    actor: User,
    patient: Patient,
    *,
    start: date,
    planned_visits: int = 12,
    diagnoses: list[str] | None = None,
    techniques: list[tuple[str, str, list[str]]] = LOW_BACK,
) -> TreatmentPlan:
    """A signed evaluation (ODI 40; diagnosed M54.50 unless `diagnoses` says) and an active plan from it: one
    goal for the primary diagnosis, and `techniques` as (technique code, region, the diagnoses it treats),
    deep tissue on the low back for M54.50 unless told."""
    draft = complete_draft(actor, patient, **({"diagnoses": diagnoses} if diagnoses else {}))
    evaluation_services.record_evaluation_measure(actor=actor, evaluation=draft, instrument="ODI", responses=[2] * 10)
    evaluation = evaluation_services.sign_evaluation(actor=actor, evaluation=draft)
    plan = draft_plan(
        actor,
        patient,
        evaluation=evaluation,
        start_date=start,
        planned_visits=planned_visits,
        home_care="Knee-to-chest stretch twice a day.",
    )
    plan_services.add_goal(
        diagnoses=(diagnoses or ["M54.50"])[:1],
        actor=actor,
        plan=plan,
        term="long",
        measure="instrument",
        instrument="ODI",
        description="Halve the disability",
        target=20,
        target_date=start + timedelta(weeks=6),
    )
    for code, region, treats in techniques:
        plan_services.add_technique(
            diagnoses=treats,
            actor=actor,
            plan=plan,
            technique=patient.organization.techniques.get(code=code),
            region=region,
        )
    return plan_services.activate_plan(actor=actor, plan=plan)


def appointment(
    actor: User, patient: Patient, location: Location, day: date, *, code: str = "follow-up-30"
) -> Appointment:
    """A 10 o'clock appointment with the actor (who works that day, 8 to 6)."""
    WorkingHours.objects.get_or_create(
        practitioner=actor.practitioner, location=location, weekday=day.weekday(), starts=time(8), ends=time(18)
    )
    return scheduling_services.book_appointment(
        actor=actor,
        patient=patient,
        practitioner=actor.practitioner,
        location=location,
        appointment_type=AppointmentType.objects.get(code=code),
        start_at=timezone.make_aware(datetime.combine(day, time(10))),
    )


def signed_note(actor: User, patient: Patient, day: date, **fields: object) -> VisitNote:
    """A follow-up documented and signed: deep tissue on the low back, 25 minutes."""
    note = services.start_note(actor=actor, patient=patient, visited_on=day)
    deep_tissue = patient.organization.techniques.get(code="deep-tissue")
    rows = [{"technique_id": deep_tissue.pk, "region": "lower-back", "minutes": 25}]
    services.save_note(actor=actor, note=note, techniques=rows, **{"nprs_before": 5, **fields})
    return services.sign_note(actor=actor, note=note)
