"""The billing reports page's reads: accounts receivable by age and payer, and denials by reason."""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from django.db.models.functions import Coalesce, TruncDate

from fascia.billing.models import Posting
from fascia.billing.queries import OPEN, claims_of, with_charge
from fascia.core.models import Organization

AGING_BUCKETS = [(0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, None, "90+")]


def aging(organization: Organization, today: date) -> dict:
    """Accounts receivable by payer and age of the claim (days since it was sent, or drafted when it was
    never sent, in the clinic's calendar). One query: each open claim's payer, day and what it still owes
    (its charge summed by the database from the line index); grouping lines and claims in the database
    instead hashed all ten years of claim lines."""
    rows: dict[str, dict[str, Decimal]] = defaultdict(lambda: {label: Decimal("0") for *_, label in AGING_BUCKETS})
    open_claims = with_charge(claims_of(organization).filter(status__in=OPEN)).order_by()
    sent = TruncDate(Coalesce("submitted_at", "created_at"))
    for payer, day, charge, paid in open_claims.values_list("payer__name", sent, "charge", "paid"):
        age = (today - day).days
        label = next(label for _, high, label in AGING_BUCKETS if high is None or age <= high)
        rows[payer][label] += charge - paid
    totals = {label: sum((r[label] for r in rows.values()), Decimal("0")) for *_, label in AGING_BUCKETS}
    return {"buckets": [label for *_, label in AGING_BUCKETS], "rows": sorted(rows.items()), "totals": totals}


DENIAL_PERIODS = (30, 90, 365)  # days the denials report looks back, the first the default


def denials(organization: Organization, since: date) -> list[tuple[str, int, Decimal]]:
    """Adjustments by reason in the remittances paid since `since`, most frequent first: (reason
    in words, count, amount). A period, not all time: a clinic asks what payers deny now, and ten
    years of postings are too many to read for a page."""
    counts: Counter[str] = Counter()
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    # Unordered: in the model's order (by id) PostgreSQL's cursor walked all ten years of postings to find
    # a month's. Ties are ordered by reason below instead.
    postings = Posting.objects.filter(remittance__organization=organization, remittance__payment_date__gte=since)
    for adjustments in postings.order_by().values_list("adjustments", flat=True).iterator(chunk_size=2000):
        for adjustment in adjustments:
            if adjustment["group"] == "PR":
                continue  # the patient's share is not a denial
            key = f"{adjustment['group']}-{adjustment['reason']}: {adjustment['text']}"
            counts[key] += 1
            amounts[key] += Decimal(adjustment["amount"])
    return [(key, n, amounts[key]) for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
