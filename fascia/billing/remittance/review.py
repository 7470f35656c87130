"""Acting on payments an 835 held for review (posting.py's _hold_reason: a claim never sent, already
settled, or that the payment would settle more than the charge): billing staff post one once the reason
no longer holds (the claim has since been sent), through the same apply() as an import, or dismiss it
with a note (a refund asked of the payer, a payment for another provider). One transaction and one audit
entry each; a claim moved gets its event."""

from django.db import transaction

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.billing.claims.services import BillingError
from fascia.billing.models import ClaimEvent, ClaimLine, Posting
from fascia.billing.remittance.posting import CLAIM_FIELDS, apply, coordinate, locked_claims
from fascia.core.models import Organization, User


class ReviewError(BillingError):
    pass


def _held(organization: Organization, posting_id: int) -> Posting:
    """The clinic's held posting, locked; another clinic's reads as none."""
    posting = (
        Posting.objects.select_for_update(of=("self",))
        .select_related("remittance", "claim")
        .filter(pk=posting_id, remittance__organization=organization)
        .first()
    )
    if posting is None:
        raise ReviewError("There is no such payment.")
    if posting.state != Posting.State.HELD:
        raise ReviewError(f"The payment for claim {posting.claim_number} is not held for review.")
    return posting


@transaction.atomic
def post_held(*, actor: User, organization: Organization, posting_id: int) -> Posting:
    """Post a held payment to its claim as it is now, or refuse (ReviewError) with the reason it still holds."""
    posting = _held(organization, posting_id)
    if posting.claim is None:
        raise ReviewError(f"Claim {posting.claim_number} is not a claim of this clinic; dismiss the payment.")
    claim = locked_claims(organization, [posting.claim.number])[posting.claim.number]
    applied = apply(claim, posting, trace_number=posting.remittance.trace_number, actor=actor)
    if posting.state == Posting.State.HELD:
        raise ReviewError(f"Not posted: {posting.hold_reason}")
    ClaimLine.objects.bulk_update(applied.lines, ["paid"])
    claim.save(update_fields=[*CLAIM_FIELDS, "updated_at"])
    posting.save(update_fields=["state", "hold_reason", "unmatched_lines"])
    if applied.reversed is not None:
        applied.reversed.save(update_fields=["state"])
    if applied.move is not None:
        ClaimEvent.objects.bulk_create([applied.move])
    posting.claim = claim
    coordinate(actor, [posting], [claim])  # a primary's decision drafts its secondary claim, as an import does
    audit.record(
        actor=actor,
        action=AuditAction.HELD_PAYMENT_POSTED,
        target=claim,
        patient=claim.patient,
        detail={"posting": posting.pk, "trace": posting.remittance.trace_number, "status": claim.status},
    )
    return posting


@transaction.atomic
def dismiss_held(*, actor: User, organization: Organization, posting_id: int, note: str) -> Posting:
    """Set a held payment aside for good, with the reason (required); its claim is left as it is."""
    note = note.strip()
    if not note:
        raise ReviewError("Say why the payment is dismissed, e.g. a refund was asked of the payer.")
    posting = _held(organization, posting_id)
    posting.state, posting.dismissal_note = Posting.State.DISMISSED, note[:300]
    posting.save(update_fields=["state", "dismissal_note"])
    audit.record(
        actor=actor,
        action=AuditAction.HELD_PAYMENT_DISMISSED,
        target=posting.claim or posting.remittance,
        patient=posting.claim.patient if posting.claim else None,
        detail={"posting": posting.pk, "trace": posting.remittance.trace_number, "note": posting.dismissal_note},
    )
    return posting
