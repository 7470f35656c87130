from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fascia.core.models import Location, Organization, User
from fascia.patients import services as patient_services
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import Goal, TreatmentPlan
from fascia.techniques.models import Technique
from fascia.visits import services
from fascia.visits.models import VisitNote
from fascia.visits.queries import plan_status
from fascia.visits.tests.factories import active_plan, appointment, signed_note

START = date(2026, 11, 2)


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def row(code: str = "deep-tissue", region: str = "lower-back", minutes: int | None = 25, **extra: object) -> dict:
    return {"technique_id": Technique.objects.get(code=code).pk, "region": region, "minutes": minutes, **extra}


class TestCopyForward:
    def test_the_first_note_of_a_plan_starts_from_the_plan(self, tess: User, patient: Patient) -> None:
        plan = active_plan(tess, patient, start=START)
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        assert note.plan == plan
        assert [(t.technique.code, t.region, t.minutes) for t in note.techniques.all()] == [
            ("deep-tissue", "lower-back", None)
        ]
        assert note.home_care == plan.home_care
        assert note.copied_from is None
        assert note.copied_fields == ["home_care", "techniques"]

    def test_later_notes_copy_the_last_signed_note(self, tess: User, patient: Patient) -> None:
        active_plan(tess, patient, start=START)
        first = signed_note(
            tess,
            patient,
            START,
            findings=[{"region": "back-lower-back", "tone": "hypertonic", "tenderness": 2}],
            subjective="Sore.",
        )
        note = services.start_note(actor=tess, patient=patient, visited_on=START + timedelta(days=3))
        assert note.copied_from == first
        assert note.findings[0]["tone"] == "hypertonic"
        assert note.subjective == ""  # what the patient reports is new every visit
        assert [(t.technique.code, t.minutes) for t in note.techniques.all()] == [("deep-tissue", 25)]
        assert "findings" in note.copied_fields and "techniques" in note.copied_fields

    def test_editing_a_copied_part_unmarks_it(self, tess: User, patient: Patient) -> None:
        active_plan(tess, patient, start=START)
        signed_note(tess, patient, START, home_care="Stretch.")
        note = services.start_note(actor=tess, patient=patient, visited_on=START + timedelta(days=3))
        services.save_note(actor=tess, note=note, home_care="Stretch and ice.", next_visit=note.next_visit)
        note.refresh_from_db()
        assert "home_care" not in note.copied_fields
        assert "techniques" in note.copied_fields


class TestSaving:
    def test_minutes_beyond_the_visit_are_refused_and_nothing_is_saved(
        self, tess: User, patient: Patient, location: Location
    ) -> None:
        visit = appointment(tess, patient, location, START)
        note = services.start_note(actor=tess, patient=patient, appointment=visit)
        with pytest.raises(ValidationError, match="35 minutes, more than the 30-minute visit"):
            services.save_note(
                actor=tess, note=note, techniques=[row(minutes=20), row("trigger-point", minutes=15)], subjective="x"
            )
        note.refresh_from_db()
        assert note.subjective == "" and note.techniques.count() == 0

    @pytest.mark.parametrize("minutes", [0, -5, 500])
    def test_minutes_must_be_sensible(self, tess: User, patient: Patient, minutes: int) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        with pytest.raises(ValidationError, match="minutes must be between 1 and 240"):
            services.save_note(actor=tess, note=note, techniques=[row(minutes=minutes)])

    def test_todays_fever_refuses_every_technique(self, tess: User, patient: Patient) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        with pytest.raises(ValidationError, match="contraindicated today .absolute.: Fever"):
            services.save_note(actor=tess, note=note, symptoms=["fever"], techniques=[row("swedish", "upper-back")])

    def test_a_new_anticoagulant_needs_a_reason_for_deep_tissue(self, tess: User, patient: Patient) -> None:
        patient_services.add_history_entry(
            actor=tess, patient=patient, kind="medication", name="Apixaban", is_anticoagulant=True
        )
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        with pytest.raises(ValidationError, match="needs a written reason"):
            services.save_note(actor=tess, note=note, techniques=[row()])
        services.save_note(actor=tess, note=note, techniques=[row(override_reason="Light pressure only, checked.")])
        saved = note.techniques.get()
        assert saved.screening_level == "caution"
        assert saved.override_reason == "Light pressure only, checked."

    def test_deep_pressure_makes_swedish_deep_work_on_an_anticoagulated_patient(
        self, tess: User, patient: Patient
    ) -> None:
        patient_services.add_history_entry(
            actor=tess, patient=patient, kind="medication", name="Apixaban", is_anticoagulant=True
        )
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        services.save_note(actor=tess, note=note, techniques=[row("swedish", pressure="moderate")])
        assert note.techniques.get().screening_level == ""
        for pressure in ("firm", "deep"):
            with pytest.raises(ValidationError, match="needs a written reason"):
                services.save_note(actor=tess, note=note, techniques=[row("swedish", pressure=pressure)])
        services.save_note(
            actor=tess, note=note, techniques=[row("swedish", pressure="deep", override_reason="Checked INR.")]
        )
        saved = note.techniques.get()
        assert (saved.pressure, saved.screening_level) == ("deep", "caution")

    def test_an_unknown_pressure_is_refused(self, tess: User, patient: Patient) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        with pytest.raises(ValidationError, match="choose light, moderate, firm or deep pressure"):
            services.save_note(actor=tess, note=note, techniques=[row("swedish", pressure="crushing")])
        assert note.techniques.count() == 0

    def test_goal_progress_is_only_for_the_plans_goals(self, tess: User, patient: Patient) -> None:
        active_plan(tess, patient, start=START)
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        with pytest.raises(ValidationError, match="goals of this note's plan"):
            services.save_note(actor=tess, note=note, goal_progress=[{"goal": 999999, "status": "met"}])

    def test_templates_fill_the_treatment(self, tess: User, patient: Patient) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        services.apply_template(actor=tess, note=note, code="neck-pain")
        assert [t.region for t in note.techniques.all()] == ["neck", "upper-back", "upper-back"]
        assert "Chin tucks" in note.home_care


class TestSigning:
    def test_what_is_missing_is_listed(self, tess: User, patient: Patient) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        with pytest.raises(services.NoteIncomplete, match="a technique performed; pain before treatment"):
            services.sign_note(actor=tess, note=note)
        services.save_note(actor=tess, note=note, techniques=[row(minutes=None)], nprs_before=4)
        with pytest.raises(services.NoteIncomplete, match="the minutes of every technique"):
            services.sign_note(actor=tess, note=note)

    def test_only_the_treating_practitioner_signs(self, tess: User, ada: User, patient: Patient) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        services.save_note(actor=tess, note=note, techniques=[row()], nprs_before=4)
        with pytest.raises(services.NoteError, match="Only the practitioner who treated"):
            services.sign_note(actor=ada, note=note)

    def test_a_signed_note_is_locked_and_takes_addenda(self, tess: User, ada: User, frank: User, patient) -> None:
        note = signed_note(tess, patient, START)
        with pytest.raises(services.NoteLocked):
            services.save_note(actor=tess, note=note, subjective="changed")
        note.refresh_from_db()
        assert note.subjective == ""
        services.add_addendum(actor=tess, note=note, text="Patient called: soreness settled.")
        services.add_addendum(actor=ada, note=note, text="Corrected date of injury in the evaluation.")
        with pytest.raises(services.NoteError, match="signer or an admin"):
            services.add_addendum(actor=frank, note=note, text="x")
        assert note.addenda.count() == 2

    def test_the_screen_runs_again_at_signing(self, tess: User, patient: Patient) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=START)
        services.save_note(actor=tess, note=note, techniques=[row()], nprs_before=4)
        patient_services.add_history_entry(
            actor=tess, patient=patient, kind="condition", description="Deep vein thrombosis", icd10_code="I82.401"
        )
        with pytest.raises(services.NoteError, match="contraindicated"):
            services.sign_note(actor=tess, note=note)
        assert not VisitNote.objects.get(pk=note.pk).is_signed


class TestProgress:
    def test_every_tenth_visit_is_a_progress_note(self, tess: User, patient: Patient) -> None:
        plan = active_plan(tess, patient, start=START, planned_visits=30)
        for n in range(9):
            signed_note(tess, patient, START + timedelta(days=n))
        status = plan_status(plan, START + timedelta(days=9))
        assert status.visits_used == 9
        assert "visit 10" in status.progress_due.reason
        note = services.start_note(actor=tess, patient=patient, visited_on=START + timedelta(days=9))
        assert note.kind == VisitNote.Kind.PROGRESS

    def test_thirty_days_without_a_report_is_due(self, tess: User, patient: Patient) -> None:
        plan = active_plan(tess, patient, start=START)
        assert plan_status(plan, START + timedelta(days=29)).progress_due is None
        assert "30 days" in plan_status(plan, START + timedelta(days=30)).progress_due.reason

    def test_a_progress_note_resets_the_count_and_updates_goals(self, tess: User, patient: Patient) -> None:
        plan = active_plan(tess, patient, start=START, planned_visits=30)
        goal = plan.goals.get()
        note = services.start_note(actor=tess, patient=patient, visited_on=START + timedelta(days=12))
        services.save_note(
            actor=tess,
            note=note,
            kind=VisitNote.Kind.PROGRESS,
            techniques=[row()],
            nprs_before=3,
            goal_progress=[{"goal": goal.pk, "status": "met", "note": "ODI 18"}],
        )
        with pytest.raises(services.NoteIncomplete, match="an outcome measure re-taken"):
            services.sign_note(actor=tess, note=note)
        services.record_note_measure(actor=tess, note=note, instrument="ODI", responses=[1] * 10)
        services.sign_note(actor=tess, note=note)
        assert Goal.objects.get(pk=goal.pk).status == Goal.Status.MET
        status = plan_status(plan, START + timedelta(days=20))
        assert status.progress_due is None and status.visits_used == 1

    def test_the_last_planned_visit_is_a_discharge_that_completes_the_plan(self, tess: User, patient) -> None:
        plan = active_plan(tess, patient, start=START, planned_visits=2)
        signed_note(tess, patient, START)
        note = services.start_note(actor=tess, patient=patient, visited_on=START + timedelta(days=3))
        assert note.kind == VisitNote.Kind.DISCHARGE
        services.save_note(
            actor=tess,
            note=note,
            techniques=[row()],
            nprs_before=2,
            goal_progress=[{"goal": plan.goals.get().pk, "status": "met"}],
            recommendations="Continue the home program.",
        )
        services.record_note_measure(actor=tess, note=note, instrument="ODI", responses=[1] * 10)
        services.sign_note(actor=tess, note=note)
        assert TreatmentPlan.objects.get(pk=plan.pk).status == TreatmentPlan.Status.COMPLETED


class TestFromAppointment:
    def test_a_note_belongs_to_one_appointment(self, tess: User, patient: Patient, location: Location) -> None:
        visit = appointment(tess, patient, location, START)
        note = services.start_note(actor=tess, patient=patient, appointment=visit)
        assert note.visited_on == START
        with pytest.raises(services.NoteError, match="already has a note"):
            services.start_note(actor=tess, patient=patient, appointment=visit)

    def test_the_plan_is_read_when_the_patient_has_one(self, tess: User, patient: Patient, location: Location) -> None:
        """The appointment's lock asks whether the patient has an active plan: on none, no plan is read; on one,
        the note is written under it, started from it."""
        with CaptureQueriesContext(connection) as queries:
            first = services.start_note(
                actor=tess, patient=patient, appointment=appointment(tess, patient, location, START)
            )
        assert first.plan is None
        assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "plans_treatmentplan"')]
        plan = active_plan(tess, patient, start=START)
        second = services.start_note(
            actor=tess, patient=patient, appointment=appointment(tess, patient, location, START + timedelta(days=2))
        )
        assert second.plan == plan and second.copied_fields == ["home_care", "techniques"]

    def test_no_note_for_another_patients_appointment(self, tess: User, patient, location, organization) -> None:
        visit = appointment(tess, PatientFactory(organization=organization), location, START)
        with pytest.raises(services.NoteError, match="another patient's"):
            services.start_note(actor=tess, patient=patient, appointment=visit)


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_front_desk_cannot_write_notes(frank: User, patient: Patient) -> None:
    with pytest.raises(services.NoteError, match="Only a practitioner"):
        services.start_note(actor=frank, patient=patient)


def test_letters_and_referral_warnings_count_the_visits(tess: User, frank: User, patient: Patient, location) -> None:
    from fascia.plans.pdf import letter_context
    from fascia.referrals.models import Referral, ReferringProvider
    from fascia.referrals.services import record_referral, referral_warnings, with_visits_used
    from fascia.scheduling import services as scheduling_services

    plan = active_plan(tess, patient, start=START)
    provider = ReferringProvider.objects.create(organization=patient.organization, kind="physician", name="Dr. Rowe")
    plan.referral = record_referral(
        actor=tess,
        patient=patient,
        provider=provider,
        referral_date=START,
        order="Massage 2x/week",
        visits_authorized=2,
        expires_on=START + timedelta(days=90),
    )
    plan.save(update_fields=["referral"])
    signed_note(tess, patient, START)
    signed_note(tess, patient, START + timedelta(days=2))
    missed = appointment(tess, patient, location, START + timedelta(days=4))
    scheduling_services.move_appointment(actor=frank, appointment=missed, move="no_show")
    attendance = letter_context(plan, kind="progress-report")["attendance"]
    assert attendance == {"attended": 2, "no_shows": 1, "cancelled": 0}
    referral = with_visits_used(Referral.objects.filter(pk=plan.referral_id)).get()
    assert referral_warnings(referral, on=START, visits_used=referral.visits_used) == [
        "All 2 referred visits are used."
    ]
