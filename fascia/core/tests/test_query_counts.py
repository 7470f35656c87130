"""Every page and API read that lists rows costs the same number of queries with 10 rows as with 100.

Each case builds what its page lists (10 rows, then 90 more of the same), signs in as a user the
page serves and counts the queries of one GET. A page paginated at 25 must still cost the same at
10 and at 100. The data is synthetic and made in bulk, so the module stays fast.

A new page must be counted here or named in EXEMPT with the reason it lists nothing that grows;
test_every_page_is_counted_or_exempt fails otherwise.
"""

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditEvent
from fascia.billing.models import Authorization, Claim, ClaimEvent, ClaimNote, Coverage, InjuryCase, Payer
from fascia.conftest import login
from fascia.core.models import Location, Organization, Room, User
from fascia.core.roles import Role
from fascia.core.tests.bulk import World, at, mark, marks_shown
from fascia.core.tests.test_permissions import ENDPOINTS, NOT_ROLE_BASED, PAGES, POST_ONLY
from fascia.evaluations.models import Addendum, Evaluation, RedFlagClearance
from fascia.measures.models import MeasureResult
from fascia.patients.models import (
    Allergy,
    Condition,
    Consent,
    ConsentDocument,
    Implant,
    IntakeItem,
    IntakeSubmission,
    Medication,
    Patient,
    Surgery,
)
from fascia.plans.models import Questionnaire, TreatmentPlan
from fascia.practitioners.models import RenewalRequirement
from fascia.records.models import Seal
from fascia.referrals.models import Correspondence, ReferringProvider
from fascia.scheduling.models import Appointment, AppointmentType, OnlineType, WaitlistEntry, WorkingHours
from fascia.techniques.models import Technique
from fascia.visits.models import NoteAddendum, VisitNote

FEW, MORE = 10, 90  # 10 rows, then 90 more: 100
MONDAY = date(2030, 1, 7)  # a day far from today, for the schedule pages


@pytest.fixture
def world(organization: Organization, location: Location, personas: dict[str, User]) -> World:
    return World(organization, location, personas)


# --- The cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str  # the URL name, or "GET /api/v1/..." as the permissions test lists the operation
    roles: tuple[str, ...]  # who reads it (each is counted)
    add: Callable[[World, int], str]  # adds n rows of what the page lists; returns the page's URL
    shown: Callable[[bytes], int] | None = marks_shown  # rows visible in a response; None for a PDF


CASES: dict[str, Case] = {}


def counts(name: str, *roles: str, variant: str = "", shown: Callable[[bytes], int] | None = marks_shown) -> Callable:
    def register(add: Callable[[World, int], str]) -> Callable[[World, int], str]:
        key = f"{name}{variant}"
        assert key not in CASES, key
        CASES[key] = Case(name, roles, add, shown)
        return add

    return register


ADMIN, PRACTITIONER, FRONT_DESK, BILLING = Role.ADMIN, Role.PRACTITIONER, Role.FRONT_DESK, Role.BILLING


# core


@counts("core:location_list", ADMIN)
def _(w: World, n: int) -> str:
    w.locations(n)
    return reverse("core:location_list")


@counts("core:location_edit", ADMIN)
def _(w: World, n: int) -> str:
    Room.objects.bulk_create(Room(location=w.location, name=mark(i)) for i in w.numbers(n))
    return reverse("core:location_edit", args=[w.location.public_id])


@counts("practitioners:staff_list", ADMIN)
def _(w: World, n: int) -> str:
    w.practitioners(n)
    return reverse("practitioners:staff_list")


# Forms whose choice lists grow with the clinic: practitioners, locations, rooms, payers, providers …


@counts("practitioners:staff_create", ADMIN)
def _(w: World, n: int) -> str:
    w.locations(n)  # the practitioner profile's locations
    return reverse("practitioners:staff_create")


@counts("practitioners:staff_edit", ADMIN)
def _(w: World, n: int) -> str:
    w.locations(n)
    return reverse("practitioners:staff_edit", args=[w.tess.public_id])


# patients


@counts("patients:list", FRONT_DESK)
def _(w: World, n: int) -> str:
    w.patients(n)
    return reverse("patients:list")


@counts("patients:list", FRONT_DESK, variant="?q=")
def _(w: World, n: int) -> str:
    w.patients(n)
    return reverse("patients:list") + "?q=qc"


@counts("patients:create", FRONT_DESK)
def _(w: World, n: int) -> str:
    w.locations(n)
    w.practitioners(n)
    return reverse("patients:create")


@counts("patients:edit", FRONT_DESK)
def _(w: World, n: int) -> str:
    patient = w.once("patient", lambda: w.patients(1)[0])
    w.locations(n)
    w.practitioners(n)
    return reverse("patients:edit", args=[patient.public_id])


def _history(w: World, patient: Patient, numbers: list[int]) -> None:
    """A row of each kind of medical history per number, each marked."""
    history = {
        Condition: lambda i: {"description": mark(i)},
        Surgery: lambda i: {"procedure": mark(i), "body_region": "neck", "performed_on": date(2020, 1, 1)},
        Medication: lambda i: {"name": mark(i), "is_anticoagulant": i % 2 == 0},
        Allergy: lambda i: {"substance": mark(i), "category": "latex"},
        Implant: lambda i: {"description": mark(i), "body_region": "neck"},
    }
    for model, fields in history.items():
        model.objects.bulk_create(model(patient=patient, created_by=w.tess, **fields(i)) for i in numbers)


@counts("patients:intake_review", PRACTITIONER, FRONT_DESK)
def _(w: World, n: int) -> str:
    """The intake's items grow, some decided, and so does the chart they are compared with."""
    patient = w.once("patient", lambda: w.patients(1)[0])
    submission = w.once(
        "intake",
        lambda: IntakeSubmission.objects.create(
            patient=patient, status=IntakeSubmission.Status.SUBMITTED, submitted_at=timezone.now()
        ),
    )
    numbers = list(w.numbers(n))
    _history(w, patient, numbers)
    IntakeItem.objects.bulk_create(
        IntakeItem(
            submission=submission,
            kind=kind,
            value=value,
            position=i,
            decision=IntakeItem.Decision.ACCEPTED if i % 3 == 0 else IntakeItem.Decision.PENDING,
            decided_by=w.tess if i % 3 == 0 else None,
        )
        for i in numbers
        for kind, value in (
            ("medication", {"name": f"New {mark(i)}", "dose": ""}),
            ("allergy", {"substance": mark(i), "category": "latex", "reaction": ""}),
        )
    )
    return reverse("patients:intake_review", args=[patient.public_id, submission.public_id])


@counts("patients:chart", ADMIN, PRACTITIONER)
def _(w: World, n: int) -> str:
    """Every section of the chart grows: history, consents, evaluations, plans, appointments,
    visit notes, referrals, correspondence, coverages and authorizations, injury cases, claims."""
    patient = w.once("patient", lambda: w.patients(1)[0])
    numbers = list(w.numbers(n))
    _history(w, patient, numbers)
    kinds = Consent.Kind.values
    Consent.objects.bulk_create(
        Consent(
            patient=patient,
            kind=kinds[i % 3],
            date=date(2025, 1, 1),
            recorded_by=w.tess,
            notes=mark(i),
            signed_pdf=f"consents/{i}.pdf" if i % 2 else "",  # signed on a device: a link to its PDF
        )
        for i in numbers
    )
    plans = w.plans(patient, n, status=TreatmentPlan.Status.COMPLETED, start_date=date(2026, 1, 1))
    for plan in plans[:3]:
        w.goals(plan, 2)
    # The active plan asks for the ODI every day (its questionnaires section); the patient answered it n times.
    w.once("asking", lambda: Questionnaire.objects.create(plan=w.plan(patient), instrument="ODI", rule="days", every=1))
    MeasureResult.objects.bulk_create(
        MeasureResult(
            patient=patient,
            instrument="ODI",
            administered_on=date(2026, 2, 1),
            responses=[2] * 10,
            value=40,
            entered_by=w.tess,
        )
        for _ in numbers
    )
    today = timezone.localdate()
    days = [today + timedelta(days=(i if i % 2 else -i)) for i in numbers]
    w.appointments([patient] * n, [at(day, 10) for day in days])
    w.notes(patient, n, plan=plans[0])
    referrals = w.referrals([patient] * n)
    TreatmentPlan.objects.filter(pk__in=[p.pk for p in plans]).update(referral=referrals[0])
    Correspondence.objects.bulk_create(
        Correspondence(
            patient=patient,
            provider=w.provider(),
            kind="progress-report",
            method="fax",
            date=date(2026, 2, 1),
            summary=mark(i),
            recorded_by=w.tess,
        )
        for i in numbers
    )
    cases = InjuryCase.objects.bulk_create(
        InjuryCase(patient=patient, kind="auto", injury_date=date(2025, 6, 1), claim_number=mark(i)) for i in numbers
    )
    coverages = Coverage.objects.bulk_create(
        Coverage(patient=patient, payer=payer, member_id=mark(i), starts_on=date(2025, 1, 1), injury_case=case)
        for i, case, payer in zip(numbers, cases, w.payers(n), strict=True)
    )
    Authorization.objects.bulk_create(
        Authorization(
            coverage=c, number=mark(i), visits_allowed=12, starts_on=date(2025, 1, 1), ends_on=date(2027, 1, 1)
        )
        for c, i in zip(coverages, numbers, strict=True)
    )
    claims = Claim.objects.bulk_create(
        Claim(
            organization=w.organization,
            number=f"C{mark(i)}",
            patient=patient,
            coverage=c,
            payer=c.payer,
            status=Claim.Status.SUBMITTED,
            diagnoses=["M54.50"],
            created_by=w.tess,
        )
        for c, i in zip(coverages, numbers, strict=True)
    )
    w.claim_lines([(claim, 1) for claim in claims])
    return patient.get_chart_url()


@counts("patients:consent_versions", ADMIN)
def _(w: World, n: int) -> str:
    """Every version of every consent document, each with who published it."""
    kinds = ConsentDocument.KINDS
    ConsentDocument.objects.bulk_create(
        ConsentDocument(
            organization=w.organization,
            kind=kinds[i % len(kinds)],
            version=i,
            title=mark(i),
            text="Text.",
            sha256="0" * 64,
            published_by=w.personas[ADMIN],
        )
        for i in w.numbers(n)
    )
    return reverse("patients:consent_versions")


# audit


@counts("core:audit_search", ADMIN)
def _(w: World, n: int) -> str:
    patients = w.patients(n)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=w.organization,
            actor=w.tess,
            action="patients.patient.viewed",
            target_type="patients.patient",
            target_id=str(p.public_id),
            target_label=p.family_name,
            patient=p,
            ip_address="127.0.0.1",
        )
        for p in patients
    )
    return reverse("core:audit_search")


# evaluations


def _signed_evaluation(w: World) -> Evaluation:
    return w.once("evaluation", lambda: w.evaluations(w.patients(1)[0], 1)[0])


def _grow_evaluation(w: World, evaluation: Evaluation, n: int, *, addenda: bool) -> None:
    w.diagnoses(evaluation, n)
    w.measures([{"patient": evaluation.patient, "evaluation": evaluation}] * n)
    if addenda:
        Addendum.objects.bulk_create(Addendum(evaluation=evaluation, text=mark(i), author=w.tess) for i in w.numbers(n))
        # What was done about its red flag, shown with the flag on the page and in the report.
        Evaluation.objects.filter(pk=evaluation.pk).update(red_flags=["calf_swelling"])
        RedFlagClearance.objects.bulk_create(
            RedFlagClearance(
                evaluation=evaluation,
                flag="calf_swelling",
                kind="referred",
                provider=mark(i),
                decided_on=date(2026, 11, 3),
                created_by=w.tess,
            )
            for i in w.numbers(n)
        )


@counts("evaluations:detail", PRACTITIONER, ADMIN)
def _(w: World, n: int) -> str:
    evaluation = _signed_evaluation(w)
    _grow_evaluation(w, evaluation, n, addenda=True)
    return reverse("evaluations:detail", args=[evaluation.public_id])


@counts("evaluations:pdf", PRACTITIONER, shown=None)
def _(w: World, n: int) -> str:
    evaluation = _signed_evaluation(w)
    _grow_evaluation(w, evaluation, n, addenda=True)
    return reverse("evaluations:pdf", args=[evaluation.public_id])


@counts("evaluations:edit", PRACTITIONER)
def _(w: World, n: int) -> str:
    draft = w.once("draft", lambda: w.evaluations(w.patients(1)[0], 1, signed=False)[0])
    _grow_evaluation(w, draft, n, addenda=False)
    return reverse("evaluations:edit", args=[draft.public_id])


# techniques


def _techniques(w: World, n: int) -> None:
    Technique.objects.bulk_create(
        Technique(
            organization=w.organization,
            code=mark(i).lower(),
            name=mark(i),
            description="Synthetic",
            cpt_code="97140",
            timed=True,
        )
        for i in w.numbers(n)
    )


@counts("techniques:catalog", ADMIN)
def _(w: World, n: int) -> str:
    _techniques(w, n)
    return reverse("techniques:catalog")


# scheduling


def _day(w: World, n: int) -> None:
    """n appointments on MONDAY at the location, ten for each of n/10 practitioners (one in five
    cancelled), and n waitlist entries that fit the day."""
    practitioners = w.practitioners(n // 10, location=w.location)
    patients = w.patients(n)
    starts = [at(MONDAY, 8 + k // 2, 30 * (k % 2)) for k in range(10)]
    rooms = Room.objects.bulk_create(Room(location=w.location, name=mark(i)) for i in w.numbers(len(practitioners)))
    for k, (practitioner, room) in enumerate(zip(practitioners, rooms, strict=True)):
        chunk = patients[10 * k : 10 * k + 10]
        booked = w.appointments(chunk, starts, practitioner=practitioner, room=room)
        Appointment.objects.filter(pk__in=[a.pk for a in booked[::5]]).update(status=Appointment.Status.CANCELLED)
        VisitNote.objects.bulk_create(
            VisitNote(
                patient=a.patient,
                practitioner=practitioner,
                appointment=a,
                visited_on=MONDAY,
                created_by=w.tess,
            )
            for a in booked[1:3]
        )
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(
            patient=p,
            appointment_type=w.follow_up,
            practitioner=practitioners[0],
            location=w.location,
            earliest=MONDAY - timedelta(days=7),
            latest=MONDAY + timedelta(days=7),
            created_by=w.tess,
        )
        for p in patients
    )


@counts("scheduling:day", FRONT_DESK, PRACTITIONER)
def _(w: World, n: int) -> str:
    _day(w, n)
    return f"{reverse('scheduling:day')}?date={MONDAY}&location={w.location.public_id}"


@counts("frontdesk:today", FRONT_DESK, ADMIN)
def _(w: World, n: int) -> str:
    """MONDAY's n appointments (the day view's), each patient with a referral running out, a coverage with a
    copay and an authorization ending, a claim leaving a balance, one consent of two; and the n waitlist entries
    with the day's openings."""
    _day(w, n)
    patients = list(
        Patient.objects.filter(appointments__start_at__gte=at(MONDAY, 0), appointments__start_at__lt=at(MONDAY, 23))
        .exclude(referrals__isnull=False)
        .distinct()
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=p, location=w.location, weekday=0, starts=time(8), ends=time(18))
        for p in {a.practitioner for a in Appointment.objects.filter(patient__in=patients)}
    )
    w.referrals(patients, referral_date=MONDAY - timedelta(days=30), expires_on=MONDAY + timedelta(days=3))
    coverages = w.coverages(patients, copay=Decimal("20.00"))
    Authorization.objects.bulk_create(
        Authorization(
            coverage=c, number=mark(i), visits_allowed=3, starts_on=MONDAY - timedelta(days=30), ends_on=MONDAY
        )
        for c, i in zip(coverages, w.numbers(len(coverages)), strict=True)
    )
    w.claims(patients, [Claim.Status.PARTIALLY_PAID] * len(patients), patient_responsibility=Decimal("10.00"))
    Consent.objects.bulk_create(
        Consent(patient=p, kind=Consent.Kind.TREATMENT, date=date(2026, 1, 1), recorded_by=w.tess) for p in patients
    )
    return f"{reverse('frontdesk:today')}?date={MONDAY}"


@counts("GET /api/v1/appointments", FRONT_DESK)
def _(w: World, n: int) -> str:
    _day(w, n)
    return f"/api/v1/appointments?date={MONDAY}"


@counts("scheduling:week", FRONT_DESK)
def _(w: World, n: int) -> str:
    """n appointments of tess's in the week of MONDAY, spread over its seven days."""
    taken = w.once("week", lambda: [0])
    slots = [
        at(MONDAY + timedelta(days=k % 7), 6 + (k // 7) // 2, 30 * ((k // 7) % 2))
        for k in range(taken[0], taken[0] + n)
    ]
    taken[0] += n
    w.appointments(w.patients(n), slots)
    return f"{reverse('scheduling:week')}?date={MONDAY}&practitioner={w.practitioner.public_id}"


def _booking_choices(w: World, n: int) -> None:
    w.practitioners(n, location=w.location)
    w.locations(n)


@counts("scheduling:book", FRONT_DESK)
def _(w: World, n: int) -> str:
    _booking_choices(w, n)
    patient = w.once("patient", lambda: w.patients(1)[0])
    return f"{reverse('scheduling:book')}?patient={patient.public_id}"


@counts("scheduling:reschedule", FRONT_DESK)
def _(w: World, n: int) -> str:
    _booking_choices(w, n)
    appointment = w.once("appointment", lambda: w.appointments(w.patients(1), [at(MONDAY, 10)])[0])
    return reverse("scheduling:reschedule", args=[appointment.public_id])


@counts("scheduling:waitlist", FRONT_DESK)
def _(w: World, n: int) -> str:
    w.practitioners(n)  # the form's choices
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(
            patient=p,
            appointment_type=w.follow_up,
            practitioner=w.practitioner,
            location=w.location,
            earliest=MONDAY,
            latest=MONDAY + timedelta(days=7),
            created_by=w.tess,
        )
        for p in w.patients(n)
    )
    return reverse("scheduling:waitlist")


@counts("scheduling:online_booking", ADMIN)
def _(w: World, n: int) -> str:
    """A form per appointment type (n more, each open online with some of the practitioners and locations
    ticked), each offering every practitioner and location (a tenth as many more: the forms share them)."""
    numbers = list(w.numbers(n))
    kinds = AppointmentType.objects.bulk_create(
        AppointmentType(code=f"qc-{i}", name=mark(i), minutes=30 + i % 60) for i in numbers
    )
    practitioners, locations = w.practitioners(max(1, n // 10)), w.locations(max(1, n // 10))
    rows = OnlineType.objects.bulk_create(
        OnlineType(organization=w.organization, appointment_type=kind, for_new=True, for_returning=bool(i % 2))
        for kind, i in zip(kinds, numbers, strict=True)
    )
    OnlineType.practitioners.through.objects.bulk_create(
        OnlineType.practitioners.through(onlinetype=row, practitioner=p) for row in rows for p in practitioners
    )
    OnlineType.locations.through.objects.bulk_create(
        OnlineType.locations.through(onlinetype=row, location=loc) for row in rows for loc in locations
    )
    return reverse("scheduling:online_booking")


@counts("scheduling:patient_picker", FRONT_DESK)
def _(w: World, n: int) -> str:
    w.patients(n)
    return reverse("scheduling:patient_picker") + "?q=qc"


def _free(w: World, n: int) -> None:
    """n practitioners working at the location every weekday, each with an appointment tomorrow."""
    practitioners = w.practitioners(n, location=w.location)
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=p, location=w.location, weekday=d, starts=time(8), ends=time(18))
        for p in practitioners
        for d in range(7)
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    Appointment.objects.bulk_create(
        Appointment(
            patient=patient,
            practitioner=p,
            location=w.location,
            appointment_type=w.follow_up,
            start_at=at(tomorrow, 9),
            end_at=at(tomorrow, 9, 30),
            created_by=w.tess,
        )
        for p, patient in zip(practitioners, w.patients(n), strict=True)
    )


@counts("scheduling:free", FRONT_DESK)
def _(w: World, n: int) -> str:
    _free(w, n)
    return f"{reverse('scheduling:free')}?appointment_type={w.follow_up.pk}"


@counts("GET /api/v1/appointments/free-slots", FRONT_DESK, shown=None)
def _(w: World, n: int) -> str:
    _free(w, n)
    return "/api/v1/appointments/free-slots?type=follow-up-30"


# plans


def _draft_plan(w: World) -> TreatmentPlan:
    def make() -> TreatmentPlan:
        patient = w.patients(1)[0]
        plan = w.plan(patient, status=TreatmentPlan.Status.DRAFT, home_care="Stretch twice a day.")
        plan.referral = w.referrals([patient])[0]
        plan.save(update_fields=["referral"])
        return plan

    return w.once("plan", make)


@counts("plans:detail", PRACTITIONER, ADMIN)
def _(w: World, n: int) -> str:
    plan = _draft_plan(w)
    w.goals(plan, n)
    w.planned_techniques(plan, n)
    w.diagnoses(plan.evaluation, n)
    w.notes(plan.patient, n, plan=plan)
    w.referrals([plan.patient] * n)  # the plan form's referral choices
    return reverse("plans:detail", args=[plan.public_id])


@counts("plans:home_care", PRACTITIONER)
def _(w: World, n: int) -> str:
    plan = _draft_plan(w)
    w.goals(plan, n)
    w.planned_techniques(plan, n)
    return reverse("plans:home_care", args=[plan.public_id])


# referrals


def _providers(w: World, n: int) -> None:
    ReferringProvider.objects.bulk_create(
        ReferringProvider(organization=w.organization, kind="physician", name=mark(i), npi=f"18{i:08d}")
        for i in w.numbers(n)
    )


@counts("referrals:provider_list", FRONT_DESK)
def _(w: World, n: int) -> str:
    _providers(w, n)
    return reverse("referrals:provider_list")


@counts("referrals:referral_add", FRONT_DESK)
def _(w: World, n: int) -> str:
    _providers(w, n)
    patient = w.once("patient", lambda: w.patients(1)[0])
    return reverse("referrals:referral_add", args=[patient.public_id])


@counts("referrals:correspondence_add", FRONT_DESK)
def _(w: World, n: int) -> str:
    _providers(w, n)
    patient = w.once("patient", lambda: w.patients(1)[0])
    return reverse("referrals:correspondence_add", args=[patient.public_id])


# visits


@counts("visits:dashboard", PRACTITIONER)
def _(w: World, n: int) -> str:
    """Today's appointments, drafts to sign, plans due a report or ending with referrals running
    out, and credentials expiring: n of each."""
    today = timezone.localdate()
    taken = w.once("today", lambda: [0])
    patients = w.patients(n)
    starts = [at(today, 0) + timedelta(minutes=10 * k) for k in range(taken[0], taken[0] + n)]
    taken[0] += n
    schedule = Appointment.objects.bulk_create(
        Appointment(
            patient=p,
            practitioner=w.practitioner,
            location=w.location,
            appointment_type=w.follow_up,
            start_at=s,
            end_at=s + timedelta(minutes=10),
            created_by=w.tess,
        )
        for p, s in zip(patients, starts, strict=True)
    )
    VisitNote.objects.bulk_create(  # notes started from half of today's appointments
        VisitNote(patient=a.patient, practitioner=w.practitioner, appointment=a, visited_on=today, created_by=w.tess)
        for a in schedule[::2]
    )
    VisitNote.objects.bulk_create(
        VisitNote(patient=p, practitioner=w.practitioner, visited_on=today - timedelta(days=10), created_by=w.tess)
        for p in patients
    )
    evaluation = w.once("evaluation", lambda: w.evaluations(patients[0], 1)[0])
    referrals = w.referrals(patients, visits_authorized=2, expires_on=today + timedelta(days=5))
    plans = TreatmentPlan.objects.bulk_create(
        TreatmentPlan(
            patient=p,
            evaluation=evaluation,
            practitioner=w.practitioner,
            status=TreatmentPlan.Status.ACTIVE,
            start_date=today - timedelta(days=40),
            visits_per_week=2,
            duration_weeks=6,
            planned_visits=12,
            re_evaluation_due=today - timedelta(days=1),
            referral=r,
            created_by=w.tess,
        )
        for p, r in zip(patients, referrals, strict=True)
    )
    # Each asks for the ODI every day and the NPRS at discharge; half of them were answered yesterday.
    Questionnaire.objects.bulk_create(
        Questionnaire(plan=plan, instrument=code, rule=rule, every=every)
        for plan in plans
        for code, rule, every in (("ODI", "days", 1), ("NPRS", "discharge", None))
    )
    MeasureResult.objects.bulk_create(
        MeasureResult(
            patient=p,
            instrument="ODI",
            administered_on=today - timedelta(days=1),
            responses=[2] * 10,
            value=40,
            entered_by=w.tess,
        )
        for p in patients[::2]
    )
    w.credentials(w.practitioner, n, expires_in=20)
    w.courses(w.practitioner, n)
    return reverse("visits:dashboard")


def _note(w: World, *, signed: bool) -> VisitNote:
    def make() -> VisitNote:
        patient = w.patients(1)[0]
        plan = w.plan(patient)
        kind = VisitNote.Kind.PROGRESS if signed else VisitNote.Kind.FOLLOW_UP
        status = VisitNote.Status.SIGNED if signed else VisitNote.Status.DRAFT
        (note,) = w.notes(patient, 1, status=status, plan=plan, kind=kind, visited_on=timezone.localdate())
        return note

    return w.once(f"note-{signed}", make)


def _on_a_claim(w: World, notes: list[VisitNote]) -> list[VisitNote]:
    """The (signed) notes on a draft claim of their patient: billing reads only the notes that support a claim."""

    def make() -> Claim:
        w.coverages([notes[0].patient])
        return w.claims([notes[0].patient], [Claim.Status.DRAFT], lines=0)[0]

    claim = w.once(f"claim-of-{notes[0].patient_id}", make)
    ClaimNote.objects.bulk_create(ClaimNote(claim=claim, note=note, payer_id=claim.payer_id) for note in notes)
    return notes


def _grow_note(w: World, note: VisitNote, n: int) -> None:
    w.note_techniques([(note, n)])
    w.goals(note.plan, n)
    w.planned_techniques(note.plan, n)
    w.diagnoses(note.plan.evaluation, n)
    w.measures([{"patient": note.patient, "visit_note": note}] * n)
    w.notes(note.patient, n, plan=note.plan)  # earlier visits under the same plan
    if note.is_signed:
        NoteAddendum.objects.bulk_create(NoteAddendum(note=note, text=mark(i), author=w.tess) for i in w.numbers(n))


@counts("visits:detail", PRACTITIONER, ADMIN, BILLING)
def _(w: World, n: int) -> str:
    note = w.once("on-a-claim", lambda: _on_a_claim(w, [_note(w, signed=True)])[0])
    _grow_note(w, note, n)
    return reverse("visits:detail", args=[note.public_id])


@counts("visits:edit", PRACTITIONER)
def _(w: World, n: int) -> str:
    note = _note(w, signed=False)
    _grow_note(w, note, n)
    return reverse("visits:edit", args=[note.public_id])


def notes_linked(body: bytes) -> int:
    return len(re.findall(rb'href="/notes/[0-9a-f-]{36}/"', body))


@counts("visits:patient_notes", PRACTITIONER, ADMIN, BILLING, shown=notes_linked)
def _(w: World, n: int) -> str:
    patient = w.once("patient", lambda: w.patients(1)[0])
    w.note_techniques([(note, 2) for note in _on_a_claim(w, w.notes(patient, n))])
    return reverse("visits:patient_notes", args=[patient.public_id])


@counts("GET /api/v1/notes/{note_id}", PRACTITIONER)
def _(w: World, n: int) -> str:
    note = _note(w, signed=True)
    _grow_note(w, note, n)
    return f"/api/v1/notes/{note.public_id}"


@counts("GET /api/v1/patients/{patient_id}/notes", PRACTITIONER, BILLING)
def _(w: World, n: int) -> str:
    patient = w.once("patient", lambda: w.patients(1)[0])
    plan = w.once("plan", lambda: w.plan(patient))
    notes = _on_a_claim(w, w.notes(patient, n, plan=plan))
    NoteAddendum.objects.bulk_create(
        NoteAddendum(note=x, text=mark(i), author=w.tess) for x, i in zip(notes, w.numbers(n), strict=True)
    )
    w.measures([{"patient": patient, "visit_note": x} for x in notes])
    return f"/api/v1/patients/{patient.public_id}/notes"


# records


@counts("records:verify", ADMIN)
def _(w: World, n: int) -> str:
    """n patients' sealed records (an evaluation or a visit note, then its addendum) in the organization's
    chain, their hashes stale: the page lists every one as a problem."""
    patients = w.patients(n)
    evaluations = w.evaluations_of(patients[::2])
    notes = w.notes_of(patients[1::2])
    evaluation_addenda = Addendum.objects.bulk_create(
        Addendum(evaluation=e, text="x", author=w.tess) for e in evaluations
    )
    note_addenda = NoteAddendum.objects.bulk_create(NoteAddendum(note=x, text="x", author=w.tess) for x in notes)
    chains = [
        *(
            ((e, "evaluation"), (a, "evaluation-addendum"))
            for e, a in zip(evaluations, evaluation_addenda, strict=True)
        ),
        *(((x, "visit-note"), (a, "visit-addendum")) for x, a in zip(notes, note_addenda, strict=True)),
    ]
    Seal.objects.bulk_create(
        Seal(
            organization_id=chain[0][0].patient.organization_id,
            patient=chain[0][0].patient,
            sequence=sequence,
            kind=kind,
            record_id=record.public_id,
            record_label=kind,
            content_hash="0" * 64,
            sealed_by=w.tess,
        )
        for sequence, (chain, (record, kind)) in enumerate(
            ((chain, link) for chain in chains for link in chain), start=Seal.objects.count() + 1
        )
    )
    return reverse("records:verify")


# practitioners


@counts("practitioners:requirements", ADMIN)
def _(w: World, n: int) -> str:
    RenewalRequirement.objects.bulk_create(
        RenewalRequirement(
            organization=w.organization,
            kind="board",
            issuing_body=mark(i),
            cycle_months=24,
            total_hours=24,
            category_minimums={"ethics": 3},
            source=mark(i),
        )
        for i in w.numbers(n)
    )
    return reverse("practitioners:requirements")


def _credentials_and_courses(w: World, n: int) -> None:
    w.credentials(w.practitioner, n)
    w.courses(w.practitioner, n)


@counts("practitioners:mine", PRACTITIONER)
def _(w: World, n: int) -> str:
    _credentials_and_courses(w, n)
    return reverse("practitioners:mine")


@counts("practitioners:detail", ADMIN, PRACTITIONER)
def _(w: World, n: int) -> str:
    _credentials_and_courses(w, n)
    return reverse("practitioners:detail", args=[w.practitioner.public_id])


@counts("practitioners:transcript", PRACTITIONER, shown=None)
def _(w: World, n: int) -> str:
    """n courses toward one Washington license (a transcript of 100 credentials would be a book)."""
    w.once("license", lambda: w.credentials(w.practitioner, 1))
    w.courses(w.practitioner, n)
    return reverse("practitioners:transcript", args=[w.practitioner.public_id])


@counts("GET /api/v1/practitioners/{practitioner_id}/credentials", PRACTITIONER)
def _(w: World, n: int) -> str:
    _credentials_and_courses(w, n)
    return f"/api/v1/practitioners/{w.practitioner.public_id}/credentials"


@counts("GET /api/v1/practitioners/{practitioner_id}/courses", PRACTITIONER)
def _(w: World, n: int) -> str:
    _credentials_and_courses(w, n)
    return f"/api/v1/practitioners/{w.practitioner.public_id}/courses"


@counts("practitioners:compliance", ADMIN)
def _(w: World, n: int) -> str:
    for p in w.practitioners(n):
        w.credentials(p, 1)
        w.courses(p, 1)
    return reverse("practitioners:compliance")


# billing


@counts("billing:queue", BILLING, ADMIN)
def _(w: World, n: int) -> str:
    """n claims across the queue's statuses, and n patients with signed visits not yet billed."""
    patients = w.patients(n)
    w.coverages(patients)
    statuses = [
        Claim.Status.DRAFT,
        Claim.Status.READY,
        Claim.Status.REJECTED,
        Claim.Status.SUBMITTED,
        Claim.Status.DENIED,
    ]
    w.claims(patients, [statuses[k % len(statuses)] for k in range(n)])
    unbilled = w.patients(n)
    w.coverages(unbilled)
    VisitNote.objects.bulk_create(
        VisitNote(
            patient=p,
            practitioner=w.practitioner,
            visited_on=date(2026, 1, 5),
            status=VisitNote.Status.SIGNED,
            created_by=w.tess,
        )
        for p in unbilled
    )
    return reverse("billing:queue")


def _claim(w: World) -> Claim:
    def make() -> Claim:
        patient = w.patients(1)[0]
        w.coverages([patient])
        (claim,) = w.claims([patient], [Claim.Status.PARTIALLY_PAID], lines=0, plan=w.plan(patient))
        return claim

    return w.once("claim", make)


@counts("billing:claim", BILLING, ADMIN)
def _(w: World, n: int) -> str:
    claim = _claim(w)
    w.claim_lines([(claim, n)])
    ClaimEvent.objects.bulk_create(
        ClaimEvent(claim=claim, from_status="draft", to_status="ready", actor=w.tess, note=mark(i))
        for i in w.numbers(n)
    )
    w.remittances([claim] * n)
    return reverse("billing:claim", args=[claim.public_id])


@counts("billing:claim_pdf", BILLING, shown=None)
def _(w: World, n: int) -> str:
    """The CMS-1500 data print: the same reads as the drawn form, at a fraction of the drawing."""
    claim = _claim(w)
    w.claim_lines([(claim, n)])
    return reverse("billing:claim_pdf", args=[claim.public_id]) + "?form=data"


@counts("billing:claim_pdf", BILLING, shown=None, variant="/superbill")
def _(w: World, n: int) -> str:
    def make() -> Claim:
        patient = w.patients(1)[0]
        payer = Payer.objects.create(organization=w.organization, name="Self-pay", kind=Payer.Kind.SELF_PAY)
        w.coverages([patient], [payer])
        (claim,) = w.claims([patient], [Claim.Status.READY], lines=0, plan=_draft_plan(w))
        return claim

    claim = w.once("superbill", make)
    w.claim_lines([(claim, n)])
    return reverse("billing:claim_pdf", args=[claim.public_id])


@counts("billing:statement", BILLING, shown=None)
def _(w: World, n: int) -> str:
    patient = w.once("patient", lambda: w.patients(1)[0])
    w.once("coverage", lambda: w.coverages([patient]))
    w.claims([patient] * n, [Claim.Status.PARTIALLY_PAID] * n)
    return reverse("billing:statement", args=[patient.public_id])


def _insured(w: World) -> Patient:
    def make() -> Patient:
        patient = w.patients(1)[0]
        w.coverages([patient])
        return patient

    return w.once("insured", make)


@counts("billing:patient_record", FRONT_DESK, BILLING, variant="/coverage")
def _(w: World, n: int) -> str:
    patient = _insured(w)
    w.payers(n)
    InjuryCase.objects.bulk_create(
        InjuryCase(patient=patient, kind="work", injury_date=date(2025, 6, 1), claim_number=mark(i))
        for i in w.numbers(n)
    )
    return reverse("billing:patient_record", args=[patient.public_id, "coverage"])


@counts("billing:patient_record", FRONT_DESK, variant="/injury-case")
def _(w: World, n: int) -> str:
    patient = _insured(w)
    w.plans(patient, n)
    return reverse("billing:patient_record", args=[patient.public_id, "injury-case"])


@counts("billing:patient_record", FRONT_DESK, variant="/authorization")
def _(w: World, n: int) -> str:
    patient = _insured(w)
    w.coverages([patient] * n)
    return reverse("billing:patient_record", args=[patient.public_id, "authorization"])


@counts("billing:patient_record_edit", FRONT_DESK)
def _(w: World, n: int) -> str:
    patient = _insured(w)
    w.payers(n)
    return reverse(
        "billing:patient_record_edit", args=[patient.public_id, "coverage", patient.coverages.get().public_id]
    )


@counts("billing:reports", BILLING)
def _(w: World, n: int) -> str:
    """AR aging over n open claims of n payers; denials over n postings."""
    patients = w.patients(n)
    w.coverages(patients, w.payers(n))
    claims = w.claims(patients, [Claim.Status.SUBMITTED] * n)
    w.remittances(claims)
    return reverse("billing:reports")


@counts("analytics:outcomes", ADMIN, PRACTITIONER)
def _(w: World, n: int) -> str:
    """n closed episodes of care with an ODI change, each in a condition group of its own (the rows shown), half of
    them Tess's, over n techniques, at every dose and payer kind."""
    from fascia.analytics.models import ConditionGroup, Episode, EpisodeMeasure

    patient = w.patients(1)[0]
    plans = w.plans(patient, n)
    groups = ConditionGroup.objects.bulk_create(
        ConditionGroup(organization=w.organization, name=mark(i), codes=["M54"], position=100 + i) for i in w.numbers(n)
    )
    practitioners = [w.practitioner, *w.practitioners(1)]
    kinds = list(Payer.Kind.values)
    made = Episode.objects.bulk_create(
        Episode(
            organization=w.organization,
            plan=plan,
            patient=patient,
            practitioner=practitioners[i % 2],
            location=w.location,
            start_date=date(2026, 1, 1),
            end_date=date(2026, 3, 1),
            status=Episode.Status.CLOSED,
            payer_kind=kinds[i % len(kinds)],
            referral_source=Episode.SELF_REFERRED,
            total_minutes=i * 40,
            dominant_technique=w.techniques[i % len(w.techniques)],
        )
        for i, plan in enumerate(plans)
    )
    Episode.groups.through.objects.bulk_create(
        Episode.groups.through(episode=e, conditiongroup=g) for e, g in zip(made, groups, strict=True)
    )
    EpisodeMeasure.objects.bulk_create(
        EpisodeMeasure(
            episode=e,
            instrument=("ODI", "NDI")[i % 2],
            baseline=40,
            baseline_on=date(2026, 1, 1),
            latest=20,
            latest_on=date(2026, 3, 1),
            follow_ups=1,
            change=20,
            reached_mcid=True,
            visits_to_mcid=4,
            days_to_mcid=30,
        )
        for i, e in enumerate(made)
    )
    return reverse("analytics:outcomes") + "?technique=" + w.techniques[0].code


@counts("analytics:condition_groups", ADMIN)
def _(w: World, n: int) -> str:
    from fascia.analytics.models import ConditionGroup

    ConditionGroup.objects.bulk_create(
        ConditionGroup(organization=w.organization, name=mark(i), codes=["M54"], position=100 + i) for i in w.numbers(n)
    )
    return reverse("analytics:condition_groups")


@counts("billing:payers", BILLING, ADMIN)
def _(w: World, n: int) -> str:
    w.payers(n)
    return reverse("billing:payers")


@counts("billing:remittances", BILLING)
def _(w: World, n: int) -> str:
    patients = w.patients(n)
    w.coverages(patients)
    claims = w.claims(patients, [Claim.Status.PAID] * n)
    w.remittances([c if k % 3 else None for k, c in enumerate(claims)])
    return reverse("billing:remittances")


# API


@counts("GET /api/v1/patients", FRONT_DESK)
def _(w: World, n: int) -> str:
    w.patients(n)
    return "/api/v1/patients"


@counts("GET /api/v1/patients/{patient_id}/evaluations", PRACTITIONER)
def _(w: World, n: int) -> str:
    patient = w.once("patient", lambda: w.patients(1)[0])
    w.evaluations(patient, n)
    return f"/api/v1/patients/{patient.public_id}/evaluations"


@counts("GET /api/v1/patients/{patient_id}/chart", PRACTITIONER, FRONT_DESK)
def _(w: World, n: int) -> str:
    """Every section grows: history, appointments, evaluations, notes."""
    patient = w.once("patient", lambda: w.patients(1)[0])
    numbers = list(w.numbers(n))
    _history(w, patient, numbers)
    today = timezone.localdate()
    w.appointments([patient] * n, [at(today + timedelta(days=(i if i % 2 else -i)), 10) for i in numbers])
    w.evaluations(patient, n)
    w.notes(patient, n)
    return f"/api/v1/patients/{patient.public_id}/chart"


@counts("GET /api/v1/evaluations/{evaluation_id}", PRACTITIONER, shown=None)
def _(w: World, n: int) -> str:
    evaluation = _signed_evaluation(w)
    _grow_evaluation(w, evaluation, n, addenda=True)
    return f"/api/v1/evaluations/{evaluation.public_id}"


@counts("GET /api/v1/techniques", PRACTITIONER)
def _(w: World, n: int) -> str:
    _techniques(w, n)
    return "/api/v1/techniques"


# --- Pages that list nothing that grows -----------------------------------------------------------

FORM = "a form whose choices list nothing that grows with the clinic (or only the catalog's few rows)"
EXEMPT = {
    "core:home": "links and a search form: it reads nothing but the signed-in user",
    "core:organization_edit": FORM,
    "core:location_create": FORM,
    "core:room_create": FORM,
    "core:room_edit": FORM,
    "patients:consent_add": FORM,
    "patients:consent_sign": "one document version, its text and the signing form",
    "patients:consent_publish": FORM,
    "patients:consent_pdf": "a file download",
    "patients:intake_card": "a file download",
    "plans:home_care_image": "a file download",
    "patients:history_add": FORM,
    "patients:medication_edit": FORM,
    "evaluations:icd10": "reads the ICD-10-CM code set, not the database",
    "techniques:create": FORM,
    "techniques:edit": FORM,
    "referrals:provider_create": FORM,
    "referrals:provider_edit": FORM,
    "referrals:document": "a file download",
    "practitioners:requirement_create": FORM,
    "practitioners:requirement_edit": FORM,
    "practitioners:document": "a file download",
    "billing:payer_create": FORM,
    "billing:payer_edit": FORM,
    "billing:fee_add": FORM,
    "billing:ncci_pair_create": FORM,
    "billing:ncci_pair_edit": FORM,
    "billing:clearinghouse_create": FORM,
    "billing:clearinghouse_edit": FORM,
    "billing:batch": "a file download",
    **{name: "reached by POST only (a write)" for name in POST_ONLY},
    **{name: "sign-in and own-account pages" for name in NOT_ROLE_BASED},
    "GET /api/v1/patients/{patient_id}": "one record without child rows",
    "GET /api/v1/measures": "the instrument definitions, from code, not the database",
    **{f"{method} {path}": "a write" for method, path in ENDPOINTS if method != "GET"},
}


def test_every_page_is_counted_or_exempt() -> None:
    pages = set(PAGES) | set(POST_ONLY) | NOT_ROLE_BASED | {f"{method} {path}" for method, path in ENDPOINTS}
    counted = {case.name for case in CASES.values()}
    assert not counted & set(EXEMPT), "a page is both counted and exempt"
    assert counted | set(EXEMPT) == pages, "count the new page's queries here, or say in EXEMPT why not"


# --- The count -----------------------------------------------------------------------------------


def queries_of(client: Client, url: str, user: User) -> tuple[bytes, list[str]]:
    """GET `url` signed in as `user` in a new session (what a session remembers, such as the patients the
    Today board has audited, would hide queries): the response body, and the SQL the request ran."""
    client.logout()
    login(client, user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} as {user.username}: {response.status_code}"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body, [q["sql"] for q in captured.captured_queries]


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\d+", "?", sql)


def _grown(few: list[str], many: list[str]) -> str:
    """The statements the larger page ran more often, most repeated first: where the N+1 is."""
    extra = Counter(map(_shape, many)) - Counter(map(_shape, few))
    return "\n".join(f"{n}× {sql[:300]}" for sql, n in extra.most_common(5))


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_the_queries_do_not_grow_from_10_to_100_rows(client: Client, world: World, case: Case) -> None:
    url = case.add(world, FEW)
    few = {}
    for role in case.roles:
        queries_of(client, url, world.personas[role])  # once first: whatever a process caches on its first request
        few[role] = queries_of(client, url, world.personas[role])
    case.add(world, MORE)
    for role in case.roles:
        (body_few, sql_few), (body_many, sql_many) = few[role], queries_of(client, url, world.personas[role])
        assert len(sql_many) == len(sql_few), (
            f"{case.name} as {role}: {len(sql_few)} queries for {FEW} rows, {len(sql_many)} for {FEW + MORE}; "
            f"grown:\n{_grown(sql_few, sql_many)}"
        )
        if case.shown is not None:
            assert 0 < case.shown(body_few) <= case.shown(body_many), f"{case.name}: the rows made are not shown"
