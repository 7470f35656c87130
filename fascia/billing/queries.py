from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fascia.billing.models import Authorization, Claim, ClaimLine, Coverage, Posting
from fascia.core.models import Organization, User
from fascia.patients.models import Patient
from fascia.visits.models import VisitNote

S = Claim.Status
OPEN = (S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_PAID, S.APPEALED)  # waiting for the payer


def claims_of(organization: Organization) -> QuerySet[Claim]:
    return Claim.objects.filter(organization=organization)


def get_claim(organization: Organization, public_id: UUID) -> Claim:
    try:
        return (
            claims_of(organization)
            .select_related("patient", "payer", "coverage", "plan__referral__provider", "authorization", "injury_case")
            .get(public_id=public_id)
        )
    except Claim.DoesNotExist as e:
        raise Http404("No such claim.") from e


def notes_to_bill(organization: Organization) -> list[dict]:
    """Patients with signed visit notes on no claim yet, and whether they have insurance to bill:
    two queries."""
    on_claim = ClaimLine.objects.filter(note=OuterRef("pk")).exclude(
        claim__status=S.CLOSED, claim__submitted_at__isnull=True
    )
    notes = (
        VisitNote.objects.filter(patient__organization=organization, status=VisitNote.Status.SIGNED)
        .exclude(Exists(on_claim))
        .select_related("patient")
        .prefetch_related(Prefetch("patient__coverages", queryset=Coverage.objects.select_related("payer")))
        .order_by("patient__family_name", "patient_id", "visited_on")
    )
    by_patient: dict[int, dict] = {}
    for note in notes:
        row = by_patient.setdefault(
            note.patient_id, {"patient": note.patient, "visits": 0, "first": note.visited_on, "coverage": None}
        )
        row["visits"] += 1
        row["coverage"] = row["coverage"] or next(
            (c for c in note.patient.coverages.all() if c.rank == 1 and c.is_active_on(note.visited_on)), None
        )
    return list(by_patient.values())


def queue(organization: Organization) -> dict:
    """The billing work queue: four queries however many claims."""
    claims = list(
        claims_of(organization)
        .exclude(status__in=[S.PAID, S.CLOSED])
        .select_related("patient", "payer")
        .prefetch_related("lines")
        .order_by("created_at")
    )
    grouped: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        grouped[claim.status].append(claim)
    return {
        "to_bill": notes_to_bill(organization),
        "failing": [c for c in grouped[S.DRAFT] if c.problems],
        "clean_drafts": [c for c in grouped[S.DRAFT] if not c.problems],
        "ready": grouped[S.READY],
        "resubmit": grouped[S.REJECTED] + grouped[S.DENIED],
        "waiting": [c for status in OPEN for c in grouped[status]],
    }


AGING_BUCKETS = [(0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, None, "90+")]


def aging(organization: Organization, today: date) -> dict:
    """Accounts receivable by payer and age of the claim (days since it was sent): one query."""
    rows: dict[str, dict[str, Decimal]] = defaultdict(lambda: {label: Decimal("0") for *_, label in AGING_BUCKETS})
    claims = claims_of(organization).filter(status__in=OPEN).select_related("payer").prefetch_related("lines")
    for claim in claims:
        age = (today - (claim.submitted_at.date() if claim.submitted_at else claim.created_at.date())).days
        label = next(label for low, high, label in AGING_BUCKETS if age >= low and (high is None or age <= high))
        rows[claim.payer.name][label] += claim.balance
    totals = {label: sum((r[label] for r in rows.values()), Decimal("0")) for *_, label in AGING_BUCKETS}
    return {"buckets": [label for *_, label in AGING_BUCKETS], "rows": sorted(rows.items()), "totals": totals}


def denials(organization: Organization) -> list[tuple[str, int, Decimal]]:
    """Adjustments by reason across posted remittances, most frequent first: (reason in words, count, amount)."""
    counts: Counter[str] = Counter()
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for posting in Posting.objects.filter(remittance__organization=organization).only("adjustments"):
        for adjustment in posting.adjustments:
            if adjustment["group"] == "PR":
                continue  # the patient's share is not a denial
            key = f"{adjustment['group']}-{adjustment['reason']}: {adjustment['text']}"
            counts[key] += 1
            amounts[key] += Decimal(adjustment["amount"])
    return [(key, n, amounts[key]) for key, n in counts.most_common()]


def ledger(patient: Patient) -> dict:
    """A patient's claims with what was charged, paid by the payer and left to the patient: two queries."""
    claims = list(patient.claims.select_related("payer").prefetch_related("lines").order_by("created_at"))
    return {
        "claims": claims,
        "charged": sum((c.total_charge for c in claims), Decimal("0")),
        "paid": sum((c.paid for c in claims), Decimal("0")),
        "patient_owes": sum((c.patient_responsibility for c in claims), Decimal("0")),
    }


AUTHORIZATION_VISITS_LEFT = 2  # warn when this few authorized visits remain


def with_visits_used(authorizations: QuerySet[Authorization]) -> QuerySet[Authorization]:
    """Annotate `used`: the visits billed under each authorization (drafts closed unsent aside)."""
    billed = ~Q(claims__status=S.CLOSED, claims__submitted_at__isnull=True)
    return authorizations.annotate(used=Count("claims__lines__note", filter=billed, distinct=True))


def chart_context(patient: Patient, user: User) -> dict:
    return {
        "coverages": list(
            patient.coverages.select_related("payer", "injury_case").prefetch_related(
                Prefetch("authorizations", queryset=with_visits_used(Authorization.objects.all()))
            )
        ),
        "today": timezone.localdate(),
        "injury_cases": list(patient.injury_cases.all()),
        "can_edit": user.has_perm("billing.change_coverage"),
        "can_view_claims": user.has_perm("billing.view_claim"),
        **(ledger(patient) if user.has_perm("billing.view_claim") else {}),
    }
