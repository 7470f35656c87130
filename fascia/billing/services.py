"""Claims: built from signed visit notes, checked by the scrubber, moved through their lifecycle.
Every write is one transaction; every change of status is a ClaimEvent and an audit entry."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.billing.charges import fees_for, lines_for
from fascia.billing.models import Authorization, Claim, ClaimEvent, ClaimLine, Coverage
from fascia.billing.scrubber import scrub
from fascia.core.models import User
from fascia.patients.models import Patient
from fascia.visits.models import VisitNote

S = Claim.Status
# Where a claim may go from each status.
TRANSITIONS = {
    S.DRAFT: {S.READY, S.CLOSED},
    S.READY: {S.DRAFT, S.SUBMITTED},
    S.SUBMITTED: {S.ACCEPTED, S.REJECTED, S.PAID, S.PARTIALLY_PAID, S.DENIED},
    S.ACCEPTED: {S.PAID, S.PARTIALLY_PAID, S.DENIED, S.REJECTED},
    S.REJECTED: {S.DRAFT, S.CLOSED},
    S.PARTIALLY_PAID: {S.PAID, S.APPEALED, S.CLOSED},
    S.PAID: {S.CLOSED},
    S.DENIED: {S.APPEALED, S.DRAFT, S.CLOSED},
    S.APPEALED: {S.PAID, S.PARTIALLY_PAID, S.DENIED, S.CLOSED},
    S.CLOSED: set(),
}
MAX_LINES = 50  # per claim in an 837P (REFERENCE.md §5)


class BillingError(Exception):
    pass


class ScrubFailed(BillingError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The claim is not ready: " + " ".join(problems))


def move(claim: Claim, to: str, *, actor: User | None, note: str = "") -> Claim:
    """Change a claim's status if the lifecycle allows it, and record the change. Call inside a transaction."""
    if to not in TRANSITIONS[claim.status]:
        raise BillingError(f"A {claim.get_status_display().lower()} claim cannot become {S(to).label.lower()}.")
    ClaimEvent.objects.create(claim=claim, from_status=claim.status, to_status=to, actor=actor, note=note[:300])
    claim.status = to
    claim.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.CLAIM_STATUS_CHANGED, target=claim, patient=claim.patient, detail={"to": to}
    )
    return claim


def unbilled_notes(patient: Patient, coverage: Coverage) -> list[VisitNote]:
    """Signed notes in the coverage's dates not yet on a claim to its payer (drafts closed unsent aside)."""
    billed = ClaimLine.objects.filter(claim__payer_id=coverage.payer_id).exclude(
        claim__status=S.CLOSED, claim__submitted_at__isnull=True
    )
    notes = patient.visit_notes.filter(status=VisitNote.Status.SIGNED, visited_on__gte=coverage.starts_on)
    if coverage.ends_on:
        notes = notes.filter(visited_on__lte=coverage.ends_on)
    return list(
        notes.exclude(pk__in=billed.values("note_id"))
        .select_related("practitioner", "plan__evaluation", "appointment__location")
        .prefetch_related("techniques__technique")
        .order_by("visited_on", "id")
    )


def authorization_for(coverage: Coverage, day: date) -> Authorization | None:
    return coverage.authorizations.filter(starts_on__lte=day, ends_on__gte=day).order_by("-starts_on").first()


@transaction.atomic
def create_claim(*, actor: User, coverage: Coverage, notes: list[VisitNote]) -> Claim:
    """A draft claim to the coverage's payer with a line per billable code of each note."""
    if not notes:
        raise BillingError("There is nothing to bill: no signed visit notes.")
    patient, payer = coverage.patient, coverage.payer
    plan = notes[-1].plan
    diagnoses = [d.code for d in plan.evaluation.diagnoses.all()] if plan else []
    claim = Claim.objects.create(
        organization_id=patient.organization_id,
        number=f"T{timezone.now():%y%m%d%H%M%S%f}"[:20],  # replaced by the row's own number below
        patient=patient,
        coverage=coverage,
        payer=payer,
        plan=plan,
        authorization=authorization_for(coverage, notes[0].visited_on),
        injury_case=coverage.injury_case,
        diagnoses=diagnoses,
        created_by=actor,
    )
    claim.number = f"{claim.pk:08d}"
    claim.save(update_fields=["number"])
    fees = fees_for(payer)
    pointers = list(range(1, min(len(diagnoses), 4) + 1))
    rows = []
    for note in notes:
        location = note.appointment.location if note.appointment_id else note.practitioner.locations.first()
        for line in lines_for(note, payer, fees):
            rows.append(
                ClaimLine(
                    claim=claim,
                    note=note,
                    service_date=note.visited_on,
                    cpt_code=line.cpt_code,
                    modifiers=line.modifiers,
                    units=line.units,
                    minutes=line.minutes,
                    diagnosis_pointers=pointers,
                    place_of_service=location.place_of_service if location else "11",
                    rendering=note.practitioner,
                    fee=line.fee,
                    amount=line.amount,
                )
            )
    if not rows:
        raise BillingError("There is nothing to bill: the notes' minutes add up to no billable unit.")
    if len(rows) > MAX_LINES:
        raise BillingError(f"{len(rows)} lines is more than the {MAX_LINES} a claim may hold; bill fewer visits.")
    ClaimLine.objects.bulk_create(rows)
    ClaimEvent.objects.create(claim=claim, to_status=S.DRAFT, actor=actor, note=f"{len(notes)} visit(s)")
    audit.record(actor=actor, action=AuditAction.CLAIM_CREATED, target=claim, patient=patient)
    return claim


@transaction.atomic
def build_claims(*, actor: User, patients: list[Patient], through: date) -> list[Claim]:
    """One draft claim per patient for the signed notes through `through` not yet billed to the
    primary coverage's payer. Self-pay coverages get no claim (a superbill instead)."""
    claims = []
    for patient in patients:
        coverage = (
            patient.coverages.filter(rank=1, starts_on__lte=through)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=through))
            .exclude(payer__kind="self-pay")
            .select_related("payer", "patient", "injury_case")
            .first()
        )
        if coverage is None:
            continue
        notes = [n for n in unbilled_notes(patient, coverage) if n.visited_on <= through]
        if notes:
            claims.append(create_claim(actor=actor, coverage=coverage, notes=notes))
    return claims


@transaction.atomic
def mark_ready(*, actor: User, claim: Claim, today: date | None = None) -> Claim:
    """Run the scrubber; a claim with any problem stays a draft and the problems are raised."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    problems = scrub(claim, today=today or timezone.localdate())
    if problems:
        raise ScrubFailed(problems)
    return move(claim, S.READY, actor=actor)
