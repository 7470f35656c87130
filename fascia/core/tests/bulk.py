"""Rows made in bulk for the query-count tests (test_query_counts.py): many of a kind in a few
INSERTs, each carrying a mark (Qc0042) where its page shows text, so a test can tell the rows are shown.
"""

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from fascia.billing.models import Adjustment, Claim, ClaimLine, Coverage, Fee, Payer, Posting, Remittance
from fascia.core.models import Location, Organization, Room, User
from fascia.core.roles import Role
from fascia.evaluations.models import Diagnosis, Evaluation, EvaluationMeasure
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import Goal, PlannedTechnique, TreatmentPlan
from fascia.practitioners.models import CourseRecord, Credential, Practitioner
from fascia.referrals.models import Referral, ReferringProvider
from fascia.scheduling.models import Appointment, AppointmentType
from fascia.visits.models import NoteMeasure, VisitNote, VisitTechnique

MARK = re.compile(rb"Qc\d{4}")  # every row made here carries a mark like Qc0042 where its page shows text


def mark(n: int) -> str:
    return f"Qc{n:04d}"


def marks_shown(body: bytes) -> int:
    return len(set(MARK.findall(body)))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# --- What every case builds on -------------------------------------------------------------------


class World:
    """The clinic of one test: its personas, and the rows each case has made so far."""

    def __init__(self, organization: Organization, location: Location, personas: dict[str, User]) -> None:
        self.organization, self.location, self.personas = organization, location, personas
        self.tess = personas[Role.PRACTITIONER]
        self.practitioner: Practitioner = self.tess.practitioner
        self.follow_up = AppointmentType.objects.get(code="follow-up-30")
        self.techniques = list(organization.techniques.filter(is_active=True).order_by("code"))
        self._made: dict[str, Any] = {}
        self._next = 0

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """What `make` made the first time `key` was asked for."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def numbers(self, n: int) -> range:
        """n numbers never handed out before in this test: marks and unique fields stay unique."""
        self._next += n
        return range(self._next - n + 1, self._next + 1)

    # Rows many cases need, in bulk.

    def patients(self, n: int, **fields: Any) -> list[Patient]:
        """n registered patients (the factory's, with an MRN of their own), preferring tess and the location."""
        built = [
            PatientFactory.build(
                organization=self.organization,
                mrn=f"Q{i:06d}",
                family_name=mark(i),
                preferred_location=self.location,
                preferred_practitioner=self.practitioner,
                **fields,
            )
            for i in self.numbers(n)
        ]
        return Patient.objects.bulk_create(built)

    def practitioners(self, n: int, *, location: Location | None = None) -> list[Practitioner]:
        numbers = self.numbers(n)
        users = User.objects.bulk_create(
            User(username=mark(i).lower(), first_name="Pat", last_name=mark(i), organization=self.organization)
            for i in numbers
        )
        group = Group.objects.get(name=Role.PRACTITIONER)
        User.groups.through.objects.bulk_create(User.groups.through(user=u, group=group) for u in users)
        practitioners = Practitioner.objects.bulk_create(
            Practitioner(user=u, credential_suffix="LMT", npi=f"19{i:08d}", license_number=f"MA{i}", license_state="WA")
            for u, i in zip(users, numbers, strict=True)
        )
        if location is not None:
            Practitioner.locations.through.objects.bulk_create(
                Practitioner.locations.through(practitioner=p, location=location) for p in practitioners
            )
        return practitioners

    def locations(self, n: int) -> list[Location]:
        """n more locations, each with a room; and n more rooms at the main location."""
        locations = Location.objects.bulk_create(
            Location(organization=self.organization, name=mark(i)) for i in self.numbers(n)
        )
        Room.objects.bulk_create(Room(location=loc, name="Room 1") for loc in locations)
        Room.objects.bulk_create(Room(location=self.location, name=mark(i)) for i in self.numbers(n))
        return locations

    def evaluations(self, patient: Patient, n: int, *, signed: bool = True) -> list[Evaluation]:
        return self.evaluations_of([patient] * n, signed=signed)

    def evaluations_of(self, patients: list[Patient], *, signed: bool = True) -> list[Evaluation]:
        """An evaluation of each of `patients` with a diagnosis and a score, signed unless told."""
        evaluations = Evaluation.objects.bulk_create(
            Evaluation(
                patient=patient,
                practitioner=self.practitioner,
                evaluated_on=date(2026, 1, 1) + timedelta(days=i % 300),
                chief_complaint=mark(i),
                status=Evaluation.Status.SIGNED if signed else Evaluation.Status.DRAFT,
                signed_by=self.tess if signed else None,
                signed_at=timezone.now() if signed else None,
                created_by=self.tess,
            )
            for patient, i in zip(patients, self.numbers(len(patients)), strict=True)
        )
        Diagnosis.objects.bulk_create(
            Diagnosis(evaluation=e, rank=1, code="M54.50", description="Low back pain") for e in evaluations
        )
        self.measures([{"patient": e.patient, "evaluation": e} for e in evaluations])
        return evaluations

    def measures(self, rows: list[dict]) -> list[MeasureResult]:
        """A score for each row: its patient and the `evaluation` or `visit_note` it was taken at (linked)."""
        instruments = ["NPRS", "ODI", "NDI", "PSFS"]
        results = MeasureResult.objects.bulk_create(
            MeasureResult(
                patient=row["patient"],
                instrument=instruments[i % len(instruments)],
                administered_on=date(2026, 1, 1) + timedelta(days=i % 300),
                responses=[4],
                value=4 + i % 5,
                entered_by=self.tess,
            )
            for i, row in zip(self.numbers(len(rows)), rows, strict=True)
        )
        pairs = list(zip(rows, results, strict=True))
        EvaluationMeasure.objects.bulk_create(
            EvaluationMeasure(evaluation=row["evaluation"], result=r) for row, r in pairs if "evaluation" in row
        )
        NoteMeasure.objects.bulk_create(
            NoteMeasure(note=row["visit_note"], result=r) for row, r in pairs if "visit_note" in row
        )
        return results

    def diagnoses(self, evaluation: Evaluation, n: int) -> None:
        taken = evaluation.diagnoses.count()
        Diagnosis.objects.bulk_create(
            Diagnosis(evaluation=evaluation, rank=taken + k + 1, code=f"M{i:05d}"[:8], description=mark(i))
            for k, i in enumerate(self.numbers(n))
        )

    def plan(self, patient: Patient, **fields: Any) -> TreatmentPlan:
        return self.plans(patient, 1, **fields)[0]

    def plans(self, patient: Patient, n: int, **fields: Any) -> list[TreatmentPlan]:
        """n plans of the patient (active, from today, unless told), each from an evaluation of its own."""
        defaults = {
            "status": TreatmentPlan.Status.ACTIVE,
            "start_date": timezone.localdate(),
            "visits_per_week": 2,
            "duration_weeks": 6,
            "planned_visits": 12,
        }
        return TreatmentPlan.objects.bulk_create(
            TreatmentPlan(
                patient=patient, evaluation=e, practitioner=self.practitioner, created_by=self.tess, **defaults | fields
            )
            for e in self.evaluations(patient, n)
        )

    def goals(self, plan: TreatmentPlan, n: int) -> None:
        Goal.objects.bulk_create(
            Goal(
                plan=plan,
                term=Goal.Term.SHORT,
                measure=Goal.Measure.INSTRUMENT,
                instrument="ODI",
                description=mark(i),
                baseline=40,
                target=20,
                target_date=date(2026, 3, 1),
            )
            for i in self.numbers(n)
        )

    def planned_techniques(self, plan: TreatmentPlan, n: int) -> None:
        combos = [(t, r) for r in BODY_REGIONS for t in self.techniques]
        taken = plan.techniques.count()
        PlannedTechnique.objects.bulk_create(
            PlannedTechnique(plan=plan, technique=t, region=r) for t, r in combos[taken : taken + n]
        )

    def notes(self, patient: Patient, n: int, **fields: Any) -> list[VisitNote]:
        return self.notes_of([patient] * n, **fields)

    def notes_of(self, patients: list[Patient], *, status: str = VisitNote.Status.SIGNED, **fields: Any) -> list:
        """A note with one technique for each of `patients`, signed unless told."""
        signed = status == VisitNote.Status.SIGNED
        visited_on = fields.pop("visited_on", None)
        notes = VisitNote.objects.bulk_create(
            VisitNote(
                patient=patient,
                practitioner=self.practitioner,
                visited_on=visited_on or date(2026, 1, 1) + timedelta(days=i % 300),
                subjective=mark(i),
                status=status,
                signed_by=self.tess if signed else None,
                signed_at=timezone.now() if signed else None,
                created_by=self.tess,
                **fields,
            )
            for patient, i in zip(patients, self.numbers(len(patients)), strict=True)
        )
        self.note_techniques([(note, 1) for note in notes])
        return notes

    def note_techniques(self, rows: list[tuple[VisitNote, int]]) -> None:
        VisitTechnique.objects.bulk_create(
            VisitTechnique(note=note, technique=self.techniques[k % len(self.techniques)], region="neck", minutes=10)
            for note, count in rows
            for k in range(count)
        )

    def appointments(self, patients: list[Patient], starts: list[datetime], **fields: Any) -> list[Appointment]:
        defaults = {"practitioner": self.practitioner, "location": self.location, "appointment_type": self.follow_up}
        return Appointment.objects.bulk_create(
            Appointment(
                patient=patient,
                start_at=start,
                end_at=start + timedelta(minutes=30),
                created_by=self.tess,
                **{**defaults, **fields},
            )
            for patient, start in zip(patients, starts, strict=True)
        )

    def provider(self) -> ReferringProvider:
        return self.once(
            "provider",
            lambda: ReferringProvider.objects.create(
                organization=self.organization, kind="physician", name="Dr. Rowe", npi="1234567893"
            ),
        )

    def referrals(self, patients: list[Patient], **fields: Any) -> list[Referral]:
        defaults = {"referral_date": date(2026, 1, 1), "visits_authorized": 12, "expires_on": date(2027, 1, 1)}
        return Referral.objects.bulk_create(
            Referral(patient=p, provider=self.provider(), order=mark(i), created_by=self.tess, **{**defaults, **fields})
            for p, i in zip(patients, self.numbers(len(patients)), strict=True)
        )

    def payer(self) -> Payer:
        return self.once("payer", lambda: self.payers(1)[0])

    def payers(self, n: int) -> list[Payer]:
        payers = Payer.objects.bulk_create(
            Payer(organization=self.organization, name=mark(i), kind=Payer.Kind.COMMERCIAL, payer_id=f"P{i}")
            for i in self.numbers(n)
        )
        Fee.objects.bulk_create(
            Fee(organization=self.organization, payer=p, cpt_code=code, amount=Decimal("30.00"))
            for p in payers
            for code in ("97124", "97140")
        )
        return payers

    def coverages(self, patients: list[Patient], payers: list[Payer] | None = None, **fields: Any) -> list[Coverage]:
        """A coverage of each of `patients`, with the payer beside it (one payer for all, unless told)."""
        payers = payers or [self.payer()] * len(patients)
        return Coverage.objects.bulk_create(
            Coverage(patient=p, payer=payer, member_id=mark(i), starts_on=date(2025, 1, 1), **fields)
            for p, payer, i in zip(patients, payers, self.numbers(len(patients)), strict=True)
        )

    def claims(self, patients: list[Patient], statuses: list[str], *, lines: int = 1, **fields: Any) -> list[Claim]:
        """Claims (one per patient, with its coverage and `lines` lines on a signed note each)."""
        coverages = {c.patient_id: c for c in Coverage.objects.filter(patient__in=patients)}
        numbers = self.numbers(len(patients))
        claims = Claim.objects.bulk_create(
            Claim(
                organization=self.organization,
                number=f"{mark(i)}",
                patient=p,
                coverage=coverages.get(p.pk),
                payer=coverages[p.pk].payer if p.pk in coverages else self.payer(),
                status=status,
                diagnoses=["M54.50"],
                problems=["The coverage has no member ID."] if status == Claim.Status.DRAFT and i % 2 else [],
                submitted_at=timezone.now() - timedelta(days=i % 120) if status != Claim.Status.DRAFT else None,
                created_by=self.tess,
                **fields,
            )
            for p, status, i in zip(patients, statuses, numbers, strict=True)
        )
        self.claim_lines([(c, lines) for c in claims])
        return claims

    def claim_lines(self, rows: list[tuple[Claim, int]]) -> None:
        """`count` lines on each claim, each for a signed note of the claim's patient."""
        claims = [claim for claim, count in rows for _ in range(count)]
        notes = self.notes_of([claim.patient for claim in claims])
        ClaimLine.objects.bulk_create(
            ClaimLine(
                claim=claim,
                note=note,
                service_date=note.visited_on,
                cpt_code="97140",
                units=2,
                minutes=30,
                diagnosis_pointers=[1],
                place_of_service="11",
                rendering=self.practitioner,
                fee=Decimal("32.50"),
                amount=Decimal("65.00"),
            )
            for claim, note in zip(claims, notes, strict=True)
        )

    def remittances(self, postings: list[Claim | None]) -> list[Remittance]:
        numbers = self.numbers(len(postings))
        remittances = Remittance.objects.bulk_create(
            Remittance(
                organization=self.organization,
                payer_identifier=mark(i),
                payer_name=mark(i),
                trace_number=f"T{i}",
                payment_date=date(2026, 2, 1),
                total_paid=Decimal("40.00"),
            )
            for i in numbers
        )
        made = Posting.objects.bulk_create(
            Posting(
                remittance=r,
                claim=claim,
                claim_number=claim.number if claim else mark(i),
                status_code="1",
                charged=Decimal("65.00"),
                paid=Decimal("40.00"),
                patient_responsibility=Decimal("10.00"),
            )
            for r, claim, i in zip(remittances, postings, numbers, strict=True)
        )
        Adjustment.objects.bulk_create(
            Adjustment(posting=p, where="claim", group=group, reason=reason, amount=amount)
            for p, i in zip(made, numbers, strict=True)
            for group, reason, amount in [("CO", f"{i % 40}", Decimal("15.00")), ("PR", "1", Decimal("10.00"))]
        )
        return remittances

    def credentials(self, practitioner: Practitioner, n: int, *, expires_in: int = 400) -> None:
        today = timezone.localdate()
        kinds = [Credential.Kind.LICENSE, Credential.Kind.CPR, Credential.Kind.INSURANCE, Credential.Kind.BOARD]
        Credential.objects.bulk_create(
            Credential(
                practitioner=practitioner,
                kind=kinds[i % len(kinds)],
                name=mark(i),
                issuing_body="NCBTMB" if kinds[i % len(kinds)] == Credential.Kind.BOARD else "WA DOH",
                state="WA" if kinds[i % len(kinds)] == Credential.Kind.LICENSE else "",
                issued_on=today - timedelta(days=700),
                expires_on=today + timedelta(days=expires_in + i % 30),
            )
            for i in self.numbers(n)
        )

    def courses(self, practitioner: Practitioner, n: int) -> None:
        today = timezone.localdate()
        categories = ["ethics", "hands-on", "health-equity", "pathology"]
        CourseRecord.objects.bulk_create(
            CourseRecord(
                practitioner=practitioner,
                title=mark(i),
                provider="NW Institute",
                category=categories[i % len(categories)],
                hours=Decimal("2.0"),
                started_on=today - timedelta(days=i % 600),
                completed_on=today - timedelta(days=i % 600),
            )
            for i in self.numbers(n)
        )


BODY_REGIONS = [
    "neck",
    "upper-back",
    "lower-back",
    "shoulder-left",
    "shoulder-right",
    "arm-left",
    "arm-right",
    "leg-left",
    "leg-right",
    "pelvis",
]
