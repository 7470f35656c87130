"""The synthetic demo clinic: every name, number and history here is invented (`fascia.demo.names`).

Loading goes through the same services as the pages, so demo data passes the same validation and
leaves the same audit trail.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from fascia.core.models import Location, Organization, Room, User
from fascia.core.roles import Role
from fascia.demo.billing import load_claims, load_coverages, load_payers
from fascia.demo.consents import load_consent_documents
from fascia.demo.credentials import load_credentials
from fascia.demo.names import FAMILY, GIVEN_F, GIVEN_M, RELATIONSHIPS, STREETS, npi
from fascia.demo.plans import load_plan, load_providers, load_questionnaires
from fascia.demo.portal import PORTAL_PATIENT, PORTAL_WEEKS, home_care_items, load_portal_patient
from fascia.demo.schedule import load_notes, load_online_booking, load_week, load_working_hours
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.models import Evaluation
from fascia.measures import instrument
from fascia.patients import services as patient_services
from fascia.patients.medications import FLAG_FIELDS as MEDICATION_FLAGS
from fascia.patients.models import Allergy, BodyRegion, Consent, Patient
from fascia.practitioners.models import Practitioner
from fascia.practitioners.services import create_staff
from fascia.referrals.models import ReferringProvider

DEMO_PASSWORD = "fascia-demo"
DEMO_LOGINS = [
    ("admin", "admin"),
    ("therapist", "practitioner"),
    ("frontdesk", "front desk"),
    ("billing", "billing"),
]


class DemoRefused(Exception):
    pass


@dataclass
class Scenario:
    """One kind of demo patient: conditions with ICD-10-CM codes, and what else they bring."""

    conditions: list[tuple[str, str]]
    medications: list[tuple[str, str, set[str]]] = field(default_factory=list)
    surgeries: list[tuple[str, str, int]] = field(default_factory=list)  # procedure, region, days ago
    implants: list[tuple[str, str]] = field(default_factory=list)
    allergies: list[tuple[str, str, str]] = field(default_factory=list)  # substance, category, reaction
    pregnant: bool = False
    sex: str | None = None
    measure: str = "PSFS"  # the outcome instrument suited to the complaint, besides NPRS
    regions: tuple[str, ...] = ("back-lower-back",)  # where the body chart is marked


IBUPROFEN = ("Ibuprofen", "400 mg as needed", {"is_analgesic"})
CYCLOBENZAPRINE = ("Cyclobenzaprine", "10 mg at night", {"is_muscle_relaxant"})
APIXABAN = ("Apixaban", "5 mg twice daily", {"is_anticoagulant"})
WARFARIN = ("Warfarin", "5 mg daily", {"is_anticoagulant"})
RIVAROXABAN = ("Rivaroxaban", "20 mg daily", {"is_anticoagulant"})
PREDNISONE = ("Prednisone", "10 mg daily", {"is_corticosteroid"})
DULOXETINE: tuple[str, str, set[str]] = ("Duloxetine", "60 mg daily", set())

SCENARIOS = [
    Scenario([("Chronic low back pain", "M54.50")], [IBUPROFEN], measure="ODI", regions=("back-lower-back",)),
    Scenario(
        [("Neck pain", "M54.2"), ("Tension-type headache", "G44.209")],
        measure="NDI",
        regions=("back-neck", "back-head"),
    ),
    Scenario(
        [("Sciatica, right side", "M54.31")],
        [IBUPROFEN, CYCLOBENZAPRINE],
        measure="ODI",
        regions=("back-lower-back", "back-thigh-right"),
    ),
    Scenario(
        [("Lumbago with sciatica, right side", "M54.41")],
        measure="ODI",
        regions=("back-lower-back", "back-thigh-right"),
    ),
    Scenario([("Right knee pain", "M25.561")], measure="LEFS", regions=("front-knee-right",)),
    Scenario([("Left shoulder pain", "M25.512")], measure="QUICKDASH", regions=("front-shoulder-left",)),
    Scenario([("Hamstring strain (soccer), right thigh", "S76.311D")], measure="LEFS", regions=("back-thigh-right",)),
    Scenario(
        [("Lumbar strain lifting at work", "S39.012D"), ("Muscle spasm of back", "M62.830")],
        [CYCLOBENZAPRINE],
        measure="ODI",
        regions=("back-lower-back",),
    ),
    Scenario(
        [("Whiplash after car accident", "S13.4XXD"), ("Neck muscle strain", "S16.1XXD")],
        [IBUPROFEN],
        measure="NDI",
        regions=("back-neck", "back-shoulder-left", "back-shoulder-right"),
    ),
    Scenario(
        [("Aftercare after right knee replacement", "Z47.1"), ("Right knee arthroplasty", "Z96.651")],
        [APIXABAN],
        surgeries=[("Total knee arthroplasty", BodyRegion.LEG_RIGHT, 24)],
        implants=[("Right knee prosthesis", BodyRegion.LEG_RIGHT)],
        measure="LEFS",
        regions=("front-knee-right",),
    ),
    Scenario(
        [("Aftercare after rotator cuff repair", "Z47.89"), ("Right rotator cuff tear", "M75.121")],
        surgeries=[("Arthroscopic rotator cuff repair", BodyRegion.SHOULDER_RIGHT, 30)],
        measure="QUICKDASH",
        regions=("front-shoulder-right",),
    ),
    Scenario(
        [("Fibromyalgia", "M79.7")],
        [DULOXETINE],
        measure="PSFS",
        regions=("back-upper-back", "back-lower-back", "back-neck"),
    ),
    Scenario(
        [("Primary osteoarthritis, right knee", "M17.11")], [IBUPROFEN], measure="LEFS", regions=("front-knee-right",)
    ),
    Scenario([("Bilateral hip osteoarthritis", "M16.0")], [PREDNISONE], measure="LEFS", regions=("back-buttocks",)),
    Scenario([("Chronic fatigue", "R53.82")], measure="PSFS", regions=("back-upper-back",)),
    Scenario(
        [("Myalgic encephalomyelitis / chronic fatigue syndrome", "G93.32")],
        measure="PSFS",
        regions=("back-upper-back", "back-neck"),
    ),
    Scenario([("Plantar fasciitis", "M72.2")], measure="LEFS", regions=("back-foot-right",)),
    Scenario(
        [("Carpal tunnel syndrome, right", "G56.01")],
        measure="QUICKDASH",
        regions=("front-hand-right", "front-forearm-right"),
    ),
    Scenario(
        [("Thoracic spine pain", "M54.6"), ("Lateral epicondylitis, right elbow", "M77.11")],
        measure="QUICKDASH",
        regions=("back-upper-back", "front-forearm-right"),
    ),
    Scenario(
        [("Postmastectomy lymphedema", "I97.2"), ("History of breast cancer", "Z85.3")],
        surgeries=[("Left mastectomy with lymph node dissection", BodyRegion.CHEST, 700)],
        sex=Patient.Sex.FEMALE,
        measure="QUICKDASH",
        regions=("front-upper-arm-left", "front-forearm-left"),
    ),
    Scenario(
        [("History of deep vein thrombosis", "Z86.718"), ("Low back pain", "M54.50")],
        [WARFARIN],
        measure="ODI",
        regions=("back-lower-back",),
    ),
    Scenario(
        [("History of deep vein thrombosis", "Z86.718"), ("Right leg pain", "M79.604")],
        [RIVAROXABAN],
        measure="LEFS",
        regions=("back-lower-leg-right",),
    ),
    Scenario(
        [("Pregnancy-related low back pain", "M54.50")],
        pregnant=True,
        sex=Patient.Sex.FEMALE,
        measure="ODI",
        regions=("back-lower-back",),
    ),
    Scenario([("Right temporomandibular joint disorder", "M26.601")], measure="PSFS", regions=("front-head",)),
    Scenario(
        [("Trochanteric bursitis, right hip", "M70.61")],
        implants=[("Pacemaker", BodyRegion.CHEST)],
        measure="LEFS",
        regions=("back-buttocks",),
    ),
    Scenario(
        [("Lumbar radiculopathy", "M54.16")],
        [PREDNISONE, IBUPROFEN],
        measure="ODI",
        regions=("back-lower-back", "back-thigh-left"),
    ),
    # Two patients whose facts make the screen refuse techniques outright.
    Scenario(
        [("Low back pain", "M54.50"), ("Congestive heart failure with leg swelling", "I50.9")],
        measure="ODI",
        regions=("back-lower-back",),
    ),
    Scenario(
        [("Right calf pain", "M79.661"), ("Acute deep vein thrombosis, right calf", "I82.441")],
        [RIVAROXABAN],
        measure="LEFS",
        regions=("back-lower-leg-right",),
    ),
]

ALLERGIES = [
    ("Latex", Allergy.Category.LATEX, "Hives"),
    ("Sweet almond oil", Allergy.Category.NUT, "Skin rash"),
    ("Lavender essential oil", Allergy.Category.FRAGRANCE, "Headache and nausea"),
    ("Penicillin", Allergy.Category.MEDICATION, "Hives"),
    ("Unscented lotion with lanolin", Allergy.Category.OIL_LOTION, "Itching"),
]

# fmt: off
HARBOR = {"legal_name": "Harbor Medical Massage, PLLC", "tax_id": "87-1234567", "phone": "206-555-0100",
    "address_line1": "100 Harbor Way", "city": "Seattle", "postal_code": "98101-3012", "is_demo": True}
HARBOR_LOCATIONS = [
    {"name": "Harbor Clinic — Main Street", "kind": Location.Kind.CLINIC,
     "place_of_service": Location.PlaceOfService.OFFICE, "phone": "206-555-0101",
     "hours": "Mon–Fri 8:00–19:00, Sat 9:00–14:00", "address_line1": "100 Harbor Way", "address_line2": "Suite 200",
     "city": "Seattle", "postal_code": "98101-3012"},
    {"name": "Riverside Rehabilitation Center", "kind": Location.Kind.REHABILITATION_CENTER,
     "place_of_service": Location.PlaceOfService.COMPREHENSIVE_OUTPATIENT_REHAB, "phone": "206-555-0102",
     "hours": "Mon–Thu 7:00–17:00", "address_line1": "2400 River Road", "city": "Renton", "postal_code": "98057-4417"},
]
# fmt: on


def synthetic_clinic(
    rng: random.Random, organization: dict[str, Any], locations: list[dict[str, Any]]
) -> tuple[Organization, list[Location]]:
    """A synthetic organization in Washington (the demo, `fascia seed`) and its locations."""
    clinic = Organization(group_npi=npi(rng), state="WA", **organization)
    clinic.full_clean()
    clinic.save()
    return clinic, [Location.objects.create(organization=clinic, state="WA", **place) for place in locations]


def synthetic_staff(
    organization: Organization, username: str, first: str, last: str, role: str, profile: dict | None = None
) -> User:
    """A login of a synthetic clinic (the demo, `fascia seed`): the demo password, no two-factor
    prompt, an address at the clinic's first word (harbor.example.org)."""
    domain = organization.legal_name.split()[0].lower()
    user = create_staff(
        actor=None,  # type: ignore[arg-type]  # a synthetic load has no one to act: its audit entries name no actor
        organization=organization,
        role=role,
        password=DEMO_PASSWORD,
        practitioner_profile=profile,
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@{domain}.example.org",
        is_active=True,
    )
    User.objects.filter(pk=user.pk).update(is_demo_account=True)
    user.is_demo_account = True
    return user


def synthetic_therapist(
    organization: Organization,
    rng: random.Random,
    username: str,
    first: str,
    last: str,
    suffix: str,
    locations: list[Location],
) -> Practitioner:
    """A massage therapist licensed in Washington, working at `locations`."""
    profile = {
        "credential_suffix": suffix,
        "npi": npi(rng),
        "taxonomy_code": "225700000X",
        "license_number": f"MA{rng.randint(60000000, 60999999)}",
        "license_state": "WA",
        "locations": locations,
    }
    return synthetic_staff(organization, username, first, last, Role.PRACTITIONER, profile).practitioner


def _refuse_if_not_demo() -> bool:
    """True when the demo is already loaded; raise DemoRefused when the database holds other data."""
    if Organization.objects.filter(is_demo=True).exists():
        return True
    if Organization.objects.exists() or Patient.objects.exists() or User.objects.filter(is_demo_account=False).exists():
        raise DemoRefused(
            "This database holds data that is not the demo clinic's; the demo is loaded only into an "
            "empty database. Point FASCIA_DATABASE_URL at a new database to try the demo."
        )
    return False


@transaction.atomic
def load_demo(seed: int = 2026) -> bool:
    """Load the demo clinic into an empty database. Returns False when it was already there."""
    if _refuse_if_not_demo():
        return False
    rng = random.Random(seed)
    today = timezone.localdate()

    organization, (main_street, riverside) = synthetic_clinic(rng, HARBOR, HARBOR_LOCATIONS)
    for name in ("Room 1", "Room 2", "Room 3"):
        Room.objects.create(location=main_street, name=name, kind=Room.Kind.ROOM)
    for name in ("Table A", "Table B"):
        Room.objects.create(location=riverside, name=name, kind=Room.Kind.TABLE)
    staff = partial(synthetic_staff, organization)

    admin = staff("admin", "Dana", "Whitfield", Role.ADMIN)
    load_consent_documents(organization, admin)
    therapist = partial(synthetic_therapist, organization, rng)
    practitioners = [
        therapist("therapist", "Tessa", "Morgan", "LMT, CMMP", [main_street, riverside]),
        therapist("mlee", "Marcus", "Lee", "LMT", [main_street]),
        therapist("praman", "Priya", "Raman", "LMT, CLT", [riverside]),
        therapist("salvarez", "Sofia", "Alvarez", "LMT", [main_street, riverside]),
    ]
    load_credentials(admin, practitioners, rng, today)  # before any plan, booking or note checks them
    staff("frontdesk", "Frank", "Ortiz", Role.FRONT_DESK)
    biller = staff("billing", "Bill", "Nguyen", Role.BILLING)

    providers = load_providers(organization, rng)
    used_names: set[tuple[str, str]] = set()
    for number in range(60):
        scenario = SCENARIOS[number % len(SCENARIOS)]
        sex = scenario.sex or rng.choice([Patient.Sex.FEMALE, Patient.Sex.MALE])
        while True:
            given = rng.choice(GIVEN_F if sex == Patient.Sex.FEMALE else GIVEN_M)
            family = rng.choice(FAMILY)
            if (given, family) not in used_names:
                used_names.add((given, family))
                break
        age = rng.randint(24, 34) if scenario.pregnant else rng.randint(19, 84)
        birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        location = rng.choice([main_street, riverside])
        patient = patient_services.create_patient(
            actor=admin,
            organization=organization,
            family_name=family,
            given_name=given,
            birth_date=birth,
            sex=sex,
            gender_identity=Patient.GenderIdentity.WOMAN if sex == Patient.Sex.FEMALE else Patient.GenderIdentity.MAN,
            phone=f"206-555-01{number + 10:02d}",
            email=f"{given}.{family}@example.com".lower(),
            address_line1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)} Street",
            city="Seattle",
            state="WA",
            postal_code=f"981{rng.randint(1, 99):02d}",
            emergency_contact_name=f"{rng.choice(GIVEN_F + GIVEN_M)} {family}",
            emergency_contact_relationship=rng.choice(RELATIONSHIPS),
            emergency_contact_phone=f"206-555-01{(number + 50) % 90 + 10:02d}",
            preferred_location=location,
            preferred_practitioner=rng.choice([p for p in practitioners if location in p.locations.all()]),
            is_pregnant=scenario.pregnant,
            pregnancy_due_date=today + timedelta(days=rng.randint(30, 150)) if scenario.pregnant else None,
        )
        first_visit = _load_history(patient, scenario, admin, rng, today)
        evaluation = _load_evaluation(patient, scenario, rng, first_visit)
        load_plan(
            evaluation,
            regions=scenario.regions,
            measure=scenario.measure,
            complaints=len(complaints_of(scenario)),
            providers=providers,
            rng=rng,
        )
    load_working_hours(practitioners)
    load_online_booking(organization, admin)
    monday = today - timedelta(days=today.weekday())
    for week in (monday - timedelta(weeks=1), monday):
        load_week(practitioners, rng, week)
    # And the coming week, whatever day today is (on a Friday or a weekend this week is over): today and the
    # seven days after it always have a schedule. Its own random stream, so the visits that have ended, their
    # notes and their claims are what they would be without it.
    load_week(practitioners, random.Random(seed + 1), monday + timedelta(weeks=1), until=today + timedelta(days=7))
    load_notes(rng)
    load_questionnaires(organization, today)
    patients = list(Patient.objects.filter(organization=organization).order_by("mrn"))
    load_coverages(patients, load_payers(organization), rng, today)
    load_claims(biller, patients, today)
    _load_portal_patient(organization, admin, biller, practitioners[0], main_street, providers, random.Random(seed + 2))
    # The past two years' patients, in bulk as `fascia seed` writes them (which imports this module), with a
    # random stream of their own.
    from fascia.demo.history import load_history

    load_history(organization, random.Random(seed + 3))
    return True


def _load_portal_patient(
    organization: Organization,
    admin: User,
    biller: User,
    practitioner: Practitioner,
    location: Location,
    providers: list[ReferringProvider],
    rng: random.Random,
) -> None:
    """Maria Santos, the demo's patient in the portal (fascia.demo.portal): a low back complaint evaluated six
    weeks ago by the practitioner the demo signs in as, a plan with a home care program. Made last, with a
    random stream of her own, so the other patients' data is what it was before her."""
    today = timezone.localdate()
    scenario = SCENARIOS[0]  # chronic low back pain, the ODI
    patient = patient_services.create_patient(
        actor=admin,
        organization=organization,
        given_name=PORTAL_PATIENT["given_name"],
        family_name=PORTAL_PATIENT["family_name"],
        birth_date=date(1979, 4, 12),
        sex=Patient.Sex.FEMALE,
        gender_identity=Patient.GenderIdentity.WOMAN,
        phone="206-555-0199",
        email=PORTAL_PATIENT["email"],
        address_line1="1408 Alder Street",
        city="Seattle",
        state="WA",
        postal_code="98122",
        emergency_contact_name="Luis Santos",
        emergency_contact_relationship="Spouse",
        emergency_contact_phone="206-555-0198",
        preferred_location=location,
        preferred_practitioner=practitioner,
    )
    first_visit = today - timedelta(weeks=PORTAL_WEEKS)
    _load_history(patient, scenario, admin, rng, today, first_visit=first_visit)
    evaluation = _load_evaluation(patient, scenario, rng, first_visit)
    load_plan(
        evaluation,
        regions=scenario.regions,
        measure=scenario.measure,
        complaints=1,
        providers=providers,
        rng=rng,
        home_care_items=home_care_items(),
    )
    load_portal_patient(patient, biller=biller, password=DEMO_PASSWORD, rng=rng)


def _load_history(
    patient: Patient, scenario: Scenario, actor: User, rng: random.Random, today: date, first_visit: date | None = None
) -> date:
    for kind, fields in history_entries(scenario, rng, today):
        patient_services.add_history_entry(actor=actor, patient=patient, kind=kind, **fields)
    first_visit = first_visit or today - timedelta(days=rng.randint(1, 120))
    record = patient_services.record_consent
    record(actor=actor, patient=patient, kind=Consent.Kind.TREATMENT, date=first_visit)
    record(actor=actor, patient=patient, kind=Consent.Kind.PRIVACY_NOTICE, date=first_visit)
    # Signed at intake for all payers: the assignment of benefits and the release of information claims say are on file.
    record(actor=actor, patient=patient, kind=Consent.Kind.ASSIGNMENT, date=first_visit)
    record(actor=actor, patient=patient, kind=Consent.Kind.RELEASE, date=first_visit)
    record(
        actor=actor,
        patient=patient,
        kind=Consent.Kind.CONTACT,
        date=first_visit,
        allow_email=rng.random() < 0.85,
        allow_sms=rng.random() < 0.6,
        allow_voicemail=rng.random() < 0.5,
    )
    return first_visit


def scenario_medications(scenario: Scenario) -> list[dict[str, Any]]:
    """The scenario's medications as entered: by name, with the flags the practitioner confirmed; a drug the
    screening table does not know has its question answered (no blood thinner)."""
    return [
        {
            "name": name,
            "dose": dose,
            "corrections": {MEDICATION_FLAGS[field]: True for field in flags},
            "answer": "" if flags else "no",
        }
        for name, dose, flags in scenario.medications
    ]


def history_entries(scenario: Scenario, rng: random.Random, day: date) -> list[tuple[str, dict[str, Any]]]:
    """The patient's history as the front desk enters it on `day`, by kind (`add_history_entry`'s):
    the scenario's conditions, medications, surgeries and implants, and now and then an allergy."""
    entries: list[tuple[str, dict[str, Any]]] = []
    for description, code in scenario.conditions:
        onset = day - timedelta(days=rng.randint(20, 900))
        entries.append(("condition", {"description": description, "icd10_code": code, "onset_date": onset}))
    for medication in scenario_medications(scenario):
        entries.append(
            (
                "medication",
                {
                    "name": medication["name"],
                    "dose": medication["dose"],
                    "bleeding_answer": medication["answer"],
                    **{field: True for field, flag in MEDICATION_FLAGS.items() if medication["corrections"].get(flag)},
                },
            )
        )
    for procedure, region, days_ago in scenario.surgeries:
        performed = day - timedelta(days=days_ago)
        entries.append(("surgery", {"procedure": procedure, "body_region": region, "performed_on": performed}))
    for description, region in scenario.implants:
        implanted = day - timedelta(days=rng.randint(30, 2000))
        entries.append(("implant", {"description": description, "body_region": region, "implanted_on": implanted}))
    if rng.random() < 0.25:
        substance, category, reaction = rng.choice(ALLERGIES)
        entries.append(("allergy", {"substance": substance, "category": category, "reaction": reaction}))
    return entries


# Typical answers per item for a patient with moderate limitation, by instrument.
DEMO_ANSWERS = {"ODI": (1, 3), "NDI": (1, 3), "LEFS": (1, 3), "QUICKDASH": (2, 4), "PSFS": (2, 6)}
ONSETS = {"S": Evaluation.Onset.SPORTS, "Z4": Evaluation.Onset.POST_SURGICAL}
PATIENT_GOALS = ["Sleep through the night", "Return to work without pain", "Garden again", "Lift my grandchildren"]
PSFS_ACTIVITIES = ["Sitting at work", "Carrying groceries", "Sleeping"]


def _load_evaluation(patient: Patient, scenario: Scenario, rng: random.Random, evaluated_on: date) -> Evaluation:
    """A signed initial evaluation by the patient's practitioner, with NPRS and the suited instrument."""
    assert patient.preferred_practitioner is not None  # load_demo gives every patient one
    practitioner = patient.preferred_practitioner.user
    evaluation = evaluation_services.start_evaluation(actor=practitioner, patient=patient, evaluated_on=evaluated_on)
    fields = evaluation_fields(scenario, rng)
    evaluation_services.save_evaluation(
        actor=practitioner, evaluation=evaluation, diagnoses=diagnosis_codes(scenario), **fields
    )
    record = partial(evaluation_services.record_evaluation_measure, actor=practitioner, evaluation=evaluation)
    record(instrument="NPRS", responses=[fields["nprs_now"]])
    record(
        instrument=scenario.measure,
        responses=first_answers(scenario.measure, rng),
        activities=PSFS_ACTIVITIES if scenario.measure == "PSFS" else None,
    )
    return evaluation_services.sign_evaluation(actor=practitioner, evaluation=evaluation)


def evaluation_fields(scenario: Scenario, rng: random.Random) -> dict[str, Any]:
    """What the practitioner writes in the initial evaluation of a patient of this scenario."""
    complaint = complaints_of(scenario)[0][0]
    pain = rng.randint(4, 8)
    return {
        "chief_complaint": complaint,
        "onset": onset_for(scenario),
        "history": f"{complaint} for about {rng.randint(2, 30)} weeks; worse with prolonged positions.",
        "patient_goals": rng.choice(PATIENT_GOALS),
        "nprs_now": pain,
        "nprs_best": max(0, pain - rng.randint(2, 4)),
        "nprs_worst": min(10, pain + rng.randint(1, 2)),
        "body_marks": [{"region": region, "kind": "pain", "intensity": pain} for region in scenario.regions],
        "impression": f"Findings consistent with {complaint.lower()}; suitable for medical massage.",
        "prognosis": Evaluation.Prognosis.GOOD,
    }


def first_answers(measure: str, rng: random.Random) -> list[int | None]:
    """The instrument's items as a patient with moderate limitation answers them (PSFS: three activities)."""
    low, high = DEMO_ANSWERS[measure]
    return [rng.randint(low, high) for _ in range(3 if measure == "PSFS" else instrument(measure).item_count)]


def complaints_of(scenario: Scenario) -> list[tuple[str, str]]:
    """The conditions that bring the patient (aftercare Z codes only when there is nothing else)."""
    return [(text, code) for text, code in scenario.conditions if not code.startswith("Z")] or scenario.conditions


def diagnosis_codes(scenario: Scenario) -> list[str]:
    """The evaluation's diagnoses: the complaints first, then the other conditions."""
    complaints = complaints_of(scenario)
    return [code for _, code in complaints] + [c for _, c in scenario.conditions if c not in dict(complaints).values()]


def onset_for(scenario: Scenario) -> str:
    first = scenario.conditions[0][1]
    if first.startswith("S13"):
        return Evaluation.Onset.MOTOR_VEHICLE
    if "work" in scenario.conditions[0][0].lower():
        return Evaluation.Onset.WORK
    for prefix, onset in ONSETS.items():
        if first.startswith(prefix):
            return onset
    return Evaluation.Onset.INSIDIOUS
