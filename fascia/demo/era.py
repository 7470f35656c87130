"""Writing an 835 for claims Fascia sent, as a payer would answer them: for trying payment posting
on the demo clinic (`fascia demo_835`) and for the tests. Not for sending anywhere."""

import hashlib
from datetime import date
from decimal import Decimal

from fascia.billing.models import Claim

ALLOWED = Decimal("0.80")  # the share of the charge the made-up payer allows
COPAY = Decimal("10.00")  # the patient's share of each claim


def write_835(claims: list[Claim], *, paid_on: date, trace: str, deny: tuple[str, ...] = ()) -> str:
    """One interchange with a transaction per payer, paying each claim (allowed 80%, the patient's
    copay as PR-3, the rest as CO-45); claims whose number is in `deny` are denied (CO-50, not
    medically necessary)."""
    by_payer: dict[int, list[Claim]] = {}
    for claim in claims:
        by_payer.setdefault(claim.payer_id, []).append(claim)
    transactions = [
        _transaction(group, number, paid_on=paid_on, trace=f"{trace}-{number}", deny=deny)
        for number, group in enumerate(by_payer.values(), start=1)
    ]
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


def _transaction(claims: list[Claim], number: int, *, paid_on: date, trace: str, deny: tuple[str, ...]) -> list[str]:
    segments = []
    total = Decimal("0")
    for claim in claims:
        lines = list(claim.lines.all())
        charge = sum((line.amount for line in lines), Decimal("0"))
        denied = claim.number in deny
        # Per line: allowed 80% of its charge, the rest CO-45; the copay (PR-3) from the first line. The
        # claim's amounts are its lines' sums, so each claim and the transaction balance (X221A1).
        allowed = [Decimal("0") if denied else (line.amount * ALLOWED).quantize(Decimal("0.01")) for line in lines]
        copay = Decimal("0") if denied or not lines else min(COPAY, allowed[0])
        paid = sum(allowed, Decimal("0")) - copay
        total += paid
        segments.append(f"CLP*{claim.number}*{'4' if denied else '1'}*{charge}*{paid}*{copay}*12*PCN{claim.number}")
        segments.append(f"NM1*QC*1*{claim.patient.family_name.upper()}*{claim.patient.given_name.upper()}")
        for index, (line, line_allowed) in enumerate(zip(lines, allowed, strict=True)):
            line_copay = copay if index == 0 else Decimal("0")
            line_paid = line_allowed - line_copay
            code = ":".join(["HC", line.cpt_code, *line.modifiers])
            segments.append(f"SVC*{code}*{line.amount}*{line_paid}**{line.units}")
            segments.append(f"DTM*472*{line.service_date:%Y%m%d}")
            if denied:
                segments.append(f"CAS*CO*50*{line.amount}")
                continue
            segments.append(f"CAS*CO*45*{line.amount - line_allowed}")
            if line_copay:
                segments.append(f"CAS*PR*3*{line_copay}")
    organization = claims[0].organization
    body = [
        f"ST*835*{number:04d}",
        f"BPR*I*{total}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*{paid_on:%Y%m%d}",
        f"TRN*1*{trace}*1512345678",
        f"DTM*405*{paid_on:%Y%m%d}",
        f"N1*PR*{claims[0].payer.name.upper()}",
        f"N3*{(claims[0].payer.address_line1 or 'PO BOX 1').upper()}",
        f"N4*{(claims[0].payer.city or 'ANYTOWN').upper()}*{claims[0].payer.state or 'NY'}*"
        f"{(claims[0].payer.postal_code or '10001').replace('-', '')}",
        "PER*BL*PROVIDER SERVICES*TE*8005550100",
        f"N1*PE*{organization.legal_name.upper()}*XX*{organization.group_npi}",
        "LX*1",
        *segments,
    ]
    body.append(f"SE*{len(body) + 1}*{number:04d}")
    return body
