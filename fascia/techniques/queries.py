"""Screening a patient's record: the facts the rule engine needs, read from the medical history."""

from datetime import date

from django.utils import timezone

from fascia.lib.prepared import PreparedQuery
from fascia.patients.models import Condition, HistoryStatus, Implant, Medication, Patient, Surgery
from fascia.techniques import screening
from fascia.techniques.models import Technique
from fascia.techniques.rules import RULES

MEDICATION_FLAGS = {
    "is_anticoagulant": "anticoagulant",
    "is_corticosteroid": "corticosteroid",
    "is_analgesic": "analgesic",
    "is_muscle_relaxant": "muscle-relaxant",
}
SYMPTOMS = {"fever": "Fever today", "acute-infection": "Acute infection today", "open-wound": "Open wound"}
FULL_TERM_DAYS = 280  # 40 weeks from the last menstrual period, as due dates are reckoned


# The technique catalog, read by every note form and every save (a few dozen rows): compiled once per connection.
CATALOG = PreparedQuery(lambda: Technique.objects.all(), kinds=())


def catalog() -> dict[int, Technique]:
    """Every technique by id, retired ones too (a stored row may name one), in the catalog's order."""
    return {t.pk: t for t in CATALOG.all()}


# The active history entries screening reads, compiled once per connection: read for every note saved.
ACTIVE_HISTORY = {
    model: PreparedQuery(
        lambda patient_id, model=model: model.objects.filter(patient_id=patient_id, status=HistoryStatus.ACTIVE)
    )
    for model in (Medication, Condition, Surgery, Implant)
}


def facts_for(
    patient: Patient, *, symptoms: frozenset[str] = frozenset(), today: date | None = None
) -> screening.PatientFacts:
    """The patient's screening facts from active history entries: four queries."""
    today = today or timezone.localdate()
    medications, conditions, surgeries, implants = (query.all(patient.pk) for query in ACTIVE_HISTORY.values())
    weeks = None
    if patient.is_pregnant and patient.pregnancy_due_date:
        weeks = max(0, (FULL_TERM_DAYS - (patient.pregnancy_due_date - today).days) // 7)
    return screening.PatientFacts(
        conditions=tuple(screening.Condition(c.description, c.icd10_code) for c in conditions),
        medication_flags=frozenset(
            flag for m in medications for field, flag in MEDICATION_FLAGS.items() if getattr(m, field)
        ),
        surgeries=tuple(screening.Surgery(s.procedure, s.body_region, s.performed_on) for s in surgeries),
        implant_regions=frozenset(i.body_region for i in implants),
        pregnant=patient.is_pregnant,
        pregnancy_weeks=weeks,
        symptoms=symptoms,
        today=today,
    )


def as_engine_technique(technique: Technique) -> screening.Technique:
    return screening.Technique(code=technique.code, name=technique.name, tags=frozenset(technique.tags))


def screen_patient(
    patient: Patient, technique: Technique, region: str, *, symptoms: frozenset[str] = frozenset()
) -> list[screening.Finding]:
    return screening.screen(facts_for(patient, symptoms=symptoms), as_engine_technique(technique), region, RULES)
