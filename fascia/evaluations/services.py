"""Every write to an evaluation: drafts, signing, addenda. Each is one transaction and audited."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.evaluations.models import Addendum, Diagnosis, Evaluation, EvaluationMeasure, RedFlagClearance
from fascia.measures.models import MeasureResult
from fascia.measures.services import record_measure
from fascia.patients import icd10
from fascia.patients.models import Patient
from fascia.records import lifecycle


class EvaluationError(Exception):
    pass


class EvaluationLocked(EvaluationError):
    def __init__(self) -> None:
        super().__init__("This evaluation is signed and locked; add an addendum instead.")


class EvaluationIncomplete(EvaluationError):
    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("Cannot sign yet. Missing: " + "; ".join(missing) + ".")


@transaction.atomic
def start_evaluation(
    *, actor: User, patient: Patient, kind: str = Evaluation.Kind.INITIAL, evaluated_on: date | None = None
) -> Evaluation:
    practitioner = getattr(actor, "practitioner", None)
    if practitioner is None:
        raise EvaluationError("Only a practitioner can start an evaluation.")
    evaluation = Evaluation(
        patient=patient,
        practitioner=practitioner,
        kind=kind,
        created_by=actor,
        evaluated_on=evaluated_on or timezone.localdate(),
    )
    _validate(evaluation)
    evaluation.save()
    audit.record(actor=actor, action=AuditAction.EVALUATION_STARTED, target=evaluation, patient=patient)
    return evaluation


def _validate(evaluation: Evaluation, links_given: Iterable[str] = ()) -> None:
    """full_clean, but for the evaluation's links (patient, practitioner, created_by …) other than those in
    links_given: they are rows the caller has read (the patient, the actor and its practitioner) and never
    changed after; checking that each exists cost a query apiece, and the database's foreign keys hold them.
    Nor is public_id looked up for uniqueness: it is a new random UUID4 that no form sets, and the database's
    unique index stands behind it."""
    evaluation.full_clean(
        exclude=[f.name for f in evaluation._meta.concrete_fields if f.is_relation and f.name not in links_given],
        validate_unique=False,
    )


def clean_diagnoses(codes: list[str]) -> list[tuple[str, str]]:
    """Normalize and check ICD-10-CM codes in order (primary first): billable leaves only."""
    clean: list[tuple[str, str]] = []
    for typed in codes:
        if not typed or not typed.strip():
            continue
        code = icd10.normalize_code(typed)
        if not icd10.is_known_code(code):
            raise ValidationError({"diagnoses": f"{code} is not an ICD-10-CM code."})
        if not icd10.is_billable(code):
            examples = ", ".join(icd10.billable_children(code)[:3])
            raise ValidationError(
                {"diagnoses": f"{code} is a category, not a billable code; use a more specific one such as {examples}."}
            )
        if code in (c for c, _ in clean):
            raise ValidationError({"diagnoses": f"{code} is listed twice."})
        clean.append((code, icd10.describe(code)))
    if len(clean) > 12:
        raise ValidationError({"diagnoses": "At most 12 diagnoses (the claim form holds 12)."})
    return clean


@transaction.atomic
def save_evaluation(
    *, actor: User, evaluation: Evaluation, diagnoses: list[str] | None = None, **fields: Any
) -> Evaluation:
    """Save a draft's fields and, when given, its diagnoses in order. Signed evaluations are refused."""
    stored = lifecycle.lock_draft(
        evaluation, refuse=EvaluationLocked, children=("diagnoses",) if diagnoses is not None else ()
    )
    for name, value in fields.items():
        setattr(evaluation, name, value)
    _validate(evaluation, links_given=fields)
    clean = clean_diagnoses(diagnoses) if diagnoses is not None else None
    evaluation.save()
    if clean is not None:
        # Diagnoses the same as stored are left in place; changed ones replace them all (ranks and codes are
        # unique, so no row can be kept among new ones).
        wanted = [(rank, code, description) for rank, (code, description) in enumerate(clean, start=1)]
        kept = sorted((d.rank, d.code, d.description) for d in stored.diagnoses.all())
        if wanted != kept:
            if kept:
                evaluation.diagnoses.all().delete()
            Diagnosis.objects.bulk_create(
                Diagnosis(evaluation=evaluation, rank=rank, code=code, description=description)
                for rank, code, description in wanted
            )
    audit.record(actor=actor, action=AuditAction.EVALUATION_SAVED, target=evaluation, patient=evaluation.patient)
    return evaluation


@transaction.atomic
def discard_evaluation(*, actor: User, evaluation: Evaluation) -> None:
    """Discard a draft its author no longer wants (a second "Start evaluation", a false start).

    Only the practitioner who started it may, and never once it is signed: a signed evaluation is part of the
    record and only grows (addenda). A draft with a referral or clearance recorded against one of its red
    flags is kept: that decision is part of the patient's record. Outcome measures taken on the draft stay in
    the patient's measures; only their link to the draft goes. The audit entry keeps what the draft was."""
    stored = lifecycle.lock_draft(evaluation, refuse=EvaluationLocked, related=("practitioner",))
    if stored.practitioner.user_id != actor.pk:
        raise EvaluationError("Only the practitioner who started this draft can discard it.")
    if stored.clearances.exists():
        raise EvaluationError("A referral or clearance is recorded on this draft, so it is kept: sign it instead.")
    measures = list(EvaluationMeasure.objects.filter(evaluation=stored).values_list("result_id", flat=True))
    EvaluationMeasure.objects.filter(evaluation=stored).delete()
    audit.record(
        actor=actor,
        action=AuditAction.EVALUATION_DISCARDED,
        target=stored,
        patient=stored.patient,
        detail={
            "kind": stored.kind,
            "evaluated_on": stored.evaluated_on.isoformat(),
            "chief_complaint": stored.chief_complaint,
            "measures_kept": len(measures),
        },
    )
    stored.delete()  # its diagnoses with it (CASCADE)


def missing_for_signature(evaluation: Evaluation) -> list[str]:
    missing = []
    if not evaluation.chief_complaint.strip():
        missing.append("a chief complaint")
    if not evaluation.diagnoses.exists():
        missing.append("a diagnosis")
    if evaluation.nprs_now is None:
        missing.append("a pain rating (pain now)")
    return missing


@transaction.atomic
def sign_evaluation(*, actor: User, evaluation: Evaluation) -> Evaluation:
    """Sign and lock. Only the evaluating practitioner signs; what is missing is listed."""
    evaluation = lifecycle.lock_draft(
        evaluation,
        refuse=EvaluationLocked,
        related=("practitioner",),
        children=("diagnoses", "measures"),
        to_sign=True,
    )
    # Written in full: the row as locked with the signature, one UPDATE as the signature alone would be, so
    # the seal hashes the evaluation (and its diagnoses and measures, read under the lock) as held.
    return lifecycle.sign(
        evaluation,
        actor=actor,
        action=AuditAction.EVALUATION_SIGNED,
        checks=[lambda e: _check_signer(actor, e)],
        write=lambda e: e.save(),
    )


def _check_signer(actor: User, evaluation: Evaluation) -> None:
    if evaluation.practitioner.user_id != actor.pk:
        raise EvaluationError("Only the practitioner who evaluated the patient can sign.")
    missing = missing_for_signature(evaluation)
    if missing:
        raise EvaluationIncomplete(missing)


@transaction.atomic
def add_addendum(*, actor: User, evaluation: Evaluation, text: str) -> Addendum:
    return lifecycle.add_addendum(
        evaluation, model=Addendum, actor=actor, text=text, action=AuditAction.ADDENDUM_ADDED, error=EvaluationError
    )


@transaction.atomic
def record_evaluation_measure(
    *,
    actor: User,
    evaluation: Evaluation,
    instrument: str,
    responses: list[int | None],
    activities: list[str] | None = None,
) -> MeasureResult:
    """An outcome measure taken at this evaluation (while it is a draft: locked, so that a signature at the
    same time seals it with the measure or refuses it)."""
    lifecycle.lock_draft(evaluation, refuse=EvaluationLocked)
    result = record_measure(
        actor=actor,
        patient=evaluation.patient,
        instrument=instrument,
        responses=responses,
        administered_on=evaluation.evaluated_on,
        activities=activities,
    )
    EvaluationMeasure.objects.create(evaluation=evaluation, result=result)
    return result


@transaction.atomic
def record_clearance(
    *, actor: User, evaluation: Evaluation, flag: str, kind: str, provider: str, decided_on: date
) -> RedFlagClearance:
    """Record what was done about a red flag the evaluation raised: a referral (to whom, when) or a clearance
    for treatment (by whom, when). A practitioner records it; a flag the evaluation did not raise, a blank
    provider or a date to come are field errors, and nothing is saved."""
    if getattr(actor, "practitioner", None) is None:
        raise EvaluationError("Only a practitioner can record a referral or a clearance.")
    clearance = RedFlagClearance(
        evaluation=evaluation,
        flag=flag,
        kind=kind,
        provider=(provider or "").strip(),
        decided_on=decided_on,
        created_by=actor,
    )
    clearance.full_clean(exclude=["evaluation", "created_by"])
    if flag not in evaluation.red_flags:
        raise ValidationError({"flag": "This evaluation did not raise that red flag."})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": "The date cannot be in the future."})
    clearance.save()
    audit.record(
        actor=actor,
        action=AuditAction.RED_FLAG_ACTION_RECORDED,
        target=evaluation,
        patient=evaluation.patient,
        detail={"flag": flag, "kind": kind, "provider": clearance.provider, "date": decided_on.isoformat()},
    )
    return clearance
