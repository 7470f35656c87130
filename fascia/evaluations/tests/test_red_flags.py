"""Red flags hold treatment until a practitioner records a referral or a clearance: plan activation and note
signing wait for it, screening reads it, and the page, the API and the printed report say what was done."""

import json
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.evaluations import services
from fascia.evaluations.models import Evaluation, RedFlagClearance
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services as plan_services
from fascia.plans.models import TreatmentPlan
from fascia.techniques.models import Technique
from fascia.visits import services as note_services
from fascia.visits.models import VisitNote

START = date(2026, 11, 3)
REASON = "Gentle work only, checked with the patient."


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def evaluated(actor: User, patient: Patient, *flags: str) -> Evaluation:
    """A signed evaluation that raised `flags`."""
    return services.sign_evaluation(actor=actor, evaluation=complete_draft(actor, patient, red_flags=list(flags)))


def evaluated_on(day: date, actor: User, patient: Patient, *flags: str) -> Evaluation:
    """A signed re-evaluation on `day` that raised `flags`."""
    draft = complete_draft(actor, patient, kind="re-evaluation", evaluated_on=day, red_flags=list(flags))
    return services.sign_evaluation(actor=actor, evaluation=draft)


def clear(actor: User, evaluation: Evaluation, flag: str, kind: str = "cleared") -> RedFlagClearance:
    return services.record_clearance(
        actor=actor, evaluation=evaluation, flag=flag, kind=kind, provider="Dr Ruth Okafor, GP", decided_on=START
    )


def draft_plan(actor: User, evaluation: Evaluation) -> TreatmentPlan:
    """A draft with a goal and swedish on the upper back (its caution, if any, acknowledged)."""
    plan = plan_services.create_plan(
        actor=actor, evaluation=evaluation, start_date=START, visits_per_week=1, duration_weeks=4, planned_visits=4
    )
    plan_services.add_goal(
        diagnoses=["M54.50"],
        actor=actor,
        plan=plan,
        term="long",
        measure="function",
        description="Walks to the shop",
        target=20,
        unit="minutes",
        target_date=START + timedelta(weeks=4),
    )
    plan_services.add_technique(
        diagnoses=["M54.50"],
        actor=actor,
        plan=plan,
        technique=Technique.objects.get(code="swedish"),
        region="upper-back",
        override_reason=REASON,
    )
    return plan


def documented_note(actor: User, patient: Patient) -> VisitNote:
    note = note_services.start_note(actor=actor, patient=patient, visited_on=START)
    rows = [{"technique_id": Technique.objects.get(code="swedish").pk, "region": "upper-back", "minutes": 30}]
    return note_services.save_note(
        actor=actor, note=note, techniques=[{**rows[0], "override_reason": REASON}], nprs_before=4
    )


class TestPlanActivation:
    def test_it_waits_for_a_referral_or_clearance(self, tess: User, patient: Patient) -> None:
        evaluation = evaluated(tess, patient, "weight_loss")
        plan = draft_plan(tess, evaluation)
        with pytest.raises(plan_services.PlanError, match="red flag awaits a referral or clearance: Unexplained"):
            plan_services.activate_plan(actor=tess, plan=plan)
        plan.refresh_from_db()
        assert plan.status == TreatmentPlan.Status.DRAFT
        clear(tess, evaluation, "weight_loss", kind="referred")
        plan_services.activate_plan(actor=tess, plan=plan)
        assert TreatmentPlan.objects.get(pk=plan.pk).status == TreatmentPlan.Status.ACTIVE

    def test_a_flag_not_needing_clearance_does_not_hold_it(self, tess: User, patient: Patient) -> None:
        plan = draft_plan(tess, evaluated(tess, patient, "night_pain"))
        plan_services.activate_plan(actor=tess, plan=plan)
        assert TreatmentPlan.objects.get(pk=plan.pk).status == TreatmentPlan.Status.ACTIVE


class TestNoteSigning:
    def test_it_waits_for_a_referral_or_clearance(self, tess: User, patient: Patient) -> None:
        evaluation = evaluated(tess, patient, "weight_loss", "night_pain")
        note = documented_note(tess, patient)
        with pytest.raises(note_services.NoteError, match="red flag awaits a referral or clearance: Unexplained"):
            note_services.sign_note(actor=tess, note=note)
        assert not VisitNote.objects.get(pk=note.pk).is_signed
        clear(tess, evaluation, "weight_loss")
        note_services.sign_note(actor=tess, note=note)
        assert VisitNote.objects.get(pk=note.pk).is_signed

    def test_save_and_sign_saves_the_draft_but_does_not_sign(self, tess: User, patient: Patient) -> None:
        evaluated(tess, patient, "weight_loss")
        note = note_services.start_note(actor=tess, patient=patient, visited_on=START)
        swedish = Technique.objects.get(code="swedish").pk
        rows = [{"technique_id": swedish, "region": "upper-back", "minutes": 30, "override_reason": REASON}]
        with pytest.raises(note_services.NoteError, match="Unexplained weight loss"):
            note_services.save_and_sign(actor=tess, note=note, techniques=rows, nprs_before=3, subjective="Better.")
        stored = VisitNote.objects.get(pk=note.pk)
        assert (stored.is_signed, stored.subjective) == (False, "Better.")

    def test_a_flag_not_needing_clearance_does_not_hold_it(self, tess: User, patient: Patient) -> None:
        evaluated(tess, patient, "night_pain")
        note_services.sign_note(actor=tess, note=documented_note(tess, patient))

    def test_the_page_says_which_flag_holds_the_signature(self, client: Client, tess: User, patient: Patient) -> None:
        evaluated(tess, patient, "weight_loss")
        note = documented_note(tess, patient)
        login(client, tess)
        r = client.post(reverse("visits:sign", args=[note.public_id]), follow=True)
        assert "awaits a referral or clearance: Unexplained weight loss" in r.content.decode()
        assert not VisitNote.objects.get(pk=note.pk).is_signed


class TestWhichEvaluationsHold:
    """A red flag raised on the plan's evaluation or on any newer signed one holds activation and signing until
    a referral or clearance on that evaluation, or on a newer one that raised it again, covers it."""

    def test_a_newer_evaluation_without_the_flag_does_not_drop_it(self, tess: User, patient: Patient) -> None:
        # The plan's evaluation raised a possible DVT; a re-evaluation a week later did not tick it again.
        first = evaluated(tess, patient, "calf_swelling")
        evaluated_on(first.evaluated_on + timedelta(days=7), tess, patient)
        plan = draft_plan(tess, first)
        with pytest.raises(plan_services.PlanError, match="awaits a referral or clearance: Calf swelling"):
            plan_services.activate_plan(actor=tess, plan=plan)
        note = documented_note(tess, patient)
        VisitNote.objects.filter(pk=note.pk).update(plan=plan)
        with pytest.raises(note_services.NoteError, match="awaits a referral or clearance: Calf swelling"):
            note_services.sign_note(actor=tess, note=VisitNote.objects.get(pk=note.pk))
        clear(tess, first, "calf_swelling")
        plan_services.activate_plan(actor=tess, plan=plan)
        note_services.sign_note(actor=tess, note=VisitNote.objects.get(pk=note.pk))
        assert TreatmentPlan.objects.get(pk=plan.pk).status == TreatmentPlan.Status.ACTIVE

    def test_a_newer_evaluation_raising_a_flag_holds_the_plan(self, tess: User, patient: Patient) -> None:
        first = evaluated(tess, patient)
        plan = draft_plan(tess, first)
        newer = evaluated_on(first.evaluated_on + timedelta(days=3), tess, patient, "fever")
        with pytest.raises(plan_services.PlanError, match="awaits a referral or clearance: Fever"):
            plan_services.activate_plan(actor=tess, plan=plan)
        clear(tess, newer, "fever")
        plan_services.activate_plan(actor=tess, plan=plan)

    def test_a_flag_raised_again_after_its_clearance_holds_again(self, tess: User, patient: Patient) -> None:
        first = evaluated(tess, patient, "weight_loss")
        clear(tess, first, "weight_loss")
        plan = draft_plan(tess, first)
        newer = evaluated_on(first.evaluated_on + timedelta(days=10), tess, patient, "weight_loss")
        with pytest.raises(plan_services.PlanError, match="Unexplained weight loss"):
            plan_services.activate_plan(actor=tess, plan=plan)
        clear(tess, newer, "weight_loss")  # covers the older raising too
        plan_services.activate_plan(actor=tess, plan=plan)

    def test_a_note_on_no_plan_reads_every_signed_evaluation(self, tess: User, patient: Patient) -> None:
        first = evaluated(tess, patient, "weight_loss")
        evaluated_on(first.evaluated_on + timedelta(days=7), tess, patient)
        note = documented_note(tess, patient)
        with pytest.raises(note_services.NoteError, match="Unexplained weight loss"):
            note_services.sign_note(actor=tess, note=note)
        clear(tess, first, "weight_loss", kind="referred")
        note_services.sign_note(actor=tess, note=VisitNote.objects.get(pk=note.pk))

    def test_an_evaluation_older_than_the_plans_does_not_hold_it(self, tess: User, patient: Patient) -> None:
        older = evaluated(tess, patient, "weight_loss")
        current = evaluated_on(older.evaluated_on + timedelta(days=14), tess, patient)
        plan_services.activate_plan(actor=tess, plan=draft_plan(tess, current))

    def test_a_draft_evaluation_does_not_hold_it(self, tess: User, patient: Patient) -> None:
        first = evaluated(tess, patient)
        complete_draft(tess, patient, kind="re-evaluation", red_flags=["fever"])  # not signed
        plan_services.activate_plan(actor=tess, plan=draft_plan(tess, first))


class TestScreening:
    def test_a_cleared_possible_dvt_turns_the_refusal_into_a_caution(self, tess: User, patient: Patient) -> None:
        evaluation = evaluated(tess, patient, "calf_swelling")
        plan = plan_services.create_plan(
            actor=tess, evaluation=evaluation, start_date=START, visits_per_week=1, duration_weeks=4, planned_visits=4
        )
        deep = Technique.objects.get(code="deep-tissue")
        with pytest.raises(plan_services.TechniqueRefused, match="calf swelling"):
            plan_services.add_technique(
                diagnoses=["M54.50"], actor=tess, plan=plan, technique=deep, region="lower-back", override_reason="x"
            )
        clear(tess, evaluation, "calf_swelling")
        planned = plan_services.add_technique(
            diagnoses=["M54.50"],
            actor=tess,
            plan=plan,
            technique=deep,
            region="lower-back",
            override_reason="Cleared by the GP.",
        )
        assert planned.screening_level == "caution"
        assert "referral or clearance is on record" in planned.findings[0]["reason"]


class TestRecording:
    def test_it_is_audited_once(self, tess: User, patient: Patient) -> None:
        evaluation = evaluated(tess, patient, "calf_swelling")
        clearance = clear(tess, evaluation, "calf_swelling", kind="referred")
        assert (clearance.kind, clearance.provider, clearance.decided_on) == ("referred", "Dr Ruth Okafor, GP", START)
        events = AuditEvent.objects.filter(action=AuditAction.RED_FLAG_ACTION_RECORDED)
        assert [e.detail["flag"] for e in events] == ["calf_swelling"]

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"flag": "fever"}, "flag"),  # not raised by this evaluation
            ({"flag": "no_such_flag"}, "flag"),
            ({"kind": "considered"}, "kind"),
            ({"provider": "  "}, "provider"),
            ({"decided_on": date(2999, 1, 1)}, "decided_on"),
        ],
    )
    def test_bad_input_is_a_field_error_and_saves_nothing(
        self, tess: User, patient: Patient, fields: dict, field: str
    ) -> None:
        evaluation = evaluated(tess, patient, "calf_swelling")
        given = {"flag": "calf_swelling", "kind": "cleared", "provider": "Dr Okafor", "decided_on": START, **fields}
        with pytest.raises(ValidationError) as raised:
            services.record_clearance(actor=tess, evaluation=evaluation, **given)
        assert field in raised.value.message_dict
        assert not RedFlagClearance.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.RED_FLAG_ACTION_RECORDED).exists()

    def test_only_a_practitioner_records_one(self, tess: User, ada: User, patient: Patient) -> None:
        evaluation = evaluated(tess, patient, "calf_swelling")
        with pytest.raises(services.EvaluationError, match="Only a practitioner"):
            clear(ada, evaluation, "calf_swelling")

    def test_the_page_records_it_and_shows_field_errors(self, client: Client, tess: User, patient: Patient) -> None:
        evaluation = evaluated(tess, patient, "calf_swelling")
        login(client, tess)
        url = reverse("evaluations:clearance", args=[evaluation.public_id])
        r = client.post(url, {"flag": "calf_swelling", "kind": "referred", "provider": "", "decided_on": "2026-11-03"})
        assert r.status_code == 200
        assert "This field is required" in r.content.decode()
        assert not RedFlagClearance.objects.exists()
        data = {"flag": "calf_swelling", "kind": "referred", "provider": "Vascular clinic", "decided_on": "2026-11-03"}
        r = client.post(url, data, follow=True)
        assert "referred to Vascular clinic on 2026-11-03" in r.content.decode()
        assert RedFlagClearance.objects.get().provider == "Vascular clinic"

    def test_the_api_records_it_and_gives_field_errors(self, client: Client, tess: User, patient: Patient) -> None:
        evaluation = evaluated(tess, patient, "calf_swelling")
        login(client, tess)
        url = f"/api/v1/evaluations/{evaluation.public_id}/clearances"
        body = {"flag": "fever", "kind": "cleared", "provider": "Dr Okafor", "decided_on": "2026-11-03"}
        r = client.post(url, json.dumps(body), content_type="application/json")
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "flag"
        assert not RedFlagClearance.objects.exists()
        r = client.post(url, json.dumps({**body, "flag": "calf_swelling"}), content_type="application/json")
        assert r.status_code == 201
        assert r.json()["kind"] == "cleared" and r.json()["evaluation_id"] == str(evaluation.public_id)


def test_the_api_says_what_was_done(client: Client, tess: User, patient: Patient) -> None:
    evaluation = evaluated(tess, patient, "calf_swelling", "weight_loss", "night_pain")
    clear(tess, evaluation, "calf_swelling", kind="referred")
    services.record_clearance(
        actor=tess, evaluation=evaluation, flag="weight_loss", kind="cleared", provider="Dr Lee", decided_on=START
    )
    login(client, tess)
    r = client.get(f"/api/v1/evaluations/{evaluation.public_id}")
    assert r.status_code == 200
    done = r.json()["clearances"]
    assert [
        {k: c[k] for k in ("flag", "flag_label", "kind", "provider", "decided_on", "recorded_by")} for c in done
    ] == [
        {
            "flag": "calf_swelling",
            "flag_label": "Calf swelling, warmth or redness",
            "kind": "referred",
            "provider": "Dr Ruth Okafor, GP",
            "decided_on": "2026-11-03",
            "recorded_by": tess.display_name,
        },
        {
            "flag": "weight_loss",
            "flag_label": "Unexplained weight loss",
            "kind": "cleared",
            "provider": "Dr Lee",
            "decided_on": "2026-11-03",
            "recorded_by": tess.display_name,
        },
    ]
    stored = RedFlagClearance.objects.get(flag="calf_swelling")
    assert done[0]["id"] == str(stored.public_id) and done[0]["recorded_at"].startswith(f"{stored.created_at:%Y-%m-%d}")
    # The patient's evaluations and the chart give them too; an evaluation without a flag has none.
    other = evaluated_on(evaluation.evaluated_on + timedelta(days=7), tess, patient)
    listed = client.get(f"/api/v1/patients/{patient.public_id}/evaluations").json()
    assert {e["id"]: len(e["clearances"]) for e in listed} == {str(other.public_id): 0, str(evaluation.public_id): 2}
    chart = client.get(f"/api/v1/patients/{patient.public_id}/chart").json()
    assert [[c["flag"] for c in e["clearances"]] for e in chart["evaluations"]] == [
        [],
        ["calf_swelling", "weight_loss"],
    ]


def test_the_report_says_what_was_done(client: Client, tess: User, patient: Patient) -> None:
    evaluation = evaluated(tess, patient, "calf_swelling", "weight_loss", "night_pain")
    clear(tess, evaluation, "calf_swelling", kind="referred")
    services.record_clearance(
        actor=tess, evaluation=evaluation, flag="weight_loss", kind="cleared", provider="Dr Lee", decided_on=START
    )
    login(client, tess)
    r = client.get(reverse("evaluations:pdf", args=[evaluation.public_id]))
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(r.content)).pages)
    assert "Calf swelling, warmth or redness: referred to Dr Ruth Okafor, GP on 2026-11-03" in text
    assert "Unexplained weight loss: cleared for treatment by Dr Lee on 2026-11-03" in text
    assert "Pain at night that rest or position does not ease: no referral or clearance recorded" in text
    assert "considered" not in text
