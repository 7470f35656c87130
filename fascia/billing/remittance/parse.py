"""Read X12 835 (005010X221A1) health care claim payment/advice files.

Plain Python, no Django: a posting service turns the Remittance objects into payments.
parse_835() checks the envelope (ISA/GS/ST … SE/GE/IEA, segment counts, control numbers) and
every element it reads, and stops at the first problem with a message naming the segment and
its position in the file: a truncated or garbled remittance must never be half posted. It then checks
that each transaction's money balances (imbalances()), the way the implementation guide requires.
Segments the clinic does not need (addresses, TS3/TS2 totals, AMT) are skipped.
Text the file leaves out reads as "", like a blank CharField; a missing date or quantity is None.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from fascia.billing.remittance.codes import describe_claim_status

_AMOUNT = re.compile(r"-?(\d+\.?\d*|\.\d+)")  # X12 "R" type: no exponent, no thousands separator
_DATE = re.compile(r"\d{8}")
# The product/service qualifiers SVC01-1 may hold, followed by a separator that is not ISA16.
# The LinuxForHealth/x12 samples (taken from the implementation guide's examples) declare ':'
# in ISA16 but write "HC>55669". A qualifier, one punctuation character and a code can only mean
# that composite, so we read it; anything else without the declared separator stays one value.
_STRAY_COMPOSITE = re.compile(r"(?:AD|ER|HC|HP|IV|N4|NU|WK)([^\w\s])\w.*")
_ISA_LENGTH = 106  # 16 fixed-width elements and the segment terminator
# CLP02 22: the payer takes back a payment it sent before; the reversal repeats the claim with every amount
# of the sign opposite to the original (005010X221A1, "Reversals and Corrections").
REVERSAL = "22"


class RemittanceError(ValueError):
    """The text is not a usable 835; the message names the segment and its position."""


@dataclass(frozen=True)
class Adjustment:
    """One reason/amount/quantity triplet of a CAS segment."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


# The parser fills a transaction's Remittance, its claims and their services segment by segment.
@dataclass
class ServicePayment:
    procedure: str
    qualifier: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    units: Decimal
    service_date: date | None = None
    line_control_number: str = ""
    position: int = 0  # of the SVC segment in the file, for messages
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: tuple[str, ...] = ()


@dataclass
class ClaimPayment:
    patient_control_number: str
    status_code: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    filing_indicator: str
    payer_claim_number: str
    patient_name: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)
    services: list[ServicePayment] = field(default_factory=list)
    remarks: tuple[str, ...] = ()  # claim-level remark codes (RARC) from MOA or MIA
    position: int = 0  # of the CLP segment in the file, for messages

    @property
    def is_reversal(self) -> bool:
        return self.status_code == REVERSAL

    @property
    def status(self) -> str:
        return describe_claim_status(self.status_code)


@dataclass(frozen=True)
class ProviderAdjustment:
    """One adjustment of a PLB segment: not tied to a claim (interest, an overpayment recovered …).

    A positive amount reduces the payment, a negative one adds to it (X221A1, PLB04)."""

    provider: str
    fiscal_period: date | None
    reason: str
    reference: str
    amount: Decimal


@dataclass
class Remittance:
    control_number: str
    transaction: str
    payer_name: str = ""
    payer_id: str = ""
    payer_identifier: str = ""  # TRN03: "1" and the payer's tax id, which names the payer with TRN02
    payee_name: str = ""
    payee_npi: str = ""
    payment_method: str = ""
    total_paid: Decimal = Decimal(0)
    payment_date: date | None = None
    trace_number: str = ""  # TRN02: the check or EFT trace number
    claims: list[ClaimPayment] = field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
    position: int = 0  # of the BPR segment in the file, for messages

    @property
    def payer_key(self) -> str:
        """Who sent the payment, as the guide names it: TRN03 (the payer's identifier), else the payer's
        N1*PR identifier or REF*2U, else its name. With TRN02 it identifies one payment (005010X221A1,
        "Reassociation of Dollars and Data"), whatever the file's line breaks."""
        return self.payer_identifier or self.payer_id or self.payer_name


def parse_835(text: str) -> list[Remittance]:
    """Parse an 835 file into one Remittance per ST/SE transaction set.

    Raises RemittanceError for anything malformed or truncated, or a transaction whose money does not
    balance (the first of imbalances()); see the module docstring.
    """
    remittances = _read(*_split(text))
    for remittance in remittances:
        if problems := imbalances(remittance):
            raise RemittanceError(problems[0])
    return remittances


def imbalances(remittance: Remittance) -> list[str]:
    """Where a transaction's money does not add up, one message per fault naming its segment and claim.

    The 835 balancing rules (005010X221A1, "Balancing", in our words): a service line's charge
    (SVC02) less its payment (SVC03) is the sum of its CAS amounts; a claim's charge (CLP03) less its
    payment (CLP04) is the sum of the CAS amounts of the claim and of all its lines; and the transaction's
    total (BPR02) is the sum of its claim payments less the provider-level adjustments (PLB amounts).
    A payment that does not balance cannot be posted honestly: the difference would be money no one
    accounts for.
    """
    problems = []
    for claim in remittance.claims:
        for service in claim.services:
            adjusted = sum((a.amount for a in service.adjustments), Decimal(0))
            if service.charge - service.paid != adjusted:
                problems.append(
                    f"Segment {service.position} (SVC): claim {claim.patient_control_number}, "
                    f"line {service.procedure}: "
                    f"charge {service.charge} - paid {service.paid} = {service.charge - service.paid}, but the "
                    f"line's adjustments add up to {adjusted}; the payment does not balance."
                )
        adjusted = sum((a.amount for a in claim.adjustments), Decimal(0))
        adjusted += sum((a.amount for s in claim.services for a in s.adjustments), Decimal(0))
        if claim.charge - claim.paid != adjusted:
            problems.append(
                f"Segment {claim.position} (CLP): claim {claim.patient_control_number}: charge {claim.charge} - "
                f"paid {claim.paid} = {claim.charge - claim.paid}, but the adjustments add up to {adjusted}; "
                "the payment does not balance."
            )
    paid = sum((c.paid for c in remittance.claims), Decimal(0))
    withheld = sum((a.amount for a in remittance.provider_adjustments), Decimal(0))
    if remittance.total_paid != paid - withheld:
        problems.append(
            f"Segment {remittance.position} (BPR): transaction {remittance.transaction}: BPR02 total paid "
            f"{remittance.total_paid}, but the claims' payments {paid} less the provider adjustments {withheld} "
            f"make {paid - withheld}; the transaction does not balance."
        )
    return problems


@dataclass(frozen=True)
class _Segment:
    position: int  # 1-based, counted over the whole file
    elements: list[str]

    @property
    def id(self) -> str:
        return self.elements[0]

    def __getitem__(self, index: int) -> str:
        return self.elements[index].strip() if index < len(self.elements) else ""

    def error(self, message: str) -> RemittanceError:
        return RemittanceError(f"Segment {self.position} ({self.id}): {message}")

    def required(self, index: int, label: str) -> str:
        if not self[index]:
            raise self.error(f"{self.id}{index:02d} {label} is missing.")
        return self[index]

    def amount(self, index: int, label: str, *, noun: str = "an amount") -> Decimal:
        value = self.required(index, label)
        if not _AMOUNT.fullmatch(value):
            raise self.error(f"{self.id}{index:02d} {label} '{value}' is not {noun}.")
        return Decimal(value)

    def decimal(self, index: int, label: str, *, noun: str = "an amount") -> Decimal | None:
        return self.amount(index, label, noun=noun) if self[index] else None

    def day(self, index: int, label: str) -> date:
        value = self.required(index, label)
        if _DATE.fullmatch(value):
            try:
                return date(int(value[:4]), int(value[4:6]), int(value[6:]))
            except ValueError:
                pass
        raise self.error(f"{self.id}{index:02d} {label} '{value}' is not a date (CCYYMMDD).")

    def optional_day(self, index: int, label: str) -> date | None:
        return self.day(index, label) if self[index] else None


def _split(text: str) -> tuple[list[_Segment], str]:
    """Cut the text into segments with the delimiters the ISA segment declares."""
    text = text.lstrip("\ufeff \t\r\n")
    if not text.startswith("ISA"):
        found = "the text is empty" if not text else f"the text starts with '{text[:3]}'"
        raise RemittanceError(f"Segment 1 (ISA): an 835 file starts with an ISA segment, but {found}.")
    if len(text) < _ISA_LENGTH:
        raise RemittanceError(
            f"Segment 1 (ISA): the ISA segment is cut short ({len(text)} characters, {_ISA_LENGTH} expected)."
        )
    separator, component, terminator = text[3], text[104], text[105]
    if text[:105].count(separator) != 16 or terminator.isalnum() or terminator in (separator, component):
        raise RemittanceError(
            f"Segment 1 (ISA): the ISA segment is not {_ISA_LENGTH} characters of fixed-width elements "
            "followed by the segment terminator."
        )
    *pieces, tail = text.split(terminator)
    segments = [
        _Segment(position, piece.split(separator))
        for position, piece in enumerate((p.strip() for p in pieces if p.strip()), start=1)
    ]
    if tail.strip():
        last = _Segment(len(segments) + 1, tail.strip().split(separator))
        if last.id != "IEA":  # a missing terminator after the final IEA is harmless
            raise last.error(f"the file ends inside this segment (no '{terminator}' after it); it looks truncated.")
        segments.append(last)
    return segments, component


class _Transaction:
    """One ST … SE transaction set, filled segment by segment."""

    def __init__(self, st: _Segment, *, control_number: str, component: str) -> None:
        self.st, self.component = st, component
        self.number = st.required(2, "control number")
        self.remittance = Remittance(control_number, self.number)
        self.seen: set[str] = set()  # the ids of the segments read, and each N1 with its N101 ("N1*PR")
        self.entity = ""  # N101 of the last N1, which the REF segments after it describe
        self.claim: ClaimPayment | None = None
        self.service: ServicePayment | None = None
        self.service_dates: dict[str, date] = {}  # DTM qualifier: date, of the open service

    READ = ("BPR", "TRN", "N1", "REF", "DTM", "CLP", "NM1", "CAS", "SVC", "LQ", "MOA", "MIA", "PLB")  # by _bpr …

    def add(self, segment: _Segment) -> None:
        if segment.id in self.READ:
            self.seen.add(segment.id)
            getattr(self, f"_{segment.id.lower()}")(segment)

    def finish(self, se: _Segment) -> Remittance:
        counted = se.position - self.st.position + 1
        declared = se.required(1, "segment count")
        if declared != str(counted):
            raise se.error(f"SE01 says {declared} segments, but ST to SE holds {counted}.")
        if se[2] != self.number:
            raise se.error(f"SE02 control number '{se[2]}' does not match ST02 '{self.number}'.")
        if "BPR" not in self.seen:
            raise se.error(f"transaction {self.number} has no BPR segment (BPR02 is the total paid).")
        if "TRN" not in self.seen:
            raise se.error(f"transaction {self.number} has no TRN segment (the trace number that names the payment).")
        for name, who in (("N1*PR", "payer"), ("N1*PE", "payee")):
            if name not in self.seen:
                raise se.error(f"transaction {self.number} names no {who} ({name}).")
        return self.remittance

    def _bpr(self, s: _Segment) -> None:
        self.remittance.position = s.position
        self.remittance.total_paid = s.amount(2, "total paid")
        self.remittance.payment_method = s.required(4, "payment method")
        self.remittance.payment_date = s.optional_day(16, "payment date")

    def _trn(self, s: _Segment) -> None:
        self.remittance.trace_number = s.required(2, "trace number")
        self.remittance.payer_identifier = s[3]

    def _n1(self, s: _Segment) -> None:
        self.entity = s[1]
        self.seen.add(f"N1*{s[1]}")
        if s[1] == "PR":
            self.remittance.payer_name, self.remittance.payer_id = s[2], s[4]
        elif s[1] == "PE":
            self.remittance.payee_name, self.remittance.payee_npi = s[2], s[4] if s[3] == "XX" else ""

    def _ref(self, s: _Segment) -> None:
        if self.service is not None:
            if s[1] == "6R":
                self.service.line_control_number = s[2]
        elif self.claim is None and self.entity == "PR" and s[1] == "2U":
            self.remittance.payer_id = s[2] or self.remittance.payer_id

    def _dtm(self, s: _Segment) -> None:
        day = s.day(2, "date")
        if self.service is not None:
            self.service_dates.setdefault(s[1], day)
            # 472 is the service date; payers that give a range send 150 (start) and 151 (end).
            self.service.service_date = self.service_dates.get("472", self.service_dates.get("150"))

    def _clp(self, s: _Segment) -> None:
        self.service = None
        self.claim = ClaimPayment(
            patient_control_number=s.required(1, "patient control number"),
            status_code=s.required(2, "claim status"),
            charge=s.amount(3, "charge"),
            paid=s.amount(4, "payment"),
            patient_responsibility=s.decimal(5, "patient responsibility") or Decimal(0),
            filing_indicator=s[6],
            payer_claim_number=s[7],
            position=s.position,
        )
        self.remittance.claims.append(self.claim)

    def _nm1(self, s: _Segment) -> None:
        if self.claim is not None and s[1] == "QC":
            last, first, middle = s[3], s[4], s[5]
            self.claim.patient_name = f"{last}, {first} {middle}".strip() if first else last

    def _cas(self, s: _Segment) -> None:
        if len(s.elements) > 20:
            raise s.error("a CAS segment holds at most six reason/amount/quantity triplets.")
        group = s.required(1, "group code")
        adjustments = [
            Adjustment(
                group=group,
                reason=s.required(index, "reason code"),
                amount=s.amount(index + 1, "amount"),
                quantity=s.decimal(index + 2, "quantity", noun="a number"),
            )
            for index in range(2, 20, 3)
            if s[index] or s[index + 1] or s[index + 2]
        ]
        if not adjustments:
            s.required(2, "reason code")
        if self.service is not None:
            self.service.adjustments += adjustments
        elif self.claim is not None:
            self.claim.adjustments += adjustments
        else:
            raise s.error("CAS comes before any claim (CLP).")

    def _svc(self, s: _Segment) -> None:
        if self.claim is None:
            raise s.error("SVC comes before any claim (CLP).")
        composite = s.required(1, "procedure")
        parts = self._components(composite)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise s.error(
                f"SVC01 procedure '{composite}' is not a qualifier and a code (e.g. HC{self.component}97140)."
            )
        units = s.decimal(5, "units", noun="a number")
        self.service = ServicePayment(
            procedure=parts[1],
            qualifier=parts[0],
            modifiers=tuple(p for p in parts[2:6] if p),
            charge=s.amount(2, "charge"),
            paid=s.amount(3, "payment"),
            units=Decimal(1) if units is None else units,
            position=s.position,
        )
        self.service_dates = {}
        self.claim.services.append(self.service)

    def _lq(self, s: _Segment) -> None:
        if self.service is not None and s[1] == "HE":
            self.service.remarks += (s.required(2, "remark code"),)

    def _moa(self, s: _Segment) -> None:
        # MOA03-MOA07: claim-level remark codes of an outpatient claim (RARC).
        if self.claim is not None:
            self.claim.remarks += tuple(s[i] for i in range(3, 8) if s[i])

    def _mia(self, s: _Segment) -> None:
        # MIA05 and MIA20-MIA23: claim-level remark codes of an inpatient claim (RARC).
        if self.claim is not None:
            self.claim.remarks += tuple(s[i] for i in (5, 20, 21, 22, 23) if s[i])

    def _plb(self, s: _Segment) -> None:
        # PLB: after the claims, up to six adjustment reason (PLB03-1) : reference (PLB03-2) / amount pairs.
        provider = s.required(1, "provider identifier")
        period = s.optional_day(2, "fiscal period date")
        pairs = [index for index in range(3, 15, 2) if s[index] or s[index + 1]]
        if not pairs:
            s.required(3, "adjustment reason")
        for index in pairs:
            reason, *reference = self._components(s.required(index, "adjustment reason"))
            self.remittance.provider_adjustments.append(
                ProviderAdjustment(
                    provider=provider,
                    fiscal_period=period,
                    reason=reason,
                    reference=reference[0] if reference else "",
                    amount=s.amount(index + 1, "amount"),
                )
            )
        self.claim = self.service = None  # the claims end where the provider adjustments begin

    def _components(self, value: str) -> list[str]:
        if self.component not in value and (stray := _STRAY_COMPOSITE.fullmatch(value)):
            return value.split(stray.group(1))
        return value.split(self.component)


def _read(segments: list[_Segment], component: str) -> list[Remittance]:
    """Walk the envelope: ISA (GS (ST … SE)* GE)* IEA, possibly several interchanges."""
    remittances: list[Remittance] = []
    interchange: _Segment | None = None
    group: _Segment | None = None
    transaction: _Transaction | None = None
    groups = transactions = 0
    for segment in segments:
        if segment.id in ("ISA", "GS", "GE", "IEA", "ST") and transaction is not None:
            raise segment.error(f"transaction {transaction.number} has no SE before this segment.")
        match segment.id:
            case "ISA":
                if interchange is not None:
                    raise segment.error(f"interchange {interchange[13]} has no IEA before this ISA.")
                interchange, groups = segment, 0
            case "GS":
                if interchange is None:
                    raise segment.error("GS comes after the IEA that closed the interchange.")
                if group is not None:
                    raise segment.error(f"group {group[6]} has no GE before this GS.")
                group, groups, transactions = segment, groups + 1, 0
            case "ST":
                if group is None:
                    raise segment.error("ST comes outside a functional group (no GS before it).")
                if segment[1] != "835":
                    raise segment.error(f"ST01 transaction set '{segment[1]}' is not an 835.")
                assert interchange is not None  # a group opens only inside an interchange
                transaction = _Transaction(segment, control_number=interchange[13], component=component)
                transactions += 1
            case "SE":
                if transaction is None:
                    raise segment.error("SE without an ST before it.")
                remittances.append(transaction.finish(segment))
                transaction = None
            case "GE":
                if group is None:
                    raise segment.error("GE without a GS before it.")
                if segment[1] != str(transactions):
                    raise segment.error(f"GE01 says {segment[1]} transactions, but the group holds {transactions}.")
                if segment[2] != group[6]:
                    raise segment.error(f"GE02 control number '{segment[2]}' does not match GS06 '{group[6]}'.")
                group = None
            case "IEA":
                if interchange is None:
                    raise segment.error("IEA without an ISA before it.")
                if group is not None:
                    raise segment.error(f"group {group[6]} has no GE before the IEA.")
                if segment[1] != str(groups):
                    raise segment.error(f"IEA01 says {segment[1]} groups, but the interchange holds {groups}.")
                if segment[2] != interchange[13]:
                    raise segment.error(
                        f"IEA02 control number '{segment[2]}' does not match ISA13 '{interchange[13]}'."
                    )
                interchange = None
            case _:
                if transaction is None:
                    raise segment.error(f"{segment.id} is outside a transaction set (no ST*835 before it).")
                transaction.add(segment)
    last = segments[-1]
    if transaction is not None:
        raise last.error(f"the file ends inside transaction {transaction.number} (no SE); it looks truncated.")
    if interchange is not None:
        raise last.error("the file ends without an IEA segment; it looks truncated.")
    if not remittances:
        raise last.error("the file holds no 835 transaction (ST*835).")
    return remittances
