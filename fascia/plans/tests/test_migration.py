"""Migration plans 0005 on plans written before goals and techniques named what they treat: each is taken to
treat its evaluation's primary diagnosis (so its claim lines never point at a comorbidity alone)."""

from collections.abc import Iterator
from datetime import date

import pytest

from fascia.core.models import User
from fascia.core.tests.migrations import migrate_to_latest, migrated
from fascia.evaluations.models import Diagnosis
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import Goal, PlannedTechnique, TreatmentPlan
from fascia.visits.tests.factories import active_plan

BEFORE = [("plans", "0004_planned_pressure")]
AFTER = [("plans", "0005_what_goals_and_techniques_treat")]
START = date(2026, 11, 2)


@pytest.fixture
def plans(transactional_db: None, tess: User) -> Iterator[tuple[TreatmentPlan, TreatmentPlan]]:
    """Two plans made with today's models: one from an evaluation ranking the neck first and the low back second,
    whose items treat the low back only; one whose evaluation lost its diagnoses. Then the database as it was
    before 0005 (which drops what the items treat), and back to the latest state afterwards."""
    neck_first = active_plan(
        tess,
        PatientFactory(organization=tess.organization),
        start=START,
        diagnoses=["M54.2", "M54.50"],
        techniques=[("deep-tissue", "lower-back", ["M54.50"]), ("swedish", "neck", ["M54.50"])],
    )
    bare = active_plan(tess, PatientFactory(organization=tess.organization), start=START)
    Diagnosis.objects.filter(evaluation_id=bare.evaluation_id).delete()
    try:
        migrated(BEFORE)
        yield neck_first, bare
    finally:
        migrate_to_latest()


def test_0005_fills_each_item_with_the_evaluations_primary_diagnosis(
    plans: tuple[TreatmentPlan, TreatmentPlan],
) -> None:
    neck_first, bare = plans
    migrated(AFTER)
    for item in [*Goal.objects.filter(plan=neck_first), *PlannedTechnique.objects.filter(plan=neck_first)]:
        assert [d.code for d in item.diagnoses.all()] == ["M54.2"]
    assert Goal.objects.filter(plan=neck_first).count() == 1
    assert PlannedTechnique.objects.filter(plan=neck_first).count() == 2
    # No diagnosis to name: left blank, which the documentation check and the scrubber report.
    assert not Goal.diagnoses.through.objects.filter(goal__plan=bare).exists()
    assert not PlannedTechnique.diagnoses.through.objects.filter(plannedtechnique__plan=bare).exists()
