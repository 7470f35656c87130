"""Claims: built from signed visit notes, checked by the scrubber, moved through their lifecycle.
Every write is one transaction; every change of status is a ClaimEvent and an audit entry."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Model, OuterRef, Q
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.billing import cob
from fascia.billing.claims import charges
from fascia.billing.models import (
    Authorization,
    Batch,
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimNote,
    Clearinghouse,
    Coverage,
    Payer,
    Posting,
    UnbilledVisit,
)
from fascia.billing.queries import default_clearinghouse
from fascia.billing.scrubber import scrub
from fascia.billing.x12 import edi837, from_models, validate
from fascia.core.models import Location, Organization, User
from fascia.patients.models import Patient
from fascia.visits.models import VisitNote, VisitTechnique

S = Claim.Status
# Where a claim may go from each status (keyed by str: a claim's stored status is a plain str).
TRANSITIONS: dict[str, set[str]] = {
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


class BillingError(Exception):
    pass


class AlreadyBilled(BillingError):
    """The visits are on a live claim to the payer already."""


class NothingToBill(BillingError):
    """The visits' minutes add up to no billable unit."""


class ScrubFailed(BillingError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The claim is not ready: " + " ".join(problems))


def can_move(from_status: str, to: str) -> bool:
    return to in TRANSITIONS[from_status]


def move(claim: Claim, to: str, *, actor: User | None, note: str = "") -> Claim:
    """Change a claim's status if the lifecycle allows it, and record the change. Call inside a transaction."""
    if not can_move(claim.status, to):
        raise BillingError(f"A {claim.get_status_display().lower()} claim cannot become {S(to).label.lower()}.")
    event = ClaimEvent(claim=claim, from_status=claim.status, to_status=to, actor=actor, note=note[:300])
    claim.status = to
    claim.save(update_fields=["status", "updated_at"])
    if to == S.CLOSED and claim.submitted_at is None:  # closed unsent: its visits are to bill again
        ClaimNote.objects.filter(claim=claim).update(live=False)
        elsewhere = ClaimNote.objects.filter(note=OuterRef("pk"), live=True)
        notes = VisitNote.objects.filter(billed_on__claim=claim).exclude(Exists(elsewhere)).distinct()
        UnbilledVisit.objects.bulk_create(
            [
                UnbilledVisit(
                    note=n, organization_id=claim.organization_id, patient_id=n.patient_id, visited_on=n.visited_on
                )
                for n in notes
            ],
            ignore_conflicts=True,
        )
    record_moves([event], actor=actor)
    return claim


def record_moves(events: list[ClaimEvent], *, actor: User | None, replaced: Collection[int] = ()) -> None:
    """Record status changes: their events and audit entries (which say which claims went as replacements),
    in one INSERT each however many claims an 837P file or an 835 moves."""
    ClaimEvent.objects.bulk_create(events)
    audit.record_each(
        actor=actor,
        action=AuditAction.CLAIM_STATUS_CHANGED,
        entries=[
            (e.claim, e.claim.patient, {"to": e.to_status} | ({"replacement": True} if e.claim.pk in replaced else {}))
            for e in events
        ],
    )


def note_signed(sender: type, note: VisitNote, billable: bool, **kwargs: object) -> None:
    """A signed visit with treatment waits in the billing queue until a claim holds it (connected in apps.py);
    one without (fever or a red flag found that day) has nothing to bill."""
    if not billable:
        return
    UnbilledVisit.objects.create(
        note=note, organization_id=note.patient.organization_id, patient_id=note.patient_id, visited_on=note.visited_on
    )


def unbilled_notes(patient: Patient, coverage: Coverage) -> list[VisitNote]:
    """Signed notes in the coverage's dates not yet on a claim to its payer (drafts closed unsent aside)."""
    billed = ClaimNote.objects.filter(note=OuterRef("pk"), payer_id=coverage.payer_id, live=True)
    notes = patient.visit_notes.filter(
        Exists(VisitTechnique.objects.filter(note=OuterRef("pk"))),  # a visit without treatment bills nothing
        status=VisitNote.Status.SIGNED,
        visited_on__gte=coverage.starts_on,
    )
    if coverage.ends_on:
        notes = notes.filter(visited_on__lte=coverage.ends_on)
    return list(
        notes.exclude(Exists(billed))
        .select_related("practitioner", "plan__evaluation", "appointment__location")
        .prefetch_related("techniques__technique")
        .order_by("visited_on", "id")
    )


def authorization_for(coverage: Coverage, day: date) -> Authorization | None:
    return coverage.authorizations.filter(starts_on__lte=day, ends_on__gte=day).order_by("-starts_on").first()


def _day_locations(notes: list[VisitNote]) -> dict[date, Location | None]:
    """Each date's service location: that of the date's first note. A date is billed whole on one claim, so
    its units come from all its minutes (REFERENCE.md §1); a patient seen at two of the clinic's locations on
    one day is billed at the first."""
    locations: dict[date, Location | None] = {}
    for note in sorted(notes, key=lambda n: (n.visited_on, n.pk)):
        if note.visited_on not in locations:
            locations[note.visited_on] = charges.service_location(note)
    return locations


def by_location(notes: list[VisitNote]) -> list[list[VisitNote]]:
    """The notes in one group per service location, a claim each (a claim has one service location: 837P
    CLM05 and 2310C, NUCC 1500 box 32; REFERENCE.md §5a), in the order of their first date."""
    locations = _day_locations(notes)
    groups: dict[int | None, list[VisitNote]] = {}
    for note in sorted(notes, key=lambda n: (n.visited_on, n.pk)):
        location = locations[note.visited_on]
        groups.setdefault(location.pk if location else None, []).append(note)
    return list(groups.values())


def _lock_unbilled(notes: list[VisitNote], payer: Payer) -> list[VisitNote]:
    """Lock the notes (in pk order, so two drafts cannot deadlock), then keep those still on no live claim to
    the payer: a second press of "Draft the claims" waits here for the first and finds its visits taken."""
    pks = sorted({note.pk for note in notes})
    list(VisitNote.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", flat=True))
    taken = set(ClaimNote.objects.filter(note_id__in=pks, payer=payer, live=True).values_list("note_id", flat=True))
    return [note for note in notes if note.pk not in taken]


@transaction.atomic
def create_claim(*, actor: User, coverage: Coverage, notes: list[VisitNote]) -> Claim:
    """A draft claim to the coverage's payer with one line per code per date of service: every note of a
    date pooled, each code's units from its own minutes (REFERENCE.md §1-2, `units.bill_day`). The notes are
    locked while the claim is drafted and the database holds each on one live claim per payer; notes billed
    meanwhile by someone else are left out. All the notes' dates must be at one service location
    (`by_location` splits them)."""
    if not notes:
        raise BillingError("There is nothing to bill: no signed visit notes.")
    patient, payer = coverage.patient, coverage.payer
    notes = _lock_unbilled(notes, payer)
    if not notes:
        raise AlreadyBilled(f"These visits are already on a claim to {payer}.")
    locations = set(_day_locations(notes).values())
    if len(locations) > 1:
        raise BillingError("These visits were at more than one location: a claim has one service location.")
    location = locations.pop()
    plan = notes[-1].plan
    days = charges.days_for(notes, payer, charges.fees_for(payer), charges.pairs_for(patient.organization_id))
    lines = [line for day in days for line in day.lines]
    ranked = [d.code for d in plan.evaluation.diagnoses.all()] if plan else []
    diagnoses = charges.point(lines, ranked, charges.planned_for(plan))
    if not lines:
        raise NothingToBill("There is nothing to bill: the notes' minutes add up to no billable unit.")
    if len(lines) > edi837.MAX_LINES:  # per claim in an 837P (REFERENCE.md §5)
        raise BillingError(
            f"{len(lines)} lines is more than the {edi837.MAX_LINES} a claim may hold; bill fewer visits."
        )
    claim = Claim.objects.create(
        organization_id=patient.organization_id,
        number=f"T{timezone.now():%y%m%d%H%M%S%f}"[:20],  # replaced by the row's own number below
        patient=patient,
        coverage=coverage,
        payer=payer,
        plan=plan,
        authorization=authorization_for(coverage, notes[0].visited_on),
        injury_case=coverage.injury_case,
        service_location=location,
        diagnoses=diagnoses,
        created_by=actor,
    )
    claim.number = f"{claim.pk:08d}"
    claim.save(update_fields=["number"])
    withheld = {pk: w for day in days for pk, w in day.withheld.items()}
    try:
        with transaction.atomic():  # a savepoint: the constraint is the last word if a lock was missed
            ClaimNote.objects.bulk_create(
                ClaimNote(
                    claim=claim,
                    note=note,
                    payer=payer,
                    withheld=[
                        {"code": w.code, "region": w.region, "minutes": w.minutes, "reason": w.reason}
                        for w in withheld.get(note.pk, [])
                    ],
                )
                for note in notes
            )
    except IntegrityError:
        raise AlreadyBilled(f"These visits are already on a claim to {payer}.") from None
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            note=line.note,
            service_date=day.visited_on,
            cpt_code=line.cpt_code,
            modifiers=line.modifiers,
            units=line.units,
            minutes=line.minutes,
            diagnosis_pointers=line.pointers,
            place_of_service=location.place_of_service if location else "11",
            rendering=line.note.practitioner,
            fee=line.fee,
            amount=line.amount,
        )
        for day in days
        for line in day.lines
        if line.note is not None
    )
    UnbilledVisit.objects.filter(note__in=notes).delete()
    ClaimEvent.objects.create(claim=claim, to_status=S.DRAFT, actor=actor, note=f"{len(notes)} visit(s)")
    audit.record(actor=actor, action=AuditAction.CLAIM_CREATED, target=claim, patient=patient)
    check(claim)
    return claim


@transaction.atomic
def build_claims(*, actor: User, patients: list[Patient], through: date, limit: int | None = None) -> list[Claim]:
    """Draft claims for the signed notes through `through` not yet billed to each patient's primary
    coverage's payer (for self-pay, the claim prints as the patient's superbill): one claim per patient and
    service location, in the patients' order; no more than `limit` claims, the rest staying for the next
    call. Visits another drafting took meanwhile are skipped, not billed twice."""
    claims: list[Claim] = []
    for patient in patients:
        coverage = (
            patient.coverages.filter(rank=1, starts_on__lte=through)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=through))
            .select_related("payer", "patient", "injury_case")
            .first()
        )
        if coverage is None:
            continue
        notes = [n for n in unbilled_notes(patient, coverage) if n.visited_on <= through]
        for group in by_location(notes) if notes else []:
            if limit is not None and len(claims) >= limit:
                return claims
            try:
                claims.append(create_claim(actor=actor, coverage=coverage, notes=group))
            except (AlreadyBilled, NothingToBill):  # taken meanwhile; or left in the queue for staff to see
                continue
    return claims


class NothingToCoordinate(BillingError):
    """No secondary claim to draft: no secondary coverage, the primary payer undecided, or one drafted already."""


SECONDARY_NOTE = "Secondary claim, after the primary payer's decision on claim"


@dataclass(frozen=True)
class _Secondary:
    """A secondary claim to draft: its primary claim and lines, and the secondary coverage it goes to."""

    primary: Claim
    lines: list[ClaimLine]
    coverage: Coverage
    billed: list[ClaimNote]  # the primary's live ClaimNote rows: the visits it bills


def _to_draft(decided: list[Claim], *, refuse: bool) -> list[_Secondary]:
    """What each decided primary's secondary claim would be, reading a fixed number of queries for them all;
    those with nothing to coordinate left out, or refused (NothingToCoordinate, AlreadyBilled) with `refuse`."""
    primaries = {claim.pk: claim for claim in decided}
    coverages: dict[int, list[Coverage]] = {}
    for coverage in (
        Coverage.objects.filter(patient_id__in={c.patient_id for c in decided}, rank=2)
        .select_related("payer", "patient", "injury_case")
        .prefetch_related("authorizations")
    ):
        coverages.setdefault(coverage.patient_id, []).append(coverage)
    # A secondary claim is live unless it was closed unsent (as ClaimNote.live says of its visits).
    drafted = set(
        Claim.objects.filter(primary_claim_id__in=primaries)
        .exclude(status=S.CLOSED, submitted_at__isnull=True)
        .values_list("primary_claim_id", flat=True)
    )
    billed: dict[int, list[ClaimNote]] = {}
    for claim_note in ClaimNote.objects.filter(claim_id__in=primaries, live=True):
        billed.setdefault(claim_note.claim_id, []).append(claim_note)
    found: list[_Secondary] = []
    for claim in decided:
        lines = list(claim.lines.all())
        secondary = (
            cob.other_coverage(coverages.get(claim.patient_id, []), rank=2, day=lines[0].service_date)
            if lines
            else None
        )
        problem = ""
        if secondary is None:
            problem = f"{claim.patient} has no secondary coverage active on the claim's first date of service."
        elif claim.pk in drafted:
            problem = f"{claim} has a secondary claim already."
        elif secondary.payer_id == claim.payer_id:
            problem = f"The secondary coverage is with {claim.payer}, the payer of {claim} itself."
        if problem and refuse:
            raise NothingToCoordinate(problem)
        if secondary is not None and not problem:
            found.append(_Secondary(claim, lines, secondary, billed.get(claim.pk, [])))
    # Visits the secondary payer has on a live claim already (billed to it directly): never twice.
    taken = set(
        ClaimNote.objects.filter(
            note_id__in={b.note_id for f in found for b in f.billed},
            payer_id__in={f.coverage.payer_id for f in found},
            live=True,
        ).values_list("note_id", "payer_id")
    )
    free = [f for f in found if not any((b.note_id, f.coverage.payer_id) in taken for b in f.billed)]
    if refuse and len(free) < len(found):
        raise AlreadyBilled(f"These visits are already on a claim to {found[0].coverage.payer}.")
    return free


def _secondaries(*, actor: User | None, decided: list[Claim], refuse: bool) -> list[Claim]:
    """Draft the secondary claim of each primary claim its payer decided, in a fixed number of statements
    however many claims (an 835 decides thousands), plus the scrubber's per claim."""
    found = _to_draft(decided, refuse=refuse)
    if not found:
        return []
    claims = Claim.objects.bulk_create(
        Claim(
            organization_id=f.primary.organization_id,
            number=f"S{uuid4().hex[:19]}",  # unique until replaced by the row's own number below
            patient_id=f.primary.patient_id,
            coverage=f.coverage,
            payer_id=f.coverage.payer_id,
            plan_id=f.primary.plan_id,
            authorization=next(
                (a for a in f.coverage.authorizations.all() if a.starts_on <= f.lines[0].service_date <= a.ends_on),
                None,
            ),
            injury_case_id=f.primary.injury_case_id,
            service_location_id=f.primary.service_location_id,
            diagnoses=f.primary.diagnoses,
            primary_claim=f.primary,
            created_by_id=actor.pk if actor is not None else f.primary.created_by_id,
        )
        for f in found
    )
    for claim in claims:
        claim.number = f"{claim.pk:08d}"
    Claim.objects.bulk_update(claims, ["number"], batch_size=100)
    pairs = list(zip(claims, found, strict=True))
    # The secondary payer's own hold on the visits: one live claim per payer, as for any claim.
    ClaimNote.objects.bulk_create(
        ClaimNote(claim=claim, note_id=b.note_id, payer_id=claim.payer_id, withheld=b.withheld)
        for claim, f in pairs
        for b in f.billed
    )
    # The same charges as the primary's, line by line (REFERENCE.md §5a: the 2430 amounts balance against them).
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            note_id=line.note_id,
            service_date=line.service_date,
            cpt_code=line.cpt_code,
            modifiers=line.modifiers,
            units=line.units,
            minutes=line.minutes,
            diagnosis_pointers=line.diagnosis_pointers,
            place_of_service=line.place_of_service,
            rendering_id=line.rendering_id,
            fee=line.fee,
            amount=line.amount,
        )
        for claim, f in pairs
        for line in f.lines
    )
    ClaimEvent.objects.bulk_create(
        ClaimEvent(claim=claim, to_status=S.DRAFT, actor=actor, note=f"{SECONDARY_NOTE} {f.primary.number}")
        for claim, f in pairs
    )
    audit.record_each(
        actor=actor,
        action=AuditAction.CLAIM_CREATED,
        entries=[(claim, f.primary.patient, {"primary_claim": f.primary.number}) for claim, f in pairs],
    )
    for claim in claims:
        check(claim)
    return claims


@transaction.atomic
def draft_secondary(*, actor: User, claim: Claim) -> Claim:
    """Draft the secondary claim of a primary claim its payer has decided (paid, partly paid or denied, posted
    from its 835 and not reversed): to the patient's secondary coverage active on its first date of service,
    with the same lines and charges, diagnoses, plan, location and injury case; the secondary payer's visits
    held on it as on any claim; scrubbed. Refused (NothingToCoordinate, AlreadyBilled), changing nothing,
    when there is nothing to coordinate."""
    claim = Claim.objects.select_for_update(of=("self",)).select_related("patient").get(pk=claim.pk)
    if claim.primary_claim_id is not None or (claim.coverage is not None and claim.coverage.rank != 1):
        raise NothingToCoordinate(f"{claim} is a secondary claim; the secondary claim is drafted from the primary.")
    if cob.decision(claim) is None:
        raise NothingToCoordinate(
            f"The payer has not decided {claim} yet: the secondary claim is drafted once its 835 is posted."
        )
    return _secondaries(actor=actor, decided=[claim], refuse=True)[0]


def draft_secondaries(*, actor: User | None, decided: list[tuple[Claim, Posting]]) -> list[Claim]:
    """The secondary claims of primaries an 835 just decided with something left for a second payer (a patient
    share, or a denial); those with nothing to coordinate are skipped. Call inside the posting's transaction."""
    return _secondaries(actor=actor, decided=[c for c, p in decided if cob.something_left(p)], refuse=False)


def check(claim: Claim, *, today: date | None = None) -> list[str]:
    """Run the scrubber and keep its findings on the claim, for the work queue."""
    problems = scrub(claim, today=today or timezone.localdate())
    claim.problems = problems
    claim.save(update_fields=["problems", "updated_at"])
    return problems


def mark_ready(*, actor: User, claim: Claim, today: date | None = None) -> Claim:
    """Run the scrubber and keep what it finds; a claim with any problem stays a draft and the
    problems are raised, else it becomes ready."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        problems = check(claim, today=today)
        if not problems:
            return move(claim, S.READY, actor=actor)
    raise ScrubFailed(problems)


@transaction.atomic
def change_status(*, actor: User, claim: Claim, to: str, note: str = "") -> Claim:
    """A status change made by billing staff (back to draft, appealed, closed …); ready only via mark_ready."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if to == S.READY:
        raise BillingError("Check the claim to mark it ready.")
    if to in (S.APPEALED, S.CLOSED) and not note.strip():
        raise BillingError("Say why (the note) when appealing or closing a claim.")
    return move(claim, to, actor=actor, note=note)


@transaction.atomic
def save_record(*, actor: User, record: Model, patient: Patient | None = None) -> Model:
    """Save a payer, fee, coverage, injury case or authorization after checking it; audited."""
    record.full_clean()
    record.save()
    audit.record(actor=actor, action=AuditAction.COVERAGE_SAVED, target=record, patient=patient)
    return record


@transaction.atomic
def save_clearinghouse(*, actor: User, clearinghouse: Clearinghouse) -> Clearinghouse:
    """Save a clearinghouse's settings after checking them; audited. Made the default, it takes over from
    the practice's previous default in the same transaction."""
    if clearinghouse.is_default:  # rolled back with the rest when the settings are refused below
        # Two admins making two clearinghouses the default at once: the practice's row, locked, makes the
        # second wait for the first and then take over from it, rather than fail on the one-default constraint.
        list(Organization.objects.select_for_update().filter(pk=clearinghouse.organization_id).values_list("pk"))
        Clearinghouse.objects.filter(organization_id=clearinghouse.organization_id, is_default=True).exclude(
            pk=clearinghouse.pk
        ).update(is_default=False)
    clearinghouse.full_clean()
    try:
        with transaction.atomic():  # a savepoint: another admin's save at the same moment may win the constraint
            clearinghouse.save()
    except IntegrityError:
        raise ValidationError(
            "Another clearinghouse was saved with this name, or made the default, at the same moment; save again."
        ) from None
    audit.record(actor=actor, action=AuditAction.CLEARINGHOUSE_SAVED, target=clearinghouse)
    return clearinghouse


def _one_clearinghouse(claims: list[Claim]) -> Clearinghouse:
    """The clearinghouse every claim's payer sends to (its own, else the practice's default); one file
    goes to one receiver, so claims for two clearinghouses, or a payer with none, are refused."""
    default = default_clearinghouse(claims[0].organization_id)
    houses: dict[int, Clearinghouse] = {}
    missing: set[str] = set()
    for claim in claims:
        house = claim.payer.clearinghouse_or_default(default)
        if house is None:
            missing.add(str(claim.payer))
        else:
            houses.setdefault(house.pk, house)
    if missing:
        raise BillingError(
            f"Nothing was exported. No clearinghouse is set for {', '.join(sorted(missing))}: an admin enters the "
            "clearinghouse's submitter and receiver IDs under Billing → Payers → Clearinghouses, and makes it the "
            "default or names it on the payer."
        )
    if len(houses) > 1:
        names = ", ".join(sorted(h.name for h in houses.values()))
        raise BillingError(
            f"Nothing was exported. The claims go to {len(houses)} clearinghouses ({names}); one 837P file goes to "
            "one, so export each clearinghouse's claims on their own."
        )
    return next(iter(houses.values()))


RESENDABLE = {S.SUBMITTED, S.REJECTED, S.DENIED}  # may go again as a replacement (frequency 7)


@transaction.atomic
def export_claims(
    *, actor: User | None, claims: list[Claim], resubmit: bool = False, now: datetime | None = None
) -> Batch:
    """Write the claims into one 837P file checked by pyx12, and mark them submitted.

    Ready claims go as they are. With resubmit, claims already sent (submitted, rejected or denied) go
    again as replacements (frequency 7) of the payer's claim number. Any refusal or pyx12 finding
    raises BillingError and marks nothing.
    """
    now = now or timezone.now()
    if not claims:
        raise BillingError("There are no claims to export.")
    pks = sorted({claim.pk for claim in claims})
    # Lock first (in pk order, so two exports cannot deadlock), then read the rows as they are now.
    list(Claim.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", flat=True))
    rows = list(
        Claim.objects.filter(pk__in=pks)
        .select_related(
            "organization",
            "patient",
            "coverage__payer",
            "coverage__patient",  # the subscriber, when the patient is
            "payer__clearinghouse",
            "plan__referral__provider",
            "authorization",
            "injury_case",
            "primary_claim__coverage__payer",  # a secondary claim's other payer (2320/2330)
            "primary_claim__coverage__patient",
        )
        .prefetch_related(
            "lines__rendering__user",
            "lines__note__appointment__location",  # the service facility (2310C)
            "organization__locations",
            "patient__consents",  # the signatures on file (CLM08/CLM09, OI03/OI06)
            "patient__coverages__payer",  # a primary claim's known second payer (2320)
            "primary_claim__lines",  # what the primary payer decided per line (2430)
            "primary_claim__postings__remittance",
            "primary_claim__postings__adjustments",
        )
        .order_by("number")
    )
    problems, replaced = [], set()
    for claim in rows:
        status = claim.get_status_display().lower()
        if claim.payer.claim_method != Payer.ClaimMethod.ELECTRONIC:
            method = claim.payer.get_claim_method_display()
            problems.append(f"Claim {claim.number} goes to {claim.payer} by {method}, not in an 837P.")
        elif claim.status == S.READY:
            pass
        elif claim.status in RESENDABLE and resubmit:
            claim.frequency = Claim.Frequency.REPLACEMENT
            replaced.add(claim.pk)
        elif claim.status in RESENDABLE:
            problems.append(f"Claim {claim.number} was already sent ({status}); resubmit it to send a replacement.")
        else:
            problems.append(f"Claim {claim.number} is {status}, not ready.")
        if claim.frequency != Claim.Frequency.ORIGINAL and not claim.payer_claim_number.strip():
            problems.append(f"Claim {claim.number} has no payer claim number to replace.")
    if len({claim.organization_id for claim in rows}) > 1:
        problems.append("The claims belong to more than one practice; export each practice's claims on their own.")
    if problems:
        raise BillingError("Nothing was exported. " + " ".join(problems))

    organization = rows[0].organization
    house = _one_clearinghouse(rows)
    control_number = (Batch.objects.aggregate(n=Max("control_number"))["n"] or 0) + 1
    try:
        envelope = edi837.Envelope(
            control_number, timezone.localtime(now), from_models.clearinghouse(house), usage=house.usage
        )
        content = from_models.build_837(rows, envelope)
    except ValueError as e:
        raise BillingError(f"Nothing was exported. {e}") from None
    findings = validate.validate_837(content)
    if findings:
        more = f" … and {len(findings) - 10} more." if len(findings) > 10 else ""
        raise BillingError("The 837P file failed validation; nothing was exported. " + " ".join(findings[:10]) + more)
    try:
        with transaction.atomic():  # a savepoint, so a clash leaves the outer transaction usable
            batch = Batch.objects.create(
                organization=organization, control_number=control_number, content=content, created_by=actor
            )
    except IntegrityError:
        raise BillingError("Another export took the same control number at the same moment; export again.") from None

    # Every claim of the file is submitted, with its event and audit entry, as move() records them; written
    # in one statement each rather than several per claim, as a file holds up to MAX_CLAIMS claims. Ready
    # claims go the way TRANSITIONS allows; a replacement (from submitted, rejected or denied) is the one
    # way back to submitted that TRANSITIONS has no arrow for, so the claim waits for the payer's answer again.
    # The same values for every claim but the frequency: two UPDATEs. (bulk_update would write a CASE over
    # every claim for every column, which PostgreSQL evaluates row by row: slow for a thousand claims.)
    Claim.objects.filter(pk__in=pks).update(batch=batch, submitted_at=now, status=S.SUBMITTED, updated_at=now)
    Claim.objects.filter(pk__in=replaced).update(frequency=Claim.Frequency.REPLACEMENT)
    note = f"837P batch {control_number}"
    events = [
        ClaimEvent(
            claim=claim,
            from_status=claim.status,
            to_status=S.SUBMITTED,
            actor=actor,
            note=f"{note}: resubmitted as a replacement" if claim.pk in replaced else note,
        )
        for claim in rows
    ]
    record_moves(events, actor=actor, replaced=replaced)
    audit.record(
        actor=actor,
        action=AuditAction.CLAIMS_EXPORTED,
        target=batch,
        detail={
            "claims": [claim.number for claim in rows],
            "replacements": sorted(c.number for c in rows if c.pk in replaced),
        },
    )
    return batch
