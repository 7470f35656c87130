"""`fascia seed`: a synthetic clinic the size of a busy practice after years of work, for
benchmarks and for trying Fascia at scale.

The clinic itself (organization, locations, staff, credentials, working hours, payers and fees)
is made through the services, as an admin would. The records of care are many, so they are
written in bulk (`fascia.demo.bulk`), each built the way the services build it: patients with
their history and consents; episodes of care, each an initial evaluation (signed, with NPRS and the
outcome instrument suited to the complaint, scored by `fascia.measures.scoring`), a plan with
measurable goals and techniques screened against the history (`fascia.techniques.screening`),
visits twice a week at times the booking pages would offer (`fascia.scheduling.slots`), a signed
note per visit (techniques screened again on the day, minutes within the appointment, progress
notes every 10 visits or 30 days with the measure re-taken, a discharge summary that completes the
plan; each episode responds to its care with the known rate of its condition group and dominant technique,
`fascia.demo.outcomes`), each signature sealed in the clinic's keyed chain (`fascia.records.chain`); claims from the
notes with lines by `fascia.billing.claims.charges` and units by the payer's method, in every status
the lifecycle allows for their age, with their events, and the payments posted from weekly remittances.

Visits before now are done (a few cancelled or missed); those after now are booked. Everything is
drawn from one random generator, so the same `seed` gives the same clinic (dates follow today).
`fascia.demo.tests.test_seed` checks a small clinic against the rules the services enforce.
"""

import random
from bisect import insort
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Count, Model
from django.utils import timezone

from fascia.analytics.episodes import rebuild
from fascia.billing import coding
from fascia.billing.claims.charges import fees_for, lines_from, pairs_for
from fascia.billing.claims.services import can_move
from fascia.billing.models import (
    Adjustment,
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimNote,
    Coverage,
    Payer,
    Posting,
    Remittance,
    UnbilledVisit,
)
from fascia.billing.remittance.posting import adjustment, posted_status, posting_note, shares
from fascia.billing.units import NcciPair as UnitsPair
from fascia.core.models import Location, Organization, User
from fascia.core.roles import Role
from fascia.demo.billing import PayerRow, load_payers
from fascia.demo.bulk import BulkWriter, Row, loading
from fascia.demo.credentials import Profile, credentials_for
from fascia.demo.loader import (
    DEMO_PASSWORD,
    PSFS_ACTIVITIES,
    SCENARIOS,
    Scenario,
    diagnosis_codes,
    evaluation_fields,
    first_answers,
    history_entries,
    scenario_medications,
    synthetic_clinic,
    synthetic_staff,
    synthetic_therapist,
)
from fascia.demo.names import CITIES, FAMILY, GIVEN_F, GIVEN_M, NICKNAMES, RELATIONSHIPS, STREETS, phone
from fascia.demo.outcomes import (
    EXTERNAL_CAUSES,
    TECHNIQUE_SHARES,
    condition_group,
    follow_up,
    pain_after,
    responder_rate,
)
from fascia.demo.plans import DEEPER, HOME_CARE, body_region, goals_for
from fascia.demo.portal import synthetic_patient_account
from fascia.demo.schedule import (
    NEXT_VISITS,
    POSITIONS,
    PRESSURES,
    RESPONSES,
    SUBJECTIVE,
    load_online_booking,
    split_minutes,
)
from fascia.evaluations.models import Diagnosis, Evaluation, EvaluationMeasure
from fascia.evaluations.queries import evaluation_content_from
from fascia.evaluations.services import clean_diagnoses
from fascia.measures.models import MeasureResult
from fascia.measures.scoring import instrument, score
from fascia.patients import icd10
from fascia.patients.models import Allergy, Condition, Consent, Implant, Medication, Patient, Surgery
from fascia.patients.services import HISTORY_MODELS, mrn_for
from fascia.plans.models import Goal, PlannedTechnique, TreatmentPlan
from fascia.practitioners.models import Practitioner
from fascia.practitioners.services import save_credential
from fascia.records.chain import next_link
from fascia.records.models import Seal
from fascia.scheduling.models import Appointment, AppointmentType, BookingPolicy, WorkingHours
from fascia.scheduling.reminders import reminder_lead
from fascia.scheduling.services import is_late_cancellation
from fascia.scheduling.slots import free_starts
from fascia.techniques import screening
from fascia.techniques.models import Technique
from fascia.techniques.queries import MEDICATION_FLAGS, medication_fact
from fascia.techniques.rules import RULES
from fascia.visits.minutes import appointment_minutes
from fascia.visits.models import NoteMeasure, VisitNote, VisitTechnique
from fascia.visits.queries import note_content_from, status_from

S = Claim.Status
OPENS, CLOSES, SLOTS = time(7), time(20), 26  # Monday to Saturday: 26 half hours
HALF_HOUR = timedelta(minutes=30)  # the booking pages offer every quarter hour; the seeder books on the half hour
FOLLOW_UPS = (("follow-up-30", 0.6), ("follow-up-45", 0.3), ("follow-up-60", 0.1))
# The demo's scenarios that stay the same whenever they are screened: no pregnancy (weeks move),
# and not the two whose facts refuse every technique.
CARE_SCENARIOS = [s for s in SCENARIOS[:-2] if not s.pregnant]
LIGHT = "Light pressure, shorter strokes; patient informed and agrees."
PAYERS: list[PayerRow] = [  # the demo's health plans, without their referral and authorization rules
    ("Evergreen Health Plan", "commercial", "EVG01", "837p", "per_code", {}, {}),
    ("Puget Mutual", "commercial", "PGM22", "837p", "cms", {}, {}),
    ("Washington Apple Health (Medicaid)", "medicaid", "WAMCD", "837p", "cms", {"requires_gp_modifier": True}, {}),
]
SHARES = [0.45, 0.35, 0.20]  # of the patients, by payer
ALLOWED, COINSURANCE = Decimal("0.80"), Decimal("0.20")  # of the charge; of the allowed amount
# fmt: off
CEDAR_RIDGE = {"legal_name": "Cedar Ridge Medical Massage, PLLC", "tax_id": "91-7654321", "phone": "253-555-0100",
    "address_line1": "1200 Cedar Ridge Road", "city": "Tacoma", "postal_code": "98402-1107"}
CEDAR_RIDGE_LOCATIONS = [
    {"name": "Cedar Ridge — Downtown", "kind": Location.Kind.CLINIC, "place_of_service": "11", "phone": "253-555-0101",
     "hours": "Mon–Sat 7:00–20:00", "address_line1": "1200 Cedar Ridge Road", "city": "Tacoma",
     "postal_code": "98402-1107"},
    {"name": "Cedar Ridge Rehabilitation Center", "kind": Location.Kind.REHABILITATION_CENTER, "place_of_service": "62",
     "phone": "253-555-0102", "hours": "Mon–Sat 7:00–20:00", "address_line1": "88 Mill Street", "city": "Puyallup",
     "postal_code": "98371-2206"},
]
# fmt: on


# Every model the seeder writes in bulk.
SEEDED: list[type[Model]] = [
    *(Patient, Condition, Medication, Surgery, Implant, Allergy, Consent, Coverage, Evaluation, Diagnosis),
    *(MeasureResult, EvaluationMeasure, TreatmentPlan, Goal, PlannedTechnique, Appointment, VisitNote),
    *(Goal.diagnoses.through, PlannedTechnique.diagnoses.through),
    *(VisitTechnique, NoteMeasure, Seal),
    *(Claim, ClaimLine, ClaimNote, ClaimEvent, Remittance, Posting, Adjustment, UnbilledVisit),
]


# Where a practitioner works around a surgical site the screen refuses (the plan's regions, by base name).
AROUND = {"leg": ("lower-leg", "lower-back"), "shoulder": ("upper-back", "neck"), "lower-leg": ("leg",)}
SIDED = {"leg", "lower-leg", "shoulder", "arm", "hand", "foot"}


def around(regions: list[str]) -> list[str]:
    """The regions around `regions` (AROUND), on the same side."""
    found = []
    for region in regions:
        side = next((s for s in ("-left", "-right") if region.endswith(s)), "")
        base = region.removesuffix(side)
        for near in AROUND.get(base, ()):
            found.append(f"{near}{side}" if near in SIDED else near)
    return list(dict.fromkeys(r for r in found if r not in regions))


class SeedRefused(Exception):
    pass


def with_causes(codes: list[str]) -> list[str]:
    """A scenario's diagnoses with how the injury happened after them (`outcomes.EXTERNAL_CAUSES`)."""
    return codes + [cause for code in codes[:1] for cause in EXTERNAL_CAUSES.get(code, ())]


@dataclass(frozen=True)
class Size:
    patients: int = 50_000
    practitioners: int = 20
    years: int = 10


@dataclass
class Staff:
    practitioner: Practitioner
    user_id: int
    location_by_weekday: dict[int, Location]
    busy: dict[date, list[tuple[datetime, datetime]]] = field(default_factory=dict)  # the book, by day


@dataclass
class Clinic:
    organization: Organization
    front_desk: User
    biller: User
    staff: list[Staff]
    payers: list[tuple[Payer, dict[str, Decimal], float]]
    techniques: dict[str, Technique]
    types: dict[str, AppointmentType]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _refuse_unless_empty() -> None:
    if Organization.objects.exists() or Patient.objects.exists():
        raise SeedRefused(
            "This database already holds a clinic; `fascia seed` fills an empty one. Point FASCIA_DATABASE_URL "
            "at a new database (after `fascia migrate`)."
        )


def _clinic(size: Size, rng: random.Random, today: date) -> Clinic:
    """The organization and everything an admin sets up before the first patient, via the services."""
    organization, locations = synthetic_clinic(rng, CEDAR_RIDGE, CEDAR_RIDGE_LOCATIONS)
    staff = partial(synthetic_staff, organization)
    admin = staff("admin", "Avery", "Lindqvist", Role.ADMIN)
    front_desk = staff("frontdesk", "Felix", "Moreno", Role.FRONT_DESK)
    biller = staff("billing", "Beatriz", "Okafor", Role.BILLING)
    licensed_since = today - timedelta(days=366 * size.years + 30)  # before the first visit
    team = []
    for number in range(1, size.practitioners + 1):
        username = "therapist" if number == 1 else f"therapist{number:02d}"
        sex_names = GIVEN_F if number % 2 else GIVEN_M
        at = locations if number % 3 == 0 else [locations[number % 3 - 1]]
        first, last = sex_names[(number * 7) % len(sex_names)], FAMILY[(number * 13) % len(FAMILY)]
        practitioner = synthetic_therapist(organization, rng, username, first, last, "LMT", at)
        # The demo's kinds of credential (no board or MLD certification), the license renewed back then.
        profile = Profile(rng.randint(120, 700), rng.randint(120, 700), board=False, mld=False, courses=())
        for credential in credentials_for(practitioner, profile, rng, today, since=licensed_since):
            save_credential(actor=admin, credential=credential)
        by_weekday = {weekday: at[weekday % len(at)] for weekday in range(6)}
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, location=place, weekday=weekday, starts=OPENS, ends=CLOSES)
            for weekday, place in by_weekday.items()
        )
        team.append(Staff(practitioner, practitioner.user_id, by_weekday))
    payers = load_payers(organization, PAYERS).values()
    return Clinic(
        organization=organization,
        front_desk=front_desk,
        biller=biller,
        staff=team,
        payers=[(payer, fees_for(payer), share) for payer, share in zip(payers, SHARES, strict=True)],
        techniques={t.code: t for t in organization.techniques.all()},
        types={t.code: t for t in AppointmentType.objects.all()},
    )


@dataclass(frozen=True)
class Book:
    """When the clinic's practitioners see patients, as the seeder books them: from `opens`, `slots` half hours,
    on the weekdays of each one's working hours; `until` the moment nothing is booked from (None: visits after
    now are booked ahead)."""

    opens: time = OPENS
    slots: int = SLOTS
    until: datetime | None = None
    follow_ups: tuple[tuple[str, float], ...] = FOLLOW_UPS  # the kinds of follow-up visit, with their shares


class Seeder:
    def __init__(
        self,
        clinic: Clinic,
        rng: random.Random,
        size: Size,
        now: datetime,
        *,
        book: Book | None = None,
        scenarios: list[Scenario] = CARE_SCENARIOS,
        chain: tuple[int, str] = (0, ""),
    ) -> None:
        self.c, self.rng = clinic, rng
        self.now = now
        self.book, self.scenarios = book or Book(), scenarios
        self.zone = timezone.get_current_timezone()
        self.today = timezone.localtime(now).date()
        self.first_day = self.today - timedelta(days=round(365.25 * size.years))
        # Patients arrive up to the last day something is booked.
        until = self.book.until
        self.last_day = timezone.localtime(until).date() - timedelta(days=1) if until else self.today
        self.w = BulkWriter()
        self.screened: dict[tuple, list[screening.Finding]] = {}
        self.diagnoses = {id(s): clean_diagnoses(with_causes(diagnosis_codes(s))) for s in scenarios}
        self.remittances: dict[tuple[int, date], dict] = {}
        self.chain = chain  # the sequence and content hash of the clinic's last seal
        self.taken_names: set[tuple[str, str]] | None = None  # when set, each patient's name is not one of these
        self.cut = False  # whether the episode being written ran into the book's `until`
        self.ncci_pairs: list[UnitsPair] | None = None  # the clinic's, read at the first claim
        self.unplaced_visits = 0  # planned visits no free slot within ten days could take
        self.reminder_lead = reminder_lead()

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def opening(self, day: date) -> datetime:
        """The UTC moment the clinic opens on a local day (no clock change falls in its hours)."""
        return _utc(datetime.combine(day, self.book.opens, tzinfo=self.zone))

    # --- patients -----------------------------------------------------------------------------

    def patient(self, number: int) -> None:
        rng = self.rng
        scenario = rng.choice(self.scenarios)
        sex = scenario.sex or rng.choice([Patient.Sex.FEMALE, Patient.Sex.MALE])
        names = GIVEN_F if sex == Patient.Sex.FEMALE else GIVEN_M
        given, family = rng.choice(names), rng.choice(FAMILY)
        while self.taken_names is not None and (given, family) in self.taken_names:
            given, family = rng.choice(names), rng.choice(FAMILY)
        if self.taken_names is not None:
            self.taken_names.add((given, family))
        span = (self.last_day - self.first_day).days
        arrival = self.first_day + timedelta(days=int(span * rng.random() ** 0.8))  # the clinic grew
        city, zip_prefix = rng.choice(CITIES)
        has_contact = rng.random() < 0.6
        home = rng.choice(self.c.staff)
        entered = _utc(datetime.combine(arrival, time(8), tzinfo=self.zone)) - timedelta(days=rng.randint(1, 10))
        patient = Patient(
            mrn=mrn_for(number),
            family_name=family,
            given_name=given,
            middle_name=rng.choice(names) if rng.random() < 0.3 else "",
            preferred_name=NICKNAMES[given] if given in NICKNAMES and rng.random() < 0.4 else "",
            phone=phone(rng) if rng.random() < 0.95 else "",
        )
        patient.refresh_search_text()
        age = rng.randint(19, 84)
        front_desk = self.c.front_desk.pk
        row = self.w.add(
            Patient,
            public_id=self.uuid(),
            organization_id=self.c.organization.pk,
            mrn=patient.mrn,
            family_name=family,
            given_name=given,
            middle_name=patient.middle_name,
            preferred_name=patient.preferred_name,
            birth_date=arrival - timedelta(days=age * 365 + rng.randint(0, 364)),
            sex=sex,
            gender_identity=Patient.GenderIdentity.WOMAN if sex == Patient.Sex.FEMALE else Patient.GenderIdentity.MAN,
            phone=patient.phone,
            email=f"{given}.{family}{number % 100}@example.com".lower() if rng.random() < 0.8 else "",
            emergency_contact_name=f"{rng.choice(GIVEN_F + GIVEN_M)} {family}" if has_contact else "",
            emergency_contact_relationship=rng.choice(RELATIONSHIPS) if has_contact else "",
            emergency_contact_phone=phone(rng) if has_contact else "",
            address_line1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)} Street",
            city=city,
            state="WA",
            postal_code=f"{zip_prefix}{rng.randint(1, 99):02d}",
            preferred_location_id=home.location_by_weekday[0].pk,
            preferred_practitioner_id=home.practitioner.pk,
            is_active=rng.random() < 0.97,
            search_text=patient.search_text,
            created_by_id=front_desk,
            updated_by_id=front_desk,
            created_at=entered,
        )
        payer, fees, _ = rng.choices(self.c.payers, weights=[share for _, _, share in self.c.payers])[0]
        coverage = self.w.add(
            Coverage,
            public_id=self.uuid(),
            patient_id=row["id"],
            payer_id=payer.pk,
            member_id=f"{payer.payer_id}{rng.randint(10**8, 10**9 - 1)}",
            group_number=f"G{rng.randint(1000, 9999)}" if payer.kind == Payer.Kind.COMMERCIAL else "",
            starts_on=arrival - timedelta(days=rng.randint(30, 900)),
            created_at=entered,
        )
        p = Person(row["id"], scenario, arrival, rng.randrange(self.book.slots), (payer, fees, coverage["id"]))
        self.history(p, entered)
        day = arrival
        for _ in range(rng.choices([1, 2, 3, 4], weights=[35, 30, 20, 15])[0]):
            if day > self.last_day + timedelta(days=14):
                break
            last = self.episode(p, home if rng.random() < 0.8 else rng.choice(self.c.staff), day)
            if last is None:
                break
            day = last + timedelta(days=rng.randint(90, 900))

    def history(self, p: "Person", entered: datetime) -> None:
        rng, add, actor = self.rng, self.w.add, self.c.front_desk.pk
        common = {"patient_id": p.id, "created_by_id": actor, "updated_by_id": actor, "created_at": entered}
        for kind, fields in history_entries(p.scenario, rng, p.arrival):
            add(HISTORY_MODELS[kind], public_id=self.uuid(), **fields, **common)
        # The billing signatures too (assignment of benefits, release of information), for all payers.
        kinds = (Consent.Kind.TREATMENT, Consent.Kind.PRIVACY_NOTICE, Consent.Kind.ASSIGNMENT, Consent.Kind.RELEASE)
        for kind in (*kinds, Consent.Kind.CONTACT):
            contact = kind == Consent.Kind.CONTACT
            add(
                Consent,
                public_id=self.uuid(),
                patient_id=p.id,
                kind=kind,
                date=p.arrival,
                allow_email=contact and rng.random() < 0.85,
                allow_sms=contact and rng.random() < 0.6,
                allow_voicemail=contact and rng.random() < 0.5,
                recorded_by_id=actor,
                created_at=entered,
            )

    # --- screening ----------------------------------------------------------------------------

    def screen(self, scenario: Scenario, arrival: date, code: str, region: str, day: date) -> list:
        """The findings `screen_patient` gives on `day` for a patient of this scenario (cached:
        only surgeries make them depend on the day)."""
        since = (day - arrival).days if scenario.surgeries else None
        key = (id(scenario), code, region, since)
        found = self.screened.get(key)
        if found is None:
            facts = screening.PatientFacts(
                conditions=tuple(screening.Condition(d, icd10.normalize_code(c)) for d, c in scenario.conditions),
                medication_flags=frozenset(MEDICATION_FLAGS[f] for _, _, flags in scenario.medications for f in flags),
                medications=tuple(medication_fact(**medication) for medication in scenario_medications(scenario)),
                surgeries=tuple(screening.Surgery(p, r, arrival - timedelta(days=d)) for p, r, d in scenario.surgeries),
                implant_regions=frozenset(r for _, r in scenario.implants),
                pregnant=False,
                pregnancy_weeks=None,
                symptoms=frozenset(),
                today=day,
            )
            technique = self.c.techniques[code]
            engine = screening.Technique(code=technique.code, name=technique.name, tags=frozenset(technique.tags))
            found = self.screened[key] = screening.screen(facts, engine, region, RULES)
        return found

    # --- the appointment book ---------------------------------------------------------------

    def slot(self, staff: Staff, day: date, kind: str, prefer: int) -> tuple[date, datetime] | None:
        """Book the first start free by the booking pages' rule (`free_starts`) on `day` or one of the
        ten days after, from the patient's preferred half hour on (else the day's first). None when no
        start is free, or the first is past the book's `until` (then `cut` is set)."""
        length = timedelta(minutes=self.c.types[kind].minutes)
        for d in (day + timedelta(days=offset) for offset in range(11)):
            if d.weekday() not in staff.location_by_weekday:
                continue
            busy = staff.busy.setdefault(d, [])
            opens = self.opening(d)
            free = free_starts(opens, opens + self.book.slots * HALF_HOUR, length, HALF_HOUR, busy)
            if free:
                preferred = opens + prefer * HALF_HOUR
                start = next((s for s in free if s >= preferred), free[0])
                if self.book.until is not None and start >= self.book.until:
                    self.cut = True
                    return None
                insort(busy, (start, start + length))  # in order, as free_starts reads them quickest
                return d, start
        return None

    def appointment(self, p: "Person", staff: Staff, kind: str, day: date, start: datetime, **values: object) -> Row:
        minutes = self.c.types[kind].minutes
        status = values.pop("status", None) or (
            Appointment.Status.BOOKED if start >= self.now else Appointment.Status.FULFILLED
        )
        done = status == Appointment.Status.FULFILLED
        return self.w.add(
            Appointment,
            public_id=self.uuid(),
            patient_id=p.id,
            practitioner_id=staff.practitioner.pk,
            location_id=staff.location_by_weekday[day.weekday()].pk,
            appointment_type_id=self.c.types[kind].pk,
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
            status=status,
            checked_in_at=start if done else None,
            checked_out_at=start + timedelta(minutes=minutes) if done else None,
            reminder_sent_at=start - self.reminder_lead if start - self.reminder_lead < self.now else None,
            created_by_id=self.c.front_desk.pk,
            created_at=min(start, self.now) - timedelta(days=self.rng.randint(2, 10)),
            **values,
        )

    # --- an episode of care -------------------------------------------------------------------

    def episode(self, p: "Person", staff: Staff, day: date) -> date | None:
        """Evaluation, plan and visits from `day`; the day of the last visit, or None when the
        practitioner's book is full."""
        rng = self.rng
        self.cut = False
        found = self.slot(staff, day, "initial-evaluation", p.prefer)
        if found is None:
            self.unplaced_visits += not self.cut
            return None
        appointment = self.appointment(p, staff, "initial-evaluation", *found)
        day = found[0]
        if appointment["status"] == Appointment.Status.BOOKED:
            return day  # a new episode's evaluation, still to come
        signer = staff.user_id
        signed_at = appointment["end_at"]
        evaluation, baseline = self.evaluation(p, staff, day, appointment)
        planned = self.planned_techniques(p, day)
        if not planned:
            return day
        # Whether the episode responds, with the known rate of its condition group and dominant technique.
        p.responder = rng.random() < responder_rate(p.group, p.technique)
        weeks = rng.choice([3, 4, 5, 6, 8])
        plan_id = self.w.reserve(TreatmentPlan)
        goals = self.goals(p, day, baseline)
        follow_ups = self.book.follow_ups
        kind = rng.choices([k for k, _ in follow_ups], weights=[w for _, w in follow_ups])[0]
        visits = 2 * weeks
        # The plan as start_note reads it, to decide each note's kind by the same cadence.
        plan = TreatmentPlan(start_date=day, duration_weeks=weeks, planned_visits=visits)
        signed: list[tuple[date, str]] = []  # the plan's signed notes as (day, kind), as status_from takes them
        status = TreatmentPlan.Status.ACTIVE
        ended_at = None
        visit_day = day + timedelta(days=rng.randint(2, 4))
        for number in range(1, visits + 1):
            if rng.random() < 0.09:  # cancelled or missed, then booked again on a later day
                found = self.slot(staff, visit_day, kind, p.prefer)
                if found is None:
                    break
                start = found[1]
                missed = start < self.now and rng.random() < 0.35
                cancelled_at = min(self.now, start - timedelta(hours=rng.randint(1, 80)))
                self.appointment(
                    p,
                    staff,
                    kind,
                    *found,
                    plan_id=plan_id,
                    status=Appointment.Status.NO_SHOW if missed else Appointment.Status.CANCELLED,
                    cancel_reason="" if missed else rng.choice(["Sick", "Work conflict", "Car trouble", "Weather"]),
                    late_cancellation=not missed and is_late_cancellation(start, cancelled_at),
                )
                visit_day = found[0] + timedelta(days=1)
            found = self.slot(staff, visit_day, kind, p.prefer)
            if found is None:
                self.unplaced_visits += 0 if self.cut else visits - number + 1
                break
            appointment = self.appointment(p, staff, kind, *found, plan_id=plan_id)
            visit_day = found[0]
            if appointment["status"] == Appointment.Status.FULFILLED:
                note_kind = status_from(plan, signed, visit_day).note_kind
                note = self.note(p, staff, appointment, plan_id, note_kind, goals, visit_day, planned)
                if note is not None and note["status"] == VisitNote.Status.SIGNED:
                    signed.append((visit_day, note_kind))
                    if note_kind == VisitNote.Kind.DISCHARGE:  # signing it completes the plan: no more visits
                        status, ended_at = TreatmentPlan.Status.COMPLETED, note["signed_at"]
                        break
            visit_day += timedelta(days=rng.choice([3, 4]))
        if status == TreatmentPlan.Status.ACTIVE and not self.cut and visit_day < self.today - timedelta(days=14):
            # The visits ran out without a discharge summary (a full book, a refused technique); a plan the
            # book's `until` cut short stays open.
            status, ended_at = TreatmentPlan.Status.DISCONTINUED, self.opening(visit_day)
        self.w.add(
            TreatmentPlan,
            id=plan_id,
            public_id=self.uuid(),
            patient_id=p.id,
            evaluation_id=evaluation["id"],
            practitioner_id=staff.practitioner.pk,
            status=status,
            start_date=day,
            visits_per_week=2,
            duration_weeks=weeks,
            planned_visits=visits,
            re_evaluation_due=day + timedelta(weeks=weeks),
            home_care=HOME_CARE[p.scenario.measure],
            activated_at=signed_at + timedelta(minutes=5),
            ended_at=ended_at,
            end_reason={
                TreatmentPlan.Status.COMPLETED: "Discharge summary",
                TreatmentPlan.Status.DISCONTINUED: "Stopped coming",
            }.get(status, ""),
            created_by_id=signer,
            created_at=signed_at,
        )
        # The goals and techniques address the evaluation's primary diagnosis (the seeder's claims point at it).
        treats = [p.primary_diagnosis] if p.primary_diagnosis is not None else []
        for goal in goals:
            goal_id = self.w.add(Goal, plan_id=plan_id, **goal)["id"]
            for diagnosis_id in treats:
                self.w.add(Goal.diagnoses.through, goal_id=goal_id, diagnosis_id=diagnosis_id)
        for code, region, findings in planned:
            planned_id = self.w.add(
                PlannedTechnique,
                plan_id=plan_id,
                technique_id=self.c.techniques[code].pk,
                region=region,
                **screening.kept(findings, LIGHT),
            )["id"]
            for diagnosis_id in treats:
                self.w.add(
                    PlannedTechnique.diagnoses.through, plannedtechnique_id=planned_id, diagnosis_id=diagnosis_id
                )
        return visit_day

    def evaluation(self, p: "Person", staff: Staff, day: date, appointment: Row) -> tuple[Row, dict[str, Row]]:
        scenario = p.scenario
        fields = evaluation_fields(scenario, self.rng)
        start, signed_at = appointment["start_at"], appointment["end_at"]
        evaluation = self.w.add(
            Evaluation,
            public_id=self.uuid(),
            patient_id=p.id,
            practitioner_id=staff.practitioner.pk,
            kind=Evaluation.Kind.INITIAL,
            status=Evaluation.Status.SIGNED,
            evaluated_on=day,
            **fields,
            signed_by_id=staff.user_id,
            signed_at=signed_at,
            created_by_id=staff.user_id,
            created_at=start,
        )
        diagnoses = [
            self.w.add(Diagnosis, evaluation_id=evaluation["id"], rank=rank, code=code, description=description)
            for rank, (code, description) in enumerate(self.diagnoses[id(scenario)], start=1)
        ]
        p.diagnoses = [d["code"] for d in diagnoses]
        p.primary_diagnosis = diagnoses[0]["id"] if diagnoses else None
        p.group = condition_group(p.diagnoses)
        p.pain = p.pain_baseline = fields["nprs_now"]
        measures = {
            "NPRS": self.measure(p, staff, "NPRS", [fields["nprs_now"]], day, start),
            scenario.measure: self.measure(
                p, staff, scenario.measure, first_answers(scenario.measure, self.rng), day, start
            ),
        }
        p.baseline = dict(p.last_responses)  # what every follow-up of the episode is measured against
        for m in measures.values():
            self.w.add(EvaluationMeasure, evaluation_id=evaluation["id"], result_id=m["id"])
        content = evaluation_content_from(evaluation, diagnoses, measures.values())
        self.seal(p, "evaluation", evaluation, f"Initial evaluation {day:%Y-%m-%d}", content, staff.user_id, signed_at)
        return evaluation, measures

    def measure(self, p: "Person", staff: Staff, code: str, responses: list, day: date, at: datetime) -> Row:
        result = score(code, responses)
        p.last_responses[code] = responses
        return self.w.add(
            MeasureResult,
            public_id=self.uuid(),
            patient_id=p.id,
            instrument=result.instrument,
            administered_on=day,
            responses=list(responses),
            activities=PSFS_ACTIVITIES if code == "PSFS" else [],
            value=result.value,
            band=result.band or "",
            entered_by_id=staff.user_id,
            created_at=at,
        )

    def planned_techniques(self, p: "Person", day: date) -> list[tuple[str, str, list]]:
        """The episode's dominant technique (drawn with `TECHNIQUE_SHARES`) on each region of the body chart, or
        where the screen refuses it on all of them (a surgical site), on the regions around them (AROUND); where
        it refuses those too, the first of the others it allows. Then one other technique on the first region:
        Swedish, or with Swedish dominant a deeper technique. Each screened on the day (refused ones left out,
        cautions kept with a reason); the dominant technique first, and `p.technique`."""
        rng = self.rng
        body = list(dict.fromkeys(body_region(r) for r in p.scenario.regions))
        drawn = rng.choices(list(TECHNIQUE_SHARES), weights=list(TECHNIQUE_SHARES.values()))[0]
        other = rng.choice(DEEPER) if drawn == "swedish" else "swedish"
        planned: list[tuple[str, str, list]] = []
        for dominant in (drawn, *TECHNIQUE_SHARES):
            for regions in (body, around(body)):
                planned = [(dominant, r, self.screen(p.scenario, p.arrival, dominant, r, day)) for r in regions]
                planned = [row for row in planned if screening.worst_level(row[2]) not in screening.REFUSING]
                if planned:
                    break
            if planned:
                break
        else:
            return []
        p.technique, first = planned[0][0], planned[0][1]
        if other != p.technique:
            findings = self.screen(p.scenario, p.arrival, other, first, day)
            if screening.worst_level(findings) not in screening.REFUSING:
                planned.append((other, first, findings))
        return planned

    def goals(self, p: "Person", day: date, baseline: dict[str, Row]) -> list[dict]:
        goals = goals_for(p.scenario.measure, {code: m["value"] for code, m in baseline.items()}, day)
        for goal in goals:
            goal["id"] = self.w.reserve(Goal)
            goal["status"] = Goal.Status.PROGRESSING
        return goals

    # --- visit notes --------------------------------------------------------------------------

    def note(
        self,
        p: "Person",
        staff: Staff,
        appointment: Row,
        plan_id: int,
        kind: str,
        goals: list[dict],
        day: date,
        planned: list[tuple[str, str, list]],
    ) -> Row | None:
        """The visit's note, as `write_note` in the demo fills it: the plan's techniques screened
        on the day, minutes within the appointment, more than half of them the dominant technique's;
        signed and sealed, except some of the last three days' which wait as drafts. None when the screen
        refuses the dominant technique that day."""
        rng = self.rng
        rows = []
        dominant = 0  # how many of the rows are the dominant technique's (they come first)
        for code, region, _ in planned:
            findings = self.screen(p.scenario, p.arrival, code, region, day)
            level = screening.worst_level(findings)
            if level in screening.REFUSING:
                continue
            base = region.removesuffix("-left").removesuffix("-right")
            dominant += code == p.technique
            rows.append(
                {
                    "technique_id": self.c.techniques[code].pk,
                    "region": region,
                    "pressure": VisitTechnique.Pressure.LIGHT
                    if level
                    else rng.choice(PRESSURES.get(code, [VisitTechnique.Pressure.MODERATE])),
                    "position": POSITIONS.get(base, VisitTechnique.Position.PRONE),
                    "response": "",
                    **screening.kept(findings, LIGHT),
                }
            )
        if not dominant:
            return None
        allowed = appointment_minutes(appointment["start_at"], appointment["end_at"])
        total = rng.randrange(allowed - 10, allowed + 1, 5)
        # The other technique gets 5-minute blocks, less than half the visit's minutes.
        others = 5 * rng.randint(1, max(1, (total - 1) // 2 // 5)) if len(rows) > dominant else 0
        minutes = split_minutes(total - others, dominant, rng) + split_minutes(others, len(rows) - dominant, rng)
        for row, given in zip(rows, minutes, strict=True):
            row["minutes"] = given
        before = p.pain = pain_after(p.pain_baseline, p.responder, rng)
        signed = day < self.today - timedelta(days=2) or rng.random() < 0.6
        signed_at = appointment["end_at"] + timedelta(minutes=rng.randint(5, 90))
        if signed_at > self.now:
            signed = False
        note_id = self.w.reserve(VisitNote)
        measures: list[Row] = []
        progress: list[dict] = []
        if kind != VisitNote.Kind.FOLLOW_UP:
            measure, progress = self.retake(p, staff, note_id, day, appointment["start_at"], goals, before)
            measures = [measure]
            if signed:  # signing sets the goals' statuses
                for goal, judged in zip(goals, progress, strict=True):
                    goal["status"] = judged["status"]
        note = self.w.add(
            VisitNote,
            id=note_id,
            goal_progress=progress,
            public_id=self.uuid(),
            patient_id=p.id,
            practitioner_id=staff.practitioner.pk,
            appointment_id=appointment["id"],
            plan_id=plan_id,
            kind=kind,
            status=VisitNote.Status.SIGNED if signed else VisitNote.Status.DRAFT,
            visited_on=day,
            subjective=" ".join(rng.sample(SUBJECTIVE, k=2)),
            nprs_before=before,
            nprs_after=max(0, before - rng.randint(1, 2)),
            response=rng.choice(RESPONSES),
            assessment="Responding to treatment as expected; continue the plan.",
            next_visit="Discharged to the home program."
            if kind == VisitNote.Kind.DISCHARGE
            else rng.choice(NEXT_VISITS),
            home_care=HOME_CARE[p.scenario.measure],
            recommendations="Keep up the home program; return if symptoms recur."
            if kind == VisitNote.Kind.DISCHARGE
            else "",
            copied_from_id=p.last_note,
            signed_by_id=staff.user_id if signed else None,
            signed_at=signed_at if signed else None,
            created_by_id=staff.user_id,
            created_at=appointment["start_at"],
        )
        techniques = [self.w.add(VisitTechnique, note_id=note_id, **row) for row in rows]
        if not signed:
            return note
        p.last_note = note["id"]
        content = note_content_from(note, techniques, measures)
        label = f"{VisitNote.Kind(kind).label} {day:%Y-%m-%d}"
        self.seal(p, "visit-note", note, label, content, staff.user_id, signed_at)
        self.claim(p, staff, appointment, note, techniques)
        return note

    def retake(
        self, p: "Person", staff: Staff, note_id: int, day: date, at: datetime, goals: list[dict], pain: int
    ) -> tuple[Row, list[dict]]:
        """The long-term goal's instrument again, better than the baseline by the MCID or more if the episode
        responds and by less if not (`outcomes.follow_up`), and each goal judged."""
        code = next((g["instrument"] for g in goals if g["term"] == Goal.Term.LONG), "NPRS")
        responses = [pain] if code == "NPRS" else follow_up(code, p.baseline[code], p.responder, self.rng)
        measure = self.measure(p, staff, code, responses, day, at)
        self.w.add(NoteMeasure, note_id=note_id, result_id=measure["id"])
        progress = []
        for goal in goals:
            value = pain if goal["instrument"] == "NPRS" else measure["value"]
            higher = instrument(goal["instrument"]).higher_is_better
            met = value >= goal["target"] if higher else value <= goal["target"]
            progress.append(
                {
                    "goal": goal["id"],
                    "status": Goal.Status.MET if met else Goal.Status.PROGRESSING,
                    "note": f"{goal['instrument']} now {value:g}; target {goal['target']:g}.",
                }
            )
        return measure, progress

    def seal(self, p: "Person", kind: str, record: Row, label: str, content: dict, by: int, at: datetime) -> None:
        link = next_link(*self.chain, content)
        self.chain = (link["sequence"], link["content_hash"])
        self.w.add(
            Seal,
            organization_id=self.c.organization.pk,
            patient_id=p.id,
            kind=kind,
            record_id=record["public_id"],
            record_label=label[:200],
            sealed_at=at,
            sealed_by_id=by,
            **link,
        )

    # --- claims and payments ------------------------------------------------------------------

    def claim(self, p: "Person", staff: Staff, appointment: Row, note: Row, techniques: list[Row]) -> None:
        """One claim per visit to the patient's payer, as far along as its age allows."""
        day = note["visited_on"]
        age = (self.today - day).days
        payer, fees, coverage_id = p.billing
        codes = {t.pk: t.cpt_code for t in self.c.techniques.values()}
        if self.ncci_pairs is None:
            self.ncci_pairs = pairs_for(self.c.organization.pk)
        lines, withheld = lines_from(
            ((codes[t["technique_id"]], t["region"], t["minutes"]) for t in techniques), payer, fees, self.ncci_pairs
        )
        # Still waiting on the billing queue; or nothing billable (billing's drafting leaves it there too).
        if age < 4 or not lines:
            self.w.add(
                UnbilledVisit,
                note_id=note["id"],
                organization_id=self.c.organization.pk,
                patient_id=p.id,
                visited_on=day,
            )
            return
        rng = self.rng
        created = _utc(datetime.combine(day + timedelta(days=rng.randint(1, 3)), time(9), tzinfo=self.zone))
        submitted = created + timedelta(days=rng.randint(0, 2), hours=2)
        paid_on = (submitted + timedelta(days=rng.randint(14, 30))).date()
        claim_id = self.w.reserve(Claim)
        pointers = coding.line_pointers(p.diagnoses, p.diagnoses[:1])  # its plan treats the primary diagnosis
        location = staff.location_by_weekday[day.weekday()]
        line_rows = [
            {
                "claim_id": claim_id,
                "note_id": note["id"],
                "service_date": day,
                "cpt_code": line.cpt_code,
                "modifiers": line.modifiers,
                "units": line.units,
                "minutes": line.minutes,
                "diagnosis_pointers": pointers,
                "place_of_service": location.place_of_service,
                "rendering_id": staff.practitioner.pk,
                "fee": line.fee,
                "amount": line.amount,
            }
            for line in lines
        ]
        charge = sum((r["amount"] for r in line_rows), Decimal("0"))
        status: str = S.DRAFT
        events: list[tuple[str, str, datetime, str]] = [("", S.DRAFT, created, "1 visit(s)")]

        def move(to: str, at: datetime, text: str = "") -> None:
            nonlocal status
            if not can_move(status, to):
                raise ValueError(f"A {status} claim cannot become {to}: the seeder breaks the claim lifecycle.")
            events.append((status, to, at, text))
            status = to

        paid = owed = adjusted = Decimal("0.00")
        if age > 10 or rng.random() < 0.85:  # else still a draft
            move(S.READY, created)
        if age > 10:
            move(S.SUBMITTED, submitted)
        if 10 < age <= 40:
            answer = rng.choices([None, S.ACCEPTED, S.REJECTED], weights=[88, 8, 4])[0]
            if answer is not None:
                move(answer, submitted + timedelta(days=2))
        elif age > 40:
            outcome = rng.choices([S.PAID, S.PARTIALLY_PAID, S.DENIED], weights=[86, 7, 7])[0]
            paid, owed, adjustments = self.pay(line_rows, outcome)
            remittance = self.remittance(payer, paid_on)
            status_code = "4" if outcome == S.DENIED else "1"
            answered = remittance["created_at"]
            adjusted = shares(adjustments)[0]
            move(
                posted_status(status_code=status_code, balance=charge - paid - adjusted - owed),
                answered,
                posting_note(remittance["trace_number"], paid, owed),
            )
            # Billing staff then appeal a denial or write it off, and write off a partial payment's
            # balance; after four months nothing is left open.
            if status == S.DENIED:
                follow_up = rng.choice([None, S.APPEALED, S.CLOSED]) if age <= 120 else S.CLOSED
                if follow_up == S.APPEALED:
                    move(S.APPEALED, answered + timedelta(days=3), "Appealed with the plan of care")
                elif follow_up == S.CLOSED:
                    move(S.CLOSED, answered + timedelta(days=3), "Written off: not covered")
            elif status == S.PARTIALLY_PAID and age > 120:
                move(S.CLOSED, answered + timedelta(days=3), "Balance written off")
            posting = self.w.add(
                Posting,
                remittance_id=remittance["id"],
                claim_id=claim_id,
                claim_number=f"{claim_id:08d}",
                status_code=status_code,
                charged=charge,
                paid=paid,
                adjusted=adjusted,
                patient_responsibility=owed,
                payer_claim_number=f"{payer.payer_id}{claim_id:010d}",
            )
            for a in adjustments:
                self.w.add(
                    Adjustment, posting_id=posting["id"], where=a.where, group=a.group, reason=a.reason, amount=a.amount
                )
            remittance["total_paid"] += paid
        for row in line_rows:
            self.w.add(ClaimLine, **row)
        self.w.add(
            ClaimNote,
            claim_id=claim_id,
            note_id=note["id"],
            payer_id=payer.pk,
            live=True,  # the seeder closes only claims sent
            withheld=[{"code": w.code, "region": w.region, "minutes": w.minutes, "reason": w.reason} for w in withheld],
        )
        for from_status, to_status, at, text in events:
            self.w.add(
                ClaimEvent,
                claim_id=claim_id,
                from_status=from_status,
                to_status=to_status,
                at=at,
                actor_id=self.c.biller.pk,
                note=text,
            )
        self.w.add(
            Claim,
            id=claim_id,
            public_id=self.uuid(),
            organization_id=self.c.organization.pk,
            number=f"{claim_id:08d}",
            patient_id=p.id,
            coverage_id=coverage_id,
            payer_id=payer.pk,
            plan_id=note["plan_id"],
            service_location_id=location.pk,
            status=status,
            payer_claim_number=f"{payer.payer_id}{claim_id:010d}"
            if status not in (S.DRAFT, S.READY, S.SUBMITTED, S.REJECTED)
            else "",
            diagnoses=p.diagnoses,
            submitted_at=submitted if status not in (S.DRAFT, S.READY) else None,
            paid=paid,
            adjusted=adjusted,
            patient_responsibility=owed,
            created_by_id=self.c.biller.pk,
            created_at=created,
        )

    @staticmethod
    def pay(lines: list[dict], answer: str) -> tuple[Decimal, Decimal, list[Adjustment]]:
        """What the payer pays per line: 80 % of the charge allowed, 20 % of that the patient's
        coinsurance, the rest a contractual adjustment (none on a partial payment); a denial pays
        nothing."""
        cent = Decimal("0.01")
        paid = owed = Decimal("0.00")
        adjustments = []
        if answer == S.DENIED:
            return (
                paid,
                owed,
                [adjustment(Adjustment.CLAIM, "CO", "50", sum((line["amount"] for line in lines), Decimal("0")))],
            )
        for line in lines:
            allowed = (line["amount"] * ALLOWED).quantize(cent)
            patient = (allowed * COINSURANCE).quantize(cent)
            line["paid"] = allowed - patient
            paid, owed = paid + line["paid"], owed + patient
            where = f"{line['cpt_code']} {line['service_date']:%Y-%m-%d}"
            if answer == S.PAID:  # a partial payment leaves the rest unexplained, for billing to chase
                adjustments.append(adjustment(where, "CO", "45", line["amount"] - allowed))
            adjustments.append(adjustment(where, "PR", "2", patient))
        return paid, owed, adjustments

    def remittance(self, payer: Payer, paid_on: date) -> dict:
        """The payer's weekly 835 (its Monday), written at the end with its total."""
        monday = paid_on - timedelta(days=paid_on.weekday())
        key = (payer.pk, monday)
        found = self.remittances.get(key)
        if found is None:
            trace = f"{payer.payer_id}{monday:%Y%m%d}"
            found = self.remittances[key] = {
                "id": self.w.reserve(Remittance),
                "organization_id": self.c.organization.pk,
                "payer_identifier": payer.name[:80],
                "filename": f"{trace.lower()}.835",
                "payer_name": payer.name,
                "trace_number": trace,
                "payment_date": monday,
                "total_paid": Decimal("0"),
                "imported_by_id": self.c.biller.pk,
                "created_at": _utc(datetime.combine(monday, time(10), tzinfo=self.zone)),
            }
        return found

    def finish(self) -> None:
        for row in self.remittances.values():
            self.w.add(Remittance, **row)
        self.w.finish()


@dataclass
class Person:
    """What the seeder keeps of a patient while writing their years of care."""

    id: int
    scenario: Scenario
    arrival: date
    prefer: int  # the half hour they like to come
    billing: tuple[Payer, dict[str, Decimal], int]
    pain: int = 6
    diagnoses: list[str] = field(default_factory=list)
    primary_diagnosis: int | None = None  # the id of the evaluation's rank-1 diagnosis: what the plan treats
    last_responses: dict[str, list] = field(default_factory=dict)
    # The current episode's outcome (fascia.demo.outcomes): its condition group, dominant technique, whether it
    # responds, and the baselines its follow-ups are measured against.
    group: str = ""
    technique: str = ""
    responder: bool = False
    pain_baseline: int = 6
    baseline: dict[str, list] = field(default_factory=dict)
    last_note: int | None = None


@dataclass(frozen=True)
class Seeded:
    rows: dict[str, int]  # by model label
    unplaced_visits: int


PORTAL_ACCOUNTS = 20  # the benchmark's patients sign in as these (bench/http_load.py)


def open_portal(organization: Organization, accounts: int = PORTAL_ACCOUNTS) -> list[User]:
    """Online booking open as in the demo, and portal accounts for the `accounts` patients with a visit booked
    ahead and the longest history (most appointments, so the most scores and charges): portal01@example.com …,
    with the demo password. What the benchmark's patients sign in as, on a seed of any size; it runs on a
    database seeded before the portal too."""
    admin = User.objects.get(organization=organization, username="admin")
    if not BookingPolicy.objects.filter(organization=organization).exists():
        load_online_booking(organization, admin)
    ahead = Appointment.objects.filter(
        location__organization=organization, start_at__gt=timezone.now(), status=Appointment.Status.BOOKED
    ).values("patient_id")
    patients = (
        Patient.objects.filter(organization=organization, is_active=True, pk__in=ahead, account=None)
        .annotate(visits=Count("appointments"))
        .order_by("-visits", "pk")[:accounts]
    )
    opened = User.objects.filter(is_patient_account=True).count()
    return [
        synthetic_patient_account(patient, f"portal{opened + n:02d}@example.com", admin, DEMO_PASSWORD)
        for n, patient in enumerate(patients, 1)
    ]


def seed(size: Size, *, seed: int = 1, progress: Callable[[int, int], None] | None = None) -> Seeded:
    """Fill an empty database with a clinic of `size`."""
    _refuse_unless_empty()
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        clinic = _clinic(size, rng, timezone.localdate())
        seeder = Seeder(clinic, rng, size, now)
        with loading(SEEDED):
            for number in range(1, size.patients + 1):
                seeder.patient(number)
                if progress and (number % 500 == 0 or number == size.patients):
                    progress(number, size.patients)
            seeder.finish()
        # Written in bulk, past the signals that keep the episodes of care current: built here, as
        # `fascia refresh_episodes` builds them.
        rebuild()
        Organization.objects.filter(pk=clinic.organization.pk).update(mrn_counter=size.patients)
        open_portal(clinic.organization)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Seeded(seeder.w.counts(), seeder.unplaced_visits)
