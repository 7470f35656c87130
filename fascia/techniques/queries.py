"""Screening a patient's record: the facts the rule engine needs, read from the medical history."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import BooleanField, CharField, DateField, F, Field, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from fascia.patients import medications
from fascia.patients.models import Condition, HistoryStatus, Implant, Medication, Patient, Surgery
from fascia.techniques import drugs, screening
from fascia.techniques.models import Technique
from fascia.techniques.rules import RULES

MEDICATION_FLAGS = medications.FLAG_FIELDS  # a medication's correction of each flag, by model field
SYMPTOMS = {"fever": "Fever today", "acute-infection": "Acute infection today", "open-wound": "Open wound"}
FULL_TERM_DAYS = 280  # 40 weeks from the last menstrual period, as due dates are reckoned


def catalog() -> dict[int, Technique]:
    """Every technique by id, retired ones too (a stored row may name one), in the catalog's order."""
    return {t.pk: t for t in Technique.objects.all()}


def _active(
    model: type[Condition] | type[Surgery] | type[Medication] | type[Implant],
    kind: int,
    patient: Patient,
    **columns: str,
) -> QuerySet:
    """A patient's active entries of one kind of history as rows of active_history(): what screening reads of
    them, under the names all four kinds share (None or False where this kind has no such column)."""
    shared: dict[str, Field[Any, Any]] = {
        "text": CharField(),
        "code": CharField(),
        "region": CharField(),
        "day": DateField(),
        "dose_text": CharField(),
        "answer": CharField(),
    }
    shared |= {f"flag_{field}": BooleanField() for field in MEDICATION_FLAGS}  # a model's field names are taken
    # A typed NULL: PostgreSQL reads an untyped one in the union's first query as text.
    values = {name: F(columns[name]) if name in columns else Cast(Value(None), field) for name, field in shared.items()}
    entries = model.objects.filter(patient=patient, status=HistoryStatus.ACTIVE).order_by()
    return entries.values(kind=Value(kind), **values, row=F("pk"))


CONDITION, SURGERY, MEDICATION, IMPLANT = range(4)


def active_history(patient: Patient) -> QuerySet:
    """The active history entries screening reads, in one query (a round trip, not four, at every note
    saved): each kind in its model's order, conditions and surgeries latest first."""
    return (
        _active(Condition, CONDITION, patient, text="description", code="icd10_code", day="onset_date")
        .union(
            _active(Surgery, SURGERY, patient, text="procedure", region="body_region", day="performed_on"),
            _active(
                Medication,
                MEDICATION,
                patient,
                text="name",
                dose_text="dose",
                answer="bleeding_answer",
                **{f"flag_{field}": field for field in MEDICATION_FLAGS},
            ),
            _active(Implant, IMPLANT, patient, region="body_region"),
            all=True,
        )
        .order_by("kind", "-day", "row")
    )


def medication_fact(
    name: str, dose: str, corrections: dict[str, bool | None], answer: str = ""
) -> screening.Medication:
    """A medication as screening reads it: by name, with its flags derived from the name and dose and then
    corrected (None while it is unclassified)."""
    derived = drugs.classify(f"{name} {dose}".strip())
    return screening.Medication(name, medications.resolve(derived, corrections, answer))


def facts_for(
    patient: Patient, *, symptoms: frozenset[str] = frozenset(), today: date | None = None
) -> screening.PatientFacts:
    """The patient's screening facts from active history entries: one query."""
    today = today or timezone.localdate()
    entries = defaultdict(list)
    for row in active_history(patient):
        entries[row["kind"]].append(row)
    # Each active medication by name with the flags screening reads (None: unclassified, which the
    # medication-unclassified rule cautions); and every flag of them, those set on an unclassified one too.
    named = []
    medication_flags: set[str] = set()
    for m in entries[MEDICATION]:
        corrections = {flag: m[f"flag_{field}"] for field, flag in MEDICATION_FLAGS.items()}
        medication = medication_fact(m["text"], m["dose_text"], corrections, m["answer"])
        named.append(medication)
        flags = medication.flags
        medication_flags |= flags if flags is not None else {flag for flag, value in corrections.items() if value}
    weeks = None
    if patient.is_pregnant and patient.pregnancy_due_date:
        weeks = max(0, (FULL_TERM_DAYS - (patient.pregnancy_due_date - today).days) // 7)
    return screening.PatientFacts(
        conditions=tuple(screening.Condition(c["text"], c["code"]) for c in entries[CONDITION]),
        medication_flags=frozenset(medication_flags),
        medications=tuple(named),
        surgeries=tuple(screening.Surgery(s["text"], s["region"], s["day"]) for s in entries[SURGERY]),
        implant_regions=frozenset(i["region"] for i in entries[IMPLANT]),
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
