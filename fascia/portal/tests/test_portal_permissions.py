"""The two audiences never cross: every /my/ page answers its own patient only, refusing staff sessions and
other patients; every staff page and API endpoint refuses a patient's session.

A new portal page must be added to PORTAL_PAGES (or PORTAL_PUBLIC); test_every_portal_url_is_covered fails
otherwise. A page about one of the patient's records names it in OWN_RECORDS: another patient gets 404.
"""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fascia.conftest import login
from fascia.core.models import Location
from fascia.core.roles import Role
from fascia.core.tests.test_permissions import (
    ALL,
    ENDPOINTS,
    PAGES,
    POST_ONLY,
    _named_urls,
    endpoint_url,
    fixtures,  # noqa: F401  # the staff fixtures, for the staff pages tried with a patient's session
)
from fascia.patients import services
from fascia.patients.tests.factories import PatientFactory, drawn_png
from fascia.portal.tests.factories import patient_account, portal_client
from fascia.scheduling.models import AppointmentType
from fascia.scheduling.services import book_appointment
from fascia.visits.tests.factories import active_plan
from fascia.visits.tests.test_home_care_since import program

# url name -> how to build its args from the portal fixtures
PORTAL_PAGES = {
    "portal:home": lambda f: [],
    "portal:consents": lambda f: [],
    "portal:consent_sign": lambda f: ["treatment"],
    "portal:consent_pdf": lambda f: [f["consent"].public_id],
    "portal:password_change": lambda f: [],
    "portal:security": lambda f: [],
    "portal:security_off": lambda f: [],
    "portal:home_care": lambda f: [],
    "portal:home_care_image": lambda f: [f["home_care_item"].public_id],
    "portal:intake": lambda f: [],
    "portal:progress": lambda f: [],
    "portal:questionnaire": lambda f: [f["odi_due"]()],
    "portal:statements": lambda f: [],
    "portal:statement_pdf": lambda f: [],
    "portal:book": lambda f: [],
    "portal:book_confirm": lambda f: [],
    "portal:appointments": lambda f: [],
    "portal:cancel": lambda f: [f["appointment"].public_id],
    "portal:reschedule": lambda f: [f["appointment"].public_id],
}
# Pages showing one record of the patient's: another patient asking for it gets 404.
# (A questionnaire is due for its patient only.)
OWN_RECORDS = {
    "portal:consent_pdf",
    "portal:home_care_image",
    "portal:questionnaire",
    "portal:cancel",
    "portal:reschedule",
}
# Before signing in: the sign-in and password reset pages, and the invitation (its token is the key).
PORTAL_PUBLIC = {
    "portal:login",
    "portal:logout",
    "portal:invitation",
    "portal:language",
    "portal:password_reset",
    "portal:password_reset_done",
    "portal:password_reset_confirm",
    "portal:password_reset_complete",
    # The sign-in's second step (the authenticator's code): for a signed-in patient whose session has not given
    # it yet, so not a patient_view (which sends there); fascia/portal/tests/test_security.py tests who it serves.
    "portal:two_factor_verify",
}


@pytest.fixture
def portal(organization, personas) -> dict:
    patient = PatientFactory(organization=organization, email="nora@example.com")
    other = PatientFactory(organization=organization, email="sam@example.com")
    treatment = services.publish_consent_document(
        actor=personas[Role.ADMIN],
        organization=organization,
        kind="treatment",
        title="Consent to treatment",
        text="I agree to be treated.",
    )
    account = patient_account(patient)
    consent = services.sign_consent_document(
        actor=account,
        patient=patient,
        document=treatment,
        typed_name="Nora Test",
        signature=drawn_png(),
        agreed_to_electronic_records=True,
        ip=None,
        user_agent="test",
    )
    plan = program(personas[Role.PRACTITIONER], patient, timezone.localdate() - timedelta(days=3))
    home_care_item = plan.home_care_items.first()
    home_care_item.image.save("x", SimpleUploadedFile("x.png", drawn_png()), save=False)
    home_care_item.image_type = "image/png"
    home_care_item.save()

    def odi_due() -> str:
        """An active plan whose one visit is its last, so its ODI (asked at discharge) is due: made only for the
        questionnaire page, as it takes a signed evaluation."""
        active_plan(personas[Role.PRACTITIONER], patient, start=timezone.localdate(), planned_visits=1)
        return "ODI"

    appointment = book_appointment(  # what the patient's appointment pages show, booked by an admin without hours
        actor=personas[Role.ADMIN],
        patient=patient,
        practitioner=personas[Role.PRACTITIONER].practitioner,
        location=Location.objects.get(organization=organization),
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        start_at=timezone.now() + timedelta(days=3),
        override=True,
    )
    return {
        "patient": patient,
        "account": account,
        "other": patient_account(other),
        "consent": consent,
        "home_care_item": home_care_item,
        "odi_due": odi_due,
        "appointment": appointment,
    }


def test_every_portal_url_is_covered() -> None:
    assert {name for name in _named_urls() if name.startswith("portal:")} == set(PORTAL_PAGES) | PORTAL_PUBLIC


@pytest.mark.parametrize("name", sorted(PORTAL_PAGES))
def test_portal_pages_answer_their_patient(client, portal, name: str) -> None:
    portal_client(client, portal["account"])
    assert client.get(reverse(name, args=PORTAL_PAGES[name](portal))).status_code == 200


@pytest.mark.parametrize("name", sorted(PORTAL_PAGES))
@pytest.mark.parametrize("role", sorted(ALL))
def test_portal_pages_refuse_staff(client, personas, portal, name: str, role: str) -> None:
    login(client, personas[role])
    assert client.get(reverse(name, args=PORTAL_PAGES[name](portal))).status_code == 403


@pytest.mark.parametrize("name", sorted(PORTAL_PAGES))
def test_portal_pages_send_anonymous_visitors_to_the_portal_sign_in(client, portal, name: str) -> None:
    r = client.get(reverse(name, args=PORTAL_PAGES[name](portal)))
    assert r.status_code == 302 and r["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("name", sorted(OWN_RECORDS))
def test_another_patient_gets_nothing_of_the_patients_records(client, portal, name: str) -> None:
    portal_client(client, portal["other"])
    assert client.get(reverse(name, args=PORTAL_PAGES[name](portal))).status_code == 404


@pytest.mark.parametrize("name", sorted(PAGES))
def test_staff_pages_refuse_a_patients_session(client, fixtures, portal, name: str) -> None:  # noqa: F811
    portal_client(client, portal["account"])
    assert client.get(reverse(name, args=PAGES[name][1](fixtures))).status_code == 403


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_staff_actions_refuse_a_patients_session(client, fixtures, portal, name: str) -> None:  # noqa: F811
    _, args, data, _ = POST_ONLY[name]
    portal_client(client, portal["account"])
    assert client.post(reverse(name, args=args(fixtures)), data).status_code == 403


@pytest.mark.parametrize("method, path", sorted(ENDPOINTS))
def test_the_api_refuses_a_patients_session(client, fixtures, portal, method: str, path: str) -> None:  # noqa: F811
    portal_client(client, portal["account"])
    url = endpoint_url(fixtures, method, path)
    r = client.generic(method, url, data=json.dumps({}), content_type="application/json")
    assert r.status_code in (401, 403), r.content
