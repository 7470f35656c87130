"""Posting an 835 remittance: each claim payment matched to its claim and lines, the claim moved to
paid, partially paid or denied, the patient's share left as their balance. One transaction per
file; unmatched payments are kept and listed, never dropped; the same file never posts twice."""

import hashlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.billing.claims.services import BillingError, can_move, record_moves
from fascia.billing.models import Claim, ClaimEvent, ClaimLine, Posting, Remittance
from fascia.billing.remittance.codes import describe_adjustment
from fascia.billing.remittance.parse import ClaimPayment, parse_835
from fascia.core.models import Organization, User

S = Claim.Status
DENIED = {"4"}  # CLP02: denied
REVERSED = {"22"}  # CLP02: reversal of a previous payment


class AlreadyImported(BillingError):
    pass


def adjustment(where: str, group: str, reason: str, amount: Decimal) -> dict:
    """One adjustment as a posting keeps it: where it applies (the claim, or a line's code and date), its
    CAS group and reason, and the reason in words."""
    return {
        "where": where,
        "group": group,
        "reason": reason,
        "amount": str(amount),
        "text": describe_adjustment(group, reason),
    }


def _adjustments(payment: ClaimPayment) -> list[dict]:
    return [
        adjustment(where, a.group, a.reason, a.amount)
        for where, adjustments in [("claim", payment.adjustments)]
        + [(f"{s.procedure} {s.service_date or ''}".strip(), s.adjustments) for s in payment.services]
        for a in adjustments
    ]


def posted_status(
    *, status_code: str, paid: Decimal, settled: Decimal, charge: Decimal, adjustments: list[dict]
) -> str:
    """The status a payment moves its claim to: denied when the payer says so or pays nothing (but on a
    reversal); else paid once what the payer paid, the patient owes and the contractual (CO) adjustments
    write off cover the charge, partially paid while a balance is left that no adjustment explains.
    `paid` is this payment; `settled` what the claim has been paid and left to the patient so far, this
    payment included."""
    if status_code in DENIED or (paid <= 0 and status_code not in REVERSED):
        return S.DENIED
    contractual = sum((Decimal(a["amount"]) for a in adjustments if a["group"] == "CO"), Decimal("0"))
    return S.PAID if settled + contractual >= charge else S.PARTIALLY_PAID


def posting_note(trace_number: str, paid: Decimal, patient_responsibility: Decimal) -> str:
    """The claim event's note for a status an 835 moved."""
    return f"835 {trace_number}: paid {paid}, patient owes {patient_responsibility}"


def _post(claim: Claim, payment: ClaimPayment, posting: Posting) -> tuple[list[ClaimLine], str | None]:
    """Apply a payment to its claim and lines in memory; the lines it paid and the status the claim
    moves to (None when it stays). import_835 writes them all at once."""
    lines, paid = list(claim.lines.all()), []
    for service in payment.services:
        line = next(
            (
                li
                for li in lines
                if li.cpt_code == service.procedure and (service.service_date in (None, li.service_date))
            ),
            None,
        )
        if line is None:
            posting.unmatched_lines.append(
                {"procedure": service.procedure, "date": str(service.service_date or ""), "paid": str(service.paid)}
            )
            continue
        line.paid += service.paid
        paid.append(line)
        lines.remove(line)
    claim.paid += payment.paid
    claim.patient_responsibility += payment.patient_responsibility
    if payment.payer_claim_number:
        claim.payer_claim_number = payment.payer_claim_number
    to = posted_status(
        status_code=payment.status_code,
        paid=payment.paid,
        settled=claim.paid + claim.patient_responsibility,
        charge=claim.total_charge,
        adjustments=posting.adjustments,
    )
    return paid, (to if to != claim.status and can_move(claim.status, to) else None)


@transaction.atomic
def import_835(*, actor: User | None, organization: Organization, text: str, filename: str = "") -> Remittance:
    """Parse and post a whole file, or nothing (the parser's RemittanceError names the segment)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    earlier = Remittance.objects.filter(organization=organization, digest=digest).first()
    if earlier is not None:
        raise AlreadyImported(f"This file was already posted on {earlier.created_at:%Y-%m-%d %H:%M}; nothing posted.")
    parsed = parse_835(text)
    payments = [payment for transaction_set in parsed for payment in transaction_set.claims]
    remittance = Remittance.objects.create(
        organization=organization,
        digest=digest,
        filename=filename[:200],
        payer_name=", ".join(sorted({t.payer_name for t in parsed}))[:100],
        trace_number=", ".join(t.trace_number for t in parsed)[:50],
        payment_date=max((t.payment_date for t in parsed if t.payment_date), default=None),
        total_paid=sum((t.total_paid for t in parsed), Decimal("0")),
        imported_by=actor,
    )
    numbers = [p.patient_control_number for p in payments]
    claims = {
        c.number: c
        for c in Claim.objects.select_for_update(of=("self",))
        .filter(organization=organization, number__in=numbers)
        .select_related("patient")
        .prefetch_related("lines")
    }
    # Applied in memory, then written in one statement per table, as a file holds thousands of claims.
    postings: list[Posting] = []
    paid_lines: dict[int, ClaimLine] = {}
    moves: list[ClaimEvent] = []
    for payment in payments:
        claim = claims.get(payment.patient_control_number)
        posting = Posting(
            remittance=remittance,
            claim=claim,
            claim_number=payment.patient_control_number[:40],
            status_code=payment.status_code,
            charged=payment.charge,
            paid=payment.paid,
            patient_responsibility=payment.patient_responsibility,
            payer_claim_number=payment.payer_claim_number[:50],
            adjustments=_adjustments(payment),
        )
        if claim is not None:
            lines, to = _post(claim, payment, posting)
            paid_lines |= {line.pk: line for line in lines}
            if to is not None:
                note = posting_note(remittance.trace_number, payment.paid, payment.patient_responsibility)
                moves.append(ClaimEvent(claim=claim, from_status=claim.status, to_status=to, actor=actor, note=note))
                claim.status = to
        postings.append(posting)
    now = timezone.now()
    for claim in claims.values():  # each of them paid by a payment of the file
        claim.updated_at = now
    # In statements of 100 rows: bulk_update writes a CASE over its rows for every column, which
    # PostgreSQL evaluates row by row, so its cost grows with the square of the batch.
    ClaimLine.objects.bulk_update(paid_lines.values(), ["paid"], batch_size=100)
    Claim.objects.bulk_update(
        claims.values(),
        ["paid", "patient_responsibility", "payer_claim_number", "status", "updated_at"],
        batch_size=100,
    )
    record_moves(moves, actor=actor)
    Posting.objects.bulk_create(postings)
    audit.record(
        actor=actor,
        action=AuditAction.REMITTANCE_POSTED,
        target=remittance,
        detail={"claims": numbers, "unmatched": [n for n in numbers if n not in claims]},
    )
    return remittance
