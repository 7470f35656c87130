"""Data migrations, run through Django's MigrationExecutor: migrate back to the state before, write rows through
the historical models, migrate forward and read what the migration made of them."""

from collections.abc import Iterator
from datetime import date
from importlib import import_module

import pytest
from django.apps.registry import Apps

from fascia.core.models import User
from fascia.core.tests.migrations import migrate_to_latest, migrated
from fascia.patients.tests.factories import PatientFactory

BEFORE = [("visits", "0004_note_measures")]
AFTER = [("visits", "0005_local_findings")]
MOVED = import_module("fascia.visits.migrations.0005_local_findings").MOVED


@pytest.fixture
def at_0004(transactional_db: None, tess: User) -> Iterator[Apps]:
    """The database as it was before 0005 (schema changes need a test outside a transaction); migrated to
    the latest state again afterwards, for the tests that follow. The clinic and its practitioner are made
    first, with today's models."""
    try:
        yield migrated(BEFORE)
    finally:
        migrate_to_latest()


def test_0005_moves_a_drafts_open_wound_to_its_objective_findings(at_0004: Apps, tess: User) -> None:
    VisitNote = at_0004.get_model("visits", "VisitNote")
    assert "local_findings" not in {f.name for f in VisitNote._meta.get_fields()}
    patient = PatientFactory(organization=tess.organization)
    note = {"patient_id": patient.pk, "practitioner_id": tess.practitioner.pk, "created_by_id": tess.pk}
    wound = VisitNote.objects.create(
        **note, visited_on=date(2026, 11, 3), symptoms=["fever", "open-wound"], objective="Tight upper trapezius."
    )
    blank = VisitNote.objects.create(**note, visited_on=date(2026, 11, 4), symptoms=["open-wound"])
    other = VisitNote.objects.create(**note, visited_on=date(2026, 11, 5), symptoms=["fever"], objective="Warm.")
    signed = VisitNote.objects.create(
        **note, visited_on=date(2026, 11, 6), symptoms=["open-wound"], status="signed", signed_by_id=tess.pk
    )

    VisitNote = migrated(AFTER).get_model("visits", "VisitNote")
    after = {n.pk: n for n in VisitNote.objects.all()}
    # A draft: the symptom leaves today's symptoms (it has no region to screen) and is kept as text.
    assert (after[wound.pk].symptoms, after[wound.pk].objective) == (["fever"], f"Tight upper trapezius.\n{MOVED}")
    assert (after[blank.pk].symptoms, after[blank.pk].objective) == ([], MOVED)
    assert "Open wound reported" in MOVED and "with its region" in MOVED
    # The new field starts empty: nothing is guessed onto a region.
    assert all(n.local_findings == [] for n in after.values())
    # A draft without it, and a signed note (its seal vouches for its symptoms), as they were.
    assert (after[other.pk].symptoms, after[other.pk].objective) == (["fever"], "Warm.")
    assert (after[signed.pk].symptoms, after[signed.pk].objective) == (["open-wound"], "")


def test_0005_reverses_without_touching_the_notes(at_0004: Apps, tess: User) -> None:
    VisitNote = migrated(AFTER).get_model("visits", "VisitNote")
    patient = PatientFactory(organization=tess.organization)
    note = VisitNote.objects.create(
        patient_id=patient.pk,
        practitioner_id=tess.practitioner.pk,
        created_by_id=tess.pk,
        visited_on=date(2026, 11, 3),
        symptoms=["fever"],
        local_findings=[{"finding": "open-wound", "region": "lower-back"}],
    )
    VisitNote = migrated(BEFORE).get_model("visits", "VisitNote")
    assert VisitNote.objects.get(pk=note.pk).symptoms == ["fever"]
