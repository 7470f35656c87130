"""Writing an 835 for claims Fascia sent, as a payer would answer them: for trying payment posting
on the demo clinic (`fascia demo_835`) and for the tests. Not for sending anywhere.

Each claim gets one of the answers below (CASES); every claim payment balances the way 005010X221A1
requires (REFERENCE.md §5b): per line SVC02 − Σ CAS = SVC03, per claim CLP03 − Σ CAS = CLP04, and per
transaction BPR02 = Σ CLP04 − Σ PLB amounts."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from fascia.billing import cob
from fascia.billing.models import Claim, ClaimLine

ALLOWED = Decimal("0.80")  # the share of the charge the made-up payer allows
CORRECTED = Decimal("0.90")  # what it allows when it corrects a claim it paid at the old fee schedule
COPAY = Decimal("10.00")  # the patient's share of each claim
INTEREST = Decimal("0.02")  # the interest it adds for paying the corrected claim late (PLB L6)
CENT = Decimal("0.01")

# What the payer answers for a claim.
PAID = "paid"  # processed, the allowed amount paid less the copay (CO-45, PR-3)
PARTIAL = "partial"  # the payer split the claim: its first line paid, its last left for a later payment
DEDUCTIBLE = "deductible"  # processed, nothing paid: the whole allowed amount went to the deductible (PR-1)
DENIED = "denied"  # CLP02 4: not medically necessary (CO-50), with a remark code on each line
REVERSED = "reversed"  # paid in an earlier payment, reversed (CLP02 22) and paid again corrected in this one
CASES = (PAID, PARTIAL, DEDUCTIBLE, DENIED, REVERSED)


def demo_cases(claims: list[Claim]) -> dict[str, str]:
    """One claim for each answer but PAID, chosen by claim number among the claims billed to a primary
    payer (the split one among those with two lines or more); every other claim is paid."""
    primary = sorted((c for c in claims if _rank(c) == 1), key=lambda c: c.number)
    cases: dict[str, str] = {}
    split = next((c for c in primary if len(c.lines.all()) > 1), None)
    if split is not None:
        cases[split.number] = PARTIAL
    rest = [c for c in primary if c.number not in cases]
    # The first primary claim stays paid, so a file of five claims or more holds every answer.
    for claim, case in zip(rest[1:], (DEDUCTIBLE, DENIED, REVERSED), strict=False):
        cases[claim.number] = case
    return cases


def write_835(claims: list[Claim], *, paid_on: date, trace: str, cases: Mapping[str, str] | None = None) -> str:
    """One interchange with a transaction per payer, answering each claim as `cases` says (by claim
    number; PAID when it says nothing). A payer with a REVERSED claim also gets an earlier transaction, two
    weeks before, holding the payment its reversal takes back, and adds interest for the delay (PLB L6)."""
    cases = cases or {}
    by_payer: dict[int, list[Claim]] = {}
    for claim in claims:
        by_payer.setdefault(claim.payer_id, []).append(claim)
    transactions: list[list[str]] = []
    for group in by_payer.values():
        reversed_ = [c for c in group if cases.get(c.number) == REVERSED]
        if reversed_:
            earlier = [_answer(c, PAID, suffix="") for c in reversed_]
            number = len(transactions) + 1
            before = paid_on - timedelta(days=14)
            transactions.append(_transaction(group[0], earlier, number, before, f"{trace}-{number}"))
        answers = [
            answer
            for claim in group
            for answer in (
                [_answer(claim, PAID, suffix="").negated(), _answer(claim, REVERSED, suffix="C")]
                if cases.get(claim.number) == REVERSED
                else [_answer(claim, cases.get(claim.number, PAID), suffix="")]
            )
        ]
        number = len(transactions) + 1
        transactions.append(_transaction(group[0], answers, number, paid_on, f"{trace}-{number}"))
    control = f"{int(hashlib.sha256(trace.encode()).hexdigest(), 16) % 10**9:09d}"
    envelope = [
        f"ISA*00*          *00*          *ZZ*{'PAYER':<15}*ZZ*{'FASCIA':<15}*{paid_on:%y%m%d}*1200*^*00501*"
        f"{control}*0*P*:",
        f"GS*HP*PAYER*FASCIA*{paid_on:%Y%m%d}*1200*1*X*005010X221A1",
        *(segment for t in transactions for segment in t),
        f"GE*{len(transactions)}*1",
        f"IEA*1*{control}",
    ]
    return "~\n".join(envelope) + "~\n"


@dataclass
class _Line:
    line: ClaimLine
    charge: Decimal
    paid: Decimal
    adjustments: list[tuple[str, str, Decimal]]  # CAS group, reason, amount
    remarks: tuple[str, ...] = ()


@dataclass
class _Answer:
    claim: Claim
    status: str  # CLP02
    payer_claim_number: str
    lines: list[_Line]
    interest: Decimal = field(default=Decimal("0"))  # PLB L6, which the payer adds to the payment

    def negated(self) -> "_Answer":
        """The reversal of this payment (CLP02 22): every amount with the opposite sign."""
        lines = [
            _Line(li.line, -li.charge, -li.paid, [(g, r, -a) for g, r, a in li.adjustments], li.remarks)
            for li in self.lines
        ]
        return _Answer(self.claim, "22", self.payer_claim_number, lines)


def _rank(claim: Claim) -> int:
    return claim.coverage.rank if claim.coverage is not None else 1


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT)


def _after_the_primary(claim: Claim) -> _Answer | None:
    """A secondary payer's answer (CLP02 2) to a secondary claim whose primary decided: each line's patient
    share the primary left (its PR) paid, the rest restated as the primary's settlement (OA-23, "the impact of
    prior payer adjudication"). None when the primary left nothing to the patient (a denial: the secondary
    then answers as a primary would)."""
    primary = claim.primary_claim
    decision = cob.decision(primary) if primary is not None else None
    if primary is None or decision is None:
        return None
    left = {
        (line.cpt_code, line.service_date): sum(
            (a.amount for a in cob.line_adjustments(decision, line) if a.group == "PR"), Decimal("0")
        )
        for line in primary.lines.all()
    }
    if not any(left.values()):
        return None
    answered = []
    for li in claim.lines.all():
        owed = left.get((li.cpt_code, li.service_date), Decimal("0"))
        answered.append(_Line(li, li.amount, owed, [("OA", "23", li.amount - owed)]))
    return _Answer(claim, "2", f"PCN{claim.number}", answered)


def _answer(claim: Claim, case: str, *, suffix: str) -> _Answer:
    if _rank(claim) == 2 and (secondary := _after_the_primary(claim)) is not None:
        return secondary
    lines = list(claim.lines.all())
    if case == DENIED:
        # Not medically necessary, each line's whole charge written off; N115: decided by an LCD.
        denied = [_Line(li, li.amount, Decimal("0"), [("CO", "50", li.amount)], ("N115",)) for li in lines]
        return _Answer(claim, "4", f"PCN{claim.number}", denied)
    rate = CORRECTED if case == REVERSED else ALLOWED
    # A split claim: the payer answers all its lines but the last now and the last in a later payment; the
    # lines between the first and the last it denies as past the plan's visit limit (CO-119, N640).
    bundled = lines[1:-1] if case == PARTIAL else []
    answered = []
    for index, li in enumerate(lines[:-1] if case == PARTIAL else lines):
        if li in bundled:
            answered.append(_Line(li, li.amount, Decimal("0"), [("CO", "119", li.amount)], ("N640",)))
            continue
        allowed = _cents(li.amount * rate)
        adjustments = [("CO", "45", li.amount - allowed)]
        if case == DEDUCTIBLE:
            patient = [("PR", "1", allowed)]
        else:
            copay = min(COPAY, allowed) if index == 0 else Decimal("0")
            patient = [("PR", "3", copay)] if copay else []
        owed = sum((a for _, _, a in patient), Decimal("0"))
        answered.append(_Line(li, li.amount, allowed - owed, adjustments + patient))
    answer = _Answer(claim, "2" if _rank(claim) == 2 else "1", f"PCN{claim.number}{suffix}", answered)
    if case == REVERSED:
        answer.interest = max(_cents(sum((li.paid for li in answered), Decimal("0")) * INTEREST), CENT)
    return answer


def _claim_segments(answer: _Answer) -> list[str]:
    claim = answer.claim
    charge = sum((li.charge for li in answer.lines), Decimal("0"))
    paid = sum((li.paid for li in answer.lines), Decimal("0"))
    patient = sum((a for li in answer.lines for g, _, a in li.adjustments if g == "PR"), Decimal("0"))
    segments = [
        f"CLP*{claim.number}*{answer.status}*{charge}*{paid}*{patient}*12*{answer.payer_claim_number}",
        f"NM1*QC*1*{claim.patient.family_name.upper()}*{claim.patient.given_name.upper()}",
    ]
    for li in answer.lines:
        code = ":".join(["HC", li.line.cpt_code, *li.line.modifiers])
        segments.append(f"SVC*{code}*{li.charge}*{li.paid}**{li.line.units}")
        segments.append(f"DTM*472*{li.line.service_date:%Y%m%d}")
        # One CAS segment per group, up to six reason/amount pairs each; zero amounts left out.
        groups: dict[str, list[str]] = {}
        for group, reason, amount in li.adjustments:
            if amount:
                groups.setdefault(group, []).extend([reason, str(amount), ""])
        segments += [f"CAS*{group}*{'*'.join(pairs).rstrip('*')}" for group, pairs in groups.items()]
        segments += [f"LQ*HE*{code}" for code in li.remarks]
    return segments


def _transaction(first: Claim, answers: list[_Answer], number: int, paid_on: date, trace: str) -> list[str]:
    organization, payer = first.organization, first.payer
    interest = [(a.claim.number, a.interest) for a in answers if a.interest]
    total = sum((li.paid for a in answers for li in a.lines), Decimal("0")) + sum(
        (amount for _, amount in interest), Decimal("0")
    )
    body = [
        f"ST*835*{number:04d}",
        f"BPR*I*{total}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*{paid_on:%Y%m%d}",
        f"TRN*1*{trace}*1512345678",
        f"DTM*405*{paid_on:%Y%m%d}",
        f"N1*PR*{payer.name.upper()}",
        f"N3*{(payer.address_line1 or 'PO BOX 1').upper()}",
        f"N4*{(payer.city or 'ANYTOWN').upper()}*{payer.state or 'NY'}*"
        f"{(payer.postal_code or '10001').replace('-', '')}",
        "PER*BL*PROVIDER SERVICES*TE*8005550100",
        f"N1*PE*{organization.legal_name.upper()}*XX*{organization.group_npi}",
        "LX*1",
        *(segment for answer in answers for segment in _claim_segments(answer)),
        # Interest the payer adds is a negative provider-level adjustment (PLB04; REFERENCE.md §5b).
        *(
            f"PLB*{organization.group_npi}*{paid_on:%Y}1231*L6:{claim_number}*{-amount}"
            for claim_number, amount in interest
        ),
    ]
    body.append(f"SE*{len(body) + 1}*{number:04d}")
    return body
