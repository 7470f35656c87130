import pytest
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.patients import services
from fascia.patients.tests.factories import PatientFactory


@pytest.fixture
def trail(tess: User, frank: User, organization: Organization) -> dict:
    ivy = PatientFactory(organization=organization, family_name="Marlowe")
    owen = PatientFactory(organization=organization, family_name="Okafor")
    client_tess = Client()
    login(client_tess, tess)
    client_tess.get(ivy.get_chart_url())
    client_frank = Client()
    login(client_frank, frank)
    client_frank.get(owen.get_chart_url())
    services.update_patient(actor=frank, patient=owen, phone="206-555-0111")
    return {"ivy": ivy, "owen": owen}


def test_reads_and_writes_record_user_action_record_time_and_address(trail: dict, tess: User) -> None:
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_VIEWED, patient=trail["ivy"])
    assert event.actor == tess
    assert event.target_id == str(trail["ivy"].public_id)
    assert event.ip_address == "127.0.0.1"
    assert event.at is not None


def test_admins_search_by_patient(client: Client, ada: User, trail: dict) -> None:
    login(client, ada)
    r = client.get(reverse("core:audit_search"), {"patient": trail["owen"].mrn})
    actions = {(e.actor.username, e.action) for e in r.context["page"]}
    assert actions == {("frank", AuditAction.PATIENT_VIEWED), ("frank", AuditAction.PATIENT_UPDATED)}


@pytest.mark.parametrize("typed", ["okaf", "Okafor, ", "OKAFOR"])
def test_admins_search_by_a_part_of_the_patients_name(client: Client, ada: User, trail: dict, typed: str) -> None:
    login(client, ada)
    r = client.get(reverse("core:audit_search"), {"patient": typed})
    assert {e.patient for e in r.context["page"]} == {trail["owen"]}


def test_admins_search_by_last_first_and_by_a_part_of_the_mrn(client: Client, ada: User, trail: dict) -> None:
    owen = trail["owen"]
    login(client, ada)
    r = client.get(reverse("core:audit_search"), {"patient": f"{owen.family_name}, {owen.given_name}"})
    assert {e.patient for e in r.context["page"]} == {owen}
    r = client.get(reverse("core:audit_search"), {"patient": owen.mrn[-4:]})
    assert {e.patient for e in r.context["page"]} == {owen}  # the two MRNs differ in their last digits


def test_a_name_search_never_shows_another_clinics_patient(client: Client, ada: User, trail: dict) -> None:
    other = PatientFactory(family_name="Okafor")  # another organization, with its own trail
    AuditEvent.objects.create(action=AuditAction.PATIENT_VIEWED, target_type="patients.patient", patient=other)
    login(client, ada)
    r = client.get(reverse("core:audit_search"), {"patient": "okafor"})
    assert {e.patient for e in r.context["page"]} == {trail["owen"]}


def test_the_chart_links_to_its_patients_trail_for_those_who_may_read_it(
    client: Client, ada: User, tess: User, trail: dict
) -> None:
    owen = trail["owen"]
    login(client, ada)
    link = f"{reverse('core:audit_search')}?patient_id={owen.public_id}"
    assert f'href="{link}"' in client.get(owen.get_chart_url()).content.decode()
    r = client.get(link)
    assert {e.patient for e in r.context["page"]} == {owen}
    assert owen.display_name in r.content.decode()
    login(client, tess)  # a practitioner does not read the audit trail: no link
    assert reverse("core:audit_search") not in client.get(owen.get_chart_url()).content.decode()


def test_admins_search_by_user(client: Client, ada: User, trail: dict) -> None:
    login(client, ada)
    r = client.get(reverse("core:audit_search"), {"user": "tess"})
    assert {e.patient for e in r.context["page"]} == {trail["ivy"]}


def test_no_page_changes_or_deletes_an_entry(client: Client, ada: User, trail: dict) -> None:
    login(client, ada)
    before = list(AuditEvent.objects.values_list("id", "action", "actor_id"))
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(reverse("core:audit_search")).status_code == 405
    assert list(AuditEvent.objects.values_list("id", "action", "actor_id"))[: len(before)] == before


def test_each_event_names_its_clinic(tess: User, organization: Organization, location) -> None:
    """From the patient, the record or the actor: a command (no actor) still files its event under the
    clinic whose record it changed; the installation's own events (a failed sign-in) have none."""
    from fascia import audit

    other = Organization.objects.create(legal_name="Another Clinic")
    audit.record(actor=tess, action=AuditAction.PATIENT_VIEWED, target=PatientFactory(organization=other))
    audit.record(actor=None, action=AuditAction.LOCATION_SAVED, target=location)
    audit.record(actor=tess, action=AuditAction.ORGANIZATION_UPDATED, target=other)
    audit.record(actor=None, action=AuditAction.ORGANIZATION_UPDATED, target=tess)  # a user of no clinic below
    tess.organization = None
    audit.record(actor=None, action=AuditAction.ORGANIZATION_UPDATED, target=tess)
    assert list(AuditEvent.objects.order_by("id").values_list("organization_id", flat=True)) == [
        other.pk,
        organization.pk,
        other.pk,
        organization.pk,
        None,
    ]
