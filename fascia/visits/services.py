"""Every write to a visit note: starting it (prefilled), saving drafts, signing, addenda.
Each is one transaction and audited; signing and addenda seal the record (fascia.records)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.measures.models import MeasureResult
from fascia.measures.services import record_measure
from fascia.patients.models import BodyRegion, Patient
from fascia.plans.models import Goal, PlannedTechnique, TreatmentPlan
from fascia.plans.services import end_plan
from fascia.practitioners.credentials import NotCredentialed, check_license, license_lapsed, missing_privilege
from fascia.records import lifecycle
from fascia.scheduling.models import Appointment
from fascia.techniques.facts import RED_FLAGS
from fascia.techniques.models import Technique
from fascia.techniques.queries import as_engine_technique, facts_for
from fascia.techniques.rules import RULES
from fascia.techniques.screening import (
    REFUSING,
    Level,
    PatientFacts,
    awaiting_clearance,
    kept,
    screen,
    worst_level,
)
from fascia.visits import queries
from fascia.visits import warnings as signing_warnings
from fascia.visits.minutes import appointment_minutes
from fascia.visits.models import MAX_MINUTES, NoteAddendum, NoteMeasure, VisitNote, VisitTechnique
from fascia.visits.note_templates import TEMPLATES
from fascia.visits.signals import note_signed


class NoteError(Exception):
    pass


class NoteLocked(NoteError):
    def __init__(self) -> None:
        super().__init__("This note is signed and locked; add an addendum instead.")


class VisitNotStarted(NoteError):
    def __init__(self, appointment: Appointment) -> None:
        start = timezone.localtime(appointment.start_at)
        super().__init__(
            f"The appointment starts at {start:%H:%M} on {start:%Y-%m-%d}: its note can be signed once the visit "
            "has begun."
        )


class ArrivalNotConfirmed(NoteError):
    """The appointment was never checked in: the signer confirms the patient came (`arrived`)."""

    def __init__(self) -> None:
        super().__init__(
            "The patient was not checked in for this appointment. Confirm that the patient came to sign the note "
            "(the appointment is then checked in)."
        )


class NoteIncomplete(NoteError):
    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("Cannot sign yet. Missing: " + "; ".join(missing) + ".")


# What copy-forward carries from the last signed note: what tends to stay the same from one
# follow-up to the next. The patient's report, pain ratings and response are always new.
COPIED_FIELDS = ("findings", "home_care", "next_visit")
TECHNIQUE_FIELDS = ("technique_id", "region", "minutes", "pressure", "position")
# The signed rows with a reason read for carry-forward, newest first: enough for years of visits.
MAX_CARRIED = 200


# What start_note's lock of the appointment asks: whether its patient has an active plan.
ON_A_PLAN = "patient_on_a_plan"


@transaction.atomic
def start_note(
    *, actor: User, patient: Patient, appointment: Appointment | None = None, visited_on: date | None = None
) -> VisitNote:
    """A draft for a visit, prefilled from the patient's last signed note, or else from the active
    plan (copy-forward; the copied parts are listed in `copied_fields` so the form can mark them).
    A progress note when one is due, a discharge summary when the plan has run its course."""
    practitioner = getattr(actor, "practitioner", None)
    if practitioner is None:
        raise NoteError("Only a practitioner can write a visit note.")
    on_a_plan = True  # unless the appointment's lock says otherwise
    if appointment is not None:
        # Its note (if any) read in the same query, and whether the patient has an active plan (read below only
        # when there is one); only the appointment's row is locked.
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("note")
            .annotate(**{ON_A_PLAN: Exists(queries.active_plans(OuterRef("patient_id")))})
            .get(pk=appointment.pk)
        )
        on_a_plan = getattr(appointment, ON_A_PLAN)
        if appointment.patient_id != patient.pk:
            raise NoteError("That appointment is another patient's.")
        if hasattr(appointment, "note"):
            raise NoteError("This appointment already has a note.")
        if appointment.status not in Appointment.HOLDING:
            raise NoteError(f"This appointment is {appointment.get_status_display().lower()}; there is no visit.")
    today = visited_on or (timezone.localtime(appointment.start_at).date() if appointment else timezone.localdate())
    plan = queries.active_plan(patient) if on_a_plan else None
    last = queries.last_signed_note(patient, COPIED_FIELDS, TECHNIQUE_FIELDS)
    note = VisitNote(
        patient=patient,
        practitioner=practitioner,
        appointment=appointment,
        plan=plan,
        visited_on=today,
        created_by=actor,
    )
    if plan is not None:
        note.kind = queries.plan_status(plan, today).note_kind
    rows: list[dict[str, Any]] = []
    if last is not None:
        for field, value in last.fields.items():
            setattr(note, field, value)
        note.copied_from_id = last.pk
        note.copied_fields = [f for f, value in last.fields.items() if value]
        rows = last.techniques
    elif plan is not None:
        note.home_care = plan.home_care
        note.copied_fields = ["home_care"] if plan.home_care else []
        rows = [
            {"technique_id": t.technique_id, "region": t.region, "pressure": t.pressure} for t in plan.techniques.all()
        ]
    if rows:
        note.copied_fields.append("techniques")
    _validate(note)
    note.save()
    VisitTechnique.objects.bulk_create(VisitTechnique(note=note, **row) for row in rows)
    audit.record(
        actor=actor,
        action=AuditAction.NOTE_STARTED,
        target=note,
        patient=patient,
        detail={"copied_from": str(last.public_id) if last else "plan" if rows else ""},
    )
    return note


def _validate(note: VisitNote, links_given: Iterable[str] = ()) -> None:
    """full_clean, but for the note's links (patient, practitioner, appointment, plan …) other than those
    in links_given: they are rows read in this transaction when the note is started (the appointment
    locked and checked for a note), and never changed after. Checking that each exists cost a query apiece.
    Nor is public_id looked up for uniqueness: it is a new random UUID4 that no form sets, and the
    database's unique index stands behind it."""
    note.full_clean(
        exclude=[f.name for f in note._meta.concrete_fields if f.is_relation and f.name not in links_given],
        validate_unique=False,
    )


def minutes_allowed(note: VisitNote) -> int:
    """The most minutes the techniques may add up to: the appointment's length when there is one."""
    appointment = note.appointment  # None, without a query, when the note has no appointment
    if appointment is None:
        return MAX_MINUTES
    return appointment_minutes(appointment.start_at, appointment.end_at)


def _catalog_entries(note: VisitNote, rows: list[dict[str, Any]], known: Iterable[Technique]) -> dict[int, Technique]:
    """The techniques the rows name, by id: those `known` (read with the note's stored rows), the others read
    from the patient's organization's catalog (retired ones too: a stored row may name one)."""
    techniques = {t.pk: t for t in known}
    wanted = {row.get("technique_id") for row in rows} - techniques.keys()
    if ids := [i for i in wanted if isinstance(i, int)]:  # any other value names no technique
        # Joined to the note's patient: another organization's technique is no technique here.
        techniques |= {t.pk: t for t in Technique.objects.filter(pk__in=ids, organization__patients=note.patient_id)}
    return techniques


def check_techniques(
    note: VisitNote, rows: list[dict[str, Any]], known: Iterable[Technique] = ()
) -> list[VisitTechnique]:
    """Turn submitted rows into techniques, screened against the patient's facts and today's
    symptoms. Absolute or local findings refuse the row; a caution needs a written reason. The catalog
    entries `known` to the caller are not read again."""
    return _screened(note, rows, known)[0]


def _screened(
    note: VisitNote, rows: list[dict[str, Any]], known: Iterable[Technique] = ()
) -> tuple[list[VisitTechnique], PatientFacts | None]:
    """check_techniques(), and the facts the rows were screened against (None when there are no rows)."""
    techniques = _catalog_entries(note, rows, known)
    # Once for every row, in one query with the red flags raised and cleared on the evaluations it reads.
    facts = (
        facts_for(
            note.patient,
            symptoms=frozenset(note.symptoms),
            local_findings=[(f["finding"], f["region"]) for f in note.local_findings],
            also=queries.note_red_flags(note),
        )
        if rows
        else None
    )
    built: list[VisitTechnique] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        technique_id = row.get("technique_id")
        technique = techniques.get(technique_id) if technique_id is not None else None
        if technique is None:
            problems.append(f"Technique {number}: choose a technique from the catalog.")
            continue
        where = f"{technique.name} (row {number})"
        region = row.get("region") or ""
        if region not in BodyRegion.values:
            problems.append(f"{where}: choose the body region.")
            continue
        minutes = row.get("minutes")
        if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
            problems.append(f"{where}: minutes must be between 1 and {MAX_MINUTES}.")
            continue
        privilege = missing_privilege(note.practitioner, technique.required_specialty, technique.name, note.visited_on)
        if privilege:
            problems.append(f"{where}: {privilege}")
            continue
        assert facts is not None  # read above whenever there are rows
        pressure = row.get("pressure") or ""
        if pressure not in VisitTechnique.Pressure.values + [""]:
            problems.append(f"{where}: choose light, moderate, firm or deep pressure.")
            continue
        # Firm or deep pressure is deep work whatever the technique (swedish at deep pressure on an
        # anticoagulated patient is a caution).
        findings = screen(facts, as_engine_technique(technique), region, RULES, pressure=pressure or None)
        level = worst_level(findings)
        reason = (row.get("override_reason") or "").strip()
        if level in REFUSING:
            blocking = next(f for f in findings if f.level == level)
            problems.append(f"{where} is contraindicated today ({level.value}): {blocking.reason}")
            continue
        if level == Level.CAUTION and not reason:
            problems.append(f"{where} needs a written reason to go ahead despite: {findings[0].reason}")
            continue
        item = VisitTechnique(
            note=note,
            technique=technique,
            region=region,
            minutes=minutes,
            pressure=pressure,
            position=row.get("position") or "",
            response=(row.get("response") or "").strip(),
            **kept(findings, reason),
        )
        try:
            item.full_clean(exclude=["note", "technique"])
        except ValidationError as e:
            problems += [f"{where}: {m}" for m in e.messages]
            continue
        built.append(item)
    total = sum(t.minutes or 0 for t in built)
    allowed = minutes_allowed(note)
    if total > allowed:
        problems.append(f"The techniques add up to {total} minutes, more than the {allowed}-minute visit.")
    if problems:
        raise ValidationError({"techniques": problems})
    return built, facts


def _cautions(findings: Iterable[dict[str, Any]]) -> frozenset[tuple[str, str]]:
    """The facts a caution was for: each finding's rule and its reason (which names the fact, as "Anticoagulant
    therapy (Apixaban)")."""
    return frozenset((str(f.get("rule", "")), str(f.get("reason", ""))) for f in findings)


def carried_reasons(note: VisitNote, rows: Mapping[int, dict[str, Any]]) -> dict[int, str]:
    """The reasons to go ahead that carry into a draft's rows written without one (read only, nothing saved).

    A row whose screen today is a caution takes the reason written on the patient's latest signed note for the
    same technique, on the same region, despite the same findings (else the one written on the note's plan of
    care for it): the practitioner sees it prefilled and
    may change it. A row whose findings differ from the last time gets none: the new fact needs its own reason.
    `rows` are by their place on the form, as check_techniques() takes them."""
    wanted = {
        i: row
        for i, row in rows.items()
        if isinstance(row.get("technique_id"), int) and not (row.get("override_reason") or "").strip()
    }
    if not wanted:
        return {}
    given: dict[tuple[int, str, frozenset[tuple[str, str]]], str] = {}
    written = (
        VisitTechnique.objects.filter(
            note__patient_id=note.patient_id,
            note__status=VisitNote.Status.SIGNED,
            screening_level=Level.CAUTION.value,
        )
        .exclude(override_reason="")
        .order_by("-note__visited_on", "-note_id", "-id")
        .values_list("technique_id", "region", "findings", "override_reason")[:MAX_CARRIED]
    )
    for technique_id, region, findings, reason in written:
        given.setdefault((technique_id, region, _cautions(findings)), reason)
    if note.plan_id is not None:  # before any note, the reason written on the plan of care for it
        planned = PlannedTechnique.objects.filter(plan_id=note.plan_id, screening_level=Level.CAUTION.value).exclude(
            override_reason=""
        )
        for technique_id, region, findings, reason in planned.values_list(
            "technique_id", "region", "findings", "override_reason"
        ):
            given.setdefault((technique_id, region, _cautions(findings)), reason)
    if not given:
        return {}
    techniques = _catalog_entries(note, list(wanted.values()), ())
    facts = facts_for(
        note.patient,
        symptoms=frozenset(note.symptoms),
        local_findings=[(f["finding"], f["region"]) for f in note.local_findings],
        also=queries.note_red_flags(note),
    )
    carried: dict[int, str] = {}
    for i, row in wanted.items():
        technique, region = techniques.get(row["technique_id"]), row.get("region") or ""
        if technique is None or region not in BodyRegion.values:
            continue
        pressure = row.get("pressure") or None
        findings = screen(facts, as_engine_technique(technique), region, RULES, pressure=pressure)
        if worst_level(findings) != Level.CAUTION:
            continue
        if earlier := given.get((technique.pk, region, _cautions(kept(findings, "")["findings"]))):
            carried[i] = earlier
    return carried


def _check_goal_progress(note: VisitNote) -> None:
    goals = {goal.pk for goal in queries.plan_goals(note)}
    clean = []
    for item in note.goal_progress:
        if not isinstance(item, dict) or item.get("goal") not in goals:
            raise ValidationError({"goal_progress": "Progress can be given only on the goals of this note's plan."})
        if item.get("status") not in Goal.Status.values:
            raise ValidationError({"goal_progress": f"A goal is {', '.join(Goal.Status.values)}."})
        clean.append({"goal": item["goal"], "status": item["status"], "note": str(item.get("note") or "")[:200]})
    note.goal_progress = clean


def _technique_keys(techniques: Any) -> list[tuple[Any, ...]]:
    return [tuple(getattr(t, f) for f in TECHNIQUE_FIELDS) for t in techniques]


@transaction.atomic
def save_note(
    *, actor: User, note: VisitNote, techniques: list[dict[str, Any]] | None = None, **fields: Any
) -> VisitNote:
    """Save a draft's fields and, when given, its techniques (rows of technique_id, region, minutes,
    pressure, position, response, override_reason). Signed notes are refused; nothing is saved
    when anything is wrong."""
    stored = lifecycle.lock_draft(
        note, refuse=NoteLocked, children=[_stored_techniques()] if techniques is not None else []
    )
    _write(actor, note, _checked(note, stored, techniques, fields))
    return note


def _stored_techniques() -> Prefetch[Any, Any, Any]:
    """A locked draft's techniques with their catalog entries, which the screening of the rows submitted then
    reads only for the techniques the note does not hold yet."""
    return Prefetch("techniques", queryset=VisitTechnique.objects.select_related("technique"))


# What the signing lock asks of the note's practitioner's licenses on its day, read as the note's attribute.
LICENSE_LAPSED = "license_lapsed"


def _signing_questions() -> dict[str, Any]:
    """What the signing lock asks besides the note: the license, and what the documentation check asks."""
    return {
        LICENSE_LAPSED: license_lapsed(OuterRef("practitioner"), OuterRef("visited_on")),
        **signing_warnings.questions(),
    }


def save_and_sign(
    *,
    actor: User,
    note: VisitNote,
    techniques: list[dict[str, Any]],
    arrived: bool = False,
    warnings: list[str] | None = None,
    **fields: Any,
) -> VisitNote:
    """Save the draft as save_note() does and sign it, as the note form's "Save and sign" does: in one
    transaction, so the techniques screened for the save are those signed, against the same record, and
    the note is written once, signed. When signing is refused, the draft is saved and the NoteError raised.
    `arrived`: the signer confirms the patient came to an appointment never checked in, and `warnings` receives
    the documentation check's findings, as sign_note() does."""
    with transaction.atomic():
        stored = lifecycle.lock_draft(
            note,
            refuse=NoteLocked,
            related=("appointment",),
            children=[_stored_techniques(), "measures"],
            to_sign=True,
            asking=_signing_questions(),
        )
        saved = _checked(note, stored, techniques, fields)
        assert saved is not None  # techniques were given
        # The license as asked with the lock, unless the save changes whose it is or the day.
        asked = (note.practitioner_id, note.visited_on) == (stored.practitioner_id, stored.visited_on)
        try:
            _check_visit_held(stored.appointment, arrived)
            _check_signer(actor, note, saved.techniques, getattr(stored, LICENSE_LAPSED) if asked else None)
            _check_cleared(saved.facts)
        except NoteError as e:
            refused = e
            _write(actor, note, saved)
        else:
            # The documentation check of the note as it is to be signed (a draft still, so not among the visits
            # it counts), once nothing refuses the signature; with what the lock asked for it, unless the save
            # moves the note to another day.
            if note.visited_on == stored.visited_on:
                signing_warnings.take_answers(note, stored)
            found = signing_warnings.warnings_for(note, saved.techniques)
            arrival = _check_in(actor, note, stored.appointment, stored.patient)
            # The seal hashes the note as _store writes it, with the techniques it keeps or writes and the
            # measures read under the lock (the note object the caller holds may have older ones prefetched).
            lifecycle.sign(
                note,
                actor=actor,
                action=AuditAction.NOTE_SIGNED,
                write=lambda signed: _store(signed, saved),
                rows={"techniques": saved.techniques, "measures": stored.measures.all()},
                saved_action=AuditAction.NOTE_SAVED,
                also_audited=arrival,
            )
            _after_signature(actor, note, saved.techniques)
            if warnings is not None:
                warnings += found
            return note
    raise refused


@dataclass(frozen=True)
class _Techniques:
    techniques: list[VisitTechnique]  # as they are to be stored
    replaced: list[VisitTechnique]  # the stored rows they replace, to delete
    unchanged: bool  # they are the stored rows, left as they are
    facts: PatientFacts | None  # what they were screened against


def _row(technique: VisitTechnique) -> tuple[Any, ...]:
    return tuple(
        getattr(technique, f.attname) for f in VisitTechnique._meta.concrete_fields if f.name not in ("id", "note")
    )


def _checked(
    note: VisitNote, stored: VisitNote, techniques: list[dict[str, Any]] | None, fields: dict[str, Any]
) -> _Techniques | None:
    """Set the fields on the draft and check them and the techniques (screened) against the `stored` draft (its
    techniques prefetched under its lock); nothing is written. The note's techniques as they are to be saved,
    or None when none were given."""
    for name, value in fields.items():
        setattr(note, name, value)
    _validate(note, links_given=fields)
    _check_goal_progress(note)
    kept = list(stored.techniques.all()) if techniques is not None else []
    built, facts = (
        _screened(note, techniques, known=[t.technique for t in kept]) if techniques is not None else (None, None)
    )
    # A copied part stays marked until the practitioner changes it.
    edited = {f for f in fields if f in note.copied_fields and getattr(note, f) != getattr(stored, f)}
    if built is not None and "techniques" in note.copied_fields and _technique_keys(built) != _technique_keys(kept):
        edited.add("techniques")
    note.copied_fields = [f for f in note.copied_fields if f not in edited]
    if built is None:
        return None
    # Rows the same in every column are left as they are rather than deleted and inserted again.
    if [_row(t) for t in built] == [_row(t) for t in kept]:
        return _Techniques(kept, replaced=[], unchanged=True, facts=facts)
    return _Techniques(built, replaced=kept, unchanged=False, facts=facts)


def _write(actor: User, note: VisitNote, saved: _Techniques | None) -> None:
    """_store, audited as saved."""
    _store(note, saved)
    audit.record(actor=actor, action=AuditAction.NOTE_SAVED, target=note, patient=note.patient)


def _store(note: VisitNote, saved: _Techniques | None) -> None:
    """Store the note and, when given and changed, its techniques in place of those stored."""
    note.save()
    if saved is not None and not saved.unchanged:
        if saved.replaced:
            note.techniques.all().delete()
        VisitTechnique.objects.bulk_create(saved.techniques)


@transaction.atomic
def apply_template(*, actor: User, note: VisitNote, code: str) -> VisitNote:
    """Fill the note from a condition template: its techniques replace the note's, its home care
    fills an empty home-care field."""
    lifecycle.lock_draft(note, refuse=NoteLocked)
    template = TEMPLATES.get(code)
    if template is None:
        raise NoteError("Choose one of the note templates.")
    ids = dict(
        Technique.objects.filter(
            code__in=[t.technique for t in template.techniques], organization__patients=note.patient_id
        ).values_list("code", "pk")
    )
    rows = [
        {
            "technique_id": ids.get(t.technique),
            "region": t.region,
            "minutes": t.minutes,
            "pressure": t.pressure,
            "position": t.position,
        }
        for t in template.techniques
    ]
    fields = {"home_care": note.home_care or template.home_care}
    return save_note(actor=actor, note=note, techniques=rows, **fields)


def missing_for_signature(note: VisitNote, techniques: list[VisitTechnique] | None = None) -> list[str]:
    """What the note still needs before it can be signed; `techniques` are its rows when the caller has them."""
    techniques = list(note.techniques.all()) if techniques is None else techniques
    missing = []
    if not techniques and not note.symptoms:  # fever, an infection or a red flag found today: no treatment
        missing.append("a technique performed")
    elif any(not t.minutes for t in techniques):
        missing.append("the minutes of every technique")
    if note.nprs_before is None:
        missing.append("pain before treatment")
    if note.kind in (VisitNote.Kind.PROGRESS, VisitNote.Kind.DISCHARGE):
        if not note.measures.exists():
            missing.append("an outcome measure re-taken at this visit")
        judged = {p.get("goal") for p in note.goal_progress}
        if any(goal.pk not in judged for goal in queries.plan_goals(note)):
            missing.append("progress on every goal of the plan")
    return missing


@transaction.atomic
def sign_note(*, actor: User, note: VisitNote, arrived: bool = False, warnings: list[str] | None = None) -> VisitNote:
    """Sign, lock and seal. Only the treating practitioner signs; the techniques are screened
    once more against the record as it is now. A progress or discharge note also sets the plan's
    goal statuses; signing a discharge summary completes the plan.

    A note of an appointment is signed once the appointment has started (VisitNotStarted before); one never
    checked in is signed only when the signer confirms the patient came (`arrived`, else ArrivalNotConfirmed),
    and the signature then checks the appointment in, in the same transaction.

    The documentation check (fascia.visits.warnings: billing's rules that read the note) runs once nothing
    refuses the signature; what it finds never refuses it, and is added to `warnings` when given."""
    note = lifecycle.lock_draft(
        note,
        refuse=NoteLocked,
        related=("practitioner", "plan", "appointment"),
        children=[_stored_techniques(), "measures"],
        to_sign=True,
        asking=_signing_questions(),
    )
    techniques = list(note.techniques.all())
    _check_visit_held(note.appointment, arrived)
    _check_signer(actor, note, techniques, getattr(note, LICENSE_LAPSED))
    _check_cleared(_rescreen(note, techniques))
    # Once nothing refuses the signature: the note as it is signed (a draft still, so not among the visits the
    # check counts). It refuses nothing.
    found = signing_warnings.warnings_for(note, techniques)
    arrival = _check_in(actor, note, note.appointment, note.patient)
    # Written in full: the row as locked with the signature, one UPDATE as the signature alone would be, so
    # the seal hashes the note (and its techniques and measures, read under the lock) as held.
    lifecycle.sign(note, actor=actor, action=AuditAction.NOTE_SIGNED, write=lambda n: n.save(), also_audited=arrival)
    _after_signature(actor, note, techniques)
    if warnings is not None:
        warnings += found
    return note


# Where an appointment stands for its note's signature: a visit held (checked in or out), one whose arrival the
# signer must confirm (booked), and the others, which had no visit.
VISIT_HELD = (Appointment.Status.ARRIVED, Appointment.Status.FULFILLED)


def needs_arrival(appointment: Appointment | None) -> bool:
    """Whether signing the note of this appointment asks the signer to confirm the patient came."""
    return appointment is not None and appointment.status == Appointment.Status.BOOKED


def _check_visit_held(appointment: Appointment | None, arrived: bool) -> None:
    """Refuse (NoteError) the signature of a note whose appointment has not started, was not held (cancelled,
    a no-show), or was never checked in when the signer does not confirm the patient came. The documentation
    of a visit follows the visit: a note signed before it is a note of care not (yet) given."""
    if appointment is None:
        return
    if appointment.start_at > timezone.now():
        raise VisitNotStarted(appointment)
    if appointment.status in VISIT_HELD:
        return
    if appointment.status != Appointment.Status.BOOKED:
        raise NoteError(
            f"The appointment is {appointment.get_status_display().lower()}: there was no visit to sign a note for."
        )
    if not arrived:
        raise ArrivalNotConfirmed


def _check_in(actor: User, note: VisitNote, appointment: Appointment | None, patient: Patient) -> list[audit.Entry]:
    """Check in the appointment of a note signed with the patient's arrival confirmed (it was booked when the
    signature checked it); its audit entry, as the front desk's check-in is audited, with who confirmed it, for
    the signature to write with its own. The arrival time is the appointment's start: when the patient came is
    not known closer than that. One conditional UPDATE, so a check-in or no-show at the same moment is seen,
    and refuses the signature if it made it no visit. Nothing, and no query, for any other note.

    It runs after the note and the patient are locked: the front desk's moves lock the appointment, then their
    audit entry points to the patient, which a signature's lock (FOR NO KEY UPDATE, lifecycle.lock_draft) does
    not hold up, so the two never wait on each other in a circle."""
    if not needs_arrival(appointment):
        return []
    assert appointment is not None  # needs_arrival
    moved = Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED).update(
        status=Appointment.Status.ARRIVED, checked_in_at=appointment.start_at, updated_at=timezone.now()
    )
    if not moved:
        status = Appointment.objects.filter(pk=appointment.pk).values_list("status", flat=True).get()
        if status not in VISIT_HELD:
            raise NoteError(f"The appointment was just marked {Appointment.Status(status).label.lower()}.")
        return []
    appointment.status, appointment.checked_in_at = Appointment.Status.ARRIVED, appointment.start_at
    # The audit entry names the appointment by its patient and practitioner: those the signature holds (the
    # patient locked with the note; the practitioner, whose user is the signer), rather than each read again.
    if appointment.patient_id == patient.pk:
        appointment.patient = patient
    if appointment.practitioner_id == note.practitioner_id:
        appointment.practitioner = note.practitioner
        if note.practitioner.user_id == actor.pk:  # always, once _check_signer has let the signature through
            note.practitioner.user = actor
    detail = {"to": Appointment.Status.ARRIVED.value, "confirmed_at_signing": str(note.public_id)}
    return [audit.Entry(AuditAction.APPOINTMENT_MOVED, appointment, patient, detail)]


def _rescreen(note: VisitNote, techniques: list[VisitTechnique]) -> PatientFacts | None:
    """Screen the stored techniques again against the record as it is now (NoteError when one is refused);
    the facts they were screened against."""
    rows = [{f: getattr(t, f) for f in (*TECHNIQUE_FIELDS, "response", "override_reason")} for t in techniques]
    try:
        return _screened(note, rows, known=[t.technique for t in techniques])[1]
    except ValidationError as e:
        raise NoteError(" ".join(e.messages)) from None


def _check_cleared(facts: PatientFacts | None) -> None:
    """Refuse (NoteError) a signature while a red flag that needs a referral or a clearance has none recorded."""
    waiting = awaiting_clearance(facts.red_flags, facts.cleared) if facts is not None else []
    if today := [flag for flag in waiting if facts is not None and flag in facts.symptoms]:
        raise NoteError(
            "A red flag found today holds treatment: "
            + "; ".join(RED_FLAGS[flag].label for flag in today)
            + ". Refer the patient and sign the note without techniques (no treatment today); record the referral "
            "or clearance on a re-evaluation before treatment resumes."
        )
    if waiting:
        raise NoteError(
            "Cannot sign while a red flag awaits a referral or clearance: "
            + "; ".join(RED_FLAGS[flag].label for flag in waiting)
            + ". Record the referral or clearance on the evaluation first."
        )


def _check_signer(actor: User, note: VisitNote, techniques: list[VisitTechnique], lapsed: bool | None) -> None:
    """Refuse (NoteError) a signature by anyone but the treating practitioner, with a current license,
    on a note missing anything signing needs. The licenses are read to word a refusal when the note's lock
    found the license `lapsed`, or when it was not asked (None)."""
    if note.practitioner.user_id != actor.pk:
        raise NoteError("Only the practitioner who treated the patient can sign this note.")
    try:
        if lapsed is None or lapsed:
            check_license(note.practitioner, note.visited_on)
    except NotCredentialed as e:
        raise NoteError(f"{e} Notes cannot be signed until it is renewed.") from None
    missing = missing_for_signature(note, techniques)
    if missing:
        raise NoteIncomplete(missing)


def _after_signature(actor: User, note: VisitNote, techniques: list[VisitTechnique]) -> None:
    """What a signed, sealed note sets going: a progress or discharge note's goal statuses, a discharge summary
    completing the plan, the billing queue (for a visit with treatment: one without has nothing to bill)."""
    if note.plan_id is not None and note.kind != VisitNote.Kind.FOLLOW_UP:
        for progress in note.goal_progress:
            Goal.objects.filter(plan=note.plan_id, pk=progress["goal"]).update(status=progress["status"])
        plan = note.plan if note.kind == VisitNote.Kind.DISCHARGE else None
        if plan is not None and plan.status == TreatmentPlan.Status.ACTIVE:
            end_plan(actor=actor, plan=plan, status=TreatmentPlan.Status.COMPLETED, reason="Discharge summary")
    note_signed.send(sender=VisitNote, note=note, billable=bool(techniques))


@transaction.atomic
def add_addendum(*, actor: User, note: VisitNote, text: str) -> NoteAddendum:
    return lifecycle.add_addendum(
        note, model=NoteAddendum, actor=actor, text=text, action=AuditAction.NOTE_ADDENDUM_ADDED, error=NoteError
    )


@transaction.atomic
def record_note_measure(
    *, actor: User, note: VisitNote, instrument: str, responses: list[int | None], activities: list[str] | None = None
) -> MeasureResult:
    """An outcome measure re-taken at this visit (while the note is a draft: locked, so that a signature
    at the same time seals it with the measure or refuses it)."""
    lifecycle.lock_draft(note, refuse=NoteLocked)
    result = record_measure(
        actor=actor,
        patient=note.patient,
        instrument=instrument,
        responses=responses,
        administered_on=note.visited_on,
        activities=activities,
    )
    NoteMeasure.objects.create(note=note, result=result)
    return result
