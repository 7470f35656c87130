"""An unsigned evaluation draft can be discarded by the practitioner who started it, through a service, audited;
never a signed one, never by anyone else, and nothing changes when refused."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.roles import Role
from fascia.evaluations import services
from fascia.evaluations.models import Evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.practitioners.models import Practitioner


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


@pytest.fixture
def other_practitioner(organization: Organization) -> User:
    user = make_user(organization, "pia", Role.PRACTITIONER)
    Practitioner.objects.create(user=user)
    return user


@pytest.mark.django_db
class TestDiscardEvaluation:
    def test_the_author_discards_a_draft_and_the_audit_keeps_what_it_was(
        self, client: Client, tess: User, patient: Patient
    ) -> None:
        draft = complete_draft(tess, patient)
        services.record_evaluation_measure(actor=tess, evaluation=draft, instrument="ODI", responses=[2] * 10)
        login(client, tess)
        r = client.post(reverse("evaluations:discard", args=[draft.public_id]))
        assert r.status_code == 302 and r.url == patient.get_chart_url()
        assert not Evaluation.objects.filter(pk=draft.pk).exists()
        event = AuditEvent.objects.get(action=AuditAction.EVALUATION_DISCARDED)
        assert (event.actor_id, event.patient_id) == (tess.pk, patient.pk)
        assert event.detail["chief_complaint"] == draft.chief_complaint and event.detail["measures_kept"] == 1
        assert MeasureResult.objects.filter(patient=patient).count() == 1  # the patient's answers stay

    def test_the_form_and_review_offer_it_to_the_author_only(
        self, client: Client, tess: User, other_practitioner: User, patient: Patient
    ) -> None:
        draft = services.start_evaluation(actor=tess, patient=patient)
        login(client, tess)
        assert "Discard draft" in client.get(reverse("evaluations:edit", args=[draft.public_id])).content.decode()
        assert "Discard draft" in client.get(reverse("evaluations:detail", args=[draft.public_id])).content.decode()
        login(client, other_practitioner)
        assert "Discard draft" not in client.get(reverse("evaluations:edit", args=[draft.public_id])).content.decode()

    def test_a_signed_evaluation_is_never_discarded(self, client: Client, tess: User, patient: Patient) -> None:
        signed = services.sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
        login(client, tess)
        assert (
            "Discard draft" not in client.get(reverse("evaluations:detail", args=[signed.public_id])).content.decode()
        )
        r = client.post(reverse("evaluations:discard", args=[signed.public_id]), follow=True)
        assert "signed and locked" in r.content.decode()
        assert Evaluation.objects.filter(pk=signed.pk).exists()
        assert not AuditEvent.objects.filter(action=AuditAction.EVALUATION_DISCARDED).exists()

    def test_another_practitioner_is_refused(
        self, client: Client, tess: User, other_practitioner: User, patient: Patient
    ) -> None:
        draft = services.start_evaluation(actor=tess, patient=patient)
        login(client, other_practitioner)
        r = client.post(reverse("evaluations:discard", args=[draft.public_id]), follow=True)
        assert "Only the practitioner who started this draft" in r.content.decode()
        assert Evaluation.objects.filter(pk=draft.pk).exists()

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.BILLING, Role.ADMIN])
    def test_other_roles_are_refused(self, client: Client, personas, tess: User, patient: Patient, role) -> None:
        draft = services.start_evaluation(actor=tess, patient=patient)
        login(client, personas[role])
        assert client.post(reverse("evaluations:discard", args=[draft.public_id])).status_code == 403
        assert Evaluation.objects.filter(pk=draft.pk).exists()

    def test_a_draft_with_a_clearance_recorded_is_kept(self, tess: User, patient: Patient) -> None:
        draft = complete_draft(tess, patient, red_flags=["weight_loss"])
        services.record_clearance(
            actor=tess,
            evaluation=draft,
            flag="weight_loss",
            kind="cleared",
            provider="Dr Ruth",
            decided_on=date.today(),
        )
        with pytest.raises(services.EvaluationError, match="clearance is recorded"):
            services.discard_evaluation(actor=tess, evaluation=draft)
        assert Evaluation.objects.filter(pk=draft.pk).exists()

    def test_another_clinics_draft_is_not_found(self, client: Client, tess: User) -> None:
        elsewhere = Organization.objects.create(legal_name="Elsewhere Massage, LLC")
        other = make_user(elsewhere, "otto", Role.PRACTITIONER)
        Practitioner.objects.create(user=other)
        draft = services.start_evaluation(actor=other, patient=PatientFactory(organization=elsewhere))
        login(client, tess)
        assert client.post(reverse("evaluations:discard", args=[draft.public_id])).status_code == 404
        assert Evaluation.objects.filter(pk=draft.pk).exists()
