"""Screening a patient's record: the facts the rule engine needs, read from the medical history."""

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import BooleanField, CharField, DateField, F, Field, IntegerField, Model, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from fascia.core.models import Organization
from fascia.patients import medications
from fascia.patients.models import Condition, HistoryStatus, Implant, Medication, Patient, Surgery
from fascia.techniques import drugs, screening
from fascia.techniques.facts import RED_FLAGS
from fascia.techniques.models import Technique
from fascia.techniques.rules import RULES

MEDICATION_FLAGS = medications.FLAG_FIELDS  # a medication's correction of each flag, by model field
# Today's whole-body symptoms a note records (an open wound, sutures, a bruise, a rash or a burn is a local finding,
# recorded with its region: facts.LOCAL_FINDINGS): fever, an acute infection, and the red flags that need a referral
# or clearance (a possible DVT or pulmonary embolism, possible cauda equina, unexplained weight loss), found today.
SYMPTOMS = {
    "fever": "Fever today",
    "acute-infection": "Acute infection today",
    **{
        code: f"{flag.label} (new today)"
        for code, flag in RED_FLAGS.items()
        if flag.needs_clearance and code != "fever"
    },
}
FULL_TERM_DAYS = 280  # 40 weeks from the last menstrual period, as due dates are reckoned


def catalog(organization: Organization) -> dict[int, Technique]:
    """The organization's techniques by id, retired ones too (a stored row may name one), in the catalog's order."""
    return {t.pk: t for t in organization.techniques.all()}


def history_rows(entries: QuerySet[Model], kind: int, **columns: Any) -> QuerySet:
    """Entries of one kind as rows of active_history(): what screening reads of them, under the names every
    kind shares (None or False where this kind has no such column). `columns` maps a shared name to a field
    name or an expression."""
    shared: dict[str, Field[Any, Any]] = {
        "text": CharField(),
        "code": CharField(),
        "region": CharField(),
        "day": DateField(),
        "dose_text": CharField(),
        "answer": CharField(),
        "ref": IntegerField(),  # the record a row belongs to (the evaluation of a red flag raised or cleared)
    }
    shared |= {f"flag_{field}": BooleanField() for field in MEDICATION_FLAGS}  # a model's field names are taken
    values = {
        # A typed NULL where the kind has no such column: PostgreSQL reads an untyped one in a union as text.
        name: (F(columns[name]) if isinstance(columns[name], str) else columns[name])
        if name in columns
        else Cast(Value(None), field)
        for name, field in shared.items()
    }
    return entries.order_by().values(entry_kind=Value(kind), **values, row=F("pk"))


def _active(
    model: type[Condition] | type[Surgery] | type[Medication] | type[Implant],
    kind: int,
    patient: Patient,
    **columns: str,
) -> QuerySet:
    """A patient's active entries of one kind of history as rows of active_history()."""
    return history_rows(model.objects.filter(patient=patient, status=HistoryStatus.ACTIVE), kind, **columns)


CONDITION, SURGERY, MEDICATION, IMPLANT = range(4)
# Rows a higher app adds to the query (history_rows, facts_for's `also`), as evaluations does: `text` the JSON
# list of the red flags an evaluation raised; `text` a red flag a referral or clearance is recorded for. Both
# give the evaluation as `ref` and its date as `day`, which order the evaluations (cleared_flags).
RED_FLAGS_RAISED, RED_FLAG_CLEARED = 4, 5


def active_history(patient: Patient, also: Iterable[QuerySet] = ()) -> QuerySet:
    """The active history entries screening reads, and the rows `also` given (history_rows), in one query (a
    round trip, not four, at every note saved): each kind in its model's order, conditions and surgeries
    latest first."""
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
            *also,
            all=True,
        )
        .order_by("entry_kind", "-day", "row")
    )


def medication_fact(
    name: str, dose: str, corrections: dict[str, bool | None], answer: str = ""
) -> screening.Medication:
    """A medication as screening reads it: by name, with its flags derived from the name and dose and then
    corrected (None while it is unclassified)."""
    derived = drugs.classify(f"{name} {dose}".strip())
    return screening.Medication(name, medications.resolve(derived, corrections, answer))


def facts_for(
    patient: Patient,
    *,
    symptoms: frozenset[str] = frozenset(),
    today: date | None = None,
    also: Iterable[QuerySet] = (),
    local_findings: Iterable[tuple[str, str]] = (),
) -> screening.PatientFacts:
    """The patient's screening facts from active history entries and the rows `also` given (the red flags
    raised and cleared): one query. Today's symptoms that are red flags (fever, calf swelling, …) are red flags
    too, which no referral or clearance recorded before covers; today's `local_findings` are (finding, region)
    pairs."""
    today = today or timezone.localdate()
    entries = defaultdict(list)
    for row in active_history(patient, also):
        entries[row["entry_kind"]].append(row)
    raised = {flag for row in entries[RED_FLAGS_RAISED] for flag in json.loads(row["text"] or "[]")}
    # A red flag found today is new: no referral or clearance recorded before covers it.
    cleared = cleared_flags(entries[RED_FLAGS_RAISED], entries[RED_FLAG_CLEARED]) - symptoms
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
        red_flags=frozenset(flag for flag in raised | symptoms if flag in RED_FLAGS),
        cleared=cleared,
        local_findings=tuple(screening.LocalFinding(finding, region) for finding, region in local_findings),
    )


def cleared_flags(raised: Iterable[dict[str, Any]], cleared: Iterable[dict[str, Any]]) -> frozenset[str]:
    """The red flags a referral or clearance covers, from the rows of the evaluations that raised them and of
    those recorded (each with its evaluation as `ref`, and that evaluation's date as `day`).

    A clearance covers a flag raised on its own evaluation and on older ones, not one raised again on a newer
    evaluation: a flag is cleared when its latest clearance is on the latest evaluation that raised it or on a
    newer one. Evaluations are ordered by date, then by the order they were written in, as the chart lists them.
    """
    latest_raised: dict[str, tuple[date, int]] = {}
    for row in raised:
        for flag in json.loads(row["text"] or "[]"):
            latest_raised[flag] = max(latest_raised.get(flag, (row["day"], row["ref"])), (row["day"], row["ref"]))
    latest_cleared: dict[str, tuple[date, int]] = {}
    for row in cleared:
        flag = row["text"]
        latest_cleared[flag] = max(latest_cleared.get(flag, (row["day"], row["ref"])), (row["day"], row["ref"]))
    return frozenset(
        flag for flag, at in latest_cleared.items() if flag not in latest_raised or at >= latest_raised[flag]
    )


def as_engine_technique(technique: Technique) -> screening.Technique:
    return screening.Technique(code=technique.code, name=technique.name, tags=frozenset(technique.tags))


def screen_patient(
    patient: Patient,
    technique: Technique,
    region: str,
    *,
    pressure: str | None = None,
    symptoms: frozenset[str] = frozenset(),
    local_findings: Iterable[tuple[str, str]] = (),
    also: Iterable[QuerySet] = (),
) -> list[screening.Finding]:
    """The findings for a technique on a region at the `pressure` given (firm or deep is deep work), from the
    patient's history, the red flags raised and cleared in the rows `also` given (facts_for), today's symptoms
    and today's `local_findings` ((finding, region) pairs)."""
    facts = facts_for(patient, symptoms=symptoms, local_findings=local_findings, also=also)
    return screening.screen(facts, as_engine_technique(technique), region, RULES, pressure=pressure or None)
