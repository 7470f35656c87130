"""Paper claims: the CMS-1500 (02/12) form, drawn on plain paper or printed onto pre-printed red
forms, and the superbill a self-pay patient can send to their insurer.

`form_fields()` says what goes in each box, following the NUCC 1500 Health Insurance Claim Form
Reference Instruction Manual for form version 02/12 (REFERENCE.md §6); `render()` places those
values. Both renderings use the same absolute positions (inches from the paper's top-left corner),
so the data-only print lands in the boxes the drawn version shows. The layout follows the real form
roughly, on its 1/6-inch line grid; printing onto red forms may still need a printer offset.
"""

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fascia.billing.models import Claim, ClaimLine, Coverage, Payer
from fascia.billing.queries import service_location
from fascia.core.models import Location
from fascia.lib.contact import digits_only
from fascia.lib.pdf import render_pdf
from fascia.patients.icd10 import describe
from fascia.patients.models import Consent
from fascia.patients.queries import signature_on_file

Fields = dict[str, Any]

LINES_PER_PAGE = 6  # box 24 holds six service lines
LETTERS = "ABCDEFGHIJKL"  # box 21 A-L: the claim's diagnoses, which box 24E points to
MAX_POINTERS = 4  # box 24E
MAX_MODIFIERS = 4  # box 24D

# Box 6: the relationship's label is the name of its check box (Self, Spouse, Child, Other).
RELATIONSHIP = dict(Coverage.Relationship.choices)
SEX = {"female": "F", "male": "M", "F": "F", "M": "M"}  # the form has only M and F boxes
ONSET = "431"  # box 14 qualifier: onset of current symptoms or illness
REFERRING = "DN"  # box 17 qualifier: referring provider
ICD10 = "0"  # box 21 ICD indicator: 0 = ICD-10-CM, 9 = ICD-9-CM
SIGNATURE_ON_FILE = "SIGNATURE ON FILE"  # boxes 12 and 13 (NUCC Items 12, 13)
PROPERTY_CASUALTY_CLAIM = "Y4"  # box 11b qualifier (NUCC Item 11b), as REF*Y4 in the 837P
PROPERTY_CASUALTY = (Payer.Kind.WORKERS_COMP, Payer.Kind.AUTO)
_TITLE = re.compile(r"^(dr|mr|mrs|ms)\.?\s+", re.IGNORECASE)


def _day(value: date | None) -> str:
    """8-digit date as the form writes it, MM DD YYYY (NUCC Items 3, 11a, 14, 31)."""
    return f"{value:%m %d %Y}" if value else ""


def _money(value: Decimal) -> str:
    """Dollars and cents, no $ and no commas (NUCC Items 24F, 28)."""
    return f"{value:.2f}"


def _phone(value: str) -> str:
    """Area code, then the number without a hyphen or space inside it (NUCC Items 5, 33)."""
    digits = digits_only(value)
    return f"{digits[:3]} {digits[3:]}" if len(digits) == 10 else digits


def _plain(text: str) -> str:
    """An address without punctuation (NUCC Item 5: '123 N Main Street 101', not '123 N. Main Street, #101')."""
    return " ".join(re.sub(r"[.,#]", " ", text).split())


def _person(family: str, given: str, middle: str = "") -> str:
    """Last, First, Middle initial, separated by commas, no periods (NUCC Items 2, 4, 9)."""
    parts = [family.strip(), given.strip(), middle.strip()[:1]]
    return ", ".join(p.replace(".", "") for p in parts if p)


def _street(owner: Any) -> str:
    return _plain(" ".join(p for p in (owner.address_line1, owner.address_line2) if p))


def _address(prefix: str, owner: Any) -> Fields:
    """Street, city, state and ZIP of anything with AddressFields, under keys prefix, prefix_city …"""
    return {
        prefix: _street(owner),
        f"{prefix}_city": _plain(owner.city),
        f"{prefix}_state": owner.state,
        f"{prefix}_zip": owner.postal_code,
    }


def _other_coverage(claim: Claim, day: date) -> Coverage | None:
    """Another health plan of the patient on the first day of service (box 11d, boxes 9-9d): on a secondary
    claim, the primary's coverage (NUCC Item 9: the other insured, whose plan paid first)."""
    if claim.primary_claim is not None and claim.primary_claim.coverage is not None:
        return claim.primary_claim.coverage
    others = claim.patient.coverages.exclude(payer__kind=Payer.Kind.SELF_PAY).select_related("payer")
    if claim.coverage_id:
        others = others.exclude(pk=claim.coverage_id)
    return next((c for c in others if c.is_active_on(day)), None)


def _referring_name(name: str, credentials: str) -> str:
    """First name, middle initial, last name, then credentials, without titles or periods (NUCC Item 17)."""
    name = _TITLE.sub("", name.split(",")[0].strip())
    return " ".join(f"{name} {credentials}".replace(".", "").split())


def diagnosis_code(code: str) -> str:
    """An ICD-10-CM code as box 21 takes it: without the decimal point, which is implied
    (NUCC Item 21; Medicare Claims Processing Manual ch. 26 §10.2, Item 21: "Do not insert a period
    in the ICD-9-CM or ICD-10-CM code"). The 837P HI segment also sends codes without the dot."""
    return code.replace(".", "").upper()


def _payer_type(payer: Payer, coverage: Coverage | None) -> str:
    """Box 1. NUCC Item 1: "Other" covers HMOs, commercial insurance, automobile accident, liability and
    workers' compensation; FECA is only the federal employees' programme (and Black Lung), so workers'
    comp and auto claims mark Other. An employer plan (it has a group number) marks Group health plan."""
    if payer.kind == Payer.Kind.COMMERCIAL:
        return "Group health plan" if coverage is not None and coverage.group_number else "Other"
    return {"medicare": "Medicare", "medicaid": "Medicaid"}.get(payer.kind, "Other")


def _insured(fields: Fields, coverage: Coverage | None) -> Fields:
    """Boxes 4, 6, 7 and 11a: the subscriber of the coverage billed; the patient's own when self."""
    if coverage is None or coverage.patient_is_subscriber:
        insured = {"4": fields["2"], "6": "Self", "11a": fields["3"], "11a_sex": fields["3_sex"]}
        insured |= {key.replace("5", "7", 1): value for key, value in fields.items() if key.startswith("5")}
        return insured
    # Fascia keeps no subscriber address, so box 7 stays empty rather than guessing the patient's.
    return {
        "4": _person(coverage.subscriber_family_name, coverage.subscriber_given_name),
        "6": RELATIONSHIP.get(coverage.relationship, "Other"),
        "11a": _day(coverage.subscriber_birth_date),
        "11a_sex": SEX.get(coverage.subscriber_sex, ""),
        **dict.fromkeys(["7", "7_city", "7_state", "7_zip", "7_phone"], ""),
    }


def _line(line: ClaimLine, letters: dict[int, str]) -> Fields:
    return {
        "A_from": f"{line.service_date:%m %d %y}",
        "A_to": f"{line.service_date:%m %d %y}",
        "B": line.place_of_service,
        "C": "",
        "D": line.cpt_code,
        "modifiers": list(line.modifiers)[:MAX_MODIFIERS],
        "E": "".join(letters[p] for p in line.diagnosis_pointers[:MAX_POINTERS] if p in letters),
        "F": _money(line.amount),
        "G": str(line.units),
        "H": "",
        "I": "",  # blank: 24J carries an NPI, which the form's pre-printed "NPI" qualifies
        "J": line.rendering.npi,
    }


def form_fields(claim: Claim, *, today: date | None = None) -> Fields:
    """The value of every box a massage claim fills, keyed by box number.

    Parts of a box printed in separate places get suffixed keys ("3_sex", "10b_state",
    "21_indicator", "22_original"); a check box holds the label of the box to mark ("Self", "YES").
    "24" is the list of service lines, each a dict keyed by column (A_from … J); empty boxes are "".
    """
    today = today or timezone.localdate()
    lines = list(
        claim.lines.select_related("rendering__user", "note__appointment__location").order_by("service_date", "id")
    )
    patient, coverage, payer, organization = claim.patient, claim.coverage, claim.payer, claim.organization
    case = claim.injury_case
    first_day = lines[0].service_date if lines else today
    fields: Fields = {
        "carrier": [payer.name, *[_plain(line) for line in payer.address_lines]],
        "1": _payer_type(payer, coverage),
        "1a": coverage.member_id if coverage else "",
        "2": _person(patient.family_name, patient.given_name, patient.middle_name),
        "3": _day(patient.birth_date),
        "3_sex": SEX.get(patient.sex, ""),
        **_address("5", patient),
        "5_phone": _phone(patient.phone),
    }
    fields |= _insured(fields, coverage)
    fields["11"] = coverage.group_number if coverage else ""
    property_casualty = case is not None and case.claim_number and payer.kind in PROPERTY_CASUALTY
    fields["11b_qualifier"] = PROPERTY_CASUALTY_CLAIM if property_casualty else ""
    fields["11b"] = case.claim_number if case is not None and property_casualty else ""
    fields["11c"] = payer.name

    # Boxes 9, 9a, 9d and 11d: another health plan. NUCC Item 11d: if YES, complete 9, 9a and 9d.
    other = _other_coverage(claim, first_day)
    fields |= {"11d": "YES" if other else "NO", "9": "", "9a": "", "9d": ""}
    if other is not None:
        subscriber = _person(other.subscriber_family_name, other.subscriber_given_name)
        fields["9"] = fields["2"] if other.patient_is_subscriber else subscriber
        fields |= {"9a": other.group_number or other.member_id, "9d": other.payer.name}

    # Box 10: is the condition related to employment, an auto accident, another accident?
    kind = case.kind if case else ""
    fields |= {
        "10a": "YES" if kind == "work" else "NO",
        "10b": "YES" if kind == "auto" else "NO",
        "10b_state": case.accident_state if case is not None and kind == "auto" else "",
        "10c": "YES" if kind == "other" else "NO",
        "10d": "",
    }
    # Boxes 12, 13 and 27 from the signatures recorded on the patient's page, as the 837P's CLM08/CLM09:
    # NUCC Item 12 "Signature on File" (or SOF) with the date when a release of information is signed,
    # Item 13 the same for the assignment of benefits; "If there is no signature on file, leave blank".
    # Item 27: the provider accepts assignment when the benefits are assigned to it.
    consents = list(patient.consents.all())
    release = signature_on_file(consents, Consent.Kind.RELEASE, payer.pk)
    assignment = signature_on_file(consents, Consent.Kind.ASSIGNMENT, payer.pk)
    released = release is not None and release.granted
    assigned = assignment is not None and assignment.granted
    fields |= {
        "12": SIGNATURE_ON_FILE if released else "",
        "12_date": _day(release.date) if release is not None and released else "",
        "13": SIGNATURE_ON_FILE if assigned else "",
    }

    # Box 14: the injury date of the case, else the onset the evaluation recorded.
    evaluation = claim.plan.evaluation if claim.plan is not None else None
    onset = case.injury_date if case else (evaluation.injury_date if evaluation else None)
    fields |= {"14": _day(onset), "14_qualifier": ONSET if onset else ""}

    referral = claim.plan.referral if claim.plan is not None else None
    provider = referral.provider if referral else None
    fields |= {
        "17_qualifier": REFERRING if provider else "",
        "17": _referring_name(provider.name, provider.credentials) if provider else "",
        "17b": provider.npi if provider else "",
    }

    fields["21_indicator"] = ICD10
    for letter, code in zip(LETTERS, claim.diagnoses, strict=False):
        fields[f"21{letter}"] = diagnosis_code(code)
    letters = dict(enumerate(LETTERS[: len(claim.diagnoses)], start=1))

    # Box 22: replacement (7) or void (8) of a claim the payer already has, with its number.
    resubmitted = claim.frequency in (Claim.Frequency.REPLACEMENT, Claim.Frequency.VOID)
    fields["22"] = claim.frequency if resubmitted else ""
    fields["22_original"] = claim.payer_claim_number if resubmitted else ""
    # Box 23 (NUCC 1500 item 23): the prior authorization number, else the payer's referral number.
    referral = claim.plan.referral if claim.plan is not None else None
    fields["23"] = (
        claim.authorization.number
        if claim.authorization is not None
        else (referral.payer_referral_number if referral is not None else "")
    )

    fields["24"] = [_line(line, letters) for line in lines]

    facility = service_location(claim, lines)
    facility_address = facility if facility is not None and facility.address_line1 else organization
    fields |= {
        "25": digits_only(organization.tax_id),  # NUCC Item 25: no hyphens
        "25_kind": "EIN",
        "26": claim.number,
        "27": "YES" if assigned else "NO",
        "28": _money(sum((line.amount for line in lines), Decimal("0"))),
        # NUCC Item 29: what the patient and other payers paid on the covered services. On a secondary claim,
        # what the primary payer paid (its posted 835); Claim.paid is this payer's own payment, never shown here.
        "29": _money(claim.primary_claim.paid) if claim.primary_claim is not None else "",
        "31": "SIGNATURE ON FILE",
        "31_date": _day(today),
        "32": facility.name if facility else organization.legal_name,
        "32_street": _street(facility_address),
        "32_city": _city_line(facility_address),
        "32a": organization.group_npi,  # a location has no NPI of its own: the practice's group NPI
        "33": organization.legal_name,
        "33_street": _street(organization),
        "33_city": _city_line(organization),
        "33_phone": _phone(organization.phone),
        "33a": organization.group_npi,
    }
    return fields


def _city_line(owner: Any) -> str:
    """City, state and ZIP on one line, a space between city and state (NUCC Items 32, 33)."""
    return " ".join(p for p in (_plain(owner.city), owner.state, owner.postal_code) if p)


# --- Layout -------------------------------------------------------------------------------------
# Inches from the top-left corner of US Letter. The form is a grid of 1/6-inch lines; each box is a
# label line with its data on the line below, as on the printed form.

TOP = 1 / 3  # nothing is printed in the first third of an inch
LINE = 1 / 6
X0, XM, XR, X1 = 0.25, 3.15, 5.05, 8.25  # left edge, middle column, right column, right edge
SERVICE_LINE_1 = 42  # the shaded line of service line 1; its data is on the next line


def _y(line: float) -> float:
    return TOP + (line - 1) * LINE


# (label, x, first line, width, number of lines)
BOXES: list[tuple[str, float, int, float, int]] = [
    ("1.", X0, 7, XR - X0, 2),
    ("1a. INSURED'S I.D. NUMBER (For Program in Item 1)", XR, 7, X1 - XR, 2),
    ("2. PATIENT'S NAME (Last Name, First Name, Middle Initial)", X0, 9, XM - X0, 2),
    ("3. PATIENT'S BIRTH DATE (MM DD YYYY) / SEX", XM, 9, XR - XM, 2),
    ("4. INSURED'S NAME (Last Name, First Name, Middle Initial)", XR, 9, X1 - XR, 2),
    ("5. PATIENT'S ADDRESS (No., Street)", X0, 11, XM - X0, 2),
    ("6. PATIENT RELATIONSHIP TO INSURED", XM, 11, XR - XM, 2),
    ("7. INSURED'S ADDRESS (No., Street)", XR, 11, X1 - XR, 2),
    ("CITY", X0, 13, 2.4, 2),
    ("STATE", X0 + 2.4, 13, XM - X0 - 2.4, 2),
    ("8. RESERVED FOR NUCC USE", XM, 13, XR - XM, 4),
    ("CITY", XR, 13, 2.6, 2),
    ("STATE", XR + 2.6, 13, X1 - XR - 2.6, 2),
    ("ZIP CODE", X0, 15, 1.2, 2),
    ("TELEPHONE (Include Area Code)", X0 + 1.2, 15, XM - X0 - 1.2, 2),
    ("ZIP CODE", XR, 15, 1.3, 2),
    ("TELEPHONE (Include Area Code)", XR + 1.3, 15, X1 - XR - 1.3, 2),
    ("9. OTHER INSURED'S NAME (Last Name, First Name, Middle Initial)", X0, 17, XM - X0, 2),
    ("10. IS PATIENT'S CONDITION RELATED TO:", XM, 17, XR - XM, 2),
    ("11. INSURED'S POLICY GROUP OR FECA NUMBER", XR, 17, X1 - XR, 2),
    ("a. OTHER INSURED'S POLICY OR GROUP NUMBER", X0, 19, XM - X0, 2),
    ("a. EMPLOYMENT? (Current or Previous)", XM, 19, XR - XM, 2),
    ("a. INSURED'S DATE OF BIRTH (MM DD YYYY) / SEX", XR, 19, X1 - XR, 2),
    ("b. RESERVED FOR NUCC USE", X0, 21, XM - X0, 2),
    ("b. AUTO ACCIDENT?                    PLACE (State)", XM, 21, XR - XM, 2),
    ("b. OTHER CLAIM ID (Designated by NUCC)", XR, 21, X1 - XR, 2),
    ("c. RESERVED FOR NUCC USE", X0, 23, XM - X0, 2),
    ("c. OTHER ACCIDENT?", XM, 23, XR - XM, 2),
    ("c. INSURANCE PLAN NAME OR PROGRAM NAME", XR, 23, X1 - XR, 2),
    ("d. INSURANCE PLAN NAME OR PROGRAM NAME", X0, 25, XM - X0, 2),
    ("10d. CLAIM CODES (Designated by NUCC)", XM, 25, XR - XM, 2),
    ("d. IS THERE ANOTHER HEALTH BENEFIT PLAN?", XR, 25, X1 - XR, 2),
    (
        "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE I authorize the release of any medical or other "
        "information necessary to process this claim.",
        X0,
        27,
        XR - X0,
        3,
    ),
    (
        "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE I authorize payment of medical benefits to the "
        "undersigned physician or supplier.",
        XR,
        27,
        X1 - XR,
        3,
    ),
    ("14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)", X0, 30, XM - X0, 2),
    ("15. OTHER DATE", XM, 30, XR - XM, 2),
    ("16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION", XR, 30, X1 - XR, 2),
    ("17. NAME OF REFERRING PROVIDER OR OTHER SOURCE", X0, 32, XM - X0, 2),
    ("17a.", XM, 32, XR - XM, 1),
    ("17b. NPI", XM, 33, XR - XM, 1),
    ("18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES", XR, 32, X1 - XR, 2),
    ("19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)", X0, 34, XR - X0, 2),
    ("20. OUTSIDE LAB?  $ CHARGES", XR, 34, X1 - XR, 2),
    ("21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY  Relate A-L to service line below (24E)", X0, 36, XR - X0, 4),
    ("22. RESUBMISSION CODE / ORIGINAL REF. NO.", XR, 36, X1 - XR, 2),
    ("23. PRIOR AUTHORIZATION NUMBER", XR, 38, X1 - XR, 2),
    ("25. FEDERAL TAX I.D. NUMBER", X0, 54, 2.0, 2),
    ("26. PATIENT'S ACCOUNT NO.", X0 + 2.0, 54, 1.4, 2),
    ("27. ACCEPT ASSIGNMENT?", X0 + 3.4, 54, 1.4, 2),
    ("28. TOTAL CHARGE", X0 + 4.8, 54, 1.1, 2),
    ("29. AMOUNT PAID", X0 + 5.9, 54, 1.1, 2),
    ("30. Rsvd for NUCC Use", X0 + 7.0, 54, X1 - X0 - 7.0, 2),
    ("31. SIGNATURE OF PHYSICIAN OR SUPPLIER INCLUDING DEGREES OR CREDENTIALS", X0, 56, 2.4, 5),
    ("32. SERVICE FACILITY LOCATION INFORMATION", X0 + 2.4, 56, 2.6, 5),
    ("33. BILLING PROVIDER INFO & PH #", X0 + 5.0, 56, X1 - X0 - 5.0, 5),
]
# Box 24: the column headings (label, left, right in inches from X0), and the edges of the cells
# of each service line (the modifier column has a cell per modifier).
HEADINGS = [
    ("24. A. DATE(S) OF SERVICE  From MM DD YY  To MM DD YY", 0.0, 1.5),
    ("B. PLACE OF SERVICE", 1.5, 1.8),
    ("C. EMG", 1.8, 2.1),
    ("D. PROCEDURES, SERVICES, OR SUPPLIES (Explain Unusual Circumstances) CPT/HCPCS | MODIFIER", 2.1, 3.9),
    ("E. DIAGNOSIS POINTER", 3.9, 4.5),
    ("F. $ CHARGES", 4.5, 5.45),
    ("G. DAYS OR UNITS", 5.45, 5.85),
    ("H. EPSDT Family Plan", 5.85, 6.1),
    ("I. ID. QUAL.", 6.1, 6.4),
    ("J. RENDERING PROVIDER ID. #", 6.4, X1 - X0),
]
CELL_EDGES = [0.0, 0.75, 1.5, 1.8, 2.1, 2.7, 3.0, 3.3, 3.6, 3.9, 4.5, 5.45, 5.85, 6.1, 6.4, X1 - X0]
# Printed words that are not box titles: (text, x, line).
TEXTS = [
    ("HEALTH INSURANCE CLAIM FORM", X0, 5, "title"),
    ("APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12", X0, 6, "small"),
    ("SIGNED", X0 + 0.05, 29, "small"),
    ("DATE", X0 + 3.2, 29, "small"),
    ("SIGNED", XR + 0.05, 29, "small"),
    ("QUAL.", X0 + 1.45, 31, "small"),
    ("ICD Ind.", XM + 1.2, 36, "small"),
    ("SSN", X0 + 1.43, 55, "small"),
    ("EIN", X0 + 1.78, 55, "small"),
    ("$", X0 + 4.85, 55, "small"),
    ("$", X0 + 5.95, 55, "small"),
    ("SIGNED", X0 + 0.05, 60, "small"),
    ("DATE", X0 + 1.15, 60, "small"),
    ("a. NPI", X0 + 2.45, 60, "small"),
    ("b.", X0 + 3.75, 60, "small"),
    ("a. NPI", X0 + 5.05, 60, "small"),
    ("b.", X0 + 6.6, 60, "small"),
    ("NUCC Instruction Manual available at: www.nucc.org", X0, 61, "small"),
    ("PLEASE PRINT OR TYPE", X0 + 3.4, 61, "small"),
    ("APPROVED OMB-0938-1197 FORM 1500 (02-12)", X0 + 5.6, 61, "small"),
]
TEXTS += [(f"{letter}.", X0 + 0.05 + (n % 4) * 1.2, 37 + n // 4, "small") for n, letter in enumerate(LETTERS)]
# Where each field's value is printed: key -> (x, line).
SLOTS: dict[str, tuple[float, int]] = {
    "1a": (XR + 0.05, 8),
    "2": (X0 + 0.05, 10),
    "3": (XM + 0.1, 10),
    "4": (XR + 0.05, 10),
    "5": (X0 + 0.05, 12),
    "7": (XR + 0.05, 12),
    "5_city": (X0 + 0.05, 14),
    "5_state": (X0 + 2.45, 14),
    "7_city": (XR + 0.05, 14),
    "7_state": (XR + 2.65, 14),
    "5_zip": (X0 + 0.05, 16),
    "5_phone": (X0 + 1.3, 16),
    "7_zip": (XR + 0.05, 16),
    "7_phone": (XR + 1.4, 16),
    "9": (X0 + 0.05, 18),
    "11": (XR + 0.05, 18),
    "9a": (X0 + 0.05, 20),
    "11a": (XR + 0.3, 20),
    "10b_state": (XM + 1.55, 22),
    "11b_qualifier": (XR + 0.05, 22),
    "11b": (XR + 0.4, 22),
    "11c": (XR + 0.05, 24),
    "9d": (X0 + 0.05, 26),
    "10d": (XM + 0.05, 26),
    "12": (X0 + 0.55, 29),
    "12_date": (X0 + 3.5, 29),
    "13": (XR + 0.55, 29),
    "14": (X0 + 0.1, 31),
    "14_qualifier": (X0 + 1.8, 31),
    "17_qualifier": (X0 + 0.05, 33),
    "17": (X0 + 0.35, 33),
    "17b": (XM + 0.55, 33),
    "21_indicator": (XM + 1.65, 36),
    "22": (XR + 0.1, 37),
    "22_original": (XR + 1.3, 37),
    "23": (XR + 0.05, 39),
    "25": (X0 + 0.05, 55),
    "26": (X0 + 2.05, 55),
    "31": (X0 + 0.05, 58),
    "31_date": (X0 + 1.45, 60),
    "32": (X0 + 2.45, 57),
    "32_street": (X0 + 2.45, 58),
    "32_city": (X0 + 2.45, 59),
    "32a": (X0 + 2.8, 60),
    "33_phone": (X0 + 6.5, 56),
    "33": (X0 + 5.05, 57),
    "33_street": (X0 + 5.05, 58),
    "33_city": (X0 + 5.05, 59),
    "33a": (X0 + 5.4, 60),
}
SLOTS |= {f"21{letter}": (X0 + 0.25 + (n % 4) * 1.2, 37 + n // 4) for n, letter in enumerate(LETTERS)}
# Money boxes: key -> (x of the dollars/cents divider, line).
AMOUNTS = {"28": (X0 + 5.6, 55), "29": (X0 + 6.7, 55)}
# Check boxes: key -> {value: (x of the square, line, printed label)}.
CHECKS: dict[str, dict[str, tuple[float, int, str]]] = {
    "1": {
        "Medicare": (X0 + 0.05, 8, "MEDICARE"),
        "Medicaid": (X0 + 0.72, 8, "MEDICAID"),
        "TRICARE": (X0 + 1.4, 8, "TRICARE"),
        "CHAMPVA": (X0 + 2.05, 8, "CHAMPVA"),
        "Group health plan": (X0 + 2.7, 8, "GROUP HEALTH PLAN"),
        "FECA": (X0 + 3.65, 8, "FECA BLK LUNG"),
        "Other": (X0 + 4.4, 8, "OTHER"),
    },
    "3_sex": {"M": (XM + 1.2, 10, "M"), "F": (XM + 1.55, 10, "F")},
    "6": {
        "Self": (XM + 0.05, 12, "Self"),
        "Spouse": (XM + 0.5, 12, "Spouse"),
        "Child": (XM + 1.05, 12, "Child"),
        "Other": (XM + 1.5, 12, "Other"),
    },
    "10a": {"YES": (XM + 0.3, 20, "YES"), "NO": (XM + 0.9, 20, "NO")},
    "10b": {"YES": (XM + 0.3, 22, "YES"), "NO": (XM + 0.9, 22, "NO")},
    "10c": {"YES": (XM + 0.3, 24, "YES"), "NO": (XM + 0.9, 24, "NO")},
    "11a_sex": {"M": (XR + 2.2, 20, "M"), "F": (XR + 2.65, 20, "F")},
    "11d": {"YES": (XR + 0.3, 26, "YES"), "NO": (XR + 0.9, 26, "NO")},
    "25_kind": {"SSN": (X0 + 1.3, 55, ""), "EIN": (X0 + 1.65, 55, "")},
    "27": {"YES": (X0 + 3.5, 55, "YES"), "NO": (X0 + 4.05, 55, "NO")},
}
SQUARE = 0.1
# Box 24 line columns: key -> x from X0; modifiers sit 0.3 in apart from MODIFIER_X.
LINE_SLOTS = {"A_from": 0.05, "A_to": 0.8, "B": 1.55, "C": 1.85, "D": 2.15, "E": 3.95, "G": 5.5, "H": 5.9, "J": 6.5}
MODIFIER_X, CHARGE_DIVIDER = 2.78, 5.2


def _at(x: float, line: float, *, width: float | None = None, height: float | None = None) -> str:
    style = f"left:{x:.3f}in;top:{_y(line):.3f}in"
    if width is not None:
        style += f";width:{width:.3f}in"
    if height is not None:
        style += f";height:{height:.3f}in"
    return style


def _amount_marks(value: str, divider: float, line: int) -> list[dict]:
    """Dollars right-aligned against the divider, cents after it (NUCC Items 24F, 28, 29)."""
    if not value:
        return []
    dollars, cents = value.split(".")
    return [
        {"text": dollars, "style": _at(divider - 0.75, line, width=0.72), "align": "right"},
        {"text": cents, "style": _at(divider + 0.03, line)},
    ]


def _drawing() -> dict[str, list[dict]]:
    """The printed form: box outlines with their titles, check boxes, the other printed words."""
    boxes = [{"label": label, "style": _at(x, line, width=w, height=n * LINE)} for label, x, line, w, n in BOXES]
    shaded: list[dict] = []
    rules: list[dict] = []
    for row in range(LINES_PER_PAGE):
        shaded_line = SERVICE_LINE_1 + 2 * row
        shaded.append({"style": _at(X0, shaded_line, width=X1 - X0, height=LINE)})
        for left, right in zip(CELL_EDGES, CELL_EDGES[1:], strict=False):
            boxes.append({"label": "", "style": _at(X0 + left, shaded_line + 1, width=right - left, height=LINE)})
        # The dotted line between dollars and cents.
        rules.append({"style": _at(X0 + CHARGE_DIVIDER, shaded_line + 1, height=LINE)})
    headings = [
        {"label": label, "style": _at(X0 + left, SERVICE_LINE_1 - 2, width=right - left, height=2 * LINE)}
        for label, left, right in HEADINGS
    ]
    rules += [{"style": _at(divider, line, height=LINE)} for divider, line in AMOUNTS.values()]
    squares, texts = [], [{"text": t, "style": _at(x, line), "kind": kind} for t, x, line, kind in TEXTS]
    for options in CHECKS.values():
        for x, line, label in options.values():
            squares.append({"style": _at(x, line + 0.2, width=SQUARE, height=SQUARE)})
            if label:
                texts.append({"text": label, "style": _at(x + SQUARE + 0.03, line + 0.15), "kind": "small"})
    for row in range(LINES_PER_PAGE):
        data_line = SERVICE_LINE_1 + 2 * row + 1
        texts.append({"text": str(row + 1), "style": _at(X0 - 0.15, data_line), "kind": ""})
        texts.append({"text": "NPI", "style": _at(X0 + 6.13, data_line + 0.15), "kind": "small"})
    return {"boxes": boxes, "headings": headings, "shaded": shaded, "rules": rules, "squares": squares, "texts": texts}


def _page_marks(fields: Fields, lines: list[Fields], *, number: int, count: int) -> list[dict]:
    """Everything one page prints: the claim's fields, its share of the lines, and box 28."""
    marks = [{"text": text, "style": _at(4.3, 2 + n)} for n, text in enumerate(fields["carrier"][:4]) if text]
    if count > 1:
        marks.append({"text": f"Page {number} of {count}", "style": _at(6.9, 1)})
    marks += [{"text": fields[key], "style": _at(x, line)} for key, (x, line) in SLOTS.items() if fields.get(key)]
    for key, options in CHECKS.items():
        if fields.get(key) in options:
            x, line, _ = options[fields[key]]
            marks.append({"text": "X", "style": _at(x + 0.012, line)})
    for row, service in enumerate(lines):
        data_line = SERVICE_LINE_1 + 2 * row + 1
        marks += [{"text": service[k], "style": _at(X0 + x, data_line)} for k, x in LINE_SLOTS.items() if service[k]]
        marks += [
            {"text": m, "style": _at(X0 + MODIFIER_X + 0.3 * n, data_line)} for n, m in enumerate(service["modifiers"])
        ]
        marks += _amount_marks(service["F"], X0 + CHARGE_DIVIDER, data_line)
    # Continuation pages (payer convention, e.g. HMSA and Texas Medicaid multi-page claims): the
    # total goes on the last page, the earlier pages say CONTINUED in box 28.
    if number < count:
        marks.append({"text": "CONTINUED", "style": _at(X0 + 4.95, AMOUNTS["28"][1])})
    else:
        for key, (divider, line) in AMOUNTS.items():
            marks += _amount_marks(fields[key], divider, line)
    return marks


def render(claim: Claim, *, drawn: bool, today: date | None = None) -> bytes:
    """The claim on CMS-1500 pages of six lines each: drawn=True draws the form on plain paper,
    drawn=False prints only the data, for pre-printed red forms."""
    fields = form_fields(claim, today=today)
    chunks = [fields["24"][i : i + LINES_PER_PAGE] for i in range(0, len(fields["24"]), LINES_PER_PAGE)] or [[]]
    pages = [
        {"marks": _page_marks(fields, chunk, number=n, count=len(chunks))} for n, chunk in enumerate(chunks, start=1)
    ]
    context = {"claim": claim, "pages": pages, "drawn": drawn, **(_drawing() if drawn else {})}
    return render_pdf("billing/cms1500.html", context)


def render_superbill(claim: Claim, *, today: date | None = None) -> bytes:
    """An itemized statement of a self-pay claim's visits with every code an insurer needs,
    for the patient to submit for reimbursement."""
    lines = list(claim.lines.select_related("rendering__user").order_by("service_date", "id"))
    practitioners = list({line.rendering_id: line.rendering for line in lines}.values())
    places = dict(Location.PlaceOfService.choices)
    referral = claim.plan.referral if claim.plan is not None else None
    total = sum((line.amount for line in lines), Decimal("0"))
    context = {
        "claim": claim,
        "organization": claim.organization,
        "patient": claim.patient,
        "today": today or timezone.localdate(),
        "practitioners": practitioners,
        "referring": referral.provider if referral else None,
        "diagnoses": [
            {"pointer": letter, "code": code, "description": describe(code)}
            for letter, code in zip(LETTERS, claim.diagnoses, strict=False)
        ],
        "lines": [
            {
                "line": line,
                "place": places.get(line.place_of_service, line.place_of_service),
                "modifiers": " ".join(line.modifiers),
                "pointers": "".join(LETTERS[p - 1] for p in line.diagnosis_pointers if 1 <= p <= len(LETTERS)),
                "fee": _money(line.fee),
                "amount": _money(line.amount),
            }
            for line in lines
        ],
        "total": _money(total),
        "paid": _money(claim.paid),
        "balance": _money(total - claim.paid),
        "injury": claim.injury_case,
    }
    return render_pdf("billing/superbill.html", context)
