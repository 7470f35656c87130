"""Signatures on file: the assignment of benefits and the release of information, recorded as consents on the
patient's page (who signed, when, for which payer or all), which claims then say are on file."""

from collections.abc import Iterator
from datetime import date

import pytest
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fascia.billing.models import Payer
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.core.tests.migrations import migrate_to_latest, migrated
from fascia.patients import services
from fascia.patients.models import Consent, Patient
from fascia.patients.queries import signature_on_file
from fascia.patients.tests.factories import PatientFactory

DAY = date(2026, 11, 2)


def form(**fields: object) -> dict:
    values = {"kind": Consent.Kind.ASSIGNMENT, "granted": "on", "date": "2026-11-02", "signed_by": "patient"}
    return {f"consent-{name}": value for name, value in {**values, **fields}.items()}


@pytest.fixture
def acme(organization: Organization) -> Payer:
    return Payer.objects.create(organization=organization, name="Acme Health", kind="commercial", payer_id="ACME1")


class TestRecording:
    def test_the_front_desk_records_a_representatives_assignment_for_one_payer(
        self, client: Client, frank: User, organization: Organization, acme: Payer
    ) -> None:
        patient = PatientFactory(organization=organization)
        login(client, frank)
        chart = client.get(patient.get_chart_url()).content.decode()
        assert "Assignment of benefits (pay the practice)" in chart and "All payers" in chart and "Acme Health" in chart
        r = client.post(
            reverse("patients:consent_add", args=[patient.public_id]),
            form(signed_by="representative", representative_name="Sam Rowe, son", payer=acme.pk),
        )
        assert r.status_code == 302
        consent = patient.consents.get()
        assert (consent.kind, consent.payer, consent.signed_by, consent.representative_name, consent.recorded_by) == (
            Consent.Kind.ASSIGNMENT,
            acme,
            Consent.Signer.REPRESENTATIVE,
            "Sam Rowe, son",
            frank,
        )
        chart = client.get(patient.get_chart_url()).content.decode()
        assert "(Acme Health): given 2026-11-02" in chart and "Signed by Sam Rowe, son (representative)" in chart

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"signed_by": "representative"}, "Name the representative who signed"),
            ({"kind": Consent.Kind.TREATMENT, "payer": "PAYER"}, "Only an assignment of benefits or a release"),
            ({"payer": "ELSEWHERE"}, "Select a valid choice."),
            ({"date": "2099-01-01"}, "This date cannot be in the future."),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_recorded(
        self, client: Client, frank: User, organization: Organization, acme: Payer, fields: dict, message: str
    ) -> None:
        elsewhere = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1134296023")
        theirs = Payer.objects.create(organization=elsewhere, name="Theirs", kind="commercial", payer_id="T1")
        fields = {k: {"PAYER": acme.pk, "ELSEWHERE": theirs.pk}.get(v, v) for k, v in fields.items()}  # type: ignore[call-overload]
        patient = PatientFactory(organization=organization)
        login(client, frank)
        r = client.post(reverse("patients:consent_add", args=[patient.public_id]), form(**fields))
        assert r.status_code == 200 and message in r.content.decode()
        assert not Consent.objects.exists()

    def test_the_patient_signing_keeps_no_representative(
        self, client: Client, frank: User, organization: Organization
    ) -> None:
        patient = PatientFactory(organization=organization)
        login(client, frank)
        client.post(
            reverse("patients:consent_add", args=[patient.public_id]),
            form(kind=Consent.Kind.RELEASE, representative_name="typed by mistake"),
        )
        assert patient.consents.get().representative_name == ""


def test_the_newest_signature_for_the_payer_or_all_payers_applies(tess: User, organization: Organization) -> None:
    acme = Payer.objects.create(organization=organization, name="Acme", kind="commercial", payer_id="A1")
    other = Payer.objects.create(organization=organization, name="Other", kind="commercial", payer_id="O1")
    patient = PatientFactory(organization=organization)

    def record(day: int, payer: Payer | None, granted: bool = True) -> Consent:
        return Consent.objects.create(
            patient=patient, kind=Consent.Kind.ASSIGNMENT, date=date(2026, 11, day), payer=payer, granted=granted,
            recorded_by=tess,
        )  # fmt: skip

    everyone = record(1, None)
    refused_for_acme = record(2, acme, granted=False)
    record(3, other)
    consents = list(patient.consents.all())
    assert signature_on_file(consents, Consent.Kind.ASSIGNMENT, acme.pk) == refused_for_acme
    assert signature_on_file(consents, Consent.Kind.ASSIGNMENT, None) == everyone
    assert signature_on_file(consents, Consent.Kind.RELEASE, acme.pk) is None
    renewed = record(4, None)
    assert signature_on_file(list(patient.consents.all()), Consent.Kind.ASSIGNMENT, acme.pk) == renewed


BEFORE = [("patients", "0003_medication_flags_derived_and_corrected")]
AFTER = [("patients", "0004_billing_signatures")]


@pytest.fixture
def at_0003(transactional_db: None, tess: User) -> Iterator[Apps]:
    try:
        yield migrated(BEFORE)
    finally:
        migrate_to_latest()


def test_the_migration_invents_no_signature_for_existing_patients(at_0003: Apps, tess: User) -> None:
    """Existing patients signed nothing Fascia recorded: after 0004 they have no assignment or release on file
    (their claims are flagged until one is recorded), and their other consents are as they were."""
    OldConsent, OldPatient = at_0003.get_model("patients", "Consent"), at_0003.get_model("patients", "Patient")
    # The patient as 0003 knew them: today's model has columns that table lacks.
    patient = OldPatient.objects.create(
        organization_id=tess.organization_id, mrn="0000001", family_name="Quill", given_name="Nora",
        birth_date=date(1980, 1, 1), sex="female",
    )  # fmt: skip
    OldConsent.objects.create(patient_id=patient.pk, kind="treatment", date=DAY, recorded_by_id=tess.pk)

    NewConsent = migrated(AFTER).get_model("patients", "Consent")
    rows = list(NewConsent.objects.values_list("patient_id", "kind", "signed_by", "representative_name", "payer_id"))
    assert rows == [(patient.pk, "treatment", "patient", "", None)]
    assert Patient.objects.count() == 1


def test_the_service_refuses_another_practices_payer(tess: User, organization: Organization) -> None:
    elsewhere = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1134296023")
    theirs = Payer.objects.create(organization=elsewhere, name="Theirs", kind="commercial", payer_id="T1")
    patient = PatientFactory(organization=organization)
    with pytest.raises(ValidationError, match="Choose one of the practice's payers"):
        services.record_consent(actor=tess, patient=patient, kind=Consent.Kind.ASSIGNMENT, date=DAY, payer=theirs)
    assert not Consent.objects.exists()
