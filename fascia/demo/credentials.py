"""The demo practitioners' licenses, certifications, insurance and continuing education.

Chosen so the compliance views have something to show: Tessa (the `therapist` login) renews her
license in about six weeks, Marcus's CPR card runs out within 90 days and he holds no manual
lymphatic drainage certification, Sofia has her hours but is short of ethics, Priya is a couple
of hours short overall. Course titles, providers, approval and policy numbers are invented.
Loaded before any plan, booking or note, which the credential checks would otherwise refuse.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fascia.core.models import User
from fascia.practitioners.ce import add_months
from fascia.practitioners.models import CECategory, CourseRecord, Credential, Practitioner, Specialty
from fascia.practitioners.services import add_course, save_credential
from fascia.techniques.models import Technique

MLD_TECHNIQUE = "manual-lymphatic-drainage"
CASCADIA = ("Cascadia Institute of Manual Therapy", "451107-00")
SOUND = ("Puget Sound Bodywork Education", "452390-00")
CEDAR = ("Cedar Learning Online", "453018-00")
LYMPH = ("Northwest Lymphology Institute", "450862-00")
HANDS_ON, ETHICS, EQUITY = CECategory.HANDS_ON, CECategory.ETHICS, CECategory.HEALTH_EQUITY
# fmt: off
COURSES = {  # title, provider and its approval number, category, hours, live (else online and self-paced)
    "lumbopelvic": ("Myofascial Release of the Lumbopelvic Region", *CASCADIA, HANDS_ON, 8, True),
    "neck-trigger": ("Trigger Point Therapy for Neck and Shoulder Pain", *SOUND, HANDS_ON, 6, True),
    "low-back-nmt": ("Neuromuscular Therapy for Low Back Pain", *CASCADIA, HANDS_ON, 8, True),
    "iastm": ("Instrument-Assisted Soft Tissue Mobilization, Level 1", *SOUND, HANDS_ON, 7, True),
    "mld-review": ("Manual Lymphatic Drainage Review: Upper-Extremity Lymphedema", *LYMPH, HANDS_ON, 8, True),
    "boundaries": ("Ethics, Boundaries and the Therapeutic Relationship", *SOUND, ETHICS, 4, True),
    "scope": ("Documentation, Consent and Scope of Practice", *CEDAR, ETHICS, 2, False),
    "equity": ("Health Equity in Bodywork: Serving Every Patient", *CEDAR, EQUITY, 2, False),
    "pathology": ("Pathology for Massage Therapists: Cardiovascular and Lymphatic Conditions", *LYMPH,
                  CECategory.PATHOLOGY, 6, True),
    "research": ("Reading the Research: Massage for Chronic Pain", *CEDAR, CECategory.RESEARCH, 3, False),
    "shoulder": ("Functional Anatomy of the Shoulder Girdle", *CASCADIA, CECategory.SCIENCE, 4, True),
    "soap": ("SOAP Notes and Insurance Billing for Medical Massage", *CEDAR, CECategory.BUSINESS, 3, True),
    "body-mechanics": ("Body Mechanics and Injury Prevention for Therapists", *SOUND, CECategory.SELF_CARE, 2, True),
}
# fmt: on


@dataclass(frozen=True)
class Profile:
    license_expires_in: int  # days from today
    cpr_expires_in: int
    board: bool
    mld: bool
    courses: tuple[str, ...]


# Against WA's 24 hours (8 hands-on, 4 ethics, 2 health equity) and NCBTMB's 24 (3 ethics).
PROFILES = {
    # 26 h, complete for both; the license expiring in 45 days shows on her dashboard.
    "therapist": Profile(45, 400, True, True, ("lumbopelvic", "boundaries", "equity", "pathology", "research", "soap")),
    # 27 h, complete; his CPR card expires within 90 days. He holds no MLD certification, and none of
    # his patients has MLD in the plan (the demo plans use Swedish, deep tissue, myofascial release and
    # trigger point), so every plan, booking and note of his stays valid once MLD requires it.
    "mlee": Profile(
        240, 70, False, False, ("low-back-nmt", "neck-trigger", "boundaries", "equity", "shoulder", "soap")
    ),
    # 22 h: every minimum met, 2 hours short of the total.
    "praman": Profile(300, 500, True, True, ("mld-review", "boundaries", "equity", "pathology", "body-mechanics")),
    # 26 h, but only 2 of the 4 ethics hours.
    "salvarez": Profile(180, 600, False, True, ("lumbopelvic", "iastm", "scope", "equity", "shoulder", "research")),
}


def load_credentials(admin: User, practitioners: list[Practitioner], rng: random.Random, today: date) -> None:
    """Each practitioner's credentials and CE courses, then MLD made to require its certification."""
    for practitioner in practitioners:
        profile = PROFILES[practitioner.user.username]
        for credential in credentials_for(practitioner, profile, rng, today):
            save_credential(actor=admin, credential=credential)  # an admin records credentials
        for code in profile.courses:
            add_course(actor=practitioner.user, course=_course_record(practitioner, code, rng, today))
    Technique.objects.filter(organization_id=admin.member_organization_id, code=MLD_TECHNIQUE).update(
        required_specialty=Specialty.MLD
    )


def credentials_for(
    practitioner: Practitioner, profile: Profile, rng: random.Random, today: date, since: date | None = None
) -> list[Credential]:
    """The practitioner's credentials as `profile` has them, with the licenses before, back to `since`."""

    def held(kind: str, expires_in: int | None, years: int, **fields: str) -> Credential:
        """Issued `years` before it expires; without an expiry, issued one to three years ago."""
        expires_on = today + timedelta(days=expires_in) if expires_in is not None else None
        issued_on = (
            add_months(expires_on, -12 * years) if expires_on else today - timedelta(days=rng.randint(400, 1000))
        )
        return Credential(practitioner=practitioner, kind=kind, issued_on=issued_on, expires_on=expires_on, **fields)

    insured_since = today - timedelta(days=rng.randint(30, 250))  # a yearly policy, not due within 90 days
    license = {
        "name": "Washington Licensed Massage Therapist",
        "issuing_body": "Washington State Department of Health",
        "state": "WA",
        "number": practitioner.license_number,
    }
    licenses = [held(Credential.Kind.LICENSE, profile.license_expires_in, 2, **license)]
    while since is not None and licenses[-1].issued_on > since:  # renewed, each the day after the last expired
        licenses.append(held(Credential.Kind.LICENSE, (licenses[-1].issued_on - today).days - 1, 2, **license))
    credentials = [
        *licenses,
        held(
            Credential.Kind.CPR,
            profile.cpr_expires_in,
            2,
            name="Adult and Pediatric First Aid/CPR/AED",
            issuing_body="American Red Cross",
            number=f"ARC-{rng.randint(100000, 999999)}",
        ),
        Credential(
            practitioner=practitioner,
            kind=Credential.Kind.INSURANCE,
            name="Professional and general liability insurance",
            issuing_body="Evergreen Allied Health Mutual",
            number=f"EAH-PL-{rng.randint(1000000, 9999999)}",
            coverage_limits="$2M / $3M",
            issued_on=insured_since,
            expires_on=add_months(insured_since, 12),
        ),
        held(
            Credential.Kind.SPECIALTY,
            None,
            0,
            name="Certified Medical Massage Practitioner",
            issuing_body="Pacific School of Medical Massage",
            specialty=Specialty.MEDICAL_MASSAGE,
            number=f"PSMM-{rng.randint(1000, 9999)}",
        ),
    ]
    if profile.board:
        credentials.append(
            held(
                Credential.Kind.BOARD,
                rng.randint(200, 400),
                2,
                name="Board Certified in Therapeutic Massage and Bodywork",
                issuing_body="NCBTMB",
                number=str(rng.randint(100000, 999999)),
            )
        )
    if profile.mld:
        credentials.append(
            held(
                Credential.Kind.SPECIALTY,
                rng.randint(200, 600),
                2,
                name="Certified Manual Lymphatic Drainage Therapist",
                issuing_body=LYMPH[0],
                specialty=Specialty.MLD,
                number=f"NLI-MLD-{rng.randint(1000, 9999)}",
            )
        )
    return credentials


def _course_record(practitioner: Practitioner, code: str, rng: random.Random, today: date) -> CourseRecord:
    title, provider, approval_number, category, hours, live = COURSES[code]
    # Within the last ten months, so inside every current two-year cycle: the license and board
    # renewals here all fall within 400 days, so their cycles began more than 300 days ago.
    completed_on = today - timedelta(days=rng.randint(14, 300))
    days = int(hours > 6) if live else rng.randint(0, 20)  # a weekend workshop; online is self-paced
    return CourseRecord(
        practitioner=practitioner,
        title=title,
        provider=provider,
        approval_number=approval_number,
        category=category,
        hours=Decimal(hours),
        live=live,
        started_on=completed_on - timedelta(days=days),
        completed_on=completed_on,
    )
