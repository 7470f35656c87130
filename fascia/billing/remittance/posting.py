"""Posting 835 remittances: each claim payment matched to its claim and lines; the payer's paid amount,
its adjustments (CO, PI, OA: written off) and the patient's share (PR: deductible, coinsurance, copay)
kept on the claim, which moves to paid, partially paid or denied as the payer decided (CLP02), or back
to the payer on a reversal. A payment for a claim never sent, already settled, or that would settle more
than the charge is held for review, not posted, until billing staff post or dismiss it (review.py); both
ways reach the claim through apply().

One database transaction per file, and all or nothing: a malformed or unbalanced file, a claim the clinic
does not have, or a payment already posted (the same payer and trace number, however the file is laid
out) is refused with a one-line reason and posts nothing."""

from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.billing import cob
from fascia.billing.claims.services import BillingError, check, draft_secondaries, move, record_moves
from fascia.billing.models import Adjustment, Claim, ClaimEvent, ClaimLine, Posting, ProviderAdjustment, Remittance
from fascia.billing.remittance import parse
from fascia.billing.remittance.codes import describe_remark
from fascia.billing.remittance.parse import REVERSAL, ClaimPayment, RemittanceError, parse_835
from fascia.core.models import Organization, User

S = Claim.Status
# CLP02, the payer's decision (005010X221A1; REFERENCE.md §5b). Processed, whatever it paid: a claim whose
# whole allowed amount went to the deductible is processed and paid nothing, and is not a denial.
PROCESSED = {"1", "2", "3", "19", "20", "21"}
DENIED = {"4"}
# CAS groups that take their amount off the charge for good (contractual obligation, payer-initiated
# reduction, other; CR only in 4010). PR, patient responsibility, moves to the patient's share.
WRITTEN_OFF = {"CO", "PI", "OA", "CR"}
PATIENT = "PR"
NEVER_SENT = {S.DRAFT, S.READY}
SETTLED = {S.PAID, S.CLOSED}
# What apply() changes on a claim.
CLAIM_FIELDS = ["paid", "adjusted", "patient_responsibility", "payer_claim_number", "status"]
REOPENED = S.ACCEPTED  # a reversed claim waits for the payer's corrected answer again


class AlreadyImported(BillingError):
    pass


class UnknownClaim(BillingError):
    pass


class Applied(NamedTuple):
    """What apply() changed besides the claim: its lines paid, its move, the payment a reversal took back."""

    lines: list[ClaimLine]
    move: ClaimEvent | None
    reversed: Posting | None


def adjustment(where: str, group: str, reason: str, amount: Decimal) -> Adjustment:
    """One adjustment as a posting keeps it (unsaved): where it applies (the claim, or a line's code and
    date), its CAS group and reason, and its amount."""
    return Adjustment(where=where[:80], group=group, reason=reason, amount=amount)


def remark(where: str, code: str) -> dict:
    return {"where": where, "code": code, "text": describe_remark(code)}


def _where(service: parse.ServicePayment) -> str:
    return f"{service.procedure} {service.service_date or ''}".strip()


def _adjustments(payment: ClaimPayment) -> list[Adjustment]:
    return [
        adjustment(where, a.group, a.reason, a.amount)
        for where, adjustments in [(Adjustment.CLAIM, payment.adjustments)]
        + [(_where(s), s.adjustments) for s in payment.services]
        for a in adjustments
    ]


def _remarks(payment: ClaimPayment) -> list[dict]:
    return [remark("claim", code) for code in payment.remarks] + [
        remark(_where(s), code) for s in payment.services for code in s.remarks
    ]


# CARC 23, "the impact of prior payer(s) adjudication including payments and/or adjustments": on a secondary
# claim's payment, what the primary payer already settled, restated; the primary's claim holds it (its paid and
# adjusted, the secondary's `prior`), so it takes nothing off the secondary claim a second time.
PRIOR_PAYER = "23"


def shares(adjustments: list[Adjustment], *, secondary: bool = False) -> tuple[Decimal, Decimal]:
    """What a payment's adjustments write off (CO, PI, OA) and what they leave to the patient (PR); on a
    secondary claim, not the primary payer's settlement the secondary restates (CARC 23)."""
    written_off = sum(
        (a.amount for a in adjustments if a.group in WRITTEN_OFF and not (secondary and a.reason == PRIOR_PAYER)),
        Decimal("0"),
    )
    patient = sum((a.amount for a in adjustments if a.group == PATIENT), Decimal("0"))
    return written_off, patient


def posted_status(*, status_code: str, balance: Decimal) -> str:
    """The status a posted payment moves its claim to: denied when the payer says so (CLP02 4); else paid
    once nothing is left for the payer (`balance`: the charge less what it paid, adjusted off and moved
    to the patient), partially paid while something is."""
    if status_code in DENIED:
        return S.DENIED
    return S.PAID if balance <= 0 else S.PARTIALLY_PAID


def posting_note(trace_number: str, paid: Decimal, patient_responsibility: Decimal) -> str:
    """The claim event's note for a status an 835 moved."""
    return f"835 {trace_number}: paid {paid}, patient owes {patient_responsibility}"


def _hold_reason(claim: Claim, posting: Posting, reversed_: Posting | None) -> str:
    """Why a payment must not post to its claim without a person's review, or "" when it may."""
    number = claim.number
    if claim.status in NEVER_SENT:
        return f"Claim {number} was never sent to a payer (it is {claim.get_status_display().lower()})."
    if posting.status_code == REVERSAL:
        if reversed_ is None:
            return f"A reversal of {-posting.paid} for claim {number}, which has no such payment posted."
        return ""
    if posting.status_code not in PROCESSED | DENIED:
        return f"CLP02 {posting.status_code} ({posting.status_text}) is not a payment decision to post."
    if claim.status in SETTLED:
        return f"Claim {number} is already settled ({claim.get_status_display().lower()})."
    left = claim.balance - posting.paid - posting.adjusted - posting.patient_responsibility
    if left < 0:
        return (
            f"Claim {number}: paid {posting.paid}, adjusted {posting.adjusted} and {posting.patient_responsibility} "
            f"to the patient would settle more than the {claim.balance} the payer still owes."
        )
    return ""


def _services(payment: ClaimPayment) -> list[dict]:
    """A payment's service lines as a posting keeps them, so a held payment can post later."""
    return [
        {"procedure": s.procedure, "date": str(s.service_date or ""), "paid": str(s.paid)} for s in payment.services
    ]


def _pay_lines(claim: Claim, posting: Posting) -> list[ClaimLine]:
    """Each service payment added to the claim line of its code and date (in memory); the lines paid."""
    lines, paid = list(claim.lines.all()), []
    for service in posting.services:
        code, day = service["procedure"], service["date"]
        line = next((li for li in lines if li.cpt_code == code and day in ("", str(li.service_date))), None)
        if line is None:
            posting.unmatched_lines.append(service)
            continue
        line.paid += Decimal(service["paid"])
        paid.append(line)
        lines.remove(line)
    return paid


def locked_claims(organization: Organization, numbers: list[str]) -> dict[str, Claim]:
    """The clinic's claims of these numbers, locked in one order (by id) so two writers paying the same claims
    wait for each other, never deadlock; each with its lines and the postings a reversal may take back."""
    return {
        c.number: c
        for c in Claim.objects.select_for_update(of=("self",))
        .filter(organization=organization, number__in=numbers)
        .select_related("patient", "coverage", "primary_claim")  # a secondary's balance counts its primary's
        .prefetch_related(
            "lines",
            Prefetch(
                "postings",
                Posting.objects.filter(state=Posting.State.POSTED).exclude(status_code=REVERSAL),
                to_attr="reversible",
            ),
        )
        .order_by("pk")
    }


def apply(claim: Claim, posting: Posting, *, trace_number: str, actor: User | None) -> Applied:
    """The one way a payment reaches its claim (in memory; the caller saves): held for review with the reason
    when it may not post (posting.state HELD), else its amounts added to the claim and its lines, the claim
    moved as the payer decided, and on a reversal the payment it takes back marked reversed. `claim` comes
    from locked_claims()."""
    reversible: list[Posting] = claim.reversible  # type: ignore[attr-defined]  # the Prefetch to_attr
    original = (
        next((p for p in reversible if p.paid == -posting.paid), None) if posting.status_code == REVERSAL else None
    )
    if reason := _hold_reason(claim, posting, original):
        posting.state, posting.hold_reason = Posting.State.HELD, reason[:300]
        return Applied([], None, None)
    posting.state, posting.hold_reason = Posting.State.POSTED, ""
    lines = _pay_lines(claim, posting)
    claim.paid += posting.paid
    claim.adjusted += posting.adjusted
    claim.patient_responsibility += posting.patient_responsibility
    if original is not None:
        reversible.remove(original)
        original.state = Posting.State.REVERSED
        to: str = REOPENED
        note = f"835 {trace_number}: the payer reversed its payment of {original.paid}; reopened"
    else:
        reversible.append(posting)
        to = posted_status(status_code=posting.status_code, balance=claim.balance)
        note = posting_note(trace_number, posting.paid, posting.patient_responsibility)
        if posting.payer_claim_number:
            claim.payer_claim_number = posting.payer_claim_number
    move = None
    if to != claim.status:
        move = ClaimEvent(claim=claim, from_status=claim.status, to_status=to, actor=actor, note=note)
        claim.status = to
    return Applied(lines, move, original)


def coordinate(actor: User | None, postings: list[Posting], touched: list[Claim]) -> None:
    """After the payments post: draft the secondary claim of each primary claim the file decided with something
    left for a second payer (draft_secondaries); and put back to draft, re-scrubbed, the unsent secondary claims
    of primaries the file reversed, whose primary decision is gone (the scrubber then says so; a secondary
    claim already sent waits for staff, who see the reversal on the primary)."""
    standing: dict[int, Posting] = {}
    for posting in postings:
        claim = posting.claim
        if claim is None or claim.primary_claim_id is not None or (claim.coverage and claim.coverage.rank != 1):
            continue
        if posting.state == Posting.State.POSTED and posting.status_code != REVERSAL:
            standing[claim.pk] = posting
    decided = [
        (claim, standing[claim.pk])
        for claim in touched
        if claim.pk in standing and claim.status in cob.DECIDED and standing[claim.pk].state == Posting.State.POSTED
    ]
    if decided:
        draft_secondaries(actor=actor, decided=decided)
    reopened = [claim.pk for claim in touched if claim.status == REOPENED]
    if not reopened:
        return
    for secondary in Claim.objects.filter(primary_claim_id__in=reopened, status__in=NEVER_SENT).order_by("pk"):
        if secondary.status == S.READY:
            move(secondary, S.DRAFT, actor=actor, note="The primary payer reversed its decision")
        check(secondary)


def _create(remittance: Remittance) -> Remittance:
    """Insert a remittance, or refuse it as already posted: two imports of one payment at the same
    moment both pass the check before it, and the database's unique constraint decides (the second
    INSERT waits for the first transaction, then fails). In a savepoint, so the check after it runs."""
    try:
        with transaction.atomic():
            remittance.save(force_insert=True)
    except IntegrityError:
        earlier = _earlier(remittance.organization, remittance.payer_identifier, remittance.trace_number)
        if earlier is None:
            raise
        raise already_posted(earlier) from None
    return remittance


def _earlier(organization: Organization, payer: str, trace: str) -> Remittance | None:
    return Remittance.objects.filter(organization=organization, payer_identifier=payer, trace_number=trace).first()


def already_posted(earlier: Remittance) -> AlreadyImported:
    return AlreadyImported(
        f"Payment {earlier.trace_number} from {earlier.payer_name or earlier.payer_identifier} was already posted "
        f"on {timezone.localtime(earlier.created_at):%Y-%m-%d %H:%M}; nothing posted."
    )


def summary(remittances: list[Remittance], filename: str) -> str:
    """What an import posted, in one line (the page's message and the command's output). One query."""
    states = list(Posting.objects.filter(remittance__in=remittances).values_list("state", flat=True))
    held = states.count(Posting.State.HELD)
    payments = ", ".join(f"{r.payer_name or r.payer_identifier} {r.trace_number}" for r in remittances)
    message = (
        f"Posted {len(states) - held} claim payment(s) from {filename or 'the file'} "
        f"({len(remittances)} payment{'s' if len(remittances) != 1 else ''}: {payments})."
    )
    if held:
        message += f" {held} held for review, listed on the Payments page."
    return message


@transaction.atomic
def import_835(*, actor: User | None, organization: Organization, text: str, filename: str = "") -> list[Remittance]:
    """Parse and post a whole file, one Remittance per transaction (ST … SE), or nothing.

    Refused: RemittanceError (malformed or unbalanced; the message names the segment), UnknownClaim,
    AlreadyImported. Held for review (posted as held, the claim untouched): see _hold_reason()."""
    parsed = parse_835(text)
    seen: dict[tuple[str, str], parse.Remittance] = {}
    for t in parsed:
        key = (t.payer_key[:80], t.trace_number)
        if key in seen:
            raise RemittanceError(
                f"Segment {t.position} (BPR): transaction {t.transaction} repeats the payment {t.trace_number} of "
                f"transaction {seen[key].transaction}."
            )
        seen[key] = t
        if (earlier := _earlier(organization, *key)) is not None:
            raise already_posted(earlier)
    remittances = [
        _create(
            Remittance(
                organization=organization,
                filename=filename[:200],
                payer_name=t.payer_name[:100],
                payer_identifier=t.payer_key[:80],
                trace_number=t.trace_number[:50],
                interchange=t.control_number[:9],
                transaction=t.transaction[:9],
                payment_date=t.payment_date,
                total_paid=t.total_paid,
                imported_by=actor,
            )
        )
        for t in parsed
    ]
    numbers = [p.patient_control_number for t in parsed for p in t.claims]
    claims = locked_claims(organization, numbers)
    for t in parsed:
        for payment in t.claims:
            if payment.patient_control_number not in claims:
                raise UnknownClaim(
                    f"Segment {payment.position} (CLP): claim {payment.patient_control_number} is not a claim of "
                    "this clinic; nothing posted."
                )
    # Applied in memory, in the file's order (a reversal comes before its correction), then written in one
    # statement per table, as a file holds thousands of claims.
    postings: list[Posting] = []
    adjustments_of: list[tuple[Posting, list[Adjustment]]] = []
    paid_lines: dict[int, ClaimLine] = {}
    moves: list[ClaimEvent] = []
    reversed_postings: list[Posting] = []
    touched: dict[int, Claim] = {}  # the claims a payment posted to, by id
    for remittance, t in zip(remittances, parsed, strict=True):
        for payment in t.claims:
            claim = claims[payment.patient_control_number]
            adjustments = _adjustments(payment)
            adjusted, patient = shares(adjustments, secondary=claim.primary_claim_id is not None)
            posting = Posting(
                remittance=remittance,
                claim=claim,
                claim_number=payment.patient_control_number[:40],
                status_code=payment.status_code,
                charged=payment.charge,
                paid=payment.paid,
                adjusted=adjusted,
                patient_responsibility=patient,
                payer_claim_number=payment.payer_claim_number[:50],
                remarks=_remarks(payment),
                services=_services(payment),
            )
            postings.append(posting)
            adjustments_of.append((posting, adjustments))
            applied = apply(claim, posting, trace_number=t.trace_number, actor=actor)
            if posting.state == Posting.State.HELD:
                continue
            paid_lines |= {line.pk: line for line in applied.lines}
            touched[claim.pk] = claim
            if applied.reversed is not None and applied.reversed.pk is not None:
                reversed_postings.append(applied.reversed)
            if applied.move is not None:
                moves.append(applied.move)
    now = timezone.now()
    for claim in touched.values():
        claim.updated_at = now
    # In statements of 100 rows: bulk_update writes a CASE over its rows for every column, which
    # PostgreSQL evaluates row by row, so its cost grows with the square of the batch.
    ClaimLine.objects.bulk_update(paid_lines.values(), ["paid"], batch_size=100)
    Claim.objects.bulk_update(
        touched.values(),
        [*CLAIM_FIELDS, "updated_at"],
        batch_size=100,
    )
    Posting.objects.bulk_update(reversed_postings, ["state"], batch_size=100)
    record_moves(moves, actor=actor)
    Posting.objects.bulk_create(postings)
    for posting, adjustments in adjustments_of:
        for a in adjustments:
            a.posting = posting
    Adjustment.objects.bulk_create(a for _, adjustments in adjustments_of for a in adjustments)
    coordinate(actor, postings, list(touched.values()))
    ProviderAdjustment.objects.bulk_create(
        ProviderAdjustment(
            remittance=remittance,
            provider=a.provider[:50],
            fiscal_period=a.fiscal_period,
            reason=a.reason[:2],
            reference=a.reference[:50],
            amount=a.amount,
        )
        for remittance, t in zip(remittances, parsed, strict=True)
        for a in t.provider_adjustments
    )
    audit.record(
        actor=actor,
        action=AuditAction.REMITTANCE_POSTED,
        target=remittances[0],
        detail={
            "remittances": [r.pk for r in remittances],
            "claims": numbers,
            "held": [p.claim_number for p in postings if p.state == Posting.State.HELD],
        },
    )
    return remittances
