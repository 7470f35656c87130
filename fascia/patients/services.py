"""Every write to a patient's record: validated, in one transaction, and audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import Organization, User
from fascia.patients import medications
from fascia.patients.models import (
    Allergy,
    Condition,
    Consent,
    HistoryStatus,
    Implant,
    Medication,
    Patient,
    Surgery,
)

HISTORY_MODELS: dict[str, type[Condition | Surgery | Medication | Allergy | Implant]] = {
    "condition": Condition,
    "surgery": Surgery,
    "medication": Medication,
    "allergy": Allergy,
    "implant": Implant,
}


class PatientError(Exception):
    pass


# Links a service sets from rows its caller has just read (the organization, the acting user, the patient):
# full_clean() would read each again to check it exists, a SELECT apiece. Nor is the new random public_id
# looked up for uniqueness. The foreign keys and the unique index still hold in the database.
SET_BY_SERVICE = ["organization", "patient", "created_by", "updated_by"]


def mrn_for(counter: int) -> str:
    """The medical record number the organization's `counter`-th patient gets."""
    return f"{counter:07d}"


def next_mrn(organization: Organization) -> str:
    """Hand out the organization's next medical record number.

    The UPDATE takes the row's write lock before anything is read, so two registrations at
    the same moment queue up instead of getting the same number (on SQLite and PostgreSQL).
    """
    Organization.objects.filter(pk=organization.pk).update(mrn_counter=F("mrn_counter") + 1)
    return mrn_for(Organization.objects.values_list("mrn_counter", flat=True).get(pk=organization.pk))


@transaction.atomic
def create_patient(*, actor: User, organization: Organization, **fields: Any) -> Patient:
    """Register a patient. Raises django.core.exceptions.ValidationError on bad input, saving nothing."""
    patient = Patient(organization=organization, created_by=actor, updated_by=actor, **fields)
    patient.full_clean(exclude=["mrn", *SET_BY_SERVICE], validate_unique=False)
    patient.mrn = next_mrn(organization)
    patient.refresh_search_text()
    patient.save()
    audit.record(actor=actor, action=AuditAction.PATIENT_CREATED, target=patient)
    return patient


@transaction.atomic
def update_patient(*, actor: User, patient: Patient, **fields: Any) -> Patient:
    """Change a patient's demographics; the audit entry lists the fields that changed."""
    before = {name: getattr(patient, name) for name in fields}
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    changed = sorted(name for name in fields if getattr(patient, name) != before[name])
    if not changed:
        return patient
    patient.updated_by = actor
    patient.refresh_search_text()
    patient.save()
    audit.record(actor=actor, action=AuditAction.PATIENT_UPDATED, target=patient, detail={"fields": changed})
    return patient


@transaction.atomic
def add_history_entry(*, actor: User, patient: Patient, kind: str, **fields: Any) -> Any:
    model = HISTORY_MODELS[kind]
    entry = model(patient=patient, created_by=actor, updated_by=actor, **fields)
    entry.full_clean(exclude=SET_BY_SERVICE, validate_unique=False)
    entry.save()
    audit.record(actor=actor, action=AuditAction.HISTORY_ADDED, target=entry, patient=patient)
    return entry


@transaction.atomic
def change_history_status(*, actor: User, entry: Any, status: str) -> Any:
    if status not in HistoryStatus.values:
        raise PatientError(f"Unknown status {status!r}.")
    if entry.status == HistoryStatus.ENTERED_IN_ERROR:
        raise PatientError("An entry marked entered-in-error stays that way; add a new entry instead.")
    old = entry.status
    entry.status, entry.updated_by = status, actor
    entry.save(update_fields=["status", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.HISTORY_STATUS_CHANGED,
        target=entry,
        patient=entry.patient,
        detail={"from": old, "to": status},
    )
    return entry


# What correcting a medication may change: its status has its own service (change_history_status).
MEDICATION_FIELDS = frozenset({"name", "dose", "bleeding_answer", "notes", *medications.FLAG_FIELDS})


@transaction.atomic
def update_medication(*, actor: User, entry: Medication, **fields: Any) -> Medication:
    """Correct a medication in place (its name, dose, flags or the answer to the bleeding question): the
    entry stays the same one, and the audit entry lists the fields that changed. Raises ValidationError on
    bad input, saving nothing."""
    unknown = sorted(set(fields) - MEDICATION_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    if entry.status == HistoryStatus.ENTERED_IN_ERROR:
        raise PatientError("An entry marked entered-in-error stays that way; add a new entry instead.")
    before = {name: getattr(entry, name) for name in fields}
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.full_clean(exclude=SET_BY_SERVICE, validate_unique=False)
    changed = sorted(name for name in fields if getattr(entry, name) != before[name])
    if not changed:
        return entry
    entry.updated_by = actor
    entry.save(update_fields=[*changed, "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.HISTORY_UPDATED,
        target=entry,
        patient=entry.patient,
        detail={"fields": changed},
    )
    return entry


@transaction.atomic
def record_consent(*, actor: User, patient: Patient, **fields: Any) -> Consent:
    consent = Consent(patient=patient, recorded_by=actor, **fields)
    if consent.kind != Consent.Kind.CONTACT:
        consent.allow_email = consent.allow_sms = consent.allow_voicemail = False
    consent.full_clean()
    consent.save()
    audit.record(actor=actor, action=AuditAction.CONSENT_RECORDED, target=consent, patient=patient)
    return consent
