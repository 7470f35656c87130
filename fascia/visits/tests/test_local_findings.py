"""Today's local findings (an open wound, sutures, a bruise, a rash, a burn) carry their region: that region only
is refused, and a finding without its region is a field error with nothing saved, in the page and the API."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.techniques.models import Technique
from fascia.visits import services
from fascia.visits.models import VisitNote
from fascia.visits.tests.test_views import note_form, technique_rows

START = date(2026, 11, 2)
WOUND = [{"finding": "open-wound", "region": "lower-back"}]


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def row(code: str, region: str) -> dict:
    return {"technique_id": Technique.objects.get(code=code).pk, "region": region, "minutes": 20}


def test_a_finding_refuses_its_region_only(tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    with pytest.raises(ValidationError, match=r"contraindicated today \(local\): Today: open wound on the lower back"):
        services.save_note(actor=tess, note=note, local_findings=WOUND, techniques=[row("swedish", "lower-back")])
    assert VisitNote.objects.get(pk=note.pk).local_findings == []
    services.save_note(actor=tess, note=note, local_findings=WOUND, techniques=[row("swedish", "upper-back")])
    stored = VisitNote.objects.get(pk=note.pk)
    assert stored.local_findings == WOUND
    assert [t.region for t in stored.techniques.all()] == ["upper-back"]


@pytest.mark.parametrize(
    ("findings", "message"),
    [
        ([{"finding": "open-wound", "region": ""}], "Give the region of the open wound"),
        ([{"finding": "sutures"}], "Give the region of the sutures or staples"),
        ([{"finding": "open-wound", "region": "elbow-nowhere"}], "Unknown region"),
        ([{"finding": "gangrene", "region": "lower-back"}], "Unknown finding"),
    ],
)
def test_bad_findings_are_a_field_error_and_save_nothing(
    tess: User, patient: Patient, findings: list, message: str
) -> None:
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    with pytest.raises(ValidationError) as raised:
        services.save_note(actor=tess, note=note, local_findings=findings, subjective="Sore.")
    assert message in " ".join(raised.value.message_dict["local_findings"])
    stored = VisitNote.objects.get(pk=note.pk)
    assert (stored.local_findings, stored.subjective) == ([], "")


def test_an_open_wound_is_no_longer_a_symptom(tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    with pytest.raises(ValidationError, match="local finding: record it under today's findings, with its region"):
        services.save_note(actor=tess, note=note, symptoms=["open-wound"])


def test_the_page_records_findings_and_shows_a_missing_region(client: Client, tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    login(client, tess)
    url = reverse("visits:edit", args=[note.public_id])
    findings = {"local_findings-TOTAL_FORMS": "1", "local_findings-INITIAL_FORMS": "0"}
    data = note_form(note, subjective="Fell on the stairs.") | technique_rows(("swedish", "upper-back", 20))
    r = client.post(url, data | findings | {"local_findings-0-finding": "bruise"})
    assert r.status_code == 200
    assert "Give the region of the bruise or hematoma." in r.content.decode()
    assert VisitNote.objects.get(pk=note.pk).subjective == ""
    r = client.post(url, data | findings | {"local_findings-0-finding": "bruise", "local_findings-0-region": "neck"})
    assert r.status_code == 302
    assert VisitNote.objects.get(pk=note.pk).local_findings == [{"finding": "bruise", "region": "neck"}]
    page = client.get(reverse("visits:detail", args=[note.public_id])).content.decode()
    assert "Bruise or hematoma on the neck" in page


def test_the_api_takes_findings_with_their_region(client: Client, tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    login(client, tess)
    url = f"/api/v1/notes/{note.public_id}"
    r = client.patch(url, json.dumps({"local_findings": [{"finding": "rash"}]}), content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "local_findings.0.region"
    assert VisitNote.objects.get(pk=note.pk).local_findings == []
    body = {"local_findings": [{"finding": "rash", "region": "neck"}]}
    r = client.patch(url, json.dumps(body), content_type="application/json")
    assert r.status_code == 200
    assert r.json()["local_findings"] == [{"finding": "rash", "region": "neck"}]
