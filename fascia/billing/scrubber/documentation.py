"""The documentation check at signing (issue 24 point 9): the scrubber's rules that depend on the visit note,
run on the note before a claim exists, as warnings. A claim's problem found here is fixed while the visit is
fresh; found by the scrubber weeks later, it is a call to the practitioner or a denial.

Each rule takes a `NoteReview` (the note, its techniques and what billing knows of the visit, read once) and
returns sentences. They never refuse a signature. `documentation_warnings` is the scrubber's public entry for
them, which billing registers with `fascia.visits.warnings` in `BillingConfig.ready()`.

Only a visit billed to a payer is checked: a patient with no coverage on the day has no claim to trouble.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from fascia.billing import coding
from fascia.billing.certification import CERTIFY_WITHIN, certification_problems
from fascia.billing.claims.charges import planned_for
from fascia.billing.models import Authorization, Coverage, Payer, UnbilledVisit
from fascia.billing.queries import with_visits_used
from fascia.billing.units import TIMED_CODES, UNTIMED_CODES, bill_units
from fascia.evaluations.models import Diagnosis
from fascia.patients import icd10
from fascia.plans.models import TreatmentPlan
from fascia.visits.models import VisitNote, VisitTechnique
from fascia.visits.queries import PlanStatus, signed_visits, status_from


@dataclass(frozen=True)
class NoteReview:
    """What every rule looks at, read once for all of them: the note and its techniques, the primary coverage on
    its day (with the payer), the plan it was written under (with its referral and evaluation), the evaluation's
    diagnoses, where the plan stands, the day's other signed techniques and the authorization covering the day
    (with the visits counted under it), when the payer requires one."""

    note: VisitNote
    techniques: list[VisitTechnique]
    coverage: Coverage
    plan: TreatmentPlan | None
    diagnoses: list[str]
    planned: list[coding.Planned]  # the plan's techniques with what each treats
    status: PlanStatus | None
    same_day: list[tuple[str, int]]  # (CPT code, minutes) of the patient's other signed notes that day
    authorization: Authorization | None
    authorized_visits_used: int  # visits under the authorization, billed or signed and waiting, this one aside

    @property
    def payer(self) -> Payer:
        return self.coverage.payer

    @property
    def day(self) -> date:
        return self.note.visited_on


NoteCheck = Callable[[NoteReview], list[str]]


@dataclass(frozen=True)
class NoteRule:
    check: NoteCheck
    source: str


NOTE_RULES: list[NoteRule] = []


def note_rule(*, source: str) -> Callable[[NoteCheck], NoteCheck]:
    """Register a documentation rule; `source` says where it comes from, as the claim rules do."""

    def register(check: NoteCheck) -> NoteCheck:
        NOTE_RULES.append(NoteRule(check=check, source=source))
        return check

    return register


def documentation_warnings(note: VisitNote, techniques: list[VisitTechnique]) -> list[str]:
    """The warnings the claim of this visit would draw, each a sentence; empty when it would be clean or nothing
    is billed. At most eight queries (what the plan's techniques treat is one), however many techniques,
    diagnoses or earlier visits there are."""
    review = _review(note, techniques)
    if review is None:
        return []
    return [warning for rule in NOTE_RULES for warning in rule.check(review)]


# Whether the patient has a primary coverage on the note's day, asked with the signing lock (registered in
# BillingConfig.ready()): a visit of a patient without one bills no payer, and is checked without a query.
COVERED = "billing_covered"


def _primary_coverages(patient: Any, day: Any) -> QuerySet[Coverage]:
    """The patient's primary coverages in force on the day (a patient id and a date, or OuterRefs to them)."""
    return Coverage.objects.filter(patient_id=patient, rank=1, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )


def coverage_question() -> dict[str, Exists]:
    return {COVERED: Exists(_primary_coverages(OuterRef("patient_id"), OuterRef("visited_on")))}


def _review(note: VisitNote, techniques: list[VisitTechnique]) -> NoteReview | None:
    day = note.visited_on
    if getattr(note, COVERED, None) is False:  # asked with the signing lock: no coverage that day
        return None
    coverage = _primary_coverages(note.patient_id, day).select_related("payer").first()
    if coverage is None:
        return None
    plan, diagnoses, status, planned = None, [], None, []
    if note.plan_id is not None:
        plan = TreatmentPlan.objects.select_related("referral__provider", "evaluation").get(pk=note.plan_id)
        diagnoses = list(
            Diagnosis.objects.filter(evaluation_id=plan.evaluation_id).order_by("rank").values_list("code", flat=True)
        )
        planned = planned_for(plan)
        signed = signed_visits([note.patient_id], since=plan.start_date)[note.patient_id]
        status = status_from(plan, signed, day)
    same_day = list(
        VisitTechnique.objects.filter(
            note__patient_id=note.patient_id, note__visited_on=day, note__status=VisitNote.Status.SIGNED
        )
        .exclude(note_id=note.pk)
        .values_list("technique__cpt_code", "minutes")
    )
    authorization, used = None, 0
    if coverage.payer.requires_authorization:
        authorization, used = _authorization(coverage, note)
    return NoteReview(
        note=note,
        techniques=techniques,
        coverage=coverage,
        plan=plan,
        diagnoses=diagnoses,
        planned=planned,
        status=status,
        same_day=[(code, minutes or 0) for code, minutes in same_day],
        authorization=authorization,
        authorized_visits_used=used,
    )


def _authorization(coverage: Coverage, note: VisitNote) -> tuple[Authorization | None, int]:
    """The authorization covering the note's day, and the visits counted under it: those billed (as the claim
    rule counts them) and the patient's signed visits in its dates waiting to be billed, this note aside. One
    query."""
    waiting = (
        UnbilledVisit.objects.filter(
            patient_id=note.patient_id, visited_on__gte=OuterRef("starts_on"), visited_on__lte=OuterRef("ends_on")
        )
        .exclude(note_id=note.pk)
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    found = (
        with_visits_used(coverage.authorizations.filter(starts_on__lte=note.visited_on, ends_on__gte=note.visited_on))
        .annotate(waiting=Coalesce(Subquery(waiting), 0))
        .order_by("-starts_on")
        .first()
    )
    if found is None:
        return None, 0
    return found, found.used + found.waiting


# --- The rules, in the order the warnings are listed ----------------------------------------------------


@note_rule(source="REFERENCE.md §1 (CMS Pub. 100-04 ch. 5 §20.2, 8-minute rule; CPT per-code method); §5a timed codes")
def units_supported_by_minutes(review: NoteReview) -> list[str]:
    # The day's minutes per code, this note's with the patient's other signed notes that day: a code bills the
    # minutes documented for it on the date of service, pooled (REFERENCE.md §5a).
    minutes: dict[str, int] = defaultdict(int)
    for code, performed in [(t.technique.cpt_code, t.minutes or 0) for t in review.techniques] + review.same_day:
        if code in TIMED_CODES or code in UNTIMED_CODES:
            minutes[code] += performed
    method = review.payer.units_method
    units = bill_units(dict(minutes), method=method)
    mine = {t.technique.cpt_code for t in review.techniques} & TIMED_CODES
    label = Payer.UnitsMethod(method).label
    warnings = []
    for code in sorted(c for c in mine if not units.get(c)):
        if minutes[code] < 8:
            reason = "a unit needs 8 minutes"
        else:
            total = sum(m for c, m in minutes.items() if c in TIMED_CODES)
            reason = f"the day's {total} timed minutes make {sum(units.values())} unit(s), for the codes with more"
        warnings.append(
            f"{code}: {minutes[code]} minute(s) documented on {review.day:%Y-%m-%d} bill no unit to "
            f"{review.payer} ({label}: {reason})."
        )
    return warnings


@note_rule(source="The payer's referral requirement (Payer.requires_referral); 837P 2310A; NUCC 1500 box 17")
def referral_visits_left(review: NoteReview) -> list[str]:
    payer, plan = review.payer, review.plan
    if not payer.requires_referral:
        return []
    if plan is None:
        return [f"{payer} requires a referral; this visit is on no plan of care to hold one."]
    referral = plan.referral
    if referral is None:
        return [f"{payer} requires a referral; the plan of care has none."]
    warnings = []
    if referral.expires_on < review.day:
        warnings.append(f"The referral from {referral.provider} expired on {referral.expires_on:%Y-%m-%d}.")
    assert review.status is not None  # read with the plan
    visit = review.status.visits_used + 1
    if visit > referral.visits_authorized:
        warnings.append(
            f"This is visit {visit} of a referral for {referral.visits_authorized}: ask {referral.provider} to "
            "renew it."
        )
    return warnings


@note_rule(source="The payer's prior-authorization requirement (visit count, dates); CARC 197, CARC 119, RARC N362")
def authorization_visits_left(review: NoteReview) -> list[str]:
    payer, authorization = review.payer, review.authorization
    if not payer.requires_authorization:
        return []
    if authorization is None:
        return [f"{payer} requires a prior authorization; none covers {review.day:%Y-%m-%d}."]
    visit = review.authorized_visits_used + 1
    if visit <= authorization.visits_allowed:
        return []
    return [
        f"Authorization {authorization.number} allows {authorization.visits_allowed} visits; this is visit {visit}."
    ]


@note_rule(source="Medicare Benefit Policy Manual (Pub. 100-02) ch. 15 §220.1.3; the payer's requirement")
def certification_current(review: NoteReview) -> list[str]:
    payer, plan = review.payer, review.plan
    if not payer.requires_certification or plan is None:
        return []
    started = plan.evaluation.evaluated_on
    if plan.certified_on is None:
        due = started + CERTIFY_WITHIN
        return [
            f"{payer} requires the plan of care certified by the referring provider; it is not (due by {due:%Y-%m-%d})."
        ]
    return certification_problems(care_started=started, certified_on=plan.certified_on, service_day=review.day)


@note_rule(source="Medicare Benefit Policy Manual (Pub. 100-02) ch. 15 §220.3 D (progress report every 10 visits)")
def progress_report_due(review: NoteReview) -> list[str]:
    status = review.status
    if status is None or status.progress_due is None or review.note.kind != VisitNote.Kind.FOLLOW_UP:
        return []
    return [
        f"A progress report is due ({status.progress_due.reason}): write this visit as a progress note, or the "
        "visits after the missing report may be denied."
    ]


@note_rule(source="REFERENCE.md §5a (Diagnoses: NUCC 24E pointers); 837P SV107; ICD-10-CM guidelines I.C.20")
def diagnosis_pointers(review: NoteReview) -> list[str]:
    if review.plan is None:
        return ["This visit is on no plan of care: its claim lines would have no diagnosis to point to."]
    if not review.diagnoses:
        return ["The plan's evaluation has no diagnosis: the claim lines would point to none."]
    pointable = [c for c in review.diagnoses if icd10.is_billable(c) and not coding.is_external_cause(c)]
    if not pointable:
        return [
            f"None of the evaluation's diagnoses ({', '.join(review.diagnoses)}) is a billable code a claim line can "
            "point to."
        ]
    off_plan = {
        (t.technique.name, t.technique.cpt_code): None
        for t in review.techniques
        if t.technique.cpt_code and not coding.treated_by(review.planned, t.technique.cpt_code, ())
    }
    started = review.plan.evaluation.evaluated_on
    return [
        f"{name} ({code}) is not on the plan's list of what it treats: its claim line would point at "
        "the primary diagnosis by default. Add it to the plan (a new version) with the diagnoses it treats."
        for name, code in off_plan
    ] + [
        f"{code} reports an initial encounter (7th character A) {(review.day - started).days} days into the care: "
        f"rehabilitation is subsequent care, {coding.as_subsequent(code)}."
        for code in review.diagnoses
        if coding.initial_encounter_too_late(code, care_started=started, service_day=review.day)
    ]
