"""Every write to a patient's record: validated, in one transaction, and audited."""

import base64
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import Organization, User
from fascia.lib.pdf import render_pdf
from fascia.lib.png import drawing_problem
from fascia.patients import medications
from fascia.patients.models import (
    Allergy,
    Condition,
    Consent,
    ConsentDocument,
    HistoryStatus,
    Implant,
    Medication,
    Patient,
    Source,
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
def update_patient(
    *, actor: User, patient: Patient, audit_detail: dict[str, Any] | None = None, **fields: Any
) -> Patient:
    """Change a patient's demographics; the audit entry lists the fields that changed (and `audit_detail`:
    where the change came from, an intake's item)."""
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
    audit.record(
        actor=actor,
        action=AuditAction.PATIENT_UPDATED,
        target=patient,
        detail={"fields": changed, **(audit_detail or {})},
    )
    return patient


@transaction.atomic
def set_preferred_language(*, actor: User, patient: Patient, language: str) -> Patient:
    """Keep the language the patient chose in the portal as the language of their emails; audited like any change
    of their demographics. A code not in settings.LANGUAGES is a ValidationError; the same one changes nothing."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"preferred_language": f"Unknown language {language!r}."})
    if patient.preferred_language == language:
        return patient
    patient.preferred_language = language
    patient.save(update_fields=["preferred_language", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.PATIENT_UPDATED,
        target=patient,
        detail={"fields": ["preferred_language"], "preferred_language": language, "source": "portal"},
    )
    return patient


@transaction.atomic
def add_history_entry(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    source: str = Source.STAFF,
    audit_detail: dict[str, Any] | None = None,
    **fields: Any,
) -> Any:
    """Add an entry to the medical history: typed by staff, or (source patient) accepted from an intake."""
    model = HISTORY_MODELS[kind]
    entry = model(patient=patient, created_by=actor, updated_by=actor, source=source, **fields)
    entry.full_clean(exclude=SET_BY_SERVICE, validate_unique=False)
    entry.save()
    audit.record(actor=actor, action=AuditAction.HISTORY_ADDED, target=entry, patient=patient, detail=audit_detail)
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
def update_medication(
    *, actor: User, entry: Medication, audit_detail: dict[str, Any] | None = None, **fields: Any
) -> Medication:
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
        detail={"fields": changed, **(audit_detail or {})},
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


def document_text(text: str) -> str:
    """A consent document's text as stored and hashed: Unix line ends (a browser sends a textarea's with
    carriage returns), no trailing spaces, so the same words always give the same SHA-256."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n"))


@transaction.atomic
def publish_consent_document(
    *, actor: User, organization: Organization, kind: str, title: str, text: str
) -> ConsentDocument:
    """Publish a new version of one of the clinic's consent documents; the previous versions stay, for the
    consents signed against them, and patients sign the new one from now on."""
    # The organization's row lock makes two admins publishing at once number their versions one after the other.
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    latest = ConsentDocument.objects.filter(organization=organization, kind=kind).order_by("-version").first()
    text = document_text(text)
    document = ConsentDocument(
        organization=organization,
        kind=kind,
        version=latest.version + 1 if latest else 1,
        title=title.strip(),
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        published_by=actor,
    )
    document.full_clean(exclude=["organization", "published_by"])
    if latest and (latest.title, latest.text) == (document.title, document.text):
        raise ValidationError({"text": "This is the current version's title and text: change them to publish."})
    document.save(force_insert=True)
    audit.record(
        actor=actor,
        action=AuditAction.CONSENT_DOCUMENT_PUBLISHED,
        target=document,
        detail={"kind": kind, "version": document.version, "sha256": document.sha256},
    )
    return document


@transaction.atomic
def sign_consent_document(
    *,
    actor: User,
    patient: Patient,
    document: ConsentDocument,
    typed_name: str,
    signature: bytes | None,
    typed_name_only: bool = False,
    agreed_to_electronic_records: bool,
    ip: str | None,
    user_agent: str,
    signed_by: str = Consent.Signer.PATIENT,
    representative_name: str = "",
) -> Consent:
    """Record the consent a patient (or their representative) signs electronically on `document`, with the
    signed PDF: the document's text, version and hash, the typed name, the drawn signature, the time, IP and
    user agent. `actor` is whoever is signed in: the staff member whose device the patient signs on, or (the
    portal) the patient's own account.

    The signature is the drawn image, or, for someone who cannot draw on the pad (a keyboard user), the typed
    name alone with `typed_name_only` ticked: the typed name with the stated intent to sign is the signature.
    """
    errors: dict[str, str] = {}
    typed_name = " ".join(typed_name.split())
    representative_name = representative_name.strip() if signed_by == Consent.Signer.REPRESENTATIVE else ""
    if not agreed_to_electronic_records:
        errors["agreed_to_electronic_records"] = _(
            "Agree to sign and keep this record electronically, or sign on paper."
        )
    if not typed_name:
        errors["typed_name"] = _("Type your full name.")
    elif len(typed_name) > 120:
        errors["typed_name"] = _("Type your name in 120 characters or fewer.")
    if signature:
        if problem := drawing_problem(signature):
            errors["signature"] = problem
    elif not typed_name_only:
        errors["signature"] = _("Draw your signature, or tick “I cannot draw; my typed name is my signature”.")
    if signed_by == Consent.Signer.REPRESENTATIVE and not representative_name:
        errors["representative_name"] = _("Name the representative who signs, and how related to the patient.")
    if document.organization_id != patient.organization_id:
        errors["document"] = _("Choose one of the practice's documents.")
    else:
        current = (
            ConsentDocument.objects.filter(organization_id=document.organization_id, kind=document.kind)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        if current != document.version:
            errors["document"] = _(
                "A newer version (%(version)s) of “%(title)s” was published after this page was opened: "
                "read it and sign that one."
            ) % {"version": current, "title": document.title}
    if errors:
        raise ValidationError(errors)

    signed_at = timezone.localtime()  # clinic time (settings.TIME_ZONE)
    consent = Consent(
        patient=patient,
        kind=document.kind,
        date=signed_at.date(),
        signed_by=signed_by,
        representative_name=representative_name,
        document=document,
        recorded_by=actor,
    )
    consent.full_clean(exclude=[*SET_BY_SERVICE, "recorded_by", "document", "payer", "signed_pdf"])
    pdf = render_pdf(
        "patients/consent_pdf.html",
        {
            "patient": patient,
            "document": document,
            "typed_name": typed_name,
            # The consent keeps a representative only for the billing signatures; the signed PDF names one always.
            "representative_name": representative_name,
            "signature": base64.b64encode(signature).decode() if signature else "",
            "signed_at": signed_at,
            "ip": ip or "not known",
            "user_agent": user_agent or "not known",
        },
    )
    consent.signed_pdf = ContentFile(pdf, name="consent.pdf")
    consent.save()
    audit.record(
        actor=actor,
        action=AuditAction.CONSENT_SIGNED,
        target=consent,
        patient=patient,
        detail={
            "document": str(document.public_id),
            "version": document.version,
            "sha256": document.sha256,
            "typed_name_only": not signature,
            "user_agent": user_agent[:300],
            "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        },
    )
    return consent
