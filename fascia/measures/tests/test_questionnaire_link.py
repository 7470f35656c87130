"""A patient answers a questionnaire through the single-purpose link they were emailed: date of birth first (three
wrong ones lock it), once, before it expires; the score lands in the chart, audited with the patient as source."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Location, Organization, User
from fascia.measures.models import MeasureResult, QuestionnaireLink
from fascia.measures.services import QuestionnaireError, send_questionnaire
from fascia.patients import services as patient_services
from fascia.patients.models import Consent
from fascia.patients.tests.factories import PatientFactory
from fascia.visits.tests.factories import active_plan, signed_note

pytestmark = pytest.mark.django_db
BORN = date(1980, 4, 12)
ODI = {f"item-{n}": "1" for n in range(8)} | {"item-8": "2", "item-9": "2"}  # 12 of 50: 24%


def emailed_patient(organization: Organization, frank: User, **fields):
    patient = PatientFactory(organization=organization, **{"birth_date": BORN, "email": "nora@example.com", **fields})
    patient_services.record_consent(
        actor=frank, patient=patient, kind=Consent.Kind.CONTACT, date=date(2026, 1, 5), allow_email=True
    )
    return patient


@pytest.fixture
def patient(organization: Organization, frank: User):
    return emailed_patient(organization, frank)


def send(tess: User, patient, instrument: str = "ODI") -> str:
    """Send a link; the address the patient was emailed."""
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the message leaves once the send commits
        send_questionnaire(actor=tess, patient=patient, instrument=instrument, site="https://clinic.example")
    (message,) = mail.outbox
    (url,) = re.findall(r"https://clinic\.example(/my/q/\S+/)", message.body)
    return url


def give_birth_date(client: Client, url: str, born: date = BORN):
    return client.post(url, {"birth_date": born.isoformat()})


class TestSending:
    def test_it_emails_a_link_that_expires_in_a_week(self, tess: User, patient) -> None:
        url = send(tess, patient)
        link = QuestionnaireLink.objects.get()
        assert (link.patient, link.instrument, link.created_by) == (patient, "ODI", tess)
        assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
        token = url.split("/")[3]
        assert len(token) >= 40 and link.token_hash == QuestionnaireLink.hash(token) and token not in link.token_hash
        assert "Oswestry Disability Index" in mail.outbox[0].body
        assert AuditEvent.objects.filter(action=AuditAction.QUESTIONNAIRE_LINK_CREATED, actor=tess).count() == 1
        assert AuditEvent.objects.filter(action=AuditAction.QUESTIONNAIRE_LINK_EMAILED, patient=patient).count() == 1

    def test_without_consent_to_email_nothing_is_sent_or_kept(
        self, tess: User, organization: Organization, frank: User
    ) -> None:
        declined = PatientFactory(organization=organization, email="x@example.com")
        patient_services.record_consent(
            actor=frank, patient=declined, kind=Consent.Kind.CONTACT, date=date(2026, 1, 5), allow_email=False
        )
        with pytest.raises(QuestionnaireError, match="no consent to email"):
            send_questionnaire(actor=tess, patient=declined, instrument="ODI", site="https://clinic.example")
        assert not QuestionnaireLink.objects.exists() and not mail.outbox

    def test_the_chart_sends_one_of_the_active_plans_questionnaires(
        self, client: Client, tess: User, frank: User, patient
    ) -> None:
        plan = active_plan(tess, patient, start=timezone.localdate())  # its ODI goal asks for the ODI
        login(client, tess)
        with TestCase.captureOnCommitCallbacks(execute=True):
            r = client.post(reverse("plans:send_questionnaire", args=[plan.public_id, "ODI"]), {"back": "chart"})
        assert r["Location"] == patient.get_chart_url()
        assert QuestionnaireLink.objects.get().instrument == "ODI" and len(mail.outbox) == 1
        assert "http://testserver/my/q/" in mail.outbox[0].body
        r = client.post(reverse("plans:send_questionnaire", args=[plan.public_id, "NDI"]), follow=True)
        assert "Only a questionnaire of the active plan is sent." in r.content.decode()
        login(client, frank)
        assert client.post(reverse("plans:send_questionnaire", args=[plan.public_id, "ODI"])).status_code == 403
        assert QuestionnaireLink.objects.count() == 1


class TestTheLink:
    @pytest.mark.parametrize(
        "token",
        ["x", "a" * 43, "a" * 65, "a" * 2000, "%00%00", "ÿ" * 43, "../../etc", "a b" * 20, "'; DROP TABLE x;--" * 3],
    )
    def test_a_token_that_opens_nothing_is_not_found(self, client: Client, tess: User, patient, token: str) -> None:
        send(tess, patient)
        assert client.get(f"/my/q/{token}/").status_code == 404
        assert client.post(f"/my/q/{token}/", {"birth_date": BORN.isoformat()}).status_code == 404

    def test_it_asks_the_date_of_birth_before_the_questions(self, client: Client, tess: User, patient) -> None:
        url = send(tess, patient)
        body = client.get(url).content.decode()
        assert "Your date of birth" in body and "Pain intensity" not in body
        assert client.post(url, ODI).status_code == 200  # answers before the date of birth are a date of birth form
        assert not MeasureResult.objects.exists()
        r = give_birth_date(client, url)
        assert r.status_code == 302
        assert "Pain intensity" in client.get(url).content.decode()

    def test_three_wrong_dates_of_birth_lock_it(self, client: Client, tess: User, patient) -> None:
        url = send(tess, patient)
        assert "2 tries left" in give_birth_date(client, url, date(1980, 4, 13)).content.decode()
        assert "1 try left" in give_birth_date(client, url, date(1981, 4, 12)).content.decode()
        assert "locked" in give_birth_date(client, url, date(1980, 12, 4)).content.decode()
        r = give_birth_date(client, url)  # the right one, too late
        assert r.status_code == 410 and "locked" in r.content.decode()
        assert QuestionnaireLink.objects.get().failed_checks == 3
        refusals = AuditEvent.objects.filter(action=AuditAction.QUESTIONNAIRE_LINK_REFUSED, patient=patient)
        assert [e.detail["locked"] for e in refusals.order_by("id")] == [False, False, True]

    def test_a_date_that_is_not_one_does_not_count(self, client: Client, tess: User, patient) -> None:
        url = send(tess, patient)
        for junk in ("", "yesterday", "1980-13-45", "9" * 500):
            assert client.post(url, {"birth_date": junk}).status_code == 200
        assert QuestionnaireLink.objects.get().failed_checks == 0

    def test_an_expired_link_is_refused(self, client: Client, tess: User, patient) -> None:
        url = send(tess, patient)
        with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
            r = client.get(url)
            assert r.status_code == 410 and "expired" in r.content.decode()
            assert give_birth_date(client, url).status_code == 410

    def test_another_patients_link_is_no_use(
        self, client: Client, tess: User, organization: Organization, frank: User, patient
    ) -> None:
        mine = send(tess, patient)
        other = emailed_patient(organization, frank, birth_date=date(1975, 1, 1))
        theirs = send(tess, other)
        give_birth_date(client, mine)
        assert "Your date of birth" in client.get(theirs).content.decode()  # my check opens only my link
        assert "2 tries left" in give_birth_date(client, theirs).content.decode()  # my date of birth is not theirs
        client.post(theirs, ODI)
        assert not MeasureResult.objects.filter(patient=other).exists()


class TestAnswering:
    def test_the_score_lands_in_the_chart_with_its_interpretation(
        self, client: Client, tess: User, frank: User, organization: Organization, location: Location
    ) -> None:
        today = timezone.localdate()
        patient = emailed_patient(organization, frank)
        active_plan(tess, patient, start=today - timedelta(days=10))  # ODI 40% at the evaluation
        for days_ago in (8, 6, 4):
            signed_note(tess, patient, today - timedelta(days=days_ago))
        url = send(tess, patient)
        give_birth_date(client, url)
        r = client.post(url, ODI)
        assert "Thank you" in r.content.decode()
        result = MeasureResult.objects.get(source=MeasureResult.Source.PATIENT)
        assert (result.patient, result.value, result.band, result.entered_by) == (
            patient,
            24.0,
            "moderate disability",
            None,
        )
        assert QuestionnaireLink.objects.get().result == result
        event = AuditEvent.objects.get(action=AuditAction.MEASURE_RECORDED, target_id=str(result.public_id))
        assert (event.actor, event.patient, event.detail["source"]) == (None, patient, "patient")
        staff = Client()
        login(staff, tess)
        chart = staff.get(patient.get_chart_url()).content.decode()
        assert "answered today: 24% (moderate disability), improved by 16 from 40, at least the MCID (10)." in chart

    def test_it_is_used_once(self, client: Client, tess: User, patient) -> None:
        url = send(tess, patient)
        give_birth_date(client, url)
        client.post(url, ODI)
        r = client.post(url, ODI)
        assert r.status_code == 410 and "already been answered" in r.content.decode()
        assert client.get(url).status_code == 410
        assert MeasureResult.objects.count() == 1

    def test_incomplete_answers_are_refused_and_the_link_stays_open(self, client: Client, tess: User, patient) -> None:
        url = send(tess, patient)
        give_birth_date(client, url)
        r = client.post(url, {"item-0": "1", "item-1": "9", "item-2": "x" * 5000}, follow=True)
        assert "Not sent yet: ODI" in r.content.decode()
        assert not MeasureResult.objects.exists() and QuestionnaireLink.objects.get().used_at is None
        assert "Thank you" in client.post(url, ODI).content.decode()
