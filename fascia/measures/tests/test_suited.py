"""The one questionnaire suited to a complaint, from the intake's pain regions (fascia.measures.suited)."""

import pytest
from django.core.exceptions import ValidationError

from fascia.measures.instruments import INSTRUMENTS
from fascia.measures.models import MeasureResult
from fascia.measures.services import record_intake_questionnaire
from fascia.measures.suited import FAMILIES, instrument_for_regions
from fascia.patients import intake
from fascia.patients.models import BodyRegion
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import patient_account


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        (["lower-back"], "ODI"),
        (["neck"], "NDI"),
        (["pelvis"], "LEFS"),  # the hip
        (["leg-left"], "LEFS"),  # thigh and knee
        (["lower-leg-right"], "LEFS"),
        (["foot-left", "foot-right"], "LEFS"),  # ankle and foot
        (["shoulder-right"], "QUICKDASH"),
        (["arm-left"], "QUICKDASH"),  # arm and elbow
        (["hand-right"], "QUICKDASH"),  # wrist and hand
        (["head"], "NPRS"),
        (["upper-back", "chest", "abdomen", "other"], "NPRS"),
        ([], None),
    ],
)
def test_each_region_family_gets_its_instrument(regions: list[str], expected: str | None) -> None:
    assert instrument_for_regions(regions) == expected


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        (["neck", "lower-back"], "ODI"),
        (["hand-left", "neck"], "NDI"),
        (["shoulder-left", "leg-right"], "LEFS"),
        (["head", "arm-right"], "QUICKDASH"),
    ],
)
def test_several_families_choose_the_spine_first_then_the_leg_then_the_arm(regions: list[str], expected: str) -> None:
    assert instrument_for_regions(regions) == expected


def test_the_families_name_real_regions_and_instruments() -> None:
    known = set(BodyRegion.values)
    for code, family in FAMILIES:
        assert code in INSTRUMENTS and family <= known


@pytest.mark.django_db
def test_the_service_refuses_an_instrument_not_suited_to_the_complaint(organization, tess) -> None:
    patient = PatientFactory(organization=organization)
    account = patient_account(patient)
    intake.save_intake_draft(actor=account, patient=patient, data={"complaint": {"pain_regions": ["neck"]}})
    with pytest.raises(ValidationError):
        record_intake_questionnaire(actor=account, patient=patient, instrument="ODI", responses=[1] * 10)
    assert not MeasureResult.objects.exists()
    assert "questionnaire" not in intake.open_intake(patient).answers
