"""Seed the benchmark database with synthetic patients for one organization.

Every name, number and address is invented: names are drawn from lists with a fixed random seed,
phone numbers use the 555-01xx range kept for fiction, emails the reserved example.com domain.
Patients are inserted with bulk_create (no audit entries, no per-row services), but each one is
cleaned like a form would clean it and gets `search_text` from Patient.refresh_search_text(),
so the rows are what the registration service would have stored.

Usage: FASCIA_DATABASE_URL=postgres://... python bench/seed_patients.py [--patients 50000]
Normally run by bench/run. Does nothing when the organization already has its patients.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402

from fascia.core.models import Location, Organization, User  # noqa: E402
from fascia.core.npi import with_check_digit  # noqa: E402
from fascia.core.roles import Role  # noqa: E402
from fascia.core.services import create_staff  # noqa: E402
from fascia.patients.models import Patient  # noqa: E402

SEED = 20260101
DEFAULT_PATIENTS = 50_000
BATCH_SIZE = 2_000
VALIDATE_EVERY = 1_000

ORGANIZATION_NAME = "Benchmark Medical Massage, PLLC"
LOCATION_NAME = "Benchmark Clinic — Main Street"
FRONT_DESK_USERNAME = "bench-frontdesk"
FRONT_DESK_PASSWORD = "quiet-harbor-benchmark-2026"

# fmt: off
GIVEN_F = [
    "Abigail", "Aisha", "Alice", "Amara", "Amelia", "Ana", "Anna", "Ava", "Beatriz", "Camila", "Caroline",
    "Charlotte", "Chloe", "Claire", "Daniela", "Deborah", "Diana", "Eleanor", "Elena", "Elizabeth", "Ella",
    "Emily", "Emma", "Esther", "Fatima", "Grace", "Hana", "Hannah", "Harper", "Isabel", "Ivy", "Jasmine",
    "Jennifer", "Julia", "Katherine", "Keiko", "Laura", "Leah", "Linda", "Lucia", "Madison", "Margaret", "Maria",
    "Maya", "Mei", "Mia", "Michelle", "Naomi", "Natalia", "Nora", "Olivia", "Patricia", "Priya", "Rachel",
    "Rebecca", "Rosa", "Ruth", "Samantha", "Sara", "Sofia", "Susan", "Tamar", "Valentina", "Victoria", "Yuki",
    "Zoe"
]
GIVEN_M = [
    "Aaron", "Adam", "Ahmed", "Alexander", "Andre", "Andrew", "Anthony", "Benjamin", "Brian", "Caleb", "Carlos",
    "Charles", "Christopher", "Daniel", "David", "Diego", "Dmitri", "Elias", "Ethan", "Felix", "Gabriel",
    "George", "Henry", "Hiro", "Isaac", "Jacob", "James", "Javier", "John", "Jonah", "Joseph", "Joshua", "Kenji",
    "Kevin", "Liam", "Lucas", "Luis", "Marco", "Mark", "Mateo", "Matthew", "Michael", "Mohammed", "Nathan",
    "Noah", "Omar", "Owen", "Patrick", "Paul", "Peter", "Rafael", "Ravi", "Richard", "Robert", "Samuel", "Sean",
    "Thomas", "Timothy", "Tomas", "Victor", "William", "Yusuf"
]
FAMILY = [
    "Abernathy", "Adams", "Adeyemi", "Aguilar", "Alexander", "Allen", "Alvarado", "Alvarez", "Anderson",
    "Andrews", "Armstrong", "Arnold", "Ashdown", "Bailey", "Baker", "Barnes", "Bell", "Bellweather", "Bennett",
    "Berry", "Bianchi", "Black", "Boyd", "Bradley", "Brightwater", "Brooks", "Brown", "Bryant", "Burns", "Butler",
    "Campbell", "Carpenter", "Carroll", "Carter", "Castellan", "Castillo", "Castro", "Chavez", "Chen", "Clark",
    "Coldwell", "Cole", "Coleman", "Collins", "Contreras", "Cook", "Cooper", "Cox", "Crawford", "Cruz",
    "Cunningham", "Daniels", "Davis", "Delacroix", "Delgado", "Diaz", "Dixon", "Duncan", "Dunmore", "Dunn",
    "Edwards", "Elliott", "Ellis", "Emberly", "Evans", "Everhart", "Fairbanks", "Ferguson", "Fernandez", "Fisher",
    "Flores", "Ford", "Foster", "Fox", "Freeman", "Galloway", "Garcia", "Gardner", "Garza", "Gibson", "Gomez",
    "Gonzalez", "Gordon", "Graham", "Grant", "Gray", "Green", "Griffin", "Gutierrez", "Guzman", "Haddad", "Hall",
    "Hamilton", "Hansen", "Harris", "Harrison", "Hart", "Hartwell", "Hawkins", "Hayes", "Henderson", "Henry",
    "Hernandez", "Herrera", "Hicks", "Hill", "Hoffman", "Holmes", "Howard", "Hudson", "Hughes", "Hunt", "Hunter",
    "Ingram", "Ivanova", "Jackson", "James", "Jenkins", "Jessup", "Jimenez", "Johnson", "Johnston", "Jones",
    "Jordan", "Kaur", "Kelley", "Kelly", "Kennedy", "Kettering", "Kim", "King", "Knight", "Kowalski", "Lane",
    "Lawrence", "Lee", "Lewis", "Lindqvist", "Long", "Lopez", "Marlowe", "Marshall", "Martin", "Martinez",
    "Mason", "Matthews", "McDonald", "Medina", "Mendez", "Mendoza", "Mensah", "Meyer", "Miller", "Mills",
    "Mitchell", "Moore", "Morales", "Moreno", "Morgan", "Morris", "Munoz", "Murphy", "Murray", "Myers",
    "Nakamura", "Nelson", "Nguyen", "Nichols", "Northcott", "Novak", "Okafor", "Okonkwo", "Olson", "Ortiz",
    "Owens", "Palmer", "Parker", "Patel", "Patterson", "Payne", "Pemberton", "Pena", "Perez", "Perkins", "Perry",
    "Peters", "Peterson", "Petrov", "Pham", "Phillips", "Pierce", "Porter", "Powell", "Price", "Quayle",
    "Ramirez", "Ramos", "Ray", "Reed", "Reyes", "Reynolds", "Rice", "Richards", "Richardson", "Riley", "Rivera",
    "Roberts", "Robertson", "Robinson", "Rodriguez", "Rogers", "Romero", "Rosales", "Rose", "Ross", "Rossi",
    "Ruiz", "Russell", "Ryan", "Salazar", "Sanchez", "Sanders", "Sandoval", "Santos", "Schmidt", "Scott", "Shaw",
    "Silva", "Simmons", "Simpson", "Singh", "Smith", "Snyder", "Soto", "Spencer", "Stephens", "Stevens",
    "Stewart", "Stone", "Sullivan", "Taylor", "Thackeray", "Thomas", "Thompson", "Torres", "Tran", "Tucker",
    "Turner", "Underhill", "Vargas", "Vasquez", "Wagner", "Walker", "Wallace", "Ward", "Warren", "Washington",
    "Watson", "Weaver", "Webb", "Wells", "West", "White", "Whitlock", "Williams", "Willis", "Wilson", "Wood",
    "Woods", "Wright", "Yamamoto", "Yarrow", "Young", "Zeller"
]
NICKNAMES = {
    "Alexander": "Alex",
    "Benjamin": "Ben",
    "Christopher": "Chris",
    "Daniel": "Dan",
    "Elizabeth": "Liz",
    "Jennifer": "Jen",
    "Joseph": "Joe",
    "Katherine": "Kate",
    "Margaret": "Maggie",
    "Matthew": "Matt",
    "Michael": "Mike",
    "Patricia": "Pat",
    "Richard": "Rick",
    "Robert": "Bob",
    "Samantha": "Sam",
    "Thomas": "Tom",
    "Victoria": "Tori",
    "William": "Bill",
}
# Pacific Northwest and West Coast area codes; each with 555-0100..0199, all fictional.
AREA_CODES = [
    "206", "253", "360", "425", "509", "564", "503", "541", "971", "208", "406", "415", "510", "650", "707",
    "916", "907", "808"
]
STREETS = [
    "Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Hemlock", "Juniper", "Madrona", "Maple", "Oak", "Pine",
    "Spruce", "Willow", "Harbor", "Lake", "Summit", "Union"
]
# fmt: on
CITIES = [
    ("Seattle", "981"),
    ("Tacoma", "984"),
    ("Bellevue", "980"),
    ("Everett", "982"),
    ("Renton", "980"),
    ("Olympia", "985"),
    ("Spokane", "992"),
]
RELATIONSHIPS = ["Spouse", "Parent", "Sibling", "Partner", "Friend", "Child"]
OLDEST_BIRTH_DATE = date(1935, 1, 1)
YOUNGEST_BIRTH_DATE = date(2018, 12, 31)


def fictional_phone(rng: random.Random) -> str:
    """A 555-01xx number, as Patient.phone stores it after normalization (206-555-0123)."""
    return f"{rng.choice(AREA_CODES)}-555-01{rng.randint(0, 99):02d}"


def synthetic_patient(
    rng: random.Random, number: int, organization: Organization, location: Location, actor: User
) -> Patient:
    sex = rng.choice([Patient.Sex.FEMALE, Patient.Sex.MALE])
    given_names = GIVEN_F if sex == Patient.Sex.FEMALE else GIVEN_M
    given = rng.choice(given_names)
    family = rng.choice(FAMILY)
    city, zip_prefix = rng.choice(CITIES)
    span = (YOUNGEST_BIRTH_DATE - OLDEST_BIRTH_DATE).days
    has_contact = rng.random() < 0.6
    patient = Patient(
        organization=organization,
        mrn=f"{number:07d}",
        family_name=family,
        given_name=given,
        middle_name=rng.choice(given_names) if rng.random() < 0.3 else "",
        preferred_name=NICKNAMES[given] if given in NICKNAMES and rng.random() < 0.4 else "",
        birth_date=OLDEST_BIRTH_DATE + timedelta(days=rng.randint(0, span)),
        sex=sex,
        phone=fictional_phone(rng) if rng.random() < 0.95 else "",
        email=f"{given}.{family}{number % 100}@example.com".lower() if rng.random() < 0.8 else "",
        address_line1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)} Street",
        city=city,
        state="WA",
        postal_code=f"{zip_prefix}{rng.randint(1, 99):02d}",
        emergency_contact_name=f"{rng.choice(GIVEN_F + GIVEN_M)} {family}" if has_contact else "",
        emergency_contact_relationship=rng.choice(RELATIONSHIPS) if has_contact else "",
        emergency_contact_phone=fictional_phone(rng) if has_contact else "",
        preferred_location=location,
        is_active=rng.random() < 0.97,
        created_by=actor,
        updated_by=actor,
    )
    patient.refresh_search_text()
    return patient


def validate(patient: Patient) -> None:
    """Clean a patient as the registration form does (about 1 ms a row, so only a sample is checked)."""
    stored = (patient.phone, patient.emergency_contact_phone, patient.postal_code, patient.search_text)
    patient.full_clean(exclude=["organization", "mrn"], validate_constraints=False)
    patient.refresh_search_text()
    cleaned = (patient.phone, patient.emergency_contact_phone, patient.postal_code, patient.search_text)
    if cleaned != stored:
        raise RuntimeError(f"synthetic patient {patient.mrn} is not stored as cleaned: {stored} != {cleaned}")


def ensure_clinic() -> tuple[Organization, Location, User]:
    """The benchmark organization, its location and its front-desk user, created when missing."""
    organization = Organization.objects.filter(legal_name=ORGANIZATION_NAME).first()
    if organization is None:
        organization = Organization(
            legal_name=ORGANIZATION_NAME,
            tax_id="87-7654321",
            group_npi=with_check_digit("123456789"),
            phone="206-555-0100",
            address_line1="1 Benchmark Way",
            city="Seattle",
            state="WA",
            postal_code="98101",
        )
        organization.full_clean()
        organization.save()
    location, _ = Location.objects.get_or_create(
        organization=organization,
        name=LOCATION_NAME,
        defaults={"phone": "206-555-0101", "city": "Seattle", "state": "WA", "postal_code": "98101"},
    )
    user = User.objects.filter(username=FRONT_DESK_USERNAME).first()
    if user is None:
        user = create_staff(
            actor=None,
            organization=organization,
            role=Role.FRONT_DESK,
            password=FRONT_DESK_PASSWORD,
            username=FRONT_DESK_USERNAME,
            first_name="Fran",
            last_name="Desk",
            email="frontdesk@bench.example.org",
            is_active=True,
        )
    return organization, location, user


@transaction.atomic
def seed(count: int) -> int:
    """Insert `count` patients unless the organization already has patients; returns how many were added."""
    organization, location, user = ensure_clinic()
    if organization.patients.exists():
        return 0
    rng = random.Random(SEED)
    batch: list[Patient] = []
    for number in range(1, count + 1):
        patient = synthetic_patient(rng, number, organization, location, user)
        if number % VALIDATE_EVERY == 1:
            validate(patient)
        batch.append(patient)
        if len(batch) == BATCH_SIZE:
            Patient.objects.bulk_create(batch)
            batch = []
    Patient.objects.bulk_create(batch)
    Organization.objects.filter(pk=organization.pk).update(mrn_counter=count)
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("seed_patients: FASCIA_DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    started = time.perf_counter()
    added = seed(args.patients)
    seeded = time.perf_counter()
    with connection.cursor() as cursor:
        # Autovacuum would have visited a table this size in production: statistics and visibility map.
        cursor.execute("VACUUM (ANALYZE) patients_patient")
        cursor.execute("ANALYZE")
    if added:
        print(
            f"seed_patients: {added} patients in {seeded - started:.1f} s, "
            f"VACUUM/ANALYZE {time.perf_counter() - seeded:.1f} s"
        )
    else:
        print("seed_patients: already seeded, nothing added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
