"""`fascia seed` writes in bulk what the services would have written one record at a time: these
tests hold a small seeded clinic to the same rules the services and pages enforce."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from fascia.billing.claims.charges import days_for, fees_for, pairs_for, planned_for, point
from fascia.billing.claims.services import TRANSITIONS
from fascia.billing.models import Claim, ClaimEvent, Posting, UnbilledVisit
from fascia.billing.remittance.posting import posted_status, posting_note
from fascia.billing.scrubber import scrub
from fascia.core.models import User
from fascia.demo import bulk
from fascia.demo.loader import DEMO_PASSWORD
from fascia.demo.seed import PORTAL_ACCOUNTS, SeedRefused, Size, seed
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.models import Evaluation
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.plans import services as plan_services
from fascia.plans.models import TreatmentPlan
from fascia.practitioners.credentials import check_license
from fascia.records.chain import verify
from fascia.records.models import Seal
from fascia.scheduling.models import Appointment
from fascia.scheduling.reminders import reminder_lead
from fascia.scheduling.services import warnings_for
from fascia.visits import queries as visit_queries
from fascia.visits import services as visit_services
from fascia.visits.models import VisitNote

SMALL = Size(patients=300, practitioners=3, years=2)
TECHNIQUE_FIELDS = ("technique_id", "region", "minutes", "pressure", "position", "response", "override_reason")


@pytest.fixture(scope="module")
def seeded_clinic(django_db_setup, django_db_blocker) -> Iterator[dict[str, int]]:
    """A small seeded clinic, written once for the module and rolled back after it. Written in
    batches of 50 rows, so that, as at full size, many rows are written before their record is
    finished (and sealed)."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic(), fast, pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk, "BATCH", 50)
        yield seed(SMALL, seed=7).rows
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_clinic: dict[str, int], db: None) -> dict[str, int]:
    return seeded_clinic


def test_it_writes_years_of_care_for_every_patient(seeded: dict[str, int]) -> None:
    assert Patient.objects.count() == SMALL.patients
    assert User.objects.filter(practitioner__isnull=False).count() == SMALL.practitioners
    assert seeded["patients.Patient"] == SMALL.patients
    assert seeded["scheduling.Appointment"] == Appointment.objects.count() > 5 * SMALL.patients
    days = Appointment.objects.dates("start_at", "day")
    today = timezone.localdate()
    assert days.first() < today - timedelta(days=365) and days.last() > today
    assert set(Appointment.objects.values_list("status", flat=True)) == {"fulfilled", "booked", "cancelled", "noshow"}
    assert set(VisitNote.objects.values_list("kind", flat=True)) == set(VisitNote.Kind.values)
    assert VisitNote.objects.filter(status=VisitNote.Status.DRAFT).exists()
    assert set(TreatmentPlan.objects.values_list("status", flat=True)) >= {"active", "completed"}
    assert set(Claim.objects.values_list("status", flat=True)) == set(Claim.Status.values)
    assert Patient.objects.get(mrn=f"{SMALL.patients:07d}").organization.mrn_counter == SMALL.patients


def test_every_seeded_row_passes_model_validation(seeded: dict[str, int]) -> None:
    for label in seeded:
        model = apps.get_model(label)
        for record in model.objects.order_by("?")[:60]:
            record.full_clean()


def test_seeded_evaluations_and_notes_pass_the_signing_checks(seeded: dict[str, int]) -> None:
    for evaluation in Evaluation.objects.all():
        assert evaluation.is_signed
        assert evaluation_services.missing_for_signature(evaluation) == []
    notes = VisitNote.objects.filter(status=VisitNote.Status.SIGNED).select_related("appointment", "practitioner")
    for note in notes.order_by("?")[:250]:
        assert visit_services.missing_for_signature(note) == [], note
        visit_services._check_goal_progress(note)
        check_license(note.practitioner, note.visited_on)
        rows = [{f: getattr(t, f) for f in TECHNIQUE_FIELDS} for t in note.techniques.all()]
        # Screened as on the day it was signed (a surgery's recency depends on the day).
        with time_machine.travel(note.appointment.end_at, tick=False):
            screened = visit_services.check_techniques(note, rows)
        stored = note.techniques.all()
        assert [(t.screening_level, t.findings) for t in screened] == [(t.screening_level, t.findings) for t in stored]
        assert note.signed_by_id == note.practitioner.user_id


def test_seeded_plans_keep_the_plan_rules(seeded: dict[str, int]) -> None:
    for plan in TreatmentPlan.objects.prefetch_related("goals", "techniques"):
        plan.full_clean()
        assert plan.goals.all() and plan.techniques.all()
        for goal in plan.goals.all():
            plan_services._check_goal(goal, plan)
            assert goal.baseline == plan_services.baseline_for(
                plan.evaluation, measure=goal.measure, instrument=goal.instrument
            )
        if plan.status == TreatmentPlan.Status.COMPLETED:
            discharge = plan.visit_notes.get(kind=VisitNote.Kind.DISCHARGE, status=VisitNote.Status.SIGNED)
            judged = {p["goal"]: p["status"] for p in discharge.goal_progress}
            assert judged == {g.pk: g.status for g in plan.goals.all()}
    active = TreatmentPlan.objects.filter(status=TreatmentPlan.Status.ACTIVE)
    assert active.values("patient").distinct().count() == active.count()  # one running plan per patient


def test_each_note_is_the_kind_start_note_would_open(seeded: dict[str, int]) -> None:
    plans = TreatmentPlan.objects.order_by("?")[:150]
    signed = visit_queries.signed_visits([plan.patient_id for plan in plans])
    kinds = set()
    for plan in plans:
        for note in plan.visit_notes.order_by("visited_on"):
            before = [(day, kind) for day, kind in signed[plan.patient_id] if day < note.visited_on]
            due = visit_queries.status_from(plan, before, note.visited_on)
            expected = "discharge" if due.discharge_due else "progress" if due.progress_due else "follow-up"
            assert note.kind == expected, (plan.pk, note.visited_on)
            kinds.add(note.kind)
    assert kinds == set(VisitNote.Kind.values)


def test_seeded_signatures_verify(seeded: dict[str, int]) -> None:
    signed = VisitNote.objects.filter(status=VisitNote.Status.SIGNED).count() + Evaluation.objects.count()
    assert Seal.objects.count() == signed
    assert verify(Seal.objects.order_by("organization", "sequence")) == []


def test_the_book_keeps_working_hours_and_never_double_books(seeded: dict[str, int]) -> None:
    holding = Appointment.objects.filter(status__in=Appointment.HOLDING).select_related("practitioner", "location")
    by_practitioner, by_patient = defaultdict(list), defaultdict(list)
    for appointment in holding:
        by_practitioner[appointment.practitioner_id].append((appointment.start_at, appointment.end_at))
        by_patient[appointment.patient_id].append((appointment.start_at, appointment.end_at))
    for times in [*by_practitioner.values(), *by_patient.values()]:
        times.sort()
        assert all(end <= start for (_, end), (start, _) in zip(times, times[1:], strict=False))
    for appointment in holding.order_by("?")[:200]:
        assert (
            warnings_for(appointment.practitioner, appointment.location, appointment.start_at, appointment.end_at) == []
        )
    now = timezone.now()
    assert not Appointment.objects.filter(start_at__gte=now).exclude(status__in=["booked", "cancelled"]).exists()
    assert not VisitNote.objects.filter(appointment__start_at__gte=now).exists()


def test_reminders_and_late_cancellations_follow_the_scheduling_rules(seeded: dict[str, int]) -> None:
    now, lead = timezone.now(), reminder_lead()
    reminded = Appointment.objects.filter(reminder_sent_at__isnull=False)
    assert all(a.reminder_sent_at == a.start_at - lead <= now for a in reminded.order_by("?")[:300])
    assert not Appointment.objects.filter(reminder_sent_at__isnull=True, start_at__lt=now + lead).exists()
    assert Appointment.objects.filter(reminder_sent_at__isnull=True).exists()
    late = Appointment.objects.filter(late_cancellation=True)
    assert late.exists() and not late.exclude(status=Appointment.Status.CANCELLED).exists()


def test_seeded_claims_are_what_billing_would_build(seeded: dict[str, int]) -> None:
    today = timezone.localdate()
    for claim in Claim.objects.filter(status=Claim.Status.READY):
        assert scrub(claim, today=today) == []
    claims = Claim.objects.select_related("payer", "plan").prefetch_related(
        "lines__note__techniques__technique", "events", "plan__evaluation__diagnoses"
    )
    for claim in claims.order_by("?")[:250]:
        note = claim.lines.all()[0].note
        (day,) = days_for([note], claim.payer, fees_for(claim.payer), pairs_for(claim.organization_id))
        expected = day.lines
        assert [(x.cpt_code, x.units, x.modifiers, x.amount) for x in expected] == [
            (line.cpt_code, line.units, line.modifiers, line.amount) for line in claim.lines.all()
        ]
        ranked = [d.code for d in claim.plan.evaluation.diagnoses.all()]
        assert point(expected, ranked, planned_for(claim.plan)) == claim.diagnoses
        assert [x.pointers for x in expected] == [line.diagnosis_pointers for line in claim.lines.all()]
        events = list(claim.events.all())
        assert events[0].from_status == "" and events[-1].to_status == claim.status
        for event in events[1:]:
            assert event.to_status in TRANSITIONS[event.from_status]
        assert (claim.submitted_at is None) == (claim.status in ("draft", "ready"))
        posted = claim.paid + claim.patient_responsibility
        assert claim.paid == sum((line.paid for line in claim.lines.all()), Decimal("0"))
        if claim.status == Claim.Status.PAID:
            contractual = claim.total_charge - posted
            assert 0 < posted < claim.total_charge and contractual == claim.total_charge * Decimal("0.2")
            assert claim.adjusted == contractual and claim.balance == 0
        elif claim.status == Claim.Status.PARTIALLY_PAID:  # posting it left a balance no adjustment explains
            adjusted = sum(a.amount for p in claim.postings.all() for a in p.adjustments.all() if a.group == "CO")
            assert 0 < posted + adjusted < claim.total_charge
    unbilled = VisitNote.objects.filter(status=VisitNote.Status.SIGNED, claim_lines__isnull=True)
    assert set(UnbilledVisit.objects.values_list("note_id", flat=True)) == set(unbilled.values_list("pk", flat=True))
    assert UnbilledVisit.objects.exists()
    assert ClaimEvent.objects.filter(claim__status="paid").count() == 4 * Claim.objects.filter(status="paid").count()
    for posting in Posting.objects.select_related("claim", "remittance").order_by("?")[:100]:
        assert (posting.paid, posting.claim_number) == (posting.claim.paid, posting.claim.number)
        # The status the payment moved the claim to is the one import_835 gives it.
        answered = posting.claim.events.get(from_status=Claim.Status.SUBMITTED)
        assert answered.to_status == posted_status(
            status_code=posting.status_code,
            balance=posting.claim.total_charge - posting.paid - posting.adjusted - posting.patient_responsibility,
        )
        assert posting.adjusted == sum((a.amount for a in posting.adjustments.all() if a.group != "PR"), Decimal("0"))
        assert (posting.adjusted, posting.patient_responsibility) == (
            posting.claim.adjusted,
            posting.claim.patient_responsibility,
        )
        assert answered.note == posting_note(
            posting.remittance.trace_number, posting.paid, posting.patient_responsibility
        )
    for remittance in Posting.objects.values("remittance__total_paid", "remittance").distinct()[:50]:
        total = sum(Posting.objects.filter(remittance=remittance["remittance"]).values_list("paid", flat=True))
        assert total == remittance["remittance__total_paid"]


def test_each_role_works_on_the_seeded_clinic(seeded: dict[str, int]) -> None:
    patient = Patient.objects.order_by("?").first()
    note = VisitNote.objects.filter(status=VisitNote.Status.SIGNED).first()
    claim = Claim.objects.filter(status=Claim.Status.PAID).first()
    pages = {
        "frontdesk": ["/", reverse("patients:list") + "?q=an", patient.get_chart_url(), reverse("scheduling:day")],
        "therapist": [reverse("visits:dashboard"), reverse("visits:detail", args=[note.public_id])],
        "billing": [
            reverse("billing:queue"),
            reverse("billing:claim", args=[claim.public_id]),
            reverse("billing:reports"),
        ],
        "admin": [reverse("practitioners:compliance")],
    }
    for username, urls in pages.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)


def test_patients_sign_in_to_the_portal_and_see_their_history(seeded: dict[str, int]) -> None:
    """What the benchmark's patients do (bench/locustfile.py): sign in with the demo password, and every page
    they use most shows their own visits, scores and balance; booking offers a week of free times."""
    accounts = User.objects.filter(is_patient_account=True).order_by("email")
    assert len(accounts) == PORTAL_ACCOUNTS and all(u.is_demo_account for u in accounts)
    assert accounts[0].email == "portal01@example.com"
    client = Client()
    r = client.post(reverse("portal:login"), {"username": "portal01@example.com", "password": DEMO_PASSWORD})
    assert r.status_code == 302 and r["Location"] == reverse("portal:home")
    patient = accounts[0].patient_account.patient
    assert patient.appointments.filter(start_at__gt=timezone.now(), status=Appointment.Status.BOOKED).exists()
    assert (
        patient.appointments.count()
        >= Patient.objects.annotate(n=Count("appointments")).order_by("-n")[PORTAL_ACCOUNTS * 3].n
    )
    pages = {name: client.get(reverse(f"portal:{name}")) for name in ("home", "book", "progress", "statements")}
    pages["appointments"] = client.get(reverse("portal:appointments"))
    assert {name: r.status_code for name, r in pages.items()} == dict.fromkeys(pages, 200)
    assert pages["book"].content.count(reverse("portal:book_confirm").encode()) >= 5  # free times, each a link
    assert MeasureResult.objects.filter(patient=patient).exists()
    assert Claim.objects.filter(patient=patient).exists()


def test_it_refuses_a_database_that_holds_a_clinic(seeded: dict[str, int]) -> None:
    before = Patient.objects.count()
    with pytest.raises(SeedRefused):
        seed(Size(patients=1, practitioners=1, years=1))
    with pytest.raises(CommandError, match="already holds a clinic"):
        call_command("seed", patients=1, practitioners=1, years=1, verbosity=0)
    assert Patient.objects.count() == before


def test_the_command_checks_its_arguments() -> None:
    with pytest.raises(CommandError, match="patients"):
        call_command("seed", "--patients", "0")
