from typing import Any

from django import forms

from fascia.core.forms import DateInput, StyledForm, StyledModelForm, limit_choices
from fascia.core.models import Organization
from fascia.patients.models import Allergy, Condition, Consent, Implant, Medication, Patient, Surgery
from fascia.practitioners.models import Practitioner

PATIENT_FIELDS = [
    "family_name",
    "given_name",
    "middle_name",
    "preferred_name",
    "birth_date",
    "sex",
    "gender_identity",
    "pronouns",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "preferred_location",
    "preferred_practitioner",
    "is_active",
    "is_pregnant",
    "pregnancy_due_date",
]


class PatientForm(StyledModelForm):
    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        widgets = {
            "birth_date": DateInput(),
            "pregnancy_due_date": DateInput(),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        limit_choices(self, "preferred_location", organization.locations.filter(is_active=True))
        limit_choices(
            self,
            "preferred_practitioner",
            Practitioner.objects.filter(user__organization=organization, user__is_active=True).select_related("user"),
        )


class ConditionForm(StyledModelForm):
    class Meta:
        model = Condition
        fields = ["description", "icd10_code", "onset_date", "status", "notes"]
        widgets = {"onset_date": DateInput()}
        help_texts = {"icd10_code": "Optional, for example M54.50"}


class SurgeryForm(StyledModelForm):
    class Meta:
        model = Surgery
        fields = ["procedure", "body_region", "performed_on", "notes"]
        widgets = {"performed_on": DateInput()}


class MedicationForm(StyledModelForm):
    class Meta:
        model = Medication
        fields = [
            "name",
            "dose",
            "is_anticoagulant",
            "is_corticosteroid",
            "is_analgesic",
            "is_muscle_relaxant",
            "status",
            "notes",
        ]


class AllergyForm(StyledModelForm):
    class Meta:
        model = Allergy
        fields = ["substance", "category", "reaction", "severity", "notes"]


class ImplantForm(StyledModelForm):
    class Meta:
        model = Implant
        fields = ["description", "body_region", "implanted_on", "notes"]
        widgets = {"implanted_on": DateInput()}


HISTORY_FORMS: dict[str, type[StyledModelForm]] = {  # a form for each kind of medical history entry
    "condition": ConditionForm,
    "surgery": SurgeryForm,
    "medication": MedicationForm,
    "allergy": AllergyForm,
    "implant": ImplantForm,
}


class ConsentForm(StyledModelForm):
    class Meta:
        model = Consent
        fields = ["kind", "granted", "date", "allow_email", "allow_sms", "allow_voicemail", "notes"]
        widgets = {"date": DateInput()}
        help_texts = {"allow_email": "Contact preferences only"}


class SearchForm(StyledForm):
    q = forms.CharField(label="Find a patient", required=False, max_length=100)
    inactive = forms.BooleanField(label="Include inactive patients", required=False)
