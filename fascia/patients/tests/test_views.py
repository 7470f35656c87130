from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.patients.models import Patient
from fascia.patients.queries import search_patients
from fascia.patients.tests.factories import PatientFactory

FORM = {
    "family_name": "Okafor",
    "given_name": "Amara",
    "birth_date": "1975-03-14",
    "sex": "female",
    "phone": "206 555 0177",
    "postal_code": "98101",
    "is_active": "on",
}


class TestSearch:
    @pytest.fixture
    def patients(self, organization: Organization) -> list[Patient]:
        return [
            PatientFactory(
                organization=organization,
                family_name="Marlowe",
                given_name="Ivy",
                birth_date=date(1980, 5, 2),
                phone="206-555-0142",
            ),
            PatientFactory(
                organization=organization,
                family_name="Castellan",
                given_name="Ivo",
                birth_date=date(1962, 11, 30),
                phone="425-555-0199",
            ),
        ]

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("arlo", ["Marlowe"]),
            ("IV", ["Castellan", "Marlowe"]),
            ("555", ["Castellan", "Marlowe"]),  # long enough for the trigram index: sorted by an expression
            ("1980-05-02", ["Marlowe"]),
            ("05/02/1980", ["Marlowe"]),
            ("555-0199", ["Castellan"]),
            ("(425) 555", ["Castellan"]),
            ("ivy 1980-05-02", ["Marlowe"]),
            ("ivy 1962-11-30", []),
            # As the list shows names ("Last, First"), and as people say them ("First Last").
            ("Marlowe, Ivy", ["Marlowe"]),
            ("marlowe,ivy", ["Marlowe"]),
            ("Ivy Marlowe", ["Marlowe"]),
            ("Marlowe, Ivo", []),
        ],
    )
    def test_it_finds_patients_by_name_birth_date_phone(
        self,
        client,
        frank: User,
        patients: list[Patient],
        query: str,
        expected: list[str],
    ) -> None:
        login(client, frank)
        r = client.get(reverse("patients:list"), {"q": query})
        assert [p.family_name for p in r.context["page"]] == expected

    def test_last_first_is_one_indexed_fragment_per_name(self, frank: User, patients: list[Patient]) -> None:
        # A comma kept in a term ("%marlowe,%") would match nothing; each name is its own LIKE '%…%' on
        # search_text, which PostgreSQL's trigram index answers (bench/explain_search.py shows the plan).
        sql, params = search_patients(frank, "Marlowe, Ivy").query.sql_with_params()
        assert [p for p in params if isinstance(p, str) and p.startswith("%")] == ["%marlowe%", "%ivy%"]

    def test_it_finds_by_mrn(self, client, frank: User, patients: list[Patient]) -> None:
        login(client, frank)
        r = client.get(reverse("patients:list"), {"q": patients[1].mrn})
        assert [p.pk for p in r.context["page"]] == [patients[1].pk]

    def test_it_never_shows_another_clinics_patients(self, client, frank: User, patients: list[Patient]) -> None:
        PatientFactory(family_name="Marlowe")  # another organization
        login(client, frank)
        r = client.get(reverse("patients:list"), {"q": "marlowe"})
        assert r.context["page"].paginator.count == 1

    def test_htmx_gets_only_the_results(self, client, frank: User, patients: list[Patient]) -> None:
        login(client, frank)
        r = client.get(reverse("patients:list"), {"q": "arlo"}, HTTP_HX_REQUEST="true")
        body = r.content.decode()
        assert 'id="patient-results"' in body and "<nav" not in body and "Marlowe" in body

    def test_a_search_is_audited(self, client, frank: User, patients: list[Patient]) -> None:
        login(client, frank)
        client.get(reverse("patients:list"), {"q": "arlo"})
        event = AuditEvent.objects.get(action=AuditAction.PATIENT_SEARCHED)
        assert event.detail == {"query": "arlo", "results": 1}
        assert event.ip_address == "127.0.0.1"

    def test_it_pages_through_results(self, client, frank: User, organization: Organization) -> None:
        PatientFactory.create_batch(30, organization=organization)
        login(client, frank)
        r = client.get(reverse("patients:list"), {"page": 2})
        assert len(r.context["page"]) == 5


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


class TestQueryCounts:
    def test_the_patient_list_costs_the_same_for_3_or_30_patients(
        self,
        client,
        frank: User,
        organization: Organization,
    ) -> None:
        login(client, frank)
        PatientFactory.create_batch(3, organization=organization)
        few = _queries(client, reverse("patients:list"))
        PatientFactory.create_batch(27, organization=organization)
        many = _queries(client, reverse("patients:list"))
        assert few == many

    def test_the_chart_costs_the_same_however_long_the_history(
        self,
        client,
        tess: User,
        organization: Organization,
    ) -> None:
        from fascia.patients import services

        login(client, tess)
        patient = PatientFactory(organization=organization)
        url = patient.get_chart_url()
        services.add_history_entry(actor=tess, patient=patient, kind="condition", description="Neck pain")
        few = _queries(client, url)
        for n in range(10):
            services.add_history_entry(actor=tess, patient=patient, kind="condition", description=f"C{n}")
            services.add_history_entry(actor=tess, patient=patient, kind="medication", name=f"M{n}")
            services.add_history_entry(actor=tess, patient=patient, kind="allergy", substance=f"A{n}", category="other")
        many = _queries(client, url)
        assert few == many


class TestRegisterPage:
    def test_it_registers_and_opens_the_chart(self, client, frank: User) -> None:
        login(client, frank)
        r = client.post(reverse("patients:create"), FORM)
        patient = Patient.objects.get()
        assert r.status_code == 302 and r["Location"] == patient.get_chart_url()
        assert patient.phone == "206-555-0177"
        assert patient.created_by == frank

    def test_a_future_birth_date_is_a_field_error(self, client, frank: User) -> None:
        login(client, frank)
        r = client.post(reverse("patients:create"), {**FORM, "birth_date": "2999-01-01"})
        assert r.status_code == 200
        assert r.context["form"].errors["birth_date"] == ["The date of birth cannot be in the future."]
        body = r.content.decode()
        assert 'aria-invalid="true"' in body and 'id="id_birth_date_error"' in body
        assert not Patient.objects.exists()

    def test_the_same_name_and_birth_date_warns_before_registering(
        self,
        client,
        frank: User,
        organization: Organization,
    ) -> None:
        existing = PatientFactory(
            organization=organization, family_name="Okafor", given_name="Amara", birth_date=date(1975, 3, 14)
        )
        login(client, frank)
        r = client.post(reverse("patients:create"), FORM)
        assert r.status_code == 200 and r.context["duplicates"] == [existing]
        assert Patient.objects.count() == 1
        r = client.post(reverse("patients:create"), {**FORM, "confirm_duplicate": "1"})
        assert r.status_code == 302 and Patient.objects.count() == 2

    def test_edit_saves_changes(self, client, frank: User, organization: Organization) -> None:
        patient = PatientFactory(
            organization=organization, family_name="Okafor", given_name="Amara", birth_date=date(1975, 3, 14)
        )
        login(client, frank)
        assert 'name="preferred_language"' in client.get(reverse("patients:edit", args=[patient.public_id])).text
        r = client.post(
            reverse("patients:edit", args=[patient.public_id]),
            {**FORM, "email": "amara@example.com", "preferred_language": "es"},
        )
        assert r.status_code == 302
        patient.refresh_from_db()
        assert patient.email == "amara@example.com" and patient.preferred_language == "es"


class TestChart:
    def test_viewing_the_chart_is_audited(self, client, tess: User, organization: Organization) -> None:
        patient = PatientFactory(organization=organization)
        login(client, tess)
        client.get(patient.get_chart_url())
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED, patient=patient, actor=tess).exists()

    def test_billing_sees_demographics_but_not_the_history(
        self,
        client,
        bill: User,
        tess: User,
        organization: Organization,
    ) -> None:
        from fascia.patients import services

        patient = PatientFactory(organization=organization)
        services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Warfarin")
        login(client, bill)
        body = client.get(patient.get_chart_url()).content.decode()
        assert patient.mrn in body and "Warfarin" not in body

    def test_another_clinics_patient_is_not_found(self, client, tess: User) -> None:
        other = PatientFactory()
        login(client, tess)
        assert client.get(other.get_chart_url()).status_code == 404

    def test_a_history_entry_added_from_the_chart(self, client, tess: User, organization: Organization) -> None:
        patient = PatientFactory(organization=organization)
        login(client, tess)
        url = reverse("patients:history_add", args=[patient.public_id, "condition"])
        r = client.post(
            url, {"condition-description": "Sciatica", "condition-icd10_code": "M54.31", "condition-status": "active"}
        )
        assert r.status_code == 302
        assert patient.conditions.get().icd10_code == "M54.31"
        r = client.post(
            url, {"condition-description": "Bad", "condition-icd10_code": "ZZZ", "condition-status": "active"}
        )
        assert r.status_code == 200 and "not an ICD-10-CM code" in r.content.decode()
        assert patient.conditions.count() == 1
