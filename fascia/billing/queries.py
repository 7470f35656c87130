from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from fascia.billing import cob
from fascia.billing.models import (
    Authorization,
    Claim,
    ClaimLine,
    Clearinghouse,
    Coverage,
    Payer,
    Posting,
    Remittance,
    UnbilledVisit,
)
from fascia.core.models import Location, Organization, User
from fascia.patients.models import Patient
from fascia.scheduling.limits import visits_booked
from fascia.scheduling.models import Appointment

if TYPE_CHECKING:  # django-stubs-ext is a test dependency; the annotations are for mypy only
    from django_stubs_ext import WithAnnotations

S = Claim.Status
OPEN = (S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_PAID, S.APPEALED)  # waiting for the payer


def claims_of(organization: Organization | int) -> QuerySet[Claim]:
    return Claim.objects.filter(organization=organization)


def service_location(claim: Claim, lines: list[ClaimLine]) -> Location | None:
    """Where a claim's services were given (837P 2310C, CMS-1500 box 32): the claim's own service location
    (claims are split by location); for a claim drafted before that, the first visit's appointment location,
    else the practice's first location. Reads the lines' notes and the practice's locations (prefetch them when
    reading many claims)."""
    if claim.service_location_id is not None:
        return claim.service_location
    organization = claim.organization
    note = lines[0].note if lines else None
    if note is not None and note.appointment is not None and note.appointment.location_id:
        return note.appointment.location
    return next(iter(organization.locations.all()), None)


def default_clearinghouse(organization: Organization | int) -> Clearinghouse | None:
    return Clearinghouse.objects.filter(organization=organization, is_default=True).first()


def clearinghouse_for(payer: Payer) -> Clearinghouse | None:
    """Where the payer's electronic claims go: its own clearinghouse, else the practice's default."""
    if payer.clearinghouse_id is not None:
        return payer.clearinghouse
    return default_clearinghouse(payer.organization_id)


def get_claim(organization: Organization, public_id: UUID | str) -> Claim:
    """The claim with this id in the organization, or 404 (never another clinic's; a malformed id is no claim
    either). Not the plan's referral, the authorization or the injury case: often empty, and joining all of
    them (eight tables) took PostgreSQL several times as long to plan as these."""
    try:
        return (
            claims_of(organization)
            .select_related("patient", "payer", "coverage", "primary_claim")  # a secondary's balance reads it
            .get(public_id=public_id)
        )
    except (Claim.DoesNotExist, ValidationError) as e:
        raise Http404("No such claim.") from e


def notes_to_bill(organization: Organization, *, every: bool = False) -> tuple[list[dict], int]:
    """The QUEUE_ROWS patients waiting longest to be billed (`every`: all of them), each with whether a
    primary coverage is active on the first visit; and how many patients there are in all. Three queries."""
    # Per patient with unbilled visits: how many and the first one's day; and how many such patients there
    # are in all (`patients`, counted over the groups by the same query).
    unbilled = (
        UnbilledVisit.objects.filter(organization=organization)
        .values("patient")
        .annotate(visits=Count("pk"), first=Min("visited_on"), patients=Window(Count("*")))
        .order_by("first", "patient")
    )
    groups = list(unbilled if every else unbilled[:QUEUE_ROWS])
    ids = [g["patient"] for g in groups]
    # What the queue shows of them: a link to the chart, the name. Not their coverages prefetched: the
    # patients go on to build_claims(), whose reads of their coverages would be the prefetched ones.
    patients = Patient.objects.only("public_id", "family_name", "given_name", "preferred_name").in_bulk(ids)
    coverages = defaultdict(list)
    for coverage in (
        Coverage.objects.filter(patient_id__in=ids, rank=1)
        .select_related("payer")
        .only("patient", "starts_on", "ends_on", "payer__name")
    ):
        coverages[coverage.patient_id].append(coverage)  # latest first (Coverage.Meta.ordering)
    rows = [
        {
            "patient": patients[group["patient"]],
            "visits": group["visits"],
            "first": group["first"],
            "coverage": next((c for c in coverages[group["patient"]] if c.is_active_on(group["first"])), None),
        }
        for group in groups
    ]
    return rows, (groups[0]["patients"] if groups else 0)


# The parts of the work queue, in the order the page shows them: what each holds.
QUEUE_PARTS = {
    "failing": Q(status=S.DRAFT) & ~Q(problems=[]),
    "clean_drafts": Q(status=S.DRAFT, problems=[]),
    "ready": Q(status=S.READY),
    "resubmit": Q(status__in=[S.REJECTED, S.DENIED]),
    "waiting": Q(status__in=OPEN),
}
QUEUE_ROWS = 10  # claims shown in each part of the queue, oldest first; the rest a page at a time (PART_PAGE_SIZE)
# What the queue's rows show (billing.views.claim_table): nothing more is read.
QUEUE_COLUMNS = [
    "public_id",
    "number",
    "status",
    "problems",
    "patient__family_name",
    "patient__given_name",
    "patient__preferred_name",
    "payer__name",
    "charge",
]


class Charge(TypedDict):
    charge: Decimal


def with_charge(claims: QuerySet[Claim]) -> "QuerySet[WithAnnotations[Claim, Charge]]":
    """Annotate `charge`: what total_charge sums from a claim's lines, summed by the database instead,
    for lists that show the total and nothing else of the lines."""
    lines = ClaimLine.objects.filter(claim=OuterRef("pk")).order_by().values("claim").annotate(sum=Sum("amount"))
    # SQLite hands the sum back without its two places: templates show it with |floatformat:2.
    return claims.annotate(charge=Coalesce(Subquery(lines.values("sum")), Value(Decimal("0"))))


def queue_claims(
    organization: Organization | int, part: str
) -> "QuerySet[WithAnnotations[Claim, Charge], dict[str, Any]]":
    """One part of the work queue, oldest first, as the rows its table shows (QUEUE_COLUMNS, dicts): ten
    claims with their patient and payer took twice as long to read as model instances."""
    claims = with_charge(claims_of(organization).filter(QUEUE_PARTS[part])).order_by("created_at", "pk")
    return claims.values(*QUEUE_COLUMNS)


def _part_count(part: str) -> Subquery:
    """How many claims a part of the work queue holds, counted from the claim_status index alone (the
    drafts, a few hundred, are checked in the table for the scrubber's findings). COUNT(*) without a
    GROUP BY: Count() would group the subquery's rows by their organization, row by row."""
    claims = Claim.objects.filter(QUEUE_PARTS[part], organization=OuterRef("pk")).order_by()
    return Subquery(claims.values(n=Func(template="COUNT(*)", output_field=IntegerField())))


def queue(organization: Organization) -> dict:
    """The billing work queue: the oldest QUEUE_ROWS claims of each part and how many it holds. A clinic
    has thousands of claims waiting for payers; the page stays the same size however many there are."""
    # How many claims each part holds, a count per part in one query: counted in one pass, grouped by
    # status, the few thousand unsettled claims were hashed, a third slower than these.
    # The plugin types values(**columns) as a row of no keys: the columns are the parts' names.
    counts: dict[str, int] = (
        Organization.objects.filter(pk=organization.pk)  # type: ignore[assignment]
        .values(**{p: _part_count(p) for p in QUEUE_PARTS})
        .get()
    )
    # Each part walks an index oldest first (claim_status or claim_queue) and stops at QUEUE_ROWS.
    parts = {part: list(queue_claims(organization, part)[:QUEUE_ROWS]) if counts[part] else [] for part in QUEUE_PARTS}
    to_bill, counts["to_bill"] = notes_to_bill(organization)
    return {"to_bill": to_bill, **parts, "counts": counts, "rows": QUEUE_ROWS}


def recent_remittances(organization: Organization, count: int = 20) -> list[Remittance]:
    """The latest payments with how many claim payments each holds (`posted`), only the postings that
    need a look (`to_review`: held for review, no claim, or lines that matched none; a weekly payment
    holds hundreds) and its provider-level adjustments. Three queries."""
    to_review = Posting.objects.filter(
        Q(state=Posting.State.HELD) | Q(claim__isnull=True) | ~Q(unmatched_lines=[])
    ).select_related("claim")
    return list(
        Remittance.objects.filter(organization=organization)
        .annotate(posted=Count("postings"))
        .prefetch_related(Prefetch("postings", queryset=to_review, to_attr="to_review"), "provider_adjustments")[:count]
    )


class Books(TypedDict):
    charge: Decimal
    prior_settled: Decimal
    passed_on: bool


def passed_on() -> Exists:
    """Whether a primary claim has a secondary claim (not closed) that carries its patient share on."""
    return Exists(Claim.objects.filter(primary_claim=OuterRef("pk")).exclude(status=Claim.Status.CLOSED))


def with_books(claims: QuerySet[Claim]) -> "QuerySet[WithAnnotations[Claim, Books]]":
    """Annotate what the books need besides `charge` (with_charge): `prior_settled` (Claim.prior), on a
    secondary claim, what the primary payer settled of the same charge (paid or adjusted off: CLM02 less that
    is what the secondary is asked for); and `passed_on`, on a primary claim, whether a secondary claim (not
    closed) carries its patient share on to the next payer (835 group PR: "the patient or the next payer",
    REFERENCE.md §5b), so the patient does not owe it twice. One join and one subquery, in the same query."""
    return with_charge(claims).annotate(
        prior_settled=Coalesce(
            F("primary_claim__paid") + F("primary_claim__adjusted"),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=10, decimal_places=2),
        ),
        passed_on=passed_on(),
    )


def patient_share(claim: Claim) -> Decimal:
    """What the patient owes of a claim (with_books): its PR adjustments, unless a secondary claim carries them
    on to the next payer (`passed_on`)."""
    return Decimal("0") if claim.passed_on else claim.patient_responsibility  # type: ignore[attr-defined]


def patient_balances(patient_ids: list[int]) -> dict[int, Decimal]:
    """What each of these patients owes, as their ledgers total it (ledger's `patient_owes`), for many patients in
    one query: their claims with a patient responsibility, each patient's shares summed. Patients who owe
    nothing are left out."""
    claims = with_books(
        Claim.objects.filter(patient_id__in=patient_ids, patient_responsibility__gt=0).only(
            "patient_id", "patient_responsibility", "primary_claim"
        )
    )
    owed: dict[int, Decimal] = defaultdict(Decimal)
    for c in claims:
        owed[c.patient_id] += patient_share(c)
    return {pk: amount for pk, amount in owed.items() if amount > 0}


def ledger(claims: QuerySet[Claim]) -> dict:
    """A patient's claims (`patient.claims`, with what the caller shows of them) with what was charged, paid
    by the payer, adjusted off by it (CO, PI, OA), left to the patient (PR, unless a secondary claim carries it
    on: `patient_share`) and still owed by the payer (`payer_balance`: the charge less what an earlier payer
    settled, what this one paid, adjusted off and left to the patient or the next payer): one query. A visit
    billed to two payers is charged once: the total counts primary claims' charges only. Then charged = paid +
    adjusted + patient owes + payer balance, in total."""
    rows = list(with_books(claims).order_by("created_at"))
    for c in rows:
        c.patient_share = patient_share(c)  # type: ignore[attr-defined]
        c.payer_balance = c.charge - c.prior_settled - c.paid - c.adjusted - c.patient_responsibility  # type: ignore[attr-defined]
    return {
        "claims": rows,
        "charged": sum((c.charge for c in rows if c.primary_claim_id is None), Decimal("0")),
        "paid": sum((c.paid for c in rows), Decimal("0")),
        "adjusted": sum((c.adjusted for c in rows), Decimal("0")),
        "patient_owes": sum((c.patient_share for c in rows), Decimal("0")),  # type: ignore[attr-defined]
        "payer_balance": sum((c.payer_balance for c in rows), Decimal("0")),  # type: ignore[attr-defined]
    }


class Used(TypedDict):
    used: int


def with_visits_used(authorizations: QuerySet[Authorization]) -> "QuerySet[WithAnnotations[Authorization, Used]]":
    """Annotate `used`: the visits billed under each authorization (drafts closed unsent aside)."""
    billed = ~Q(claims__status=S.CLOSED, claims__submitted_at__isnull=True)
    return authorizations.annotate(used=Count("claims__lines__note", filter=billed, distinct=True))


def chart_context(patient: Patient, user: User) -> dict:
    """The chart's billing section: only the columns it shows, so narrow rows and few joins."""
    authorizations = with_visits_used(
        Authorization.objects.only("coverage", "number", "visits_allowed", "starts_on", "ends_on")
    )
    coverages = (
        patient.coverages.select_related("payer", "injury_case")
        .only(
            "patient",
            "public_id",
            "rank",
            "member_id",
            "group_number",
            "copay",
            "starts_on",
            "ends_on",
            "payer__name",
            "payer__kind",
            "injury_case__kind",
            "injury_case__injury_date",
        )
        .prefetch_related(Prefetch("authorizations", queryset=authorizations))
    )
    today, listed = timezone.localdate(), list(coverages)
    context = {
        "coverages": listed,
        "today": today,
        "medicaid_warning": cob.medicaid_before(listed, day=today),
        "injury_cases": list(patient.injury_cases.all()),
        "can_edit": user.has_perm("billing.change_coverage"),
        "can_view_claims": user.has_perm("billing.view_claim"),
    }
    if context["can_view_claims"]:
        context |= ledger(patient.claims.select_related("payer"))
    return context


def authorization_limits(patient: Patient, starts: list[datetime], moving: Appointment | None) -> list[str]:
    """What booking the patient at `starts` (or moving the appointment `moving` there) runs past of the payer's
    authorizations (a booking limit, fascia.scheduling.limits): dates no authorization covers, when the primary
    coverage has authorizations on file, and more visits in an authorization's dates than it allows (those
    booked or seen, and these)."""
    days = sorted(timezone.localtime(s).date() for s in starts)
    coverage = (
        Coverage.objects.filter(patient=patient, rank=1, starts_on__lte=days[0])
        .select_related("payer")
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=days[0]))
        .order_by("-starts_on")
        .first()
    )
    authorizations = list(coverage.authorizations.order_by("starts_on")) if coverage is not None else []
    if not authorizations:
        return []
    sentences = []
    if uncovered := [d for d in days if not any(a.starts_on <= d <= a.ends_on for a in authorizations)]:
        latest = authorizations[-1]
        shown = ", ".join(f"{d:%a %Y-%m-%d}" for d in uncovered[:3]) + (" …" if len(uncovered) > 3 else "")
        sentences.append(
            f"No authorization from {coverage.payer} covers {shown}"  # type: ignore[union-attr]
            f" ({latest} runs {latest.starts_on:%Y-%m-%d} to {latest.ends_on:%Y-%m-%d})."
        )
    for a in authorizations:
        if new := sum(a.starts_on <= d <= a.ends_on for d in days):
            total = visits_booked(patient, a.starts_on, a.ends_on, moving=moving) + new
            if total > a.visits_allowed:
                sentences.append(
                    f"{a} allows {a.visits_allowed} visits from {a.starts_on:%Y-%m-%d} to {a.ends_on:%Y-%m-%d};"
                    f" with this booking {total} are booked or seen."
                )
    return sentences
