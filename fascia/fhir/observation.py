"""Outcome scores as US Core Observation Screening Assessment (category survey): one Observation per scored
instrument, coded with LOINC where LOINC has the score (the 0-10 pain rating, 72514-3) and with Fascia's code
for its instruments always; the score as a quantity; and, from the patient's first score of the instrument, the
change and whether it reaches the minimal clinically important difference, with the MCID's source
(fascia.measures.scoring.change)."""

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from fhir.resources.R4B.observation import Observation

from fascia.fhir.history import TERMINOLOGY
from fascia.fhir.search import LAST_UPDATED, NONE, US_CORE_PARAM, Param, by_patient, constant, date_param, named
from fascia.measures.instruments import INSTRUMENTS
from fascia.measures.models import MeasureResult
from fascia.measures.scoring import change

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment"
LOINC = "http://loinc.org"
INSTRUMENT_SYSTEM = "urn:fascia:instrument"  # Fascia's codes of its outcome instruments (NPRS, ODI, …)
# LOINC codes of the scores Fascia records, where LOINC has one (https://loinc.org/72514-3).
LOINC_CODES = {"NPRS": ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")}
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def rows(organization_id: int) -> QuerySet[MeasureResult]:
    """The clinic's scores, each with the patient's first score of the instrument (its baseline)."""
    first = MeasureResult.objects.filter(patient=OuterRef("patient"), instrument=OuterRef("instrument")).order_by(
        "administered_on", "pk"
    )
    return (
        MeasureResult.objects.filter(patient__organization_id=organization_id)
        .select_related("patient")
        .annotate(baseline_id=Subquery(first.values("pk")[:1]), baseline=Subquery(first.values("value")[:1]))
        .annotate(baseline_on=Subquery(first.values("administered_on")[:1]))
        .order_by("administered_on", "pk")
    )


def _interpretation(row: Any) -> list[dict[str, Any]] | None:
    """Against the baseline: better (B) or worse (W) with the change in words; the baseline itself, or no change,
    says nothing."""
    if row.baseline_id == row.pk or row.baseline is None:
        return None
    inst = INSTRUMENTS[row.instrument]
    found = change(row.instrument, before=row.baseline, after=row.value)
    if found.improvement == 0:
        return None
    words = "reaches" if found.clinically_important else "does not reach"
    text = (
        f"{'Improved' if found.improvement > 0 else 'Worse'} by {abs(found.improvement):g} since the first score "
        f"({row.baseline:g} on {row.baseline_on:%Y-%m-%d}); {words} the minimal clinically important difference "
        f"({inst.mcid_source})."
    )
    code = "B" if found.improvement > 0 else "W"
    return [{"coding": [{"system": INTERPRETATION, "code": code}], "text": text}]


def observation(row: Any) -> Observation:
    inst = INSTRUMENTS[row.instrument]
    coding = [{"system": INSTRUMENT_SYSTEM, "code": inst.code, "display": inst.name}]
    if inst.code in LOINC_CODES:
        loinc, display = LOINC_CODES[inst.code]
        coding.insert(0, {"system": LOINC, "code": loinc, "display": display})
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(row.public_id),
        "meta": {"profile": [PROFILE], "lastUpdated": row.updated_at.isoformat()},
        "status": "final",
        "category": [{"coding": [{"system": f"{TERMINOLOGY}observation-category", "code": "survey"}]}],
        "code": {"coding": coding, "text": inst.name},
        "subject": {"reference": f"Patient/{row.patient.public_id}"},
        "effectiveDateTime": row.administered_on.isoformat(),
        "issued": row.created_at.isoformat(),
        "valueQuantity": {
            "value": row.value,
            "unit": inst.unit or "score",
            "system": UCUM,
            "code": "%" if inst.unit == "%" else "{score}",  # UCUM: a percentage score (ODI, NDI) is in %
        },
        "interpretation": _interpretation(row),
        "note": [{"text": f"Band: {row.band}"}] if row.band else None,
    }
    return Observation.model_validate({k: v for k, v in data.items() if v is not None})


def _code(value: str, modifier: str) -> Q:
    """`code=[system|]code`: Fascia's instrument codes, or the LOINC code of a score LOINC has."""
    system, bar, code = value.rpartition("|")
    fascia = {c for c in INSTRUMENTS if c == code}
    loinc = {c for c, (number, _) in LOINC_CODES.items() if number == code}
    if bar and system == INSTRUMENT_SYSTEM:
        return Q(instrument__in=fascia) if fascia else NONE
    if bar and system == LOINC:
        return Q(instrument__in=loinc) if loinc else NONE
    if bar and system:
        return NONE
    return Q(instrument__in=fascia | loinc) if fascia | loinc else NONE


PARAMS = named(
    Param("patient", "reference", f"{US_CORE_PARAM}us-core-observation-patient", "The patient.", by_patient),
    Param(
        "category",
        "token",
        f"{US_CORE_PARAM}us-core-observation-category",
        "survey: outcome scores.",
        constant("survey"),
    ),
    Param(
        "code",
        "token",
        f"{US_CORE_PARAM}us-core-observation-code",
        f"The instrument: {INSTRUMENT_SYSTEM}|ODI, or LOINC's code where it has one (72514-3).",
        _code,
    ),
    Param(
        "date",
        "date",
        f"{US_CORE_PARAM}us-core-observation-date",
        "When it was scored, with a prefix (eq, ne, gt, lt, ge, le).",
        date_param("administered_on", is_date=True),
    ),
    LAST_UPDATED,
)
