"""Every write to a treatment plan: drafts, goals, screened techniques, activation, versions."""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.evaluations.catalog import MOTIONS
from fascia.evaluations.models import Diagnosis, Evaluation
from fascia.lib.uploads import checked_image
from fascia.measures import instrument as get_instrument
from fascia.measures.schedule import DEFAULT
from fascia.patients.models import Patient
from fascia.plans.models import Goal, HomeCareCheck, HomeCareItem, PlannedTechnique, Questionnaire, TreatmentPlan
from fascia.plans.queries import plan_red_flags, program_start
from fascia.practitioners.credentials import missing_privilege
from fascia.techniques.facts import PRESSURES, RED_FLAGS
from fascia.techniques.models import Technique
from fascia.techniques.queries import as_engine_technique, facts_for
from fascia.techniques.rules import RULES
from fascia.techniques.screening import REFUSING, Finding, Level, awaiting_clearance, kept, screen, worst_level


class PlanError(Exception):
    pass


class PlanLocked(PlanError):
    def __init__(self) -> None:
        super().__init__("Only a draft plan changes; revise the active plan to make a new version.")


class TechniqueRefused(PlanError):
    pass


def _record_change(actor: User, plan: TreatmentPlan, detail: dict[str, Any] | None = None) -> None:
    audit.record(actor=actor, action=AuditAction.PLAN_UPDATED, target=plan, patient=plan.patient, detail=detail)


def _draft(plan: TreatmentPlan) -> TreatmentPlan:
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if not locked.is_editable:
        raise PlanLocked
    return locked


@transaction.atomic
def create_plan(*, actor: User, evaluation: Evaluation, **fields: Any) -> TreatmentPlan:
    """Start a draft plan from a signed evaluation."""
    practitioner = getattr(actor, "practitioner", None)
    if practitioner is None:
        raise PlanError("Only a practitioner can write a treatment plan.")
    if not evaluation.is_signed:
        raise PlanError("Sign the evaluation before writing a plan from it.")
    plan = TreatmentPlan(
        patient=evaluation.patient, evaluation=evaluation, practitioner=practitioner, created_by=actor, **fields
    )
    plan.full_clean()
    plan.save()
    audit.record(actor=actor, action=AuditAction.PLAN_CREATED, target=plan, patient=plan.patient)
    return plan


@transaction.atomic
def update_plan(*, actor: User, plan: TreatmentPlan, **fields: Any) -> TreatmentPlan:
    _draft(plan)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    if plan.goals.filter(target_date__lt=plan.start_date).exists():
        raise ValidationError({"start_date": "A goal's target date would fall before the plan starts."})
    plan.save()
    _record_change(actor, plan)
    return plan


def baseline_for(
    evaluation: Evaluation, *, measure: str, instrument: str = "", rom_motion: str = "", rom_side: str = ""
) -> float | None:
    """The goal's starting value, as the evaluation measured it."""
    if measure == Goal.Measure.INSTRUMENT:
        found = evaluation.measures.filter(instrument=instrument).order_by("-id").first()
        if found is not None:
            return found.value
        return float(evaluation.nprs_now) if instrument == "NPRS" and evaluation.nprs_now is not None else None
    if measure == Goal.Measure.ROM:
        side = rom_side if MOTIONS[rom_motion].sided else ""
        return next(
            (float(r["degrees"]) for r in evaluation.rom if r["motion"] == rom_motion and r["side"] == side), None
        )
    return None


def _check_goal(goal: Goal, plan: TreatmentPlan) -> None:
    errors: dict[str, str] = {}
    if goal.target is None:
        errors["target"] = "A goal needs a measurable target."
    if goal.measure == Goal.Measure.INSTRUMENT:
        if not goal.instrument:
            errors["instrument"] = "Choose the outcome instrument."
        elif goal.target is not None:
            inst = get_instrument(goal.instrument)
            if not inst.score_min <= goal.target <= inst.score_max:
                errors["target"] = f"{inst.code} scores run {inst.score_min:g}-{inst.score_max:g}."
            elif goal.baseline is not None:
                better = goal.target > goal.baseline if inst.higher_is_better else goal.target < goal.baseline
                if not better:
                    errors["target"] = f"The target must be better than the baseline {goal.baseline:g} ({inst.code})."
    elif goal.measure == Goal.Measure.ROM:
        if not goal.rom_motion:
            errors["rom_motion"] = "Choose the motion."
        elif MOTIONS[goal.rom_motion].sided and not goal.rom_side:
            errors["rom_side"] = "Say which side."
        if goal.target is not None and not 0 <= goal.target <= 200:
            errors["target"] = "Degrees run 0-200."
    elif goal.measure == Goal.Measure.FUNCTION and not goal.unit.strip():
        errors["unit"] = "Say what the target counts (minutes, blocks, kg …)."
    if goal.target_date and goal.target_date < plan.start_date:
        errors["target_date"] = "The target date cannot be before the plan starts."
    if errors:
        raise ValidationError(errors)


def _treated(plan: TreatmentPlan, codes: Iterable[str]) -> list[Diagnosis]:
    """The diagnoses of the plan's evaluation named by `codes` (ICD-10-CM), in rank order: at least one, and
    none another evaluation's (so never another patient's or clinic's). A claim line points at what the
    plan says its technique treats (NUCC 24E, REFERENCE.md §5a)."""
    wanted = {code.strip().upper() for code in codes if code.strip()}
    if not wanted:
        raise ValidationError({"diagnoses": "Say which of the evaluation's diagnoses it addresses."})
    found = list(Diagnosis.objects.filter(evaluation_id=plan.evaluation_id, code__in=wanted).order_by("rank"))
    unknown = sorted(wanted - {d.code for d in found})
    if unknown:
        raise ValidationError(
            {"diagnoses": f"{', '.join(unknown)}: not a diagnosis of the evaluation this plan was written from."}
        )
    return found


@transaction.atomic
def add_goal(*, actor: User, plan: TreatmentPlan, diagnoses: Iterable[str], **fields: Any) -> Goal:
    """Add a goal, with the evaluation's diagnoses it addresses (ICD-10-CM codes); its baseline is taken from
    the evaluation unless given."""
    plan = _draft(plan)
    treated = _treated(plan, diagnoses)
    goal = Goal(plan=plan, **fields)
    if goal.baseline is None and goal.measure != Goal.Measure.FUNCTION:
        goal.baseline = baseline_for(
            plan.evaluation,
            measure=goal.measure,
            instrument=goal.instrument,
            rom_motion=goal.rom_motion,
            rom_side=goal.rom_side,
        )
    goal.full_clean(exclude=["plan"])
    _check_goal(goal, plan)
    goal.save()
    goal.diagnoses.set(treated)
    detail: dict[str, Any] = {"goal_added": goal.description, "diagnoses": [d.code for d in treated]}
    if goal.instrument and not plan.questionnaires.filter(instrument=goal.instrument).exists():
        Questionnaire.objects.bulk_create(
            Questionnaire(plan=plan, instrument=goal.instrument, rule=rule.value, every=every)
            for rule, every in DEFAULT
        )
        detail["questionnaires_added"] = goal.instrument
    _record_change(actor, plan, detail)
    return goal


@transaction.atomic
def remove_goal(*, actor: User, goal: Goal) -> None:
    plan = _draft(goal.plan)
    goal.delete()
    _record_change(actor, plan, {"goal_removed": goal.description})


def _schedulable(plan: TreatmentPlan) -> TreatmentPlan:
    """The plan, locked, while its questionnaires may change: a draft, and an active plan too (when the patient
    answers is no part of the plan of care a referring provider certifies, so it needs no new version)."""
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status not in (TreatmentPlan.Status.DRAFT, TreatmentPlan.Status.ACTIVE):
        raise PlanError("This plan has ended; its questionnaires no longer change.")
    return locked


@transaction.atomic
def add_questionnaire(
    *, actor: User, plan: TreatmentPlan, instrument: str, rule: str, every: int | None = None
) -> Questionnaire:
    """Ask the patient for an instrument on a timing (before every Nth visit, every N days, at a progress report
    or re-evaluation, at discharge)."""
    plan = _schedulable(plan)
    questionnaire = Questionnaire(plan=plan, instrument=instrument, rule=rule, every=every)
    questionnaire.full_clean(exclude=["plan"], validate_unique=False)
    if plan.questionnaires.filter(instrument=instrument, rule=rule).exists():
        raise ValidationError({"rule": f"{instrument} already has this timing; remove it to change it."})
    questionnaire.save()
    _record_change(actor, plan, {"questionnaire_added": str(questionnaire)})
    return questionnaire


@transaction.atomic
def remove_questionnaire(*, actor: User, questionnaire: Questionnaire) -> None:
    plan = _schedulable(questionnaire.plan)
    questionnaire.delete()
    _record_change(actor, plan, {"questionnaire_removed": str(questionnaire)})


@transaction.atomic
def add_home_care_item(
    *, actor: User, plan: TreatmentPlan, image: "File[bytes] | None" = None, **fields: Any
) -> HomeCareItem:
    """Add an item to a draft's home care program (name, instructions, times a day, days a week), with a picture
    when given: a PNG or JPEG by its bytes, of limited size. The program is part of the plan of care, so an
    active plan's changes by a new version, like its goals."""
    plan = _draft(plan)
    kind = checked_image(image, "image") if image is not None else ""
    item = HomeCareItem(plan=plan, **fields)
    item.full_clean(exclude=["plan", "image"])
    if plan.home_care_items.filter(name__iexact=item.name.strip()).exists():
        raise ValidationError({"name": "The program already has an item of this name."})
    if image is not None:
        item.image, item.image_type = image, kind
    item.save()
    _record_change(actor, plan, {"home_care_added": item.name, "frequency": item.frequency, "image": bool(kind)})
    return item


@transaction.atomic
def remove_home_care_item(*, actor: User, item: HomeCareItem) -> None:
    plan = _draft(item.plan)
    item.delete()  # a draft's items have no check-offs: the patient ticks the active plan's
    _record_change(actor, plan, {"home_care_removed": item.name})


HOME_CARE_DAYS_BACK = 6  # a tick may be set or taken back for today and the six days before (the week shown)


def _check_day(item: HomeCareItem, day: date, today: date) -> None:
    plan = item.plan
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise PlanError("Only the active plan's home care is ticked off.")
    if day > today:
        raise ValidationError({"day": "A day still to come cannot be ticked off."})
    if day < today - timedelta(days=HOME_CARE_DAYS_BACK):
        raise ValidationError({"day": "Only the last seven days can be ticked off."})
    started = program_start(plan)
    if day < started:
        raise ValidationError({"day": f"The program starts on {started:%Y-%m-%d}."})


@transaction.atomic
def set_home_care_done(*, actor: User, patient: Patient, item: HomeCareItem, day: date, done: bool) -> bool:
    """Say whether the patient did `item` on `day`: done records it (once a day per item), not done takes it
    back. Setting what is already so changes nothing (a second tap of the same button, a page sent twice);
    True when it changed something. Only the patient's own active plan, for today and the six days before."""
    item = HomeCareItem.objects.select_related("plan").get(pk=item.pk)
    if item.plan.patient_id != patient.pk:
        raise PlanError("This item is not on the patient's plan.")
    # The plan row is locked so that ticks and the plan's ending or revision happen one after the other.
    TreatmentPlan.objects.select_for_update().filter(pk=item.plan_id).first()
    _check_day(item, day, timezone.localdate())
    existing = HomeCareCheck.objects.filter(item=item, day=day).first()
    if done == (existing is not None):
        return False
    if existing is None:
        HomeCareCheck.objects.create(item=item, patient=patient, day=day, recorded_by=actor)
    else:
        existing.delete()
    audit.record(
        actor=actor,
        action=AuditAction.HOME_CARE_DONE if done else AuditAction.HOME_CARE_UNDONE,
        target=item,
        patient=patient,
        detail={"day": f"{day}"},
    )
    return True


def screen_for_plan(plan: TreatmentPlan, technique: Technique, region: str, pressure: str = "") -> list[Finding]:
    """The findings for a technique on a region of the plan, at the pressure planned (firm or deep pressure is
    deep work): the patient's history, and the red flags of the plan's evaluation and of every newer signed
    one (with those a referral or clearance is recorded for)."""
    facts = facts_for(plan.patient, also=plan_red_flags(plan))
    return screen(facts, as_engine_technique(technique), region, RULES, pressure=pressure or None)


@transaction.atomic
def add_technique(
    *,
    actor: User,
    plan: TreatmentPlan,
    technique: Technique,
    region: str,
    diagnoses: Iterable[str],
    override_reason: str = "",
    pressure: str = "",
) -> PlannedTechnique:
    """Add a technique on a region, with the evaluation's diagnoses it treats (ICD-10-CM codes), after screening
    it: absolute or local findings refuse it, cautions need a written reason, which is kept with the findings."""
    plan = _draft(plan)
    treated = _treated(plan, diagnoses)
    problem = missing_privilege(plan.practitioner, technique.required_specialty, technique.name, timezone.localdate())
    if problem:
        raise TechniqueRefused(problem)
    if pressure and pressure not in PRESSURES:
        raise ValidationError({"pressure": "Choose light, moderate, firm or deep pressure."})
    findings = screen_for_plan(plan, technique, region, pressure)
    level = worst_level(findings)
    if level in REFUSING:
        blocking = next(f for f in findings if f.level == level)
        raise TechniqueRefused(f"{technique.name} on this region is contraindicated ({level.value}): {blocking.reason}")
    if level == Level.CAUTION and not override_reason.strip():
        raise TechniqueRefused(
            f"{technique.name} needs a written reason to go ahead despite: " + " ".join(f.reason for f in findings)
        )
    planned = PlannedTechnique(
        plan=plan,
        technique=technique,
        region=region,
        pressure=pressure,
        **kept(findings, override_reason),
    )
    planned.full_clean(exclude=["plan"])
    if plan.techniques.filter(technique=technique, region=region).exists():
        raise ValidationError({"technique": "This technique is already planned on this region."})
    planned.save()
    planned.diagnoses.set(treated)
    _record_change(
        actor,
        plan,
        {
            "technique_added": technique.code,
            "region": region,
            "diagnoses": [d.code for d in treated],
            "pressure": pressure,
            "level": planned.screening_level,
            "override_reason": planned.override_reason,
        },
    )
    return planned


@transaction.atomic
def change_treated(*, actor: User, item: Goal | PlannedTechnique, diagnoses: Iterable[str]) -> None:
    """Say again which of the evaluation's diagnoses a goal or planned technique of a draft addresses."""
    plan = _draft(item.plan)
    treated = _treated(plan, diagnoses)
    item.diagnoses.set(treated)
    _record_change(actor, plan, {"treats_changed": str(item), "diagnoses": [d.code for d in treated]})


@transaction.atomic
def remove_technique(*, actor: User, planned: PlannedTechnique) -> None:
    plan = _draft(planned.plan)
    planned.delete()
    _record_change(actor, plan, {"technique_removed": planned.technique.code, "region": planned.region})


@transaction.atomic
def activate_plan(*, actor: User, plan: TreatmentPlan) -> TreatmentPlan:
    """Make a draft the patient's active plan; the version it revises becomes superseded."""
    plan = _draft(plan)
    missing = []
    if not plan.goals.exists():
        missing.append("a measurable goal")
    if not plan.techniques.exists():
        missing.append("a technique")
    if missing:
        raise PlanError("Cannot activate yet. Missing: " + "; ".join(missing) + ".")
    facts = facts_for(plan.patient, also=plan_red_flags(plan))
    waiting = awaiting_clearance(facts.red_flags, facts.cleared)
    if waiting:
        raise PlanError(
            "Cannot activate while a red flag awaits a referral or clearance: "
            + "; ".join(RED_FLAGS[flag].label for flag in waiting)
            + ". Record the referral or clearance on the evaluation first."
        )
    if plan.previous is not None:
        TreatmentPlan.objects.filter(pk=plan.previous.pk).update(
            status=TreatmentPlan.Status.SUPERSEDED, ended_at=timezone.now()
        )
    plan.status, plan.activated_at = TreatmentPlan.Status.ACTIVE, timezone.now()
    plan.save(update_fields=["status", "activated_at", "updated_at"])
    audit.record(actor=actor, action=AuditAction.PLAN_ACTIVATED, target=plan, patient=plan.patient)
    return plan


def _copy(obj: Any, model: type[Model], *, skip: tuple[str, ...]) -> dict[str, Any]:
    """The field values of a row, without its identity and the fields named in `skip`."""
    identity = ("id", "public_id", "created_at", "updated_at")
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if f.name not in identity + skip}


def _copy_items(model: type[Model], items: Iterable[Any], revision: TreatmentPlan) -> None:
    """Copy goals or planned techniques onto a new version of their plan, with the diagnoses each addresses."""
    items = list(items)
    copies = model._default_manager.bulk_create(model(**_copy(i, model, skip=("plan",)), plan=revision) for i in items)
    through: Any = getattr(model, "diagnoses").through  # noqa: B009  (a Goal's or a PlannedTechnique's links)
    item_id = f"{model._meta.model_name}_id"
    through.objects.bulk_create(
        through(**{item_id: copy.pk, "diagnosis_id": d.pk})
        for item, copy in zip(items, copies, strict=True)
        for d in item.diagnoses.all()
    )


@transaction.atomic
def revise_plan(*, actor: User, plan: TreatmentPlan) -> TreatmentPlan:
    """A new draft version of an active plan, with its goals, techniques, questionnaires and home care program;
    the active one stays in force until the new version is activated."""
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise PlanError("Only the active plan is revised.")
    if hasattr(plan, "next_version"):
        raise PlanError("This plan already has a newer draft version.")
    revision = TreatmentPlan.objects.create(
        **_copy(
            plan,
            TreatmentPlan,
            skip=("status", "version", "previous", "activated_at", "ended_at", "end_reason", "created_by"),
        ),
        version=plan.version + 1,
        previous=plan,
        created_by=actor,
    )
    for model, items in ((Goal, plan.goals.all()), (PlannedTechnique, plan.techniques.all())):
        _copy_items(model, items.prefetch_related("diagnoses"), revision)
    Questionnaire.objects.bulk_create(
        Questionnaire(**_copy(q, Questionnaire, skip=("plan",)), plan=revision) for q in plan.questionnaires.all()
    )
    # The home care program goes along (its pictures shared: stored files are never rewritten); the patient's
    # ticks stay with the version they were made on.
    HomeCareItem.objects.bulk_create(
        HomeCareItem(**_copy(i, HomeCareItem, skip=("plan",)), plan=revision) for i in plan.home_care_items.all()
    )
    audit.record(
        actor=actor,
        action=AuditAction.PLAN_CREATED,
        target=revision,
        patient=plan.patient,
        detail={"revises_version": plan.version},
    )
    return revision


@transaction.atomic
def end_plan(*, actor: User, plan: TreatmentPlan, status: str, reason: str = "") -> TreatmentPlan:
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise PlanError("Only an active plan is completed or discontinued.")
    if status not in (TreatmentPlan.Status.COMPLETED, TreatmentPlan.Status.DISCONTINUED):
        raise PlanError("A plan ends as completed or discontinued.")
    if status == TreatmentPlan.Status.DISCONTINUED and not reason.strip():
        raise PlanError("Say why the plan is discontinued.")
    plan.status, plan.ended_at, plan.end_reason = status, timezone.now(), reason.strip()
    plan.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.PLAN_ENDED,
        target=plan,
        patient=plan.patient,
        detail={"status": status, "reason": plan.end_reason},
    )
    return plan
