from datetime import date

import pytest
from django.core.management import CommandError, call_command

from fascia.core.models import Location, Organization, User
from fascia.evaluations import services as evaluation_services
from fascia.evaluations.models import Diagnosis, Evaluation
from fascia.evaluations.queries import evaluation_content
from fascia.evaluations.tests.factories import complete_draft
from fascia.measures.models import MeasureResult
from fascia.patients.tests.factories import PatientFactory
from fascia.records import chain
from fascia.records.chain import link_hash, verify
from fascia.records.models import Seal
from fascia.records.tests.tampering import as_the_database_owner
from fascia.techniques.models import Technique
from fascia.visits import services as visit_services
from fascia.visits.models import VisitNote, VisitTechnique
from fascia.visits.queries import note_content
from fascia.visits.tests.factories import appointment, signed_note


@pytest.fixture
def records(tess: User, organization: Organization) -> dict:
    """Four seals of one patient: an evaluation, its addendum, a visit note and the note's addendum."""
    patient = PatientFactory(organization=organization)
    evaluation = evaluation_services.sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
    evaluation_services.add_addendum(actor=tess, evaluation=evaluation, text="Onset was in March.")
    note = signed_note(tess, patient, date(2026, 11, 5))
    visit_services.add_addendum(actor=tess, note=note, text="Soreness settled the next day.")
    return {"patient": patient, "evaluation": evaluation, "note": note}


def all_seals() -> list[Seal]:
    return list(Seal.objects.order_by("organization_id", "sequence"))


def test_each_signature_is_chained_to_the_one_before(records: dict) -> None:
    seals = all_seals()
    assert [s.kind for s in seals] == ["evaluation", "evaluation-addendum", "visit-note", "visit-addendum"]
    assert seals[0].previous_hash == ""
    assert all(later.previous_hash == earlier.content_hash for earlier, later in zip(seals, seals[1:], strict=False))
    assert verify(seals) == []
    call_command("verify_records")


def test_a_changed_note_is_reported(records: dict) -> None:
    VisitTechnique.objects.filter(note=records["note"]).update(minutes=50)  # behind the application's back
    problems = verify(all_seals())
    assert [(p.seal.kind, p.message) for p in problems] == [
        ("visit-note", "The record's content no longer matches the hash taken when it was signed.")
    ]
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_records")


def test_a_changed_diagnosis_is_reported(records: dict) -> None:
    Diagnosis.objects.filter(evaluation=records["evaluation"]).update(code="M54.16")
    assert [p.seal.kind for p in verify(all_seals())] == ["evaluation"]


def test_a_removed_seal_breaks_the_chain(records: dict) -> None:
    with as_the_database_owner():
        Seal.objects.filter(kind="evaluation-addendum").delete()
    problems = verify(all_seals())
    assert [(p.seal.kind, p.message.startswith("The chain is broken")) for p in problems] == [("visit-note", True)]


def test_a_forged_hash_shows_as_a_broken_link(records: dict) -> None:
    """Re-hashing a changed record hides it from its own seal, but not from the next one."""
    VisitNote.objects.filter(pk=records["note"].pk).update(subjective="rewritten")
    with as_the_database_owner():
        Seal.objects.filter(kind="visit-note").update(content_hash="0" * 64)
    problems = verify(all_seals())
    assert {p.seal.kind for p in problems} == {"visit-note", "visit-addendum"}


def test_a_changed_measure_is_reported(tess: User, organization: Organization) -> None:
    patient = PatientFactory(organization=organization)
    draft = complete_draft(tess, patient)
    evaluation_services.record_evaluation_measure(actor=tess, evaluation=draft, instrument="NPRS", responses=[6])
    evaluation_services.record_evaluation_measure(actor=tess, evaluation=draft, instrument="ODI", responses=[2] * 10)
    evaluation_services.sign_evaluation(actor=tess, evaluation=draft)
    assert verify(all_seals()) == []
    MeasureResult.objects.filter(evaluations=draft, instrument="NPRS").update(value=2)
    assert [p.seal.kind for p in verify(all_seals())] == ["evaluation"]


def _seal_as_before_the_links_moved(record: Evaluation | VisitNote, content: dict, owner: dict) -> None:
    """Re-take the record's seal over `content` with its measures as the rows read when a measure's evaluation and
    note were columns of its own (`owner`: evaluation_id and visit_note_id), in id order."""
    rows = MeasureResult.objects.filter(pk__in=record.measures.values("pk")).order_by("pk").values()
    measures = [{**{k: v for k, v in row.items() if k not in ("id", "updated_at")}, **owner} for row in rows]
    assert measures
    seal = Seal.objects.get(record_id=record.public_id)
    seal.content_hash = link_hash(seal.previous_hash, {**content, "measures": measures})
    with as_the_database_owner():
        seal.save(update_fields=["content_hash"])


def test_seals_made_before_the_links_moved_still_verify(tess: User, organization: Organization) -> None:
    """An evaluation's or a note's seal taken when measures held the links verifies when the measures are read
    through the link tables: the same measures, in the same order, under the same names."""
    draft = complete_draft(tess, PatientFactory(organization=organization))
    evaluation_services.record_evaluation_measure(actor=tess, evaluation=draft, instrument="ODI", responses=[2] * 10)
    evaluation_services.record_evaluation_measure(actor=tess, evaluation=draft, instrument="NPRS", responses=[6])
    evaluation = evaluation_services.sign_evaluation(actor=tess, evaluation=draft)
    patient = PatientFactory(organization=organization)
    note = visit_services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 5))
    rows = [{"technique_id": Technique.objects.get(code="deep-tissue").pk, "region": "lower-back", "minutes": 25}]
    visit_services.save_note(actor=tess, note=note, techniques=rows, nprs_before=5)
    visit_services.record_note_measure(actor=tess, note=note, instrument="NPRS", responses=[4])
    note = visit_services.sign_note(actor=tess, note=note)

    _seal_as_before_the_links_moved(
        evaluation, evaluation_content(evaluation), {"evaluation_id": evaluation.pk, "visit_note_id": None}
    )
    _seal_as_before_the_links_moved(note, note_content(note), {"evaluation_id": None, "visit_note_id": note.pk})
    assert verify(all_seals()) == []


def test_the_chain_holds_across_the_chunks_verify_reads(records: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records are read a chunk of seals at a time (here 3 and 1); the 4th seal, in the second
    chunk, is still checked against the 3rd."""
    monkeypatch.setattr(chain, "VERIFY_CHUNK", 3)
    assert verify(all_seals()) == []
    with as_the_database_owner():
        Seal.objects.filter(kind="visit-note").update(content_hash="0" * 64)
    problems = verify(all_seals())
    assert [(p.seal.kind, p.message[:24]) for p in problems] == [
        ("visit-note", "The record's content no "),
        ("visit-addendum", "The chain is broken here"),
    ]


def test_seals_hashed_as_the_services_hold_the_records_verify_once_read_back(
    tess: User, organization: Organization, location: Location
) -> None:
    """The services seal what they have just read under the lock or written, without reading it back: each
    seal must match the record as verify() reads it from the database."""
    patient = PatientFactory(organization=organization)
    draft = complete_draft(tess, patient)
    evaluation_services.record_evaluation_measure(actor=tess, evaluation=draft, instrument="NPRS", responses=[6])
    evaluation = evaluation_services.sign_evaluation(actor=tess, evaluation=draft)
    evaluation_services.add_addendum(actor=tess, evaluation=evaluation, text="  Seen again.  ")
    deep_tissue = {"technique_id": Technique.objects.get(code="deep-tissue").pk, "region": "lower-back"}
    first_visit, second_visit = (
        appointment(tess, patient, location, day) for day in (date(2026, 11, 2), date(2026, 11, 4))
    )
    first = visit_services.start_note(actor=tess, patient=patient, appointment=first_visit)
    # Values as a form or the API may give them: validation turns them into what the database gives back.
    visit_services.save_and_sign(
        actor=tess,
        note=first,
        techniques=[{**deep_tissue, "minutes": 25}],
        nprs_before="5",
        subjective="Sore.",
        arrived=True,  # never checked in: the practitioner confirms the patient came
    )
    second = visit_services.start_note(actor=tess, patient=patient, appointment=second_visit)
    copied = list(second.techniques.values_list("pk", flat=True))
    # The same techniques as copied from the first note: the stored rows are kept and sealed as they are.
    visit_services.save_and_sign(
        actor=tess, note=second, techniques=[{**deep_tissue, "minutes": 25}], nprs_before=4, arrived=True
    )
    assert list(second.techniques.values_list("pk", flat=True)) == copied
    third = visit_services.start_note(actor=tess, patient=patient, visited_on=date(2026, 11, 6))
    visit_services.record_note_measure(actor=tess, note=third, instrument="NPRS", responses=[3])
    visit_services.save_note(actor=tess, note=third, techniques=[{**deep_tissue, "minutes": 20}], nprs_before=3)
    third = visit_services.sign_note(actor=tess, note=VisitNote.objects.get(pk=third.pk))
    visit_services.add_addendum(actor=tess, note=third, text="Called the next day.")

    seals = all_seals()
    assert [s.kind for s in seals] == [
        "evaluation",
        "evaluation-addendum",
        "visit-note",
        "visit-note",
        "visit-note",
        "visit-addendum",
    ]
    assert verify(seals) == []
