"""Screening a patient's record: the facts the rule engine needs, read from the medical history."""

from datetime import date

from django.utils import timezone

from fascia.patients.models import HistoryStatus, Patient
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


def facts_for(
    patient: Patient, *, symptoms: frozenset[str] = frozenset(), today: date | None = None
) -> screening.PatientFacts:
    """The patient's screening facts from active history entries: four queries."""
    today = today or timezone.localdate()
    active = {"status": HistoryStatus.ACTIVE}
    medications = list(patient.medications.filter(**active))
    weeks = None
    if patient.is_pregnant and patient.pregnancy_due_date:
        weeks = max(0, (FULL_TERM_DAYS - (patient.pregnancy_due_date - today).days) // 7)
    return screening.PatientFacts(
        conditions=tuple(screening.Condition(c.description, c.icd10_code) for c in patient.conditions.filter(**active)),
        medication_flags=frozenset(
            flag for m in medications for field, flag in MEDICATION_FLAGS.items() if getattr(m, field)
        ),
        surgeries=tuple(
            screening.Surgery(s.procedure, s.body_region, s.performed_on) for s in patient.surgeries.filter(**active)
        ),
        implant_regions=frozenset(patient.implants.filter(**active).values_list("body_region", flat=True)),
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
