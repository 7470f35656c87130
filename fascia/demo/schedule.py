"""Demo working hours, appointments from last week to a week from today and the notes of the visits that have ended,
all written through the scheduling and visit services, so they pass the same screening and
signing rules as the pages."""

import random
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone

from fascia.core.models import Organization, User
from fascia.measures import instrument
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.plans.models import Goal
from fascia.practitioners.models import Practitioner
from fascia.scheduling import services
from fascia.scheduling.models import Appointment, AppointmentType, BookingPolicy, WorkingHours
from fascia.techniques.queries import as_engine_technique, facts_for
from fascia.techniques.rules import RULES
from fascia.techniques.screening import REFUSING, Level, screen, worst_level
from fascia.visits import services as visit_services
from fascia.visits.models import VisitNote, VisitTechnique

DAY_START, DAY_END = time(8), time(18)


def load_working_hours(practitioners: list[Practitioner]) -> None:
    """Monday to Friday; practitioners at two locations alternate days between them."""
    for practitioner in practitioners:
        locations = list(practitioner.locations.order_by("name"))
        for weekday in range(5):
            location = locations[weekday % len(locations)]
            WorkingHours.objects.create(
                practitioner=practitioner, location=location, weekday=weekday, starts=DAY_START, ends=DAY_END
            )


def load_online_booking(organization: Organization, admin: User) -> None:
    """Online booking open in the portal, through the settings page's service: an initial evaluation for new
    patients, the 45-minute follow-up for returning ones, with everyone everywhere; the default lead time,
    horizon and 24-hour cancellation window."""
    types = [
        (
            kind,
            {
                "for_new": kind.code == "initial-evaluation",
                "for_returning": kind.code == "follow-up-45",
                "practitioners": [],
                "locations": [],
            },
        )
        for kind in AppointmentType.objects.filter(code__in=["initial-evaluation", "follow-up-45"])
    ]
    services.save_booking_policy(actor=admin, policy=BookingPolicy(organization=organization, online=True), types=types)


def load_week(practitioners: list[Practitioner], rng: random.Random, monday: date, until: date | None = None) -> None:
    """Four to six 45-minute follow-ups a day per practitioner in the week from `monday` (up to `until`), for
    patients already evaluated by then; the visits that have ended are checked in and out."""
    kind = AppointmentType.objects.get(code="follow-up-45")
    zone = timezone.get_current_timezone()
    now = timezone.now()
    for practitioner in practitioners:
        patients = list(
            Patient.objects.filter(preferred_practitioner=practitioner)
            .annotate(first_seen=Min("evaluations__evaluated_on"))
            .order_by("pk")
        )
        actor = practitioner.user
        for hours in practitioner.working_hours.select_related("location").order_by("weekday"):
            day = monday + timedelta(days=hours.weekday)
            if until is not None and day > until:
                continue
            seen = [p for p in patients if p.first_seen and p.first_seen < day]
            if not seen:
                continue
            slots = sorted(rng.sample(range(9, 17), k=rng.randint(4, 6)))
            for hour in slots:
                start = datetime.combine(day, time(hour, rng.choice([0, 15])), tzinfo=zone)
                try:
                    appointment = services.book_appointment(
                        actor=actor,
                        patient=rng.choice(seen),
                        practitioner=practitioner,
                        location=hours.location,
                        appointment_type=kind,
                        start_at=start,
                    )
                except services.Clash:
                    continue  # that patient is already booked then elsewhere
                if appointment.end_at < now:
                    services.move_appointment(actor=actor, appointment=appointment, move="check_in", at=start)
                    services.move_appointment(
                        actor=actor, appointment=appointment, move="check_out", at=appointment.end_at
                    )


SUBJECTIVE = [
    "Slept better for two nights after the last session.",
    "Stiff in the mornings, easing by midday.",
    "Pain flared after a long drive on the weekend.",
    "Doing the home exercises most days.",
    "Back at work full time; sore by the end of the day.",
    "Less tightness when reaching overhead.",
    "Tender for a day after the last visit, then much looser.",
    "Walked 30 minutes yesterday without stopping.",
    "Headaches less often this week.",
    "Sitting at the desk is still the hardest part of the day.",
    "No new injuries or changes in medication.",
    "Gardened on Saturday and felt it on Sunday.",
]
RESPONSES = [
    "Tissue softened with treatment; range of motion improved.",
    "Tolerated treatment well; guarding decreased by the end of the session.",
    "Trigger points released; referral pattern reproduced then eased.",
    "Good response; patient reports feeling lighter and looser.",
    "Mild soreness during deep work, resolved with lighter strokes.",
]
NEXT_VISITS = [
    "Follow-up in 3-4 days as planned.",
    "Next week; continue the home program.",
    "Twice a week; progress pressure as tolerated.",
    "Follow-up in one week; review home exercises.",
]
OVERRIDE = "Light pressure; monitored."
PRESSURES = {
    "swedish": [VisitTechnique.Pressure.LIGHT, VisitTechnique.Pressure.MODERATE],
    "deep-tissue": [VisitTechnique.Pressure.FIRM, VisitTechnique.Pressure.DEEP],
    "myofascial-release": [VisitTechnique.Pressure.MODERATE, VisitTechnique.Pressure.FIRM],
    "trigger-point": [VisitTechnique.Pressure.FIRM],
}
# Where the patient lies to reach each region (the region's name without its side).
POSITIONS = {
    "head": VisitTechnique.Position.SUPINE,
    "neck": VisitTechnique.Position.SUPINE,
    "chest": VisitTechnique.Position.SUPINE,
    "abdomen": VisitTechnique.Position.SUPINE,
    "shoulder": VisitTechnique.Position.SIDE_LYING,
    "arm": VisitTechnique.Position.SUPINE,
    "hand": VisitTechnique.Position.SEATED,
    "foot": VisitTechnique.Position.SUPINE,
}
# How much better, at most, each item is answered a few weeks into care than the last time.
BETTER_BY = {"ODI": 1, "NDI": 1, "QUICKDASH": 1, "LEFS": 1, "PSFS": 2, "NPRS": 2}


def load_notes(rng: random.Random, *, drafts: int = 2) -> None:
    """A note for every visit that has ended, oldest first (copy-forward and the progress-note
    cadence depend on the notes before). Signed, except `drafts` of the last day's, which wait on
    the practitioner's dashboard, and any whose techniques screening refuses altogether."""
    ended = list(
        Appointment.objects.filter(status=Appointment.Status.FULFILLED)
        .select_related("patient", "practitioner__user")
        .order_by("start_at", "id")
    )
    if not ended:
        return
    last_day = timezone.localtime(ended[-1].start_at).date()
    on_last_day = [a.pk for a in ended if timezone.localtime(a.start_at).date() == last_day]
    unsigned = set(rng.sample(on_last_day, k=min(drafts, len(on_last_day))))
    for appointment in ended:
        write_note(appointment, rng, sign=appointment.pk not in unsigned)


def write_note(appointment: Appointment, rng: random.Random, *, sign: bool = True) -> VisitNote:
    """Start the note (prefilled), fill it as a practitioner would and sign it."""
    actor = appointment.practitioner.user
    note = visit_services.start_note(actor=actor, patient=appointment.patient, appointment=appointment)
    before = rng.randint(3, 7)
    fields: dict = {
        "subjective": " ".join(rng.sample(SUBJECTIVE, k=2)),
        "nprs_before": before,
        "nprs_after": before - rng.randint(1, 2),
        "response": rng.choice(RESPONSES),
        "next_visit": rng.choice(NEXT_VISITS),
    }
    if note.kind == VisitNote.Kind.DISCHARGE:
        # Signing a discharge summary completes the plan; the demo keeps every plan running and
        # lets the dashboard show the summaries that are due instead.
        fields["kind"] = VisitNote.Kind.FOLLOW_UP
    elif note.kind == VisitNote.Kind.PROGRESS:
        fields["goal_progress"] = _progress(note, before, rng)
    rows = _technique_rows(note, rng)
    try:
        visit_services.save_note(actor=actor, note=note, techniques=rows, **fields)
        if sign and rows:
            visit_services.sign_note(actor=actor, note=note)
    except (ValidationError, visit_services.NoteError):
        pass  # screening refused what was left: the draft waits on the practitioner's dashboard
    note.refresh_from_db()
    return note


def _technique_rows(note: VisitNote, rng: random.Random) -> list[dict]:
    """The prefilled techniques, minus those today's screen refuses, with minutes adding up to
    30-45 and never beyond the appointment."""
    position_for_pregnancy = VisitTechnique.Position.SIDE_LYING if note.patient.is_pregnant else None
    facts = facts_for(note.patient, symptoms=frozenset(note.symptoms))  # once, not per technique
    rows = []
    for item in note.techniques.select_related("technique"):
        level = worst_level(screen(facts, as_engine_technique(item.technique), item.region, RULES))
        if level in REFUSING:
            continue
        caution = level == Level.CAUTION
        # Copy-forward keeps last visit's pressure, unless today's screen asks for a light touch.
        pressure = item.pressure or rng.choice(PRESSURES.get(item.technique.code, [VisitTechnique.Pressure.MODERATE]))
        base = item.region.removesuffix("-left").removesuffix("-right")
        rows.append(
            {
                "technique_id": item.technique_id,
                "region": item.region,
                "pressure": VisitTechnique.Pressure.LIGHT if caution else pressure,
                "position": item.position
                or position_for_pregnancy
                or POSITIONS.get(base, VisitTechnique.Position.PRONE),
                "override_reason": OVERRIDE if caution else "",
            }
        )
    allowed = min(45, visit_services.minutes_allowed(note))
    total = rng.randrange(min(30, allowed), allowed + 1, 5)
    rows = rows[:total]
    for row, minutes in zip(rows, split_minutes(total, len(rows), rng), strict=True):
        row["minutes"] = minutes
    return rows


def split_minutes(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` minutes over `parts` techniques, in 5-minute blocks when they fit."""
    if parts == 0:
        return []
    step = 5 if parts <= total // 5 else 1
    blocks = total // step
    cuts = sorted(rng.sample(range(1, blocks), parts - 1))
    return [(b - a) * step for a, b in zip([0, *cuts], [*cuts, blocks], strict=True)]


def _progress(note: VisitNote, nprs: int, rng: random.Random) -> list[dict]:
    """Re-take the plan's outcome measure and judge each goal against it."""
    assert note.plan is not None  # a progress note falls due only under a plan (start_note)
    goals = list(note.plan.goals.all())
    goal = next((g for g in goals if g.measure == Goal.Measure.INSTRUMENT), None)
    code = goal.instrument if goal else "NPRS"
    measure = _retake(note, code, nprs, rng)
    progress = []
    for goal in goals:
        if goal.instrument == "NPRS":
            text = f"Pain {nprs}/10 before treatment today; target {goal.target:g}."
        elif goal.instrument == measure.instrument:
            text = f"{measure.instrument} now {measure.value:g}; target {goal.target:g}."
        else:
            text = "Improving steadily; reassess at the next progress note."
        progress.append({"goal": goal.pk, "status": Goal.Status.PROGRESSING, "note": text})
    return progress


def _retake(note: VisitNote, code: str, nprs: int, rng: random.Random) -> MeasureResult:
    """The instrument again, answered a little better than last time (the same PSFS activities)."""
    actor = note.practitioner.user
    if code == "NPRS":
        return visit_services.record_note_measure(actor=actor, note=note, instrument=code, responses=[nprs])
    inst = instrument(code)
    last = (
        MeasureResult.objects.filter(patient=note.patient, instrument=code).order_by("-administered_on", "-id").first()
    )
    answers = last.responses if last else [(inst.low + inst.high) // 2] * inst.item_count
    return visit_services.record_note_measure(
        actor=actor,
        note=note,
        instrument=code,
        responses=better(code, answers, rng),
        activities=last.activities if last else None,
    )


def better(code: str, answers: list, rng: random.Random) -> list:
    """The instrument's items answered a little better than `answers` (an item left blank stays blank)."""
    inst = instrument(code)
    sign = 1 if inst.higher_is_better else -1
    return [
        None if a is None else min(inst.high, max(inst.low, a + sign * rng.randint(0, BETTER_BY[code])))
        for a in answers
    ]
