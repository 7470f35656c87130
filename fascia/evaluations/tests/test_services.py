from datetime import date

import pytest
from django.core.exceptions import ValidationError

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import make_user
from fascia.core.models import Organization, User
from fascia.core.roles import Role
from fascia.evaluations import services
from fascia.evaluations.models import Evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


class TestDrafts:
    def test_only_practitioners_start_evaluations(self, frank: User, patient: Patient) -> None:
        with pytest.raises(services.EvaluationError, match="Only a practitioner"):
            services.start_evaluation(actor=frank, patient=patient)

    def test_structured_sections_are_saved_clean(self, tess: User, patient: Patient) -> None:
        evaluation = services.start_evaluation(actor=tess, patient=patient)
        services.save_evaluation(
            actor=tess,
            evaluation=evaluation,
            red_flags=["night_pain"],
            body_marks=[{"region": "back-lower-back", "kind": "pain", "intensity": "7"}],
            palpation=[
                {
                    "region": "back-lower-back",
                    "tone": "hypertonic",
                    "tenderness": 3,
                    "trigger_points": "active",
                    "edema": "",
                }
            ],
            rom=[{"motion": "thoracolumbar-flexion", "side": "left", "degrees": 50}],
            special_tests=[{"test": "straight-leg-raise", "side": "right", "result": "positive"}],
        )
        evaluation.refresh_from_db()
        assert evaluation.body_marks == [{"region": "back-lower-back", "kind": "pain", "intensity": 7}]
        assert evaluation.palpation[0]["edema"] is False and evaluation.palpation[0]["notes"] == ""
        assert evaluation.rom == [{"motion": "thoracolumbar-flexion", "side": "", "degrees": 50}]
        assert evaluation.positive_red_flags == ["Pain at night that rest or position does not ease"]

    @pytest.mark.parametrize(
        "fields, field, message",
        [
            ({"rom": [{"motion": "knee-flexion", "side": "left", "degrees": 250}]}, "rom", "250 is outside 0-200"),
            ({"rom": [{"motion": "knee-flexion", "degrees": 90}]}, "rom", "say which side"),
            ({"rom": [{"motion": "knee-wiggle", "side": "left", "degrees": 9}]}, "rom", "unknown motion"),
            (
                {
                    "palpation": [
                        {"region": "back-lower-back", "tone": "normal", "tenderness": 5, "trigger_points": "none"}
                    ]
                },
                "palpation",
                "tenderness 5 is outside 0-4",
            ),
            ({"body_marks": [{"region": "nowhere", "kind": "pain", "intensity": 3}]}, "body_marks", "unknown region"),
            ({"nprs_now": 11}, "nprs_now", "less than or equal to 10"),
            ({"nprs_best": 8, "nprs_worst": 3}, "nprs_best", "cannot be higher"),
            ({"red_flags": ["aliens"]}, "red_flags", "Unknown red flag"),
        ],
    )
    def test_bad_input_is_a_field_error_and_saves_nothing(
        self, tess: User, patient: Patient, fields: dict, field: str, message: str
    ) -> None:
        evaluation = services.start_evaluation(actor=tess, patient=patient)
        with pytest.raises(ValidationError) as caught:
            services.save_evaluation(actor=tess, evaluation=evaluation, chief_complaint="Changed", **fields)
        assert message in " ".join(caught.value.message_dict[field])
        evaluation.refresh_from_db()
        assert evaluation.chief_complaint == ""

    @pytest.mark.parametrize(
        "codes, message",
        [
            (["M54.5"], "M54.5 is a category, not a billable code; use a more specific one such as M54.50"),
            (["Q99.999"], "not an ICD-10-CM code"),
            (["M54.50", "m5450"], "listed twice"),
        ],
    )
    def test_diagnoses_must_be_billable(self, tess: User, patient: Patient, codes: list, message: str) -> None:
        evaluation = complete_draft(tess, patient)
        with pytest.raises(ValidationError, match=message):
            services.save_evaluation(actor=tess, evaluation=evaluation, diagnoses=codes)
        assert list(evaluation.diagnoses.values_list("code", flat=True)) == ["M54.50"]

    def test_diagnoses_keep_their_order(self, tess: User, patient: Patient) -> None:
        evaluation = complete_draft(tess, patient)
        services.save_evaluation(actor=tess, evaluation=evaluation, diagnoses=["m62830", "M54.50", ""])
        assert [(d.rank, d.code) for d in evaluation.diagnoses.all()] == [(1, "M62.830"), (2, "M54.50")]
        assert evaluation.diagnoses.first().description == "Muscle spasm of back"

    def test_the_same_diagnoses_stay_in_place_and_changed_ones_replace_them(self, tess: User, patient: Patient) -> None:
        evaluation = complete_draft(tess, patient)
        services.save_evaluation(actor=tess, evaluation=evaluation, diagnoses=["M54.50", "M62.830"])
        stored = list(evaluation.diagnoses.values_list("pk", "rank", "code"))
        services.save_evaluation(actor=tess, evaluation=evaluation, diagnoses=["m5450", "M62.830"], history="Lifting.")
        assert list(evaluation.diagnoses.values_list("pk", "rank", "code")) == stored
        services.save_evaluation(actor=tess, evaluation=evaluation, diagnoses=["M62.830", "M54.50"])
        assert [(d.rank, d.code) for d in evaluation.diagnoses.all()] == [(1, "M62.830"), (2, "M54.50")]
        services.save_evaluation(actor=tess, evaluation=evaluation, diagnoses=[])
        assert not evaluation.diagnoses.exists()


class TestSigning:
    def test_it_lists_what_is_missing(self, tess: User, patient: Patient) -> None:
        evaluation = services.start_evaluation(actor=tess, patient=patient)
        with pytest.raises(services.EvaluationIncomplete) as caught:
            services.sign_evaluation(actor=tess, evaluation=evaluation)
        assert str(caught.value) == (
            "Cannot sign yet. Missing: a chief complaint; a diagnosis; a pain rating (pain now)."
        )
        evaluation.refresh_from_db()
        assert evaluation.status == Evaluation.Status.DRAFT

    def test_signing_locks_the_evaluation(self, tess: User, patient: Patient) -> None:
        evaluation = services.sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
        assert evaluation.is_signed and evaluation.signed_by == tess and evaluation.signed_at
        with pytest.raises(services.EvaluationLocked):
            services.save_evaluation(actor=tess, evaluation=evaluation, chief_complaint="Rewritten")
        with pytest.raises(services.EvaluationLocked):
            services.record_evaluation_measure(actor=tess, evaluation=evaluation, instrument="NPRS", responses=[3])
        evaluation.refresh_from_db()
        assert evaluation.chief_complaint == "Low back pain after lifting"
        assert AuditEvent.objects.filter(action=AuditAction.EVALUATION_SIGNED).count() == 1

    def test_only_the_evaluating_practitioner_signs(
        self, tess: User, patient: Patient, organization: Organization
    ) -> None:
        other = make_user(organization, "pat", Role.PRACTITIONER)
        with pytest.raises(services.EvaluationError, match="Only the practitioner who evaluated"):
            services.sign_evaluation(actor=other, evaluation=complete_draft(tess, patient))


class TestAddenda:
    def test_the_signer_and_admins_add_addenda(
        self, tess: User, ada: User, patient: Patient, organization: Organization
    ) -> None:
        evaluation = services.sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
        services.add_addendum(actor=tess, evaluation=evaluation, text="Patient also reports headaches.")
        services.add_addendum(actor=ada, evaluation=evaluation, text="Referral letter received.")
        other = make_user(organization, "pat", Role.PRACTITIONER)
        with pytest.raises(services.EvaluationError, match="signer or an admin"):
            services.add_addendum(actor=other, evaluation=evaluation, text="Not mine.")
        assert [a.author for a in evaluation.addenda.all()] == [tess, ada]

    def test_drafts_take_no_addenda(self, tess: User, patient: Patient) -> None:
        with pytest.raises(services.EvaluationError, match="addenda are for signed"):
            services.add_addendum(actor=tess, evaluation=complete_draft(tess, patient), text="x")


def test_measures_are_recorded_at_the_evaluation(tess: User, patient: Patient) -> None:
    evaluation = complete_draft(tess, patient)
    result = services.record_evaluation_measure(actor=tess, evaluation=evaluation, instrument="NPRS", responses=[6])
    assert result.evaluation_link.evaluation == evaluation and result.administered_on == date(2026, 11, 2)
