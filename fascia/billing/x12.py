"""The X12 837P (005010X222A1) professional claim: claims written as one interchange, and checked
with pyx12 before anything is marked sent.

Loops and segments follow pyx12's own map (the domain notes' 837P_outline.txt; REFERENCE.md §5
has the key points). Values are uppercased and kept to the X12 basic character set, so no value can
contain a separator.
"""

import io
import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

from fascia.billing.models import Claim, ClaimLine, Coverage, Payer
from fascia.core.fields import AddressFields
from fascia.lib.contact import digits_only
from fascia.practitioners.models import Practitioner

VERSION = "005010X222A1"
# Claims (CLM segments) in one transaction set: the 837P guide (005010X222A1) sets 5000. Its
# limit of 100 is on loop 2300 under one subscriber (2000B) or patient (2000C) loop; every claim here has
# its own subscriber loop, so it never applies (pyx12 checks both).
MAX_CLAIMS = 5000
MAX_LINES = 50  # per claim (2400 loops)
MAX_DIAGNOSES = 12  # HI01-HI12
RECEIVER_ID = "CLEARINGHOUSE"  # ISA08/GS03/1000B until a clearinghouse assigns one

ELEMENT, COMPONENT, SEGMENT, REPETITION = "*", ":", "~", "^"
# The X12 basic character set, less the separators chosen above.
_NOT_BASIC = re.compile(r"[^A-Z0-9 !\"&'()+,\-./;?=]")
_TITLES = {"DR", "DR.", "MR", "MR.", "MRS", "MRS.", "MS", "MS."}
_SEX = {"female": "F", "male": "M"}

# pyx12 logs each finding, quoting segments that hold patient names and member IDs; validate_837()
# returns the findings instead, so keep them out of the server's logs.
_pyx12_log = logging.getLogger("pyx12")
_pyx12_log.addHandler(logging.NullHandler())
_pyx12_log.propagate = False


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


def _segment(*elements: object) -> str:
    values = ["" if e is None else str(e) for e in elements]
    while values and values[-1] == "":
        values.pop()
    return ELEMENT.join(values)


def _composite(*components: object) -> str:
    values = ["" if c is None else str(c) for c in components]
    while values and values[-1] == "":
        values.pop()
    return COMPONENT.join(values)


def _person(family: str, given: str, middle: str = "") -> tuple[str, str, str]:
    return clean(family, 60), clean(given, 35), clean(middle, 25)


def _split_name(name: str) -> tuple[str, str, str]:
    """'Dr. Ada B. Rowe, MD' -> ('ROWE', 'ADA', 'B.'): a referring provider's name is one field."""
    words = [w for w in name.split(",")[0].split() if w.upper() not in _TITLES]
    if not words:
        return clean(name, 60), "", ""
    if len(words) == 1:
        return _person(words[0], "")
    return _person(words[-1], words[0], " ".join(words[1:-1]))


def _address(owner: AddressFields) -> list[str]:
    """N3/N4 of anything with AddressFields; none when it has no street address."""
    if not owner.address_line1:
        return []
    return [
        _segment("N3", clean(owner.address_line1, 55), clean(owner.address_line2, 55)),
        _segment("N4", clean(owner.city, 30), clean(owner.state, 2), digits_only(owner.postal_code)),
    ]


def _demographics(birth_date: date | None, sex: str) -> list[str]:
    if birth_date is None:
        return []
    return [_segment("DMG", "D8", _date(birth_date), _SEX.get(sex, "U"))]


def _property_casualty(claim: Claim) -> list[str]:
    """REF*Y4: the insurer's claim number, on workers' comp and auto claims."""
    case = claim.injury_case
    if case is None or not case.claim_number or claim.payer.kind not in (Payer.Kind.WORKERS_COMP, Payer.Kind.AUTO):
        return []
    return [_segment("REF", "Y4", clean(case.claim_number, 50))]


def _sbr(coverage: Coverage, responsibility: str, *, relationship: str) -> str:
    payer = coverage.payer
    # SBR05 is required when Medicare is not the primary payer; 47 = "other" reason.
    insurance_type = "47" if payer.kind == Payer.Kind.MEDICARE and responsibility != "P" else ""
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
        payer.filing_indicator,
    )


def _subscriber_name(coverage: Coverage) -> tuple[str, str, str]:
    if coverage.patient_is_subscriber:
        patient = coverage.patient
        return _person(patient.family_name, patient.given_name, patient.middle_name)
    return _person(coverage.subscriber_family_name, coverage.subscriber_given_name)


def _provider(qualifier: str, practitioner: Practitioner) -> list[str]:
    """NM1 + PRV of a rendering practitioner (2310B, 2420A)."""
    family, given, _ = _person(practitioner.user.last_name, practitioner.user.first_name)
    return [
        _segment("NM1", qualifier, "1", family, given, "", "", "", "XX", practitioner.npi),
        _segment("PRV", "PE", "PXC", practitioner.taxonomy_code),
    ]


def _other_payer(primary: Coverage) -> list[str]:
    """2320/2330A/2330B: the primary coverage a secondary claim coordinates with."""
    family, given, middle = _subscriber_name(primary)
    return [
        _sbr(primary, "P", relationship=primary.relationship),
        _segment("OI", "", "", "Y", "", "", "Y"),
        _segment("NM1", "IL", "1", family, given, middle, "", "", "MI", clean(primary.member_id, 80)),
        _segment(
            "NM1", "PR", "2", clean(primary.payer.name, 60), "", "", "", "", "PI", clean(primary.payer.payer_id, 80)
        ),
    ]


def _primary_for(claim: Claim, first_day: date) -> Coverage | None:
    if claim.coverage is None or claim.coverage.rank == 1:
        return None
    candidates = claim.patient.coverages.filter(rank=1).select_related("payer", "patient")
    return next((c for c in candidates if c.is_active_on(first_day)), None)


def _claim(claim: Claim, lines: list[ClaimLine], hl: int) -> tuple[list[str], int]:
    """2000B (and 2000C) through 2400 for one claim; returns the segments and the last HL number used."""
    coverage, payer, patient = claim.coverage, claim.payer, claim.patient
    if coverage is None:
        raise ValueError(f"Claim {claim.number} has no coverage.")
    self_ = coverage.patient_is_subscriber
    subscriber_hl = hl + 1
    family, given, middle = _subscriber_name(coverage)
    out = [
        _segment("HL", subscriber_hl, "1", "22", "0" if self_ else "1"),
        _sbr(coverage, "P" if coverage.rank == 1 else "S", relationship="18" if self_ else ""),
        _segment("NM1", "IL", "1", family, given, middle, "", "", "MI", clean(coverage.member_id, 80)),
    ]
    if self_:
        out += _address(patient) + _demographics(patient.birth_date, patient.sex) + _property_casualty(claim)
    out += [_segment("NM1", "PR", "2", clean(payer.name, 60), "", "", "", "", "PI", clean(payer.payer_id, 80))]
    out += _address(payer)
    last_hl = subscriber_hl
    if not self_:
        last_hl += 1
        family, given, middle = _person(patient.family_name, patient.given_name, patient.middle_name)
        out += [
            _segment("HL", last_hl, subscriber_hl, "23", "0"),
            _segment("PAT", coverage.relationship),
            _segment("NM1", "QC", "1", family, given, middle),
            *_address(patient),
            *_demographics(patient.birth_date, patient.sex),
            *_property_casualty(claim),
        ]

    case = claim.injury_case
    related = ""
    if case is not None:
        state = case.accident_state if case.related_cause == "AA" else ""
        related = _composite(case.related_cause, "", "", state)
    total = sum((line.amount for line in lines), Decimal("0"))
    out.append(
        _segment(
            "CLM",
            clean(claim.number, 38),
            amount(total),
            "",
            "",
            _composite(lines[0].place_of_service, "B", claim.frequency),
            "Y",
            "A",
            "Y",
            "Y",
            "",
            related,
        )
    )
    if case is not None:
        out += [
            _segment("DTP", "431", "D8", _date(case.injury_date)),
            _segment("DTP", "439", "D8", _date(case.injury_date)),
        ]
    if claim.authorization is not None:
        out.append(_segment("REF", "G1", clean(claim.authorization.number, 50)))
    if claim.frequency in (Claim.Frequency.REPLACEMENT, Claim.Frequency.VOID):
        out.append(_segment("REF", "F8", clean(claim.payer_claim_number, 50)))
    codes = [code.replace(".", "").upper() for code in claim.diagnoses[:MAX_DIAGNOSES]]
    out.append(_segment("HI", *(_composite("ABK" if i == 0 else "ABF", code) for i, code in enumerate(codes))))

    referral = claim.plan.referral if claim.plan is not None else None
    if referral is not None:
        family, given, middle = _split_name(referral.provider.name)
        out.append(_segment("NM1", "DN", "1", family, given, middle, "", "", "XX", referral.provider.npi))
    rendering = lines[0].rendering
    out += _provider("82", rendering)
    primary = _primary_for(claim, lines[0].service_date)
    if primary is not None:
        out += _other_payer(primary)

    for number, line in enumerate(lines, start=1):
        procedure = _composite("HC", clean(line.cpt_code, 48), *(clean(m, 2) for m in line.modifiers[:4]))
        pointers = COMPONENT.join(str(p) for p in line.diagnosis_pointers[:4])
        out += [
            _segment("LX", number),
            _segment("SV1", procedure, amount(line.amount), "UN", line.units, line.place_of_service, "", pointers),
            _segment("DTP", "472", "D8", _date(line.service_date)),
        ]
        if line.rendering_id != rendering.pk:
            out += _provider("82", line.rendering)  # 2420A: this line's practitioner differs from the claim's
    return out, last_hl


def _interchange_id(value: str, what: str) -> str:
    cleaned = clean(value, 99)
    if not 2 <= len(cleaned) <= 15:
        raise ValueError(f"The {what} ID {value!r} must be 2 to 15 characters.")
    return cleaned


def build_837(
    claims: Iterable[Claim], *, control_number: int, now: datetime, sender_id: str, receiver_id: str, usage: str = "P"
) -> str:
    """One interchange (ISA/GS/ST) with the claims of one billing provider, in the order given.

    Raises ValueError when the claims cannot go in one 837P: none, too many, several practices,
    too many lines, a control number out of range, or no phone for the submitter contact.
    """
    claims = list(claims)
    if not claims:
        raise ValueError("An 837P needs at least one claim.")
    if len(claims) > MAX_CLAIMS:
        raise ValueError(f"{len(claims)} claims is more than the {MAX_CLAIMS} one 837P transaction set may hold.")
    if len({claim.organization_id for claim in claims}) > 1:
        raise ValueError("The claims belong to more than one practice; write one 837P per practice.")
    if not 1 <= control_number <= 999_999_999:
        raise ValueError(f"Control number {control_number} is outside 1-999999999.")
    if usage not in ("P", "T"):
        raise ValueError("Usage is P (production) or T (test).")
    sender, receiver = _interchange_id(sender_id, "sender"), _interchange_id(receiver_id, "receiver")
    organization = claims[0].organization
    phone = digits_only(organization.phone)
    if not phone:
        raise ValueError(f"{organization} has no phone number; the 837P gives it as the submitter's contact.")
    lines_of: dict[int, list[ClaimLine]] = {}
    for claim in claims:
        lines = list(claim.lines.all())
        if not lines:
            raise ValueError(f"Claim {claim.number} has no service lines.")
        if len(lines) > MAX_LINES:
            raise ValueError(f"Claim {claim.number} has {len(lines)} lines; an 837P claim holds at most {MAX_LINES}.")
        lines_of[claim.pk] = lines

    name = clean(organization.legal_name, 60)
    transaction = f"{control_number:04d}"
    body = [
        _segment("ST", "837", transaction, VERSION),
        _segment("BHT", "0019", "00", f"{control_number:09d}", _date(now), f"{now:%H%M}", "CH"),
        _segment("NM1", "41", "2", name, "", "", "", "", "46", sender),
        _segment("PER", "IC", name, "TE", phone),
        _segment("NM1", "40", "2", receiver, "", "", "", "", "46", receiver),
        _segment("HL", "1", "", "20", "1"),
        _segment("NM1", "85", "2", name, "", "", "", "", "XX", organization.group_npi),
        *_address(organization),
        _segment("REF", "EI", digits_only(organization.tax_id)),
    ]
    hl = 1
    for claim in claims:
        claim_segments, hl = _claim(claim, lines_of[claim.pk], hl)
        body += claim_segments
    body.append(_segment("SE", len(body) + 1, transaction))

    isa = ELEMENT.join(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            sender.ljust(15),
            "ZZ",
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
        _segment("GS", "HC", sender, receiver, _date(now), f"{now:%H%M}", control_number, "X", VERSION),
        *body,
        _segment("GE", "1", control_number),
        _segment("IEA", "1", f"{control_number:09d}"),
    ]
    return "".join(s + SEGMENT for s in segments)


def _hl_level(segment: str) -> str:
    elements = segment.split(ELEMENT)
    return elements[3] if elements[0] == "HL" and len(elements) > 3 else ""


def _claim_at(segments: list[str], line: int) -> str:
    """The claim number (CLM01) of the subscriber loop holding the 1-based segment `line`, or ''."""
    start = next((i for i in range(min(line, len(segments)) - 1, -1, -1) if _hl_level(segments[i]) == "22"), None)
    if start is None:
        return ""
    for segment in segments[start + 1 :]:
        if segment.startswith("CLM*"):
            return segment.split(ELEMENT)[1]
        if _hl_level(segment) == "22" or segment.startswith("SE*"):
            break
    return ""


def _findings(report: dict[str, Any], segments: list[str]) -> list[str]:
    messages = []
    for interchange in report.get("interchanges", []):
        messages += [f"Interchange: {e['err_str']}" for e in interchange["errors"]]
        for group in interchange["groups"]:
            messages += [f"Functional group: {e['err_str']}" for e in group["errors"]]
            for transaction in group["transactions"]:
                messages += [f"Transaction set: {e['err_str']}" for e in transaction["errors"]]
                for seg in transaction["segments"]:
                    where = f"{seg['cur_line']} {seg['seg_id']}" + (f" ({seg['name']})" if seg.get("name") else "")
                    number = _claim_at(segments, seg["cur_line"])
                    where = f"Claim {number}, segment {where}" if number else f"Segment {where}"
                    errors = seg["errors"] + [e for element in seg["elements"] for e in element["errors"]]
                    messages += [f"{where}: {e['err_str']}" for e in errors]
    return messages


def validate_837(text: str) -> list[str]:
    """pyx12's findings on an 837P, each a sentence naming the claim and segment; empty when it is valid."""
    report = io.StringIO()
    try:
        valid = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None, fd_json=report
        )
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as e:  # e.g. no map for the GS08 version
        return [f"pyx12 could not read the file: {e}"]
    findings = (
        _findings(json.loads(report.getvalue()), [s.strip() for s in text.split(SEGMENT)]) if report.getvalue() else []
    )
    if not valid and not findings:
        findings = ["pyx12 rejected the file: it is not a readable X12 interchange."]
    return findings
