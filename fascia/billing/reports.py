"""The billing reports page's reads: accounts receivable by age and payer, and denials by reason."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from fascia.billing.models import Adjustment, Posting
from fascia.billing.queries import OPEN, claims_of, passed_on, with_books
from fascia.billing.remittance.codes import describe_adjustment
from fascia.billing.remittance.parse import REVERSAL
from fascia.billing.remittance.posting import PATIENT
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


def standing(organization: Organization, since: date, until: date | None = None) -> QuerySet[Posting]:
    """The claim payments that stand (posted; neither reversed by the payer nor reversals, nor held for review)
    in the remittances paid since `since` (and up to `until`, included)."""
    postings = Posting.objects.filter(
        remittance__organization=organization, remittance__payment_date__gte=since, state=Posting.State.POSTED
    ).exclude(status_code=REVERSAL)
    if until is not None:
        postings = postings.filter(remittance__payment_date__lte=until)
    return postings


def denials(postings: QuerySet[Posting]) -> list[tuple[str, int, Decimal]]:
    """The adjustments of these claim payments by reason, most frequent first: (reason in words, times, amount).
    Counted and summed by the database, one row per group and reason (a clinic asks what payers deny in a
    period: ten years of postings are too many to read for a page); the patient's share (PR) is not a denial."""
    rows = (
        Adjustment.objects.filter(posting__in=postings.values("pk"))
        .exclude(group=PATIENT)
        .values_list("group", "reason")
        .annotate(times=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    found = [(f"{g}-{r}: {describe_adjustment(g, r)}", times, amount.quantize(CENT)) for g, r, times, amount in rows]
    return sorted(found, key=lambda row: (-row[1], row[0]))
