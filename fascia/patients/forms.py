import base64
import binascii
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fascia.core.forms import DateInput, StyledForm, StyledModelForm, limit_choices
from fascia.core.models import Organization
from fascia.patients import medications
from fascia.patients.models import (
    Allergy,
    Condition,
    Consent,
    ConsentDocument,
    Implant,
    Medication,
    Patient,
    Surgery,
)
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
    "preferred_language",
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


class FlagSelect(forms.NullBooleanSelect):
    """A medication flag: as derived from the name (None), or a practitioner's yes or no."""

    def __init__(self, derived: str = "From the name") -> None:
        super().__init__()
        self.choices = [("unknown", derived), ("true", "Yes"), ("false", "No")]


ANSWERS = [choice for choice in Medication.Answer.choices if choice[0]]
QUESTION = "Anticoagulant or antiplatelet?"


class MedicationForm(StyledModelForm):
    """A medication as typed. Its flags are derived from the name and dose; each may be corrected."""

    bleeding_answer = forms.ChoiceField(
        label=QUESTION,
        choices=ANSWERS,
        required=False,
        widget=forms.RadioSelect,
        help_text="Asked while Fascia does not recognize the name: until it is answered yes or no, "
        "screening cautions deep work.",
    )

    class Meta:
        model = Medication
        fields = ["name", "dose", "bleeding_answer", *medications.FLAG_FIELDS, "status", "notes"]
        help_texts = {"name": "As on the label or as the patient says it, for example Eliquis 5 mg BID"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        derived = self.instance.derived_flags if self.instance.pk else None
        for field, flag in medications.FLAG_FIELDS.items():
            said = "From the name"
            if self.instance.pk:
                said += ": not recognized" if derived is None else f": {'yes' if flag in derived else 'no'}"
            label = self.fields[field].label
            self.fields[field] = forms.NullBooleanField(label=label, required=False, widget=FlagSelect(said))


class MedicationEditForm(MedicationForm):
    """Correcting a medication in place; its status changes on the chart, as every entry's does."""

    class Meta(MedicationForm.Meta):
        fields = [name for name in MedicationForm.Meta.fields if name != "status"]


class MedicationAnswerForm(StyledModelForm):
    """The chart's question for a medication nobody has classified."""

    bleeding_answer = forms.ChoiceField(label=QUESTION, choices=ANSWERS, widget=forms.RadioSelect)

    class Meta:
        model = Medication
        fields = ["bleeding_answer"]


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
        fields = [
            "kind",
            "granted",
            "date",
            "signed_by",
            "representative_name",
            "payer",
            "allow_email",
            "allow_sms",
            "allow_voicemail",
            "notes",
        ]
        widgets = {"date": DateInput()}
        help_texts = {
            "allow_email": "Contact preferences only",
            "signed_by": "Assignment of benefits and release of information: who signed",
            "payer": "Assignment of benefits and release of information: leave empty for all payers",
        }
        labels = {"payer": "For payer"}

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The practice's payers (billing's model, named through the field: patients imports nothing of billing).
        payers = Consent._meta.get_field("payer").related_model._default_manager  # type: ignore[union-attr]
        limit_choices(self, "payer", payers.filter(organization_id=organization_id, is_active=True))
        self.fields["payer"].empty_label = "All payers"  # type: ignore[attr-defined]


PNG_DATA_URL = "data:image/png;base64,"


class ConsentSignForm(StyledForm):
    """Signing a consent document on a device. Only the shape is checked here; sign_consent_document says what
    is missing or wrong, in the same words on the clinic's tablet and, later, in the portal."""

    document = forms.UUIDField(widget=forms.HiddenInput)
    agreed_to_electronic_records = forms.BooleanField(
        label=_("I agree to sign this document electronically and to receive and keep it as an electronic record."),
        required=False,
    )
    signed_by = forms.ChoiceField(
        label=_("Who signs"), choices=Consent.Signer.choices, initial=Consent.Signer.PATIENT, widget=forms.RadioSelect
    )
    representative_name = forms.CharField(
        label=_("Representative's name and relationship"),
        required=False,
        max_length=120,
        help_text=_("Only when a parent, guardian or other authorized representative signs"),
    )
    typed_name = forms.CharField(label=_("Your full name"), required=False)
    # The drawing as the pad exports it (a PNG data URL); the service checks the image itself.
    signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=1_000_000)
    typed_name_only = forms.BooleanField(label=_("I cannot draw; my typed name is my signature"), required=False)

    def clean_signature(self) -> bytes | None:
        value = self.cleaned_data["signature"]
        if not value:
            return None
        if not value.startswith(PNG_DATA_URL):
            raise ValidationError(_("The signature is not a PNG image."))
        try:
            return base64.b64decode(value.removeprefix(PNG_DATA_URL), validate=True)
        except binascii.Error:
            raise ValidationError("The signature image is damaged.") from None


class ConsentDocumentForm(StyledModelForm):
    class Meta:
        model = ConsentDocument
        fields = ["title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 16})}
        help_texts = {"text": "Plain text; a blank line starts a new paragraph. Patients sign exactly these words."}


class SearchForm(StyledForm):
    q = forms.CharField(label="Find a patient", required=False, max_length=100)
    inactive = forms.BooleanField(label="Include inactive patients", required=False)


class BirthDateForm(StyledForm):
    """The second key to a link emailed to a patient (a portal invitation, a questionnaire)."""

    birth_date = forms.DateField(label=_("Your date of birth"), widget=DateInput())
