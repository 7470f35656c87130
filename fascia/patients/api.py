from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar, get_args
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import StrictBool

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.api import ABSENT, NOT_BLANK, Pages, Plausible, api_user, limits
from fascia.core.models import Location, User
from fascia.patients import medications, queries, services
from fascia.patients.models import Medication, Patient
from fascia.practitioners.models import Practitioner

router = Router(tags=["patients"])
M = TypeVar("M", bound=Model)


class PatientOut(Schema):
    id: UUID = Field(..., alias="public_id")
    mrn: str
    family_name: str
    given_name: str
    middle_name: str
    preferred_name: str
    birth_date: date
    sex: Patient.Sex
    gender_identity: str
    pronouns: str
    phone: str
    email: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    emergency_contact_name: str
    emergency_contact_relationship: str
    emergency_contact_phone: str
    preferred_location_id: UUID | None
    preferred_practitioner_id: UUID | None
    is_active: bool
    is_pregnant: bool
    pregnancy_due_date: date | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_preferred_location_id(patient: Patient) -> UUID | None:
        return patient.preferred_location.public_id if patient.preferred_location else None

    @staticmethod
    def resolve_preferred_practitioner_id(patient: Patient) -> UUID | None:
        return patient.preferred_practitioner.public_id if patient.preferred_practitioner else None


# A phone number as typed, "(206) 555-0119 ext. 12"; stored normalized, which the model's length is for.
PHONE_INPUT = Field(max_length=30)


# A field left out is left as it is (ABSENT); null is refused (422) where the record cannot hold it.
class PatientPatch(Schema):
    family_name: Annotated[str, NOT_BLANK, limits(Patient, "family_name")] = ABSENT
    given_name: Annotated[str, NOT_BLANK, limits(Patient, "given_name")] = ABSENT
    middle_name: Annotated[str, limits(Patient, "middle_name")] = ABSENT
    preferred_name: Annotated[str, limits(Patient, "preferred_name")] = ABSENT
    birth_date: Annotated[date, Plausible()] = Field(ABSENT, description="From 1900 to today")
    sex: Patient.Sex = ABSENT
    gender_identity: Patient.GenderIdentity = ABSENT
    pronouns: Annotated[str, limits(Patient, "pronouns")] = ABSENT
    phone: Annotated[str, PHONE_INPUT] = ABSENT
    email: Annotated[str, limits(Patient, "email")] = ABSENT
    address_line1: Annotated[str, limits(Patient, "address_line1")] = ABSENT
    address_line2: Annotated[str, limits(Patient, "address_line2")] = ABSENT
    city: Annotated[str, limits(Patient, "city")] = ABSENT
    state: Annotated[str, limits(Patient, "state")] = ABSENT
    postal_code: Annotated[str, limits(Patient, "postal_code")] = ABSENT
    emergency_contact_name: Annotated[str, limits(Patient, "emergency_contact_name")] = ABSENT
    emergency_contact_relationship: Annotated[str, limits(Patient, "emergency_contact_relationship")] = ABSENT
    emergency_contact_phone: Annotated[str, PHONE_INPUT] = ABSENT
    preferred_location_id: UUID | None = None
    preferred_practitioner_id: UUID | None = None
    is_active: StrictBool = ABSENT
    is_pregnant: StrictBool = ABSENT
    pregnancy_due_date: date | None = None


class PatientIn(PatientPatch):
    family_name: Annotated[str, NOT_BLANK, limits(Patient, "family_name")]
    given_name: Annotated[str, NOT_BLANK, limits(Patient, "given_name")]
    birth_date: Annotated[date, Plausible()] = Field(..., description="From 1900 to today")
    sex: Patient.Sex


class PatientFilter(Schema):
    q: str = Field("", max_length=100, description="Name fragment, date of birth, phone or MRN")
    include_inactive: bool = False


def _model_fields(user: User, data: dict) -> dict:
    """Turn API field values into model field values, resolving ids within the organization."""
    fields = {k: v for k, v in data.items() if k not in ("preferred_location_id", "preferred_practitioner_id")}
    for key in ("sex", "gender_identity"):
        if key in fields and fields[key] is not None:
            fields[key] = fields[key].value if hasattr(fields[key], "value") else fields[key]
    if "preferred_location_id" in data:
        fields["preferred_location"] = _resolve(
            Location.objects.filter(organization_id=user.member_organization_id),
            data["preferred_location_id"],
            "preferred_location_id",
            "No such location in your organization.",
        )
    if "preferred_practitioner_id" in data:
        fields["preferred_practitioner"] = _resolve(
            Practitioner.objects.filter(user__organization_id=user.member_organization_id),
            data["preferred_practitioner_id"],
            "preferred_practitioner_id",
            "No such practitioner in your organization.",
        )
    return fields


def _resolve(queryset: QuerySet[M], public_id: UUID | None, field: str, message: str) -> M | None:
    if public_id is None:
        return None
    found = queryset.filter(public_id=public_id).first()
    if found is None:
        raise ValidationError({field: message})
    return found


@router.get("", response=list[PatientOut], summary="Search patients")
@paginate(Pages, page_size=25)
def list_patients(request: HttpRequest, filters: Query[PatientFilter]) -> QuerySet[Patient]:
    user = api_user(request, roles.VIEW_PATIENT)
    patients = queries.search_patients(user, filters.q, include_inactive=filters.include_inactive)
    audit.record(
        actor=user,
        action=AuditAction.PATIENT_SEARCHED,
        target=user.organization,
        detail={"query": filters.q, "via": "api"},
    )
    return patients.select_related("preferred_practitioner")


@router.post("", response={201: PatientOut}, summary="Register a patient")
def create_patient(request: HttpRequest, payload: PatientIn) -> Status:
    user = api_user(request, roles.ADD_PATIENT)
    fields = _model_fields(user, payload.dict(exclude_unset=True))
    assert user.organization is not None  # api_user admits only staff of an organization
    return Status(201, services.create_patient(actor=user, organization=user.organization, **fields))


@router.get("/{patient_id}", response=PatientOut, summary="Read a patient")
def get_patient(request: HttpRequest, patient_id: UUID) -> Patient:
    user = api_user(request, roles.VIEW_PATIENT)
    patient = queries.get_patient_for_user(user, patient_id)
    audit.record(actor=user, action=AuditAction.PATIENT_VIEWED, target=patient, detail={"via": "api"})
    return patient


@router.patch("/{patient_id}", response=PatientOut, summary="Change a patient's details")
def update_patient(request: HttpRequest, patient_id: UUID, payload: PatientPatch) -> Patient:
    user = api_user(request, roles.CHANGE_PATIENT)
    patient = queries.get_patient_for_user(user, patient_id)
    fields = _model_fields(user, payload.dict(exclude_unset=True))
    return services.update_patient(actor=user, patient=patient, **fields)


# --- Medications: flags derived from the name, corrected by a practitioner ------------------------------

Flag = Literal["anticoagulant", "antiplatelet", "corticosteroid", "analgesic", "muscle-relaxant"]


class MedicationOut(Schema):
    id: UUID = Field(..., alias="public_id")
    status: str
    name: str
    dose: str
    notes: str
    derived_flags: list[str] | None = Field(
        ..., description="What the drug table reads in the name and dose; null when it recognizes no drug"
    )
    corrections: dict[str, bool] = Field(..., description="The flags a practitioner set, true or false")
    bleeding_answer: Medication.Answer = Field(
        ..., description='The answer to "anticoagulant or antiplatelet?" ("" when not answered)'
    )
    flags: list[str] | None = Field(
        ..., description="The flags screening reads; null while unclassified (screening cautions deep work)"
    )
    unclassified: bool

    @staticmethod
    def resolve_derived_flags(entry: Medication) -> list[str] | None:
        derived = entry.derived_flags
        return None if derived is None else [flag for flag in medications.FLAGS if flag in derived]

    @staticmethod
    def resolve_corrections(entry: Medication) -> dict[str, bool]:
        return {flag: value for flag, value in entry.corrections.items() if value is not None}

    @staticmethod
    def resolve_flags(entry: Medication) -> list[str] | None:
        flags = entry.screening_flags
        return None if flags is None else [flag for flag in medications.FLAGS if flag in flags]


class MedicationPatch(Schema):  # null is refused as in PatientPatch, but for a flag's correction
    name: Annotated[str, NOT_BLANK, limits(Medication, "name")] = ABSENT
    dose: Annotated[str, limits(Medication, "dose")] = ABSENT
    notes: Annotated[str, limits(Medication, "notes")] = ABSENT
    corrections: dict[Flag, StrictBool | None] = Field(
        ABSENT,
        description="Flags to correct: true or false; null gives the flag back to the name",
        json_schema_extra={"propertyNames": {"enum": list(get_args(Flag))}},
    )
    bleeding_answer: Medication.Answer = ABSENT


class MedicationIn(MedicationPatch):
    name: Annotated[str, NOT_BLANK, limits(Medication, "name")]


def _medication_fields(data: dict) -> dict:
    fields = {key: value for key, value in data.items() if key != "corrections"}
    for flag, value in (data.get("corrections") or {}).items():
        fields[medications.FLAGS[flag][0]] = value
    return fields


def _get_medication(patient: Patient, medication_id: UUID) -> Medication:
    entry = Medication.objects.filter(patient=patient, public_id=medication_id).first()
    if entry is None:
        raise Http404("No such medication.")
    entry.patient = patient
    return entry


@router.post(
    "/{patient_id}/medications",
    response={201: MedicationOut},
    summary="Add a medication (its flags are derived from the name and dose)",
)
def add_medication(request: HttpRequest, patient_id: UUID, payload: MedicationIn) -> Status:
    user = api_user(request, roles.CHANGE_HISTORY)
    patient = queries.get_patient_for_user(user, patient_id)
    fields = _medication_fields(payload.dict(exclude_unset=True))
    return Status(201, services.add_history_entry(actor=user, patient=patient, kind="medication", **fields))


@router.patch(
    "/{patient_id}/medications/{medication_id}",
    response=MedicationOut,
    summary="Correct a medication in place: name, dose, flags, or the answer to the bleeding question",
)
def update_medication(request: HttpRequest, patient_id: UUID, medication_id: UUID, payload: MedicationPatch) -> Any:
    user = api_user(request, roles.CHANGE_HISTORY)
    patient = queries.get_patient_for_user(user, patient_id)
    entry = _get_medication(patient, medication_id)
    fields = _medication_fields(payload.dict(exclude_unset=True))
    try:
        return services.update_medication(actor=user, entry=entry, **fields)
    except services.PatientError as e:
        raise HttpError(409, str(e)) from e
