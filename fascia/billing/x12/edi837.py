"""The X12 837P (005010X222A1) professional claim writer: claims written as one interchange.

A pure core: it takes the plain, frozen dataclasses below (`from_models.py` fills them from the
database) and imports no Django and no fascia model, so it is tested with tables of cases and
`validate.py` checks what it writes with pyx12.

Loops and segments follow pyx12's own map (the domain notes' 837P_outline.txt; REFERENCE.md §5
has the key points). Values are uppercased and kept to the X12 basic character set, so no value can
contain a separator.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fascia.lib.contact import digits_only

VERSION = "005010X222A1"
# Claims (CLM segments) in one transaction set: the 837P guide (005010X222A1) sets 5000. Its
# limit of 100 is on loop 2300 under one subscriber (2000B) or patient (2000C) loop; every claim here has
# its own subscriber loop, so it never applies (pyx12 checks both).
MAX_CLAIMS = 5000
MAX_LINES = 50  # per claim (2400 loops)
MAX_DIAGNOSES = 12  # HI01-HI12
NO_CLAIMS = "An 837P needs at least one claim."

ELEMENT, COMPONENT, SEGMENT, REPETITION = "*", ":", "~", "^"
# The X12 basic character set, less the separators chosen above.
_NOT_BASIC = re.compile(r"[^A-Z0-9 !\"&'()+,\-./;?=]")
_TITLES = {"DR", "DR.", "MR", "MR.", "MRS", "MRS.", "MS", "MS."}
_SEX = {"female": "F", "male": "M"}
SELF = "18"  # the individual relationship code of a patient who is the subscriber
# ISA05/ISA07 interchange ID qualifiers a clearinghouse assigns (X12 ISA, element I05).
ID_QUALIFIERS = frozenset({"01", "14", "20", "27", "28", "29", "30", "33", "ZZ"})
# Signatures on file (005010X222A1 2300 CLM08/CLM09, 2320 OI03/OI06). Benefits assignment certification:
# Y the patient signed an assignment of benefits to the provider, W "not applicable", the guide's code for
# a patient who refused to assign benefits, N none on file. Release of information: Y a signed statement
# permitting the release of billing data is on file, I informed consent only (no signature collected).
ASSIGNED, ASSIGNMENT_REFUSED, NOT_ASSIGNED = "Y", "W", "N"
RELEASE_SIGNED, RELEASE_INFORMED = "Y", "I"
# CLM07 provider accept assignment: A assigned, C not assigned (the payer pays the patient).
ACCEPTS_ASSIGNMENT, DOES_NOT_ACCEPT = "A", "C"
# CLM05-3 claim frequency codes that replace or void a claim the payer already has (REF*F8 names it).
REPLACEMENT, VOID = "7", "8"


@dataclass(frozen=True)
class Address:
    """A street address; a party without line1 gets no N3/N4."""

    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


def zip_digits(address: Address) -> str:
    return digits_only(address.postal_code)


def same_place(one: Address, other: Address) -> bool:
    """Two addresses name the same place: the same street line, city, state and 5-digit ZIP (a ZIP+4 and
    its 5-digit ZIP are the same place; spelling is compared as X12 writes it)."""

    def key(a: Address) -> tuple[str, str, str, str]:
        return clean(a.line1, 55), clean(a.city, 30), clean(a.state, 2), zip_digits(a)[:5]

    return key(one) == key(other)


@dataclass(frozen=True)
class Person:
    family: str
    given: str
    middle: str = ""


@dataclass(frozen=True)
class BillingProvider:
    """The practice: the submitter (1000A) and the billing provider (2000A/2010AA)."""

    name: str  # its legal name
    npi: str  # the group NPI
    tax_id: str  # the EIN, REF*EI
    phone: str  # the submitter contact, PER
    address: Address = Address()


@dataclass(frozen=True)
class Payer:
    name: str
    payer_id: str
    filing_indicator: str  # SBR09: CI commercial, MB Medicare B, MC Medicaid, WC workers' comp, AM auto
    medicare: bool = False  # SBR05 then says why Medicare is not the primary payer
    property_casualty: bool = False  # workers' comp or auto: REF*Y4 carries the insurer's claim number
    address: Address = Address()


@dataclass(frozen=True)
class Coverage:
    payer: Payer
    member_id: str
    group_number: str = ""
    primary: bool = True  # SBR01 P, else S
    relationship: str = SELF  # the patient's relationship to the subscriber (PAT01, SBR02 of 2320)
    subscriber: Person = Person("", "")  # the subscriber, when the patient is not (relationship other than SELF)
    # What the patient signed for this payer: CLM08/CLM09 on its own claim, OI03/OI06 when it is the other payer.
    assignment: str = NOT_ASSIGNED
    release: str = RELEASE_INFORMED


@dataclass(frozen=True)
class Patient:
    name: Person
    birth_date: date | None = None
    sex: str = ""  # "female" or "male"; anything else is written U
    address: Address = Address()


@dataclass(frozen=True)
class Provider:
    """A rendering practitioner (2310B, 2420A)."""

    name: Person  # NM1 of a rendering provider carries no middle name
    npi: str
    taxonomy_code: str


@dataclass(frozen=True)
class Referring:
    """The referring provider (2310A), named in one field as the directory keeps it ('Dr. Ada B. Rowe, MD')."""

    name: str
    npi: str


@dataclass(frozen=True)
class Injury:
    """A work or accident injury the claim is related to (CLM11, DTP*431/439, REF*Y4)."""

    related_cause: str  # AA auto accident, EM employment, OA other accident
    injury_date: date
    accident_state: str = ""
    claim_number: str = ""  # the property and casualty insurer's claim number


@dataclass(frozen=True)
class Line:
    service_date: date
    cpt_code: str
    units: int
    amount: Decimal
    place_of_service: str
    rendering: Provider
    modifiers: tuple[str, ...] = ()
    diagnosis_pointers: tuple[int, ...] = ()


@dataclass(frozen=True)
class ServiceFacility:
    """Where the services were given (2310C), when not at the billing provider's address."""

    name: str
    address: Address


@dataclass(frozen=True)
class Clearinghouse:
    """The receiver of the file and the IDs it assigned to the submitter (ISA05-08, GS02/03, 1000A, 1000B)."""

    name: str  # 1000B NM103
    submitter_id: str  # ISA06, 1000A NM109 (and GS02 unless application_sender is given)
    receiver_id: str  # ISA08, 1000B NM109 (and GS03 unless application_receiver is given)
    submitter_qualifier: str = "ZZ"  # ISA05
    receiver_qualifier: str = "ZZ"  # ISA07
    application_sender: str = ""  # GS02
    application_receiver: str = ""  # GS03
    contact_name: str = ""  # PER02; the practice's name when empty
    contact_phone: str = ""  # PER04; the practice's phone when empty


@dataclass(frozen=True)
class Envelope:
    """What the interchange's ISA and GS say: its control number and time, who sends it to whom (the
    clearinghouse's settings), and whether it is for production (P) or a test (T)."""

    control_number: int
    now: datetime
    clearinghouse: Clearinghouse
    usage: str = "P"


@dataclass(frozen=True)
class Adjustment:
    """One adjustment the other payer made (its 835 CAS): group (CO, PR, OA, PI), reason code, amount."""

    group: str
    reason: str
    amount: Decimal


@dataclass(frozen=True)
class LineAdjudication:
    """What the other payer decided on one service line (2430): paid and its adjustments."""

    paid: Decimal
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class Adjudication:
    """What the other payer decided on the claim (2320 CAS/AMT, 2330B DTP*573, 2430), from its 835.
    `lines` follows the claim's lines, one each."""

    paid: Decimal  # AMT*D
    patient_liability: Decimal  # AMT*EAF: what the other payer left to the patient (its PR adjustments)
    adjudicated_on: date  # DTP*573, the remittance's payment date
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    lines: tuple[LineAdjudication, ...] = ()


@dataclass(frozen=True)
class Claim:
    number: str  # the patient control number, CLM01
    patient: Patient
    payer: Payer
    coverage: Coverage
    lines: tuple[Line, ...]
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM, with or without the dot, principal first
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    payer_claim_number: str = ""  # the claim a replacement or void replaces (REF*F8)
    authorization_number: str | None = None  # REF*G1, when a prior authorization covers the claim
    referral_number: str | None = None  # REF*9F, the number the payer assigned to the referral
    injury: Injury | None = None
    referring: Referring | None = None
    # The other payer (2320/2330): on a secondary claim, the primary coverage with its decision (`adjudication`);
    # on a primary claim, a known secondary coverage, without amounts.
    other_coverage: Coverage | None = None
    adjudication: Adjudication | None = None
    facility: ServiceFacility | None = None  # where the services were given; 2310C when not at 2010AA's address


def clean(value: object, max_length: int) -> str:
    """A value as X12 allows it: ASCII, uppercase, basic characters only, no separators, single spaces."""
    value = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode().upper()
    return " ".join(_NOT_BASIC.sub(" ", value).split())[:max_length].strip()


def amount(value: Decimal) -> str:
    """A money amount the way X12 writes decimals: 93, 93.5, 93.25 (no trailing zeros)."""
    digits = f"{value.quantize(Decimal('0.01')):f}"
    return digits.rstrip("0").rstrip(".") if "." in digits else digits


def _date(day: date) -> str:
    return f"{day:%Y%m%d}"


def _segment(*elements: object, separator: str = ELEMENT) -> str:
    """The elements (or, with COMPONENT, a composite's components) less the empty ones at the end."""
    values = ["" if e is None else str(e) for e in elements]
    while values and values[-1] == "":
        values.pop()
    return separator.join(values)


def _composite(*components: object) -> str:
    return _segment(*components, separator=COMPONENT)


def _person(person: Person) -> tuple[str, str, str]:
    return clean(person.family, 60), clean(person.given, 35), clean(person.middle, 25)


def _split_name(name: str) -> tuple[str, str, str]:
    """'Dr. Ada B. Rowe, MD' -> ('ROWE', 'ADA', 'B.'): a referring provider's name is one field."""
    words = [w for w in name.split(",")[0].split() if w.upper() not in _TITLES]
    if not words:
        return clean(name, 60), "", ""
    if len(words) == 1:
        return _person(Person(words[0], ""))
    return _person(Person(words[-1], words[0], " ".join(words[1:-1])))


def _address(address: Address) -> list[str]:
    """N3/N4 of an address; none when it has no street address."""
    if not address.line1:
        return []
    return [
        _segment("N3", clean(address.line1, 55), clean(address.line2, 55)),
        _segment("N4", clean(address.city, 30), clean(address.state, 2), digits_only(address.postal_code)),
    ]


def _nine_digit_zip(address: Address, what: str) -> None:
    """005010X222A1 2010AA and 2310C N403: the billing provider's and the service facility's ZIP code
    is the full nine digits (ZIP+4); a clearinghouse rejects a five-digit one at the front door."""
    if len(zip_digits(address)) != 9:
        shown = address.postal_code or "none"
        raise ValueError(f"{what}'s ZIP code ({shown}) must be ZIP+4, nine digits, in an 837P.")


def _demographics(patient: Patient) -> list[str]:
    if patient.birth_date is None:
        return []
    return [_segment("DMG", "D8", _date(patient.birth_date), _SEX.get(patient.sex, "U"))]


def _property_casualty(claim: Claim) -> list[str]:
    """REF*Y4: the insurer's claim number, on workers' comp and auto claims."""
    injury = claim.injury
    if injury is None or not injury.claim_number or not claim.payer.property_casualty:
        return []
    return [_segment("REF", "Y4", clean(injury.claim_number, 50))]


# SBR05, why Medicare is not the primary payer (005010X222A1 2000B/2320 SBR05; REFERENCE.md §5a "SBR05"), by the
# primary payer's claim filing indicator: workers' compensation 15, no-fault (auto) 14, a commercial plan 12
# ("Medicare secondary, working aged beneficiary or spouse with employer group health plan": the one commercial
# case Fascia records, an employer plan ahead of Medicare; ESRD, disability and large-group plans are not
# told apart), anything else 47 (other liability insurance is primary).
MEDICARE_SECONDARY = {"WC": "15", "AM": "14", "CI": "12"}
OTHER_LIABILITY = "47"


def medicare_secondary_type(primary: Payer | None) -> str:
    return MEDICARE_SECONDARY.get(primary.filing_indicator, OTHER_LIABILITY) if primary else OTHER_LIABILITY


def _sbr(coverage: Coverage, responsibility: str, *, relationship: str, primary: Payer | None = None) -> str:
    """SBR of a coverage; SBR05 only when its payer is Medicare and not primary, from the primary's kind."""
    insurance_type = medicare_secondary_type(primary) if coverage.payer.medicare and responsibility != "P" else ""
    return _segment(
        "SBR",
        responsibility,
        relationship,
        clean(coverage.group_number, 50),
        "",
        insurance_type,
        "",
        "",
        "",
        coverage.payer.filing_indicator,
    )


def _subscriber_name(coverage: Coverage, patient: Patient) -> tuple[str, str, str]:
    return _person(patient.name if coverage.relationship == SELF else coverage.subscriber)


def _provider(qualifier: str, provider: Provider) -> list[str]:
    """NM1 + PRV of a rendering practitioner (2310B, 2420A)."""
    family, given, _ = _person(provider.name)
    return [
        _segment("NM1", qualifier, "1", family, given, "", "", "", "XX", provider.npi),
        _segment("PRV", "PE", "PXC", provider.taxonomy_code),
    ]


def _payer_name(payer: Payer) -> str:
    return _segment("NM1", "PR", "2", clean(payer.name, 60), "", "", "", "", "PI", clean(payer.payer_id, 80))


MAX_CAS_PER_GROUP = 6  # reason/amount/quantity triples in one CAS segment (CAS02-CAS19)


def _cas(adjustments: Sequence[Adjustment]) -> list[str]:
    """CAS segments: one per group (in the order they first appear), up to six reasons each; a seventh
    reason of a group starts another CAS of that group."""
    groups: dict[str, list[Adjustment]] = {}
    for a in adjustments:
        groups.setdefault(a.group, []).append(a)
    out = []
    for group, items in groups.items():
        for start in range(0, len(items), MAX_CAS_PER_GROUP):
            triples = [(a.reason, amount(a.amount), "") for a in items[start : start + MAX_CAS_PER_GROUP]]
            out.append(_segment("CAS", group, *(value for triple in triples for value in triple)))
    return out


def _total(adjustments: Sequence[Adjustment]) -> Decimal:
    return sum((a.amount for a in adjustments), Decimal("0"))


def _check_balance(claim: Claim) -> None:
    """005010X222A1 2320/2430 balancing (REFERENCE.md §5a): per line, the charge is what the other payer paid
    on it (SVD02) plus its line adjustments; per claim, CLM02 is AMT*D plus every claim and line adjustment."""
    decision = claim.adjudication
    if decision is None:
        return
    if len(decision.lines) != len(claim.lines):
        raise ValueError(f"Claim {claim.number}: the other payer's decision does not name each service line.")
    for number, (line, decided) in enumerate(zip(claim.lines, decision.lines, strict=True), start=1):
        if line.amount != decided.paid + _total(decided.adjustments):
            raise ValueError(
                f"Claim {claim.number}, line {number} ({line.cpt_code}): the charge {line.amount} is not the other "
                f"payer's paid {decided.paid} plus its adjustments {_total(decided.adjustments)}."
            )
    charge = sum((line.amount for line in claim.lines), Decimal("0"))
    adjusted = _total(decision.adjustments) + sum((_total(d.adjustments) for d in decision.lines), Decimal("0"))
    if charge != decision.paid + adjusted:
        raise ValueError(
            f"Claim {claim.number}: the charge {charge} is not the other payer's paid {decision.paid} plus its "
            f"adjustments {adjusted}."
        )


def _other_payer(claim: Claim, patient: Patient) -> list[str]:
    """2320/2330A/2330B: the other coverage, with what it decided when it has (a secondary claim's primary)."""
    other, decision = claim.other_coverage, claim.adjudication
    assert other is not None
    family, given, middle = _subscriber_name(other, patient)
    responsibility = "P" if other.primary else "S"
    out = [_sbr(other, responsibility, relationship=other.relationship, primary=claim.payer)]
    if decision is not None:
        out += _cas(decision.adjustments)
        out.append(_segment("AMT", "D", amount(decision.paid)))
        out.append(_segment("AMT", "EAF", amount(decision.patient_liability)))
    # OI03/OI06: what the patient signed for the other payer, as CLM08/CLM09 say for this one.
    out.append(_segment("OI", "", "", other.assignment, "", "", other.release))
    out.append(_segment("NM1", "IL", "1", family, given, middle, "", "", "MI", clean(other.member_id, 80)))
    out.append(_payer_name(other.payer))
    if decision is not None:
        out.append(_segment("DTP", "573", "D8", _date(decision.adjudicated_on)))
    return out


def _line_adjudication(claim: Claim, line: Line, decided: LineAdjudication, procedure: str) -> list[str]:
    """2430: the other payer's decision on a line: SVD (its payer ID as in 2330B, paid, the code, units),
    CAS per group, DTP*573."""
    assert claim.other_coverage is not None and claim.adjudication is not None
    payer_id = clean(claim.other_coverage.payer.payer_id, 80)
    return [
        _segment("SVD", payer_id, amount(decided.paid), procedure, "", line.units),
        *_cas(decided.adjustments),
        _segment("DTP", "573", "D8", _date(claim.adjudication.adjudicated_on)),
    ]


def _claim(claim: Claim, hl: int, provider_address: Address) -> tuple[list[str], int]:
    """2000B (and 2000C) through 2400 for one claim; returns the segments and the last HL number used."""
    coverage, patient, lines = claim.coverage, claim.patient, claim.lines
    self_ = coverage.relationship == SELF
    family, given, middle = _subscriber_name(coverage, patient)
    # The patient's address, birth date and sex, and REF*Y4: in the subscriber loop, or the patient's own (2000C).
    about_patient = [*_address(patient.address), *_demographics(patient), *_property_casualty(claim)]
    out = [
        _segment("HL", hl + 1, "1", "22", "0" if self_ else "1"),
        _sbr(
            coverage,
            "P" if coverage.primary else "S",
            relationship=SELF if self_ else "",
            primary=claim.other_coverage.payer if claim.other_coverage is not None else None,
        ),
        _segment("NM1", "IL", "1", family, given, middle, "", "", "MI", clean(coverage.member_id, 80)),
        *(about_patient if self_ else []),
        _payer_name(claim.payer),
        *_address(claim.payer.address),
    ]
    if not self_:
        family, given, middle = _person(patient.name)
        out += [
            _segment("HL", hl + 2, hl + 1, "23", "0"),
            _segment("PAT", coverage.relationship),
            _segment("NM1", "QC", "1", family, given, middle),
            *about_patient,
        ]

    injury = claim.injury
    related = ""
    if injury is not None:
        state = injury.accident_state if injury.related_cause == "AA" else ""
        related = _composite(injury.related_cause, "", "", state)
    total = sum((line.amount for line in lines), Decimal("0"))
    place_of_service = lines[0].place_of_service
    out.append(
        _segment(
            "CLM",
            clean(claim.number, 38),
            amount(total),
            "",
            "",
            _composite(place_of_service, "B", claim.frequency),
            "Y",  # CLM06: the provider's signature is on file (the practice signs its claims, box 31)
            # CLM07: the provider accepts assignment when the patient assigned the benefits to it.
            ACCEPTS_ASSIGNMENT if coverage.assignment == ASSIGNED else DOES_NOT_ACCEPT,
            coverage.assignment,  # CLM08, from the recorded assignment of benefits
            coverage.release,  # CLM09, from the recorded release of information
            "",
            related,
        )
    )
    if injury is not None:  # the onset (431) and the accident (439) are the injury's date
        out += [_segment("DTP", qualifier, "D8", _date(injury.injury_date)) for qualifier in ("431", "439")]
    if claim.referral_number:  # 2300 REF*9F comes before REF*G1 (X222A1)
        out.append(_segment("REF", "9F", clean(claim.referral_number, 50)))
    if claim.authorization_number is not None:
        out.append(_segment("REF", "G1", clean(claim.authorization_number, 50)))
    if claim.frequency in (REPLACEMENT, VOID):
        out.append(_segment("REF", "F8", clean(claim.payer_claim_number, 50)))
    codes = [code.replace(".", "").upper() for code in claim.diagnoses[:MAX_DIAGNOSES]]
    out.append(_segment("HI", *(_composite("ABK" if i == 0 else "ABF", code) for i, code in enumerate(codes))))

    if claim.referring is not None:
        family, given, middle = _split_name(claim.referring.name)
        out.append(_segment("NM1", "DN", "1", family, given, middle, "", "", "XX", claim.referring.npi))
    rendering = lines[0].rendering
    out += _provider("82", rendering)
    if claim.facility is not None and not same_place(claim.facility.address, provider_address):
        # 2310C: required when the services were given somewhere other than the billing provider's
        # address (005010X222A1 2310C usage note); no NPI of its own, as a location has none.
        out += [_segment("NM1", "77", "2", clean(claim.facility.name, 60)), *_address(claim.facility.address)]
    if claim.other_coverage is not None:
        out += _other_payer(claim, patient)

    for number, line in enumerate(lines, start=1):
        procedure = _composite("HC", clean(line.cpt_code, 48), *(clean(m, 2) for m in line.modifiers[:4]))
        pointers = COMPONENT.join(str(p) for p in line.diagnosis_pointers[:4])
        out += [
            _segment("LX", number),
            # SV105 only when the line's place of service differs from CLM05-1 (005010X222A1 SV105 note).
            _segment(
                "SV1",
                procedure,
                amount(line.amount),
                "UN",
                line.units,
                "" if line.place_of_service == place_of_service else line.place_of_service,
                "",
                pointers,
            ),
            _segment("DTP", "472", "D8", _date(line.service_date)),
        ]
        if line.rendering != rendering:
            out += _provider("82", line.rendering)  # 2420A: this line's practitioner differs from the claim's
        if claim.adjudication is not None:
            out += _line_adjudication(claim, line, claim.adjudication.lines[number - 1], procedure)
    return out, hl + (1 if self_ else 2)


def _interchange_id(value: str, what: str) -> str:
    cleaned = clean(value, 99)
    if not 2 <= len(cleaned) <= 15:
        raise ValueError(f"The {what} ID {value!r} must be 2 to 15 characters.")
    return cleaned


def write_837(provider: BillingProvider, claims: Sequence[Claim], envelope: Envelope) -> str:
    """One interchange (ISA/GS/ST) with the claims of one billing provider, in the order given.

    Raises ValueError when the claims cannot go in one 837P: none, too many, too many lines or none
    on a claim, a control number out of range, no phone for the submitter contact, clearinghouse IDs
    missing, a five-digit ZIP code on the billing provider or a service facility, or a secondary claim
    whose primary payer's decision does not balance with its charges.
    """
    control_number, now, usage, house = envelope.control_number, envelope.now, envelope.usage, envelope.clearinghouse
    if not claims:
        raise ValueError(NO_CLAIMS)
    if len(claims) > MAX_CLAIMS:
        raise ValueError(f"{len(claims)} claims is more than the {MAX_CLAIMS} one 837P transaction set may hold.")
    if not 1 <= control_number <= 999_999_999:
        raise ValueError(f"Control number {control_number} is outside 1-999999999.")
    if usage not in ("P", "T"):
        raise ValueError("Usage is P (production) or T (test).")
    sender, receiver = _interchange_id(house.submitter_id, "submitter"), _interchange_id(house.receiver_id, "receiver")
    for qualifier in (house.submitter_qualifier, house.receiver_qualifier):
        if qualifier not in ID_QUALIFIERS:
            raise ValueError(f"{qualifier!r} is not an interchange ID qualifier ({', '.join(sorted(ID_QUALIFIERS))}).")
    application_sender = _interchange_id(house.application_sender or sender, "application sender")
    application_receiver = _interchange_id(house.application_receiver or receiver, "application receiver")
    receiver_name = clean(house.name, 60)
    if not receiver_name:
        raise ValueError("The clearinghouse has no name for the 837P's receiver (1000B).")
    phone = digits_only(house.contact_phone or provider.phone)
    if not phone:
        raise ValueError(f"{provider.name} has no phone number; the 837P gives it as the submitter's contact.")
    _nine_digit_zip(provider.address, f"The billing provider {provider.name}")
    for claim in claims:
        if not claim.lines:
            raise ValueError(f"Claim {claim.number} has no service lines.")
        if len(claim.lines) > MAX_LINES:
            raise ValueError(
                f"Claim {claim.number} has {len(claim.lines)} lines; an 837P claim holds at most {MAX_LINES}."
            )
        facility = claim.facility
        if facility is not None and not same_place(facility.address, provider.address):
            if not facility.address.line1:
                raise ValueError(f"Claim {claim.number}: the service location {facility.name} has no address.")
            _nine_digit_zip(facility.address, f"Claim {claim.number}: the service location {facility.name}")
        _check_balance(claim)

    name = clean(provider.name, 60)
    transaction = f"{control_number:04d}"
    body = [
        _segment("ST", "837", transaction, VERSION),
        _segment("BHT", "0019", "00", f"{control_number:09d}", _date(now), f"{now:%H%M}", "CH"),
        _segment("NM1", "41", "2", name, "", "", "", "", "46", sender),
        _segment("PER", "IC", clean(house.contact_name, 60) or name, "TE", phone),
        _segment("NM1", "40", "2", receiver_name, "", "", "", "", "46", receiver),
        _segment("HL", "1", "", "20", "1"),
        _segment("NM1", "85", "2", name, "", "", "", "", "XX", provider.npi),
        *_address(provider.address),
        _segment("REF", "EI", digits_only(provider.tax_id)),
    ]
    hl = 1
    for claim in claims:
        claim_segments, hl = _claim(claim, hl, provider.address)
        body += claim_segments
    body.append(_segment("SE", len(body) + 1, transaction))

    isa = ELEMENT.join(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            clean(house.submitter_qualifier, 2),
            sender.ljust(15),
            clean(house.receiver_qualifier, 2),
            receiver.ljust(15),
            f"{now:%y%m%d}",
            f"{now:%H%M}",
            REPETITION,
            "00501",
            f"{control_number:09d}",
            "0",
            usage,
            COMPONENT,
        ]
    )
    segments = [
        isa,
        _segment(
            "GS",
            "HC",
            application_sender,
            application_receiver,
            _date(now),
            f"{now:%H%M}",
            control_number,
            "X",
            VERSION,
        ),
        *body,
        _segment("GE", "1", control_number),
        _segment("IEA", "1", f"{control_number:09d}"),
    ]
    return "".join(s + SEGMENT for s in segments)
