"""Coordination of benefits: which coverage pays second, what the primary payer decided on a claim, and
whether Medicaid is billed before another plan (REFERENCE.md §5a "Coordination of benefits").

Reads only what the caller's rows hold or prefetched (`patient.coverages`, a claim's `postings` with their
`adjustments`, and its `lines`), so the 837P export, the CMS-1500 and the scrubber use it on many claims
without a query each."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from fascia.billing.models import Adjustment, Claim, ClaimLine, Coverage, Payer, Posting

REVERSAL = "22"  # CLP02 of a reversal (005010X221A1), as fascia.billing.remittance.parse has it
S = Claim.Status
# The statuses of a claim its payer has decided (paid, paid part, or denied, from its 835; then maybe appealed
# or closed). A reversal sends the claim back to accepted: undecided again.
DECIDED = {S.PAID, S.PARTIALLY_PAID, S.DENIED, S.APPEALED, S.CLOSED}
MEDICAID_LAST = "42 USC 1396a(a)(25)"


def decision(claim: Claim) -> Posting | None:
    """The primary payer's standing decision on a claim: its last posted payment or denial that was not
    reversed since. None while the payer has not decided (or reversed what it decided). Reads
    `claim.postings` (prefetch them with their remittance when reading many claims)."""
    if claim.status not in DECIDED:
        return None
    standing = [p for p in claim.postings.all() if p.state == Posting.State.POSTED and p.status_code != REVERSAL]
    return max(standing, key=lambda p: p.pk) if standing else None


def line_adjustments(posting: Posting, line: ClaimLine) -> list[Adjustment]:
    """The posting's adjustments of one line: those the 835 gave under its code and date (or its code alone,
    when the payer sent no line date). Reads `posting.adjustments` (prefetch them when reading many)."""
    keys = {f"{line.cpt_code} {line.service_date}", line.cpt_code}
    return [a for a in posting.adjustments.all() if a.where in keys]


def claim_adjustments(posting: Posting) -> list[Adjustment]:
    return [a for a in posting.adjustments.all() if a.where == Adjustment.CLAIM]


def other_coverage(coverages: Iterable[Coverage], *, rank: int, day: date) -> Coverage | None:
    """The patient's coverage of that rank active on the day, self-pay aside. Reads `patient.coverages`
    with their payers (prefetched when reading many)."""
    return next(
        (c for c in coverages if c.rank == rank and c.payer.kind != Payer.Kind.SELF_PAY and c.is_active_on(day)),
        None,
    )


# CLP02 19-21: processed and forwarded to the next payer (a crossover, 005010X221A1; REFERENCE.md §5b): the
# payer sent the claim on itself, so a secondary claim from the practice would be a duplicate.
FORWARDED = {"19", "20", "21"}
DENIED = "4"


def something_left(posting: Posting) -> bool:
    """Whether a primary's decision leaves anything for the practice to bill a secondary payer: a patient share,
    or a denial; not when the payer forwarded the claim to the next payer itself."""
    if posting.status_code in FORWARDED:
        return False
    return posting.patient_responsibility > Decimal("0") or posting.status_code == DENIED


def medicaid_before(coverages: Iterable[Coverage], *, day: date) -> str:
    """A warning when a Medicaid coverage active on the day ranks before another active plan (Medicaid is
    the payer of last resort, 42 USC 1396a(a)(25)); "" when none does."""
    active = [c for c in coverages if c.payer.kind != Payer.Kind.SELF_PAY and c.is_active_on(day)]
    medicaid = [c for c in active if c.payer.kind == Payer.Kind.MEDICAID]
    others = [c for c in active if c.payer.kind != Payer.Kind.MEDICAID]
    for m in medicaid:
        ahead_of = [c for c in others if c.rank >= m.rank]
        if ahead_of:
            return (
                f"Medicaid pays last: bill {ahead_of[0].payer} first, and make {m.payer} the last coverage "
                f"({MEDICAID_LAST})."
            )
    return ""
