"""The financial dashboard's figures (issue 28 point 3): units and revenue per visit by payer, collection rate,
days in AR, denial rate by reason, and unbilled work.

Definitions (each stated on the page too):

- **Charges** are the lines of claims sent to the payers (a claim's first payer only: a secondary claim asks again
  for the same visit), by date of service. Drafts are not yet charged; a draft closed unsent never was.
- **Gross collection rate** = what the payers paid ÷ what was charged, over the claim payments (835 CLP) posted in
  the range: CLP04 ÷ CLP03 of the same claims, so both sides cover the same visits. Not the net (adjusted)
  collection rate, payments ÷ (charges − contractual adjustments) (MGMA's "adjusted fee-for-service collection
  percentage"; HFMA MAP key "net collection rate"): Fascia records the payers' payments but not what patients pay
  at the desk, so a net rate would count every patient share (835 group PR) as uncollected; and the posted CO
  total holds denials as well as contractual write-offs.
- **Days in AR** = total accounts receivable ÷ average daily charges, the average over the range's days (HFMA MAP
  key "Days in accounts receivable"; MGMA "days in A/R"). AR is today's, as the billing reports age it
  (`fascia.billing.reports.aging`: what the payers still owe on open claims plus what patients owe), and the
  clinic's: AR has no practitioner.
- **Denial rate** = claim payments the payer denied (CLP02 = 4, REFERENCE.md §5b) ÷ claim payments posted, in the
  range; by reason, each reason's count (CARC group-reason, non-PR adjustments: `fascia.billing.reports.denials`)
  over the same claim payments.
- **Unbilled work**: signed visits on no claim (`UnbilledVisit`), with why (no active primary coverage on the
  visit date, else waiting to be billed); and on visits that are billed, the timed minutes documented that no line
  bills: NCCI-bundled (the claim's `withheld` minutes, with their reason), else minutes too few for a unit (a timed
  code under 8 minutes, CMS Pub. 100-04 ch. 5 §20.2; REFERENCE.md §1).
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from fascia.analytics.filters import Filters, by_week, ratio
from fascia.billing.models import ClaimLine, ClaimNote, Coverage, Posting, UnbilledVisit
from fascia.billing.reports import aging, denials, standing
from fascia.billing.units import TIMED_CODES
from fascia.visits.models import VisitTechnique

DENIED = "4"  # CLP02: denied (REFERENCE.md §5b)
ZERO = Decimal("0")
CENTS = Decimal("0.01")


class WithheldMinutes(Func):
    """The sum of the `minutes` of a JSON array of objects (ClaimNote.withheld: [{code, region, minutes, reason}]),
    computed by the database: a correlated scalar over the array's elements, in each backend's JSON functions."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(SELECT COALESCE(SUM(json_extract(e.value, '$.minutes')), 0) FROM json_each(%(expressions)s) AS e)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = (
            "(SELECT COALESCE(SUM((e ->> 'minutes')::integer), 0) FROM jsonb_array_elements(%(expressions)s) AS e)"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


def charged_lines(f: Filters) -> QuerySet[ClaimLine]:
    """The lines of claims sent to their first payer, by date of service in the range, at the location (the
    claim's service location) and by the practitioner (the line's rendering provider)."""
    lines = ClaimLine.objects.filter(
        claim__organization=f.organization,
        claim__primary_claim__isnull=True,
        claim__submitted_at__isnull=False,
        service_date__gte=f.start,
        service_date__lte=f.end,
    )
    if f.location is not None:
        lines = lines.filter(claim__service_location=f.location)
    if f.practitioner is not None:
        lines = lines.filter(rendering=f.practitioner)
    return lines


def postings(f: Filters) -> QuerySet[Posting]:
    """Claim payments that stand (posted, not reversed nor reversals), in remittances paid in the range; of claims
    to the location, of claims with a line the practitioner rendered."""
    found = standing(f.organization, f.start, f.end)
    if f.location is not None:
        found = found.filter(claim__service_location=f.location)
    if f.practitioner is not None:
        # The range's payments joined to the practitioner's lines, as a set of ids: written as EXISTS (a line of
        # the claim) PostgreSQL's row-level security led the planner to a nested loop over every pair of the
        # practitioner's claims and the range's remittances, 9 s a statement for a year at the benchmark's size.
        found = found.filter(pk__in=found.filter(claim__lines__rendering=f.practitioner).values("pk"))
    return found


def by_payer(f: Filters) -> dict[str, Any]:
    """Per payer: visits billed (the notes the lines bill), units, charges and what was paid on the lines; and per
    visit. One grouped query."""
    by = (
        charged_lines(f)
        .order_by()
        .values("claim__payer", "claim__payer__name")
        .annotate(
            visits=Count("note", distinct=True),
            units=Sum("units"),
            charged=Sum("amount"),
            paid=Sum("paid"),
        )
        .order_by("claim__payer__name", "claim__payer")
    )
    rows = [
        {
            "payer": r["claim__payer__name"],
            "visits": r["visits"],
            "units": r["units"] or 0,
            "charged": _money(r["charged"]),
            "paid": _money(r["paid"]),
        }
        for r in by
    ]
    total = {
        k: sum((r[k] for r in rows), ZERO if k in ("charged", "paid") else 0)
        for k in ("visits", "units", "charged", "paid")
    }
    for row in [*rows, total]:
        row["units_per_visit"] = ratio(row["units"], row["visits"])
        row["charged_per_visit"] = _per(row["charged"], row["visits"])
        row["paid_per_visit"] = _per(row["paid"], row["visits"])
    return {"rows": rows, "total": total}


def _money(value: Decimal | None) -> Decimal:
    # SQLite's SUM hands decimals back with more places.
    return (value or ZERO).quantize(CENTS)


def _per(amount: Decimal, count: int) -> Decimal | None:
    return (amount / count).quantize(CENTS) if count else None


def revenue_weeks(f: Filters) -> list[dict[str, Any]]:
    """Per week of the range: charges (by date of service) and payments (by payment date). Two grouped queries."""
    charged = by_week(charged_lines(f), TruncWeek("service_date"), Sum("amount"))
    paid = by_week(postings(f), TruncWeek("remittance__payment_date"), Sum("paid"))
    rows, monday = [], f.start - timedelta(days=f.start.weekday())
    while monday <= f.end:
        rows.append({"week": monday, "charged": _money(charged.get(monday)), "paid": _money(paid.get(monday))})
        monday += timedelta(weeks=1)
    return rows


def collections(f: Filters) -> dict[str, Any]:
    """The claim payments of the range: charged, paid, adjusted off, left to the patient; the gross collection
    rate (paid ÷ charged) and the denial rate (denied ÷ claim payments). One aggregate query."""
    totals = postings(f).aggregate(
        claims=Count("pk"),
        denied=Count("pk", filter=Q(status_code=DENIED)),
        charged=Coalesce(Sum("charged"), Value(ZERO)),
        paid=Coalesce(Sum("paid"), Value(ZERO)),
        adjusted=Coalesce(Sum("adjusted"), Value(ZERO)),
        patient=Coalesce(Sum("patient_responsibility"), Value(ZERO)),
    )
    money = {k: _money(totals[k]) for k in ("charged", "paid", "adjusted", "patient")}
    return {
        "claims": totals["claims"],
        "denied": totals["denied"],
        **money,
        "collection_rate": ratio(money["paid"], money["charged"]),
        "denial_rate": ratio(totals["denied"], totals["claims"]),
    }


def denial_reasons(f: Filters, claims: int) -> list[dict[str, Any]]:
    """Adjustments and denials by reason (CARC group-reason) in the range's claim payments, each with its rate over
    the claim payments posted (`claims`). Reuses the billing reports' breakdown."""
    rows = denials(postings(f))
    return [{"reason": reason, "times": n, "amount": amount, "rate": ratio(n, claims)} for reason, n, amount in rows]


def days_in_ar(f: Filters) -> dict[str, Any]:
    """Today's total AR (payers and patients, as the billing reports age it) ÷ the average daily charges of the
    range. Both the clinic's: AR has no practitioner, so the location and practitioner filters do not apply (a
    practitioner's charges against the clinic's AR would mean nothing)."""
    ar = aging(f.organization, timezone.localdate())
    total = sum(ar["totals"].values(), ZERO)
    clinic = Filters(f.organization, f.start, f.end)
    charged = _money(charged_lines(clinic).aggregate(s=Sum("amount"))["s"])
    daily = charged / f.days
    # AR ÷ (charges ÷ days), as AR × days ÷ charges: no rounding of the daily average on the way.
    return {"ar": total, "daily_charges": _money(daily), "days": ratio(total * f.days, charged)}


def unbilled(f: Filters) -> dict[str, Any]:
    """Unbilled work of the range: signed visits on no claim, and why; the timed minutes documented on billed
    visits that no line bills, and why. Four aggregate queries."""
    visits = UnbilledVisit.objects.filter(organization=f.organization, visited_on__gte=f.start, visited_on__lte=f.end)
    if f.location is not None:
        visits = visits.filter(note__appointment__location=f.location)
    if f.practitioner is not None:
        visits = visits.filter(note__practitioner=f.practitioner)
    covered = Coverage.objects.filter(
        patient=OuterRef("patient"), rank=1, starts_on__lte=OuterRef("visited_on")
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("visited_on")))
    documented = (
        VisitTechnique.objects.filter(note=OuterRef("note"))
        .order_by()
        .values("note")
        .annotate(m=Sum("minutes"))
        .values("m")
    )
    counts = visits.annotate(has_coverage=Exists(covered), documented=Coalesce(Subquery(documented), 0)).aggregate(
        visits=Count("pk"),
        uncovered=Count("pk", filter=Q(has_coverage=False)),
        minutes=Coalesce(Sum("documented"), 0),
        oldest=Count("pk", filter=Q(visited_on__lt=timezone.localdate() - timedelta(days=30))),
    )

    # Billed visits: the notes on a live claim to their first payer, in the range.
    billed_notes = ClaimNote.objects.filter(
        claim__organization=f.organization,
        claim__primary_claim__isnull=True,
        live=True,
        note__visited_on__gte=f.start,
        note__visited_on__lte=f.end,
    )
    lines = ClaimLine.objects.filter(
        claim__organization=f.organization,
        claim__primary_claim__isnull=True,
        service_date__gte=f.start,
        service_date__lte=f.end,
        cpt_code__in=TIMED_CODES,
    ).filter(Exists(ClaimNote.objects.filter(claim=OuterRef("claim"), live=True)))
    if f.location is not None:
        billed_notes = billed_notes.filter(note__appointment__location=f.location)
        lines = lines.filter(note__appointment__location=f.location)
    if f.practitioner is not None:
        billed_notes = billed_notes.filter(note__practitioner=f.practitioner)
        lines = lines.filter(rendering=f.practitioner)
    # Joined from the billed notes (a note is on one live claim per payer, so once here but for a visit billed to
    # two first payers, whose lines both count too): as `note IN (billed notes)` PostgreSQL's row-level security
    # led the planner to an index probe per technique and note, 6.5 s for a year at the benchmark's size against
    # 1.1 s (bench/README.md, "The worker's counts").
    timed = billed_notes.aggregate(
        m=Coalesce(Sum("note__techniques__minutes", filter=Q(note__techniques__technique__cpt_code__in=TIMED_CODES)), 0)
    )["m"]
    billed = lines.aggregate(m=Coalesce(Sum("minutes"), 0))["m"]
    bundled = billed_notes.aggregate(m=Coalesce(Sum(WithheldMinutes("withheld")), 0))["m"]
    under_a_unit = max(0, timed - billed - bundled)
    return {
        "visits": counts["visits"],
        "uncovered": counts["uncovered"],
        "waiting": counts["visits"] - counts["uncovered"],
        "older_than_30_days": counts["oldest"],
        "visit_minutes": counts["minutes"],
        "documented_minutes": timed,
        "billed_minutes": billed,
        "bundled_minutes": bundled,
        "under_a_unit_minutes": under_a_unit,
        "unbilled_minutes": bundled + under_a_unit,
    }


def finances(f: Filters) -> dict[str, Any]:
    """Everything the financial dashboard shows."""
    payers = by_payer(f)
    money = collections(f)
    return {
        "payers": payers,
        "weeks": revenue_weeks(f),
        "collections": money,
        "days_in_ar": days_in_ar(f),
        "denials": denial_reasons(f, money["claims"]),
        "unbilled": unbilled(f),
    }
