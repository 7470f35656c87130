"""The pure engine keeps its own copies of the app's codes (it may import no Django and no other app):
each copy must equal the app's."""

from fascia.evaluations.catalog import RED_FLAGS as EVALUATION_RED_FLAGS
from fascia.patients.models import BodyRegion
from fascia.techniques import drugs
from fascia.techniques.catalog import TECHNIQUES
from fascia.techniques.facts import PRESSURES, RED_FLAGS, SYMPTOMS
from fascia.techniques.queries import MEDICATION_FLAGS
from fascia.techniques.queries import SYMPTOMS as NOTE_SYMPTOMS
from fascia.techniques.regions import REGIONS
from fascia.techniques.screening import CATALOG
from fascia.visits.models import VisitTechnique


def test_the_treatment_regions_are_the_body_regions_of_the_record() -> None:
    assert list(REGIONS) == list(BodyRegion.values)


def test_the_red_flags_are_the_evaluations() -> None:
    assert {code: flag.label for code, flag in RED_FLAGS.items()} == EVALUATION_RED_FLAGS


def test_the_pressures_are_those_a_note_records() -> None:
    assert list(PRESSURES) == list(VisitTechnique.Pressure.values)


def test_every_medication_flag_of_the_record_is_one_drugs_give() -> None:
    assert set(MEDICATION_FLAGS.values()) <= set(drugs.FLAGS)


def test_every_symptom_a_note_records_is_screened_as_a_symptom_or_a_red_flag() -> None:
    assert set(NOTE_SYMPTOMS) <= set(SYMPTOMS) | set(RED_FLAGS)
    # Every red flag that needs a referral or clearance can be found at a visit too.
    assert {code for code, flag in RED_FLAGS.items() if flag.needs_clearance} <= set(NOTE_SYMPTOMS)


def test_the_contracts_catalog_is_the_default_catalog() -> None:
    assert {code: sorted(t.tags) for code, t in CATALOG.items()} == {t.code: sorted(t.tags) for t in TECHNIQUES}
