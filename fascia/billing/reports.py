"""The billing reports page's reads: accounts receivable by age and payer, and denials by reason."""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from fascia.billing.models import Posting
from fascia.billing.queries import OPEN, claims_of, passed_on, with_books
from fascia.billing.remittance.parse import REVERSAL
from fascia.core.models import Organization

AGING_BUCKETS = [(0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, None, "90+")]


PATIENTS = "Patients (their share)"  # the aging row of what the payers left to the patients


CENT = Decimal("0.01")


def aging(organization: Organization, today: date) -> dict:
    """Accounts receivable by payer and age of the claim (days since it was sent, or drafted when it was
    never sent, in the clinic's calendar), and a row for the patients' balances. Two queries: each open
    claim's payer, day and what the payer still owes (its charge, summed by the database from the line
    index, less what an earlier payer settled, what it paid, adjusted off and moved to the patient or the next
    payer); then what the patients owe, summed per age bucket by the database, as on their ledgers (every
    claim's patient responsibility, but those a secondary claim carries on to the next payer). Grouping
    lines and claims in the database instead hashed all ten years of claim lines."""
    buckets = {label: Decimal("0") for *_, label in AGING_BUCKETS}
    rows: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict(buckets))
    open_claims = with_books(claims_of(organization).filter(status__in=OPEN)).order_by()
    sent = TruncDate(Coalesce("submitted_at", "created_at"))

    def bucket(day: date) -> str:
        age = (today - day).days
        return next(label for _, high, label in AGING_BUCKETS if high is None or age <= high)

    for payer, day, charge, prior, paid, adjusted, patient in open_claims.values_list(
        "payer__name", sent, "charge", "prior_settled", "paid", "adjusted", "patient_responsibility"
    ):
        rows[payer][bucket(day)] += (charge - prior - paid - adjusted - patient).quantize(CENT)
    owed = (
        claims_of(organization)
        .exclude(patient_responsibility=0)
        .exclude(passed_on())  # a secondary claim carries it to the next payer: in that payer's row
        .annotate(day=sent)
        .order_by()
        .values("day")
        .annotate(owed=Sum("patient_responsibility"))
    )
    patients = dict(buckets)
    for row in owed:
        patients[bucket(row["day"])] += row["owed"].quantize(CENT)  # SQLite's SUM gives more places
    ordered = sorted(rows.items())
    if any(patients.values()):
        ordered.append((PATIENTS, patients))
    totals = {label: sum((r[label] for _, r in ordered), Decimal("0")) for label in buckets}
    return {"buckets": list(buckets), "rows": ordered, "totals": totals}


DENIAL_PERIODS = (30, 90, 365)  # days the denials report looks back, the first the default


def denials(
    organization: Organization, since: date, *, until: date | None = None, where: Q | None = None
) -> list[tuple[str, int, Decimal]]:
    """Adjustments by reason in the remittances paid since `since` (and up to `until`, included), most frequent
    first: (reason in words, count, amount). A period, not all time: a clinic asks what payers deny now, and ten
    years of postings are too many to read for a page. `where` narrows the postings further (the dashboards'
    location and practitioner)."""
    counts: Counter[str] = Counter()
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    # Unordered: in the model's order (by id) PostgreSQL's cursor walked all ten years of postings to find
    # a month's. Ties are ordered by reason below instead.
    # Only payments that stand: not those held for review, nor those the payer reversed, nor the reversals.
    postings = Posting.objects.filter(
        remittance__organization=organization, remittance__payment_date__gte=since, state=Posting.State.POSTED
    ).exclude(status_code=REVERSAL)
    if until is not None:
        postings = postings.filter(remittance__payment_date__lte=until)
    if where is not None:
        postings = postings.filter(where)
    for adjustments in postings.order_by().values_list("adjustments", flat=True).iterator(chunk_size=2000):
        for adjustment in adjustments:
            if adjustment["group"] == "PR":
                continue  # the patient's share is not a denial
            key = f"{adjustment['group']}-{adjustment['reason']}: {adjustment['text']}"
            counts[key] += 1
            amounts[key] += Decimal(adjustment["amount"])
    return [(key, n, amounts[key]) for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
