from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.models import Organization, User
from fascia.patients import services
from fascia.patients.models import Condition, Consent, HistoryStatus, Patient

VALID = {"family_name": "Marlowe", "given_name": "Ivy", "birth_date": date(1980, 5, 2), "sex": Patient.Sex.FEMALE}


def register(actor: User, organization: Organization, **overrides: object) -> Patient:
    return services.create_patient(actor=actor, organization=organization, **{**VALID, **overrides})


TOMORROW = object()


class TestCreatePatient:
    def test_it_hands_out_increasing_mrns(self, frank: User, organization: Organization) -> None:
        first = register(frank, organization)
        second = register(frank, organization, given_name="Owen")
        assert (first.mrn, second.mrn) == ("0000001", "0000002")

    def test_it_normalizes_phone_and_fills_the_search_text(self, frank: User, organization: Organization) -> None:
        patient = register(frank, organization, phone="(206) 555 0142", preferred_name="Ives")
        assert patient.phone == "206-555-0142"
        assert patient.search_text == "marlowe ivy ives 0000001 2065550142"

    def test_it_audits_the_registration(self, frank: User, organization: Organization) -> None:
        patient = register(frank, organization)
        event = AuditEvent.objects.get(action=AuditAction.PATIENT_CREATED)
        assert (event.actor, event.patient, event.target_id) == (frank, patient, str(patient.public_id))

    @pytest.mark.parametrize(
        "field, value, message",
        [
            ("birth_date", TOMORROW, "cannot be in the future"),
            ("birth_date", date(1850, 1, 1), "1900 or later"),
            ("phone", "555-0123", "10 digits"),
            ("email", "ivy@", "valid email"),
            ("postal_code", "9810", "ZIP"),
            ("family_name", "", "cannot be blank"),
            ("sex", "robot", "not a valid choice"),
        ],
    )
    def test_bad_input_is_a_field_error_and_saves_nothing(
        self, frank: User, organization: Organization, field: str, value: object, message: str
    ) -> None:
        if value is TOMORROW:  # reckoned when the test runs: a run may cross midnight after collection
            value = timezone.localdate() + timedelta(days=1)
        with pytest.raises(ValidationError) as caught:
            register(frank, organization, **{field: value})
        assert message in " ".join(caught.value.message_dict[field])
        assert not Patient.objects.exists()
        assert not AuditEvent.objects.exists()
        organization.refresh_from_db()
        assert organization.mrn_counter == 0


class TestUpdatePatient:
    def test_it_records_which_fields_changed(self, frank: User, organization: Organization) -> None:
        patient = register(frank, organization)
        services.update_patient(actor=frank, patient=patient, phone="206-555-0199", given_name="Ivy")
        event = AuditEvent.objects.get(action=AuditAction.PATIENT_UPDATED)
        assert event.detail == {"fields": ["phone"]}
        patient.refresh_from_db()
        assert patient.phone == "206-555-0199"
        assert "2065550199" in patient.search_text

    def test_bad_input_changes_nothing(self, frank: User, organization: Organization) -> None:
        patient = register(frank, organization, phone="206-555-0100")
        with pytest.raises(ValidationError):
            services.update_patient(actor=frank, patient=patient, phone="12", family_name="Changed")
        patient.refresh_from_db()
        assert (patient.phone, patient.family_name) == ("206-555-0100", "Marlowe")


class TestMedicalHistory:
    def test_it_validates_icd10_codes(self, tess: User, organization: Organization) -> None:
        patient = register(tess, organization)
        with pytest.raises(ValidationError) as caught:
            services.add_history_entry(
                actor=tess, patient=patient, kind="condition", description="Back pain", icd10_code="M99.999"
            )
        assert "not an ICD-10-CM code" in caught.value.message_dict["icd10_code"][0]
        assert not Condition.objects.exists()

    def test_it_normalizes_a_code_typed_without_the_dot(self, tess: User, organization: Organization) -> None:
        patient = register(tess, organization)
        entry = services.add_history_entry(
            actor=tess, patient=patient, kind="condition", description="Low back pain", icd10_code="m5450"
        )
        assert entry.icd10_code == "M54.50"

    def test_an_entry_in_error_stays_in_error(self, tess: User, organization: Organization) -> None:
        patient = register(tess, organization)
        entry = services.add_history_entry(
            actor=tess, patient=patient, kind="medication", name="Warfarin", is_anticoagulant=True
        )
        services.change_history_status(actor=tess, entry=entry, status=HistoryStatus.ENTERED_IN_ERROR)
        with pytest.raises(services.PatientError):
            services.change_history_status(actor=tess, entry=entry, status=HistoryStatus.ACTIVE)
        entry.refresh_from_db()
        assert entry.status == HistoryStatus.ENTERED_IN_ERROR
        assert AuditEvent.objects.filter(action=AuditAction.HISTORY_STATUS_CHANGED, patient=patient).count() == 1


class TestConsents:
    def test_contact_channels_apply_only_to_contact_preferences(self, frank: User, organization: Organization) -> None:
        patient = register(frank, organization)
        consent = services.record_consent(
            actor=frank, patient=patient, kind=Consent.Kind.TREATMENT, date=timezone.localdate(), allow_email=True
        )
        assert consent.allow_email is False
        assert consent.recorded_by == frank
