"""A red flag found at a visit (calf swelling, saddle numbness, a bladder or bowel change, chest symptoms,
unexplained weight loss, fever) is screened like the evaluation's, no clearance recorded before covers it, and
the note is signed only without treatment."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fascia.billing.models import UnbilledVisit
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.techniques.models import Technique
from fascia.visits import services
from fascia.visits.models import VisitNote

START = date(2026, 11, 2)


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def row(code: str, region: str) -> dict:
    return {"technique_id": Technique.objects.get(code=code).pk, "region": region, "minutes": 20}


def test_calf_swelling_today_refuses_the_legs_and_holds_the_signature(tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    with pytest.raises(ValidationError, match=r"\(absolute\): Possible deep vein thrombosis \(calf swelling"):
        services.save_note(actor=tess, note=note, symptoms=["calf_swelling"], techniques=[row("swedish", "leg-right")])
    with pytest.raises(ValidationError, match="(?i)deep vein thrombosis"):  # deep work anywhere until cleared
        services.save_note(actor=tess, note=note, symptoms=["calf_swelling"], techniques=[row("deep-tissue", "neck")])
    services.save_note(
        actor=tess, note=note, symptoms=["calf_swelling"], nprs_before=3, techniques=[row("swedish", "neck")]
    )
    with pytest.raises(services.NoteError, match="A red flag found today holds treatment: Calf swelling"):
        services.sign_note(actor=tess, note=note)
    assert not VisitNote.objects.get(pk=note.pk).is_signed

    services.save_note(actor=tess, note=note, techniques=[], nprs_before=3)  # no treatment today: referred
    assert services.sign_note(actor=tess, note=note).is_signed
    assert not UnbilledVisit.objects.filter(note=note).exists()  # nothing to bill


def test_a_visit_with_nothing_found_still_needs_its_treatment(tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    services.save_note(actor=tess, note=note, techniques=[], nprs_before=3)
    with pytest.raises(services.NoteIncomplete, match="a technique performed"):
        services.sign_note(actor=tess, note=note)


def test_a_clearance_recorded_before_does_not_cover_a_flag_found_today(tess: User, patient: Patient) -> None:
    evaluation = evaluation_services.sign_evaluation(
        actor=tess, evaluation=complete_draft(tess, patient, red_flags=["calf_swelling"])
    )
    evaluation_services.record_clearance(
        actor=tess, evaluation=evaluation, flag="calf_swelling", kind="cleared", provider="Dr Okafor", decided_on=START
    )
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    reason = {"override_reason": "Cleared by Dr Okafor: duplex scan negative."}
    services.save_note(actor=tess, note=note, nprs_before=3, techniques=[row("swedish", "leg-right") | reason])
    assert services.sign_note(actor=tess, note=note).is_signed  # the evaluation's flag, cleared: a caution

    again = services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 5))
    with pytest.raises(ValidationError, match=r"\(absolute\): Possible deep vein thrombosis"):
        services.save_note(
            actor=tess, note=again, symptoms=["calf_swelling"], techniques=[row("swedish", "leg-right") | reason]
        )


def test_the_note_page_offers_the_red_flags_and_shows_them_in_words(
    client: Client, tess: User, patient: Patient
) -> None:
    note = services.start_note(actor=tess, patient=patient, visited_on=START)
    login(client, tess)
    page = client.get(reverse("visits:edit", args=[note.public_id])).content.decode()
    for label in ("Calf swelling, warmth or redness (new today)", "Numbness in the saddle area (new today)"):
        assert label in page
    services.save_note(actor=tess, note=note, symptoms=["saddle_numbness"], subjective="New numbness.", nprs_before=2)
    services.sign_note(actor=tess, note=note)
    detail = client.get(reverse("visits:detail", args=[note.public_id])).content.decode()
    assert "No treatment today: Numbness in the saddle area (new today)." in detail
