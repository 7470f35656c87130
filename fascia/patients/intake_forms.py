"""The intake's sections as forms: what a patient may write, checked as the chart's own fields check it.

The portal shows them; submit_intake and save_intake_draft validate the same answers with them, so a section
refused in one place is refused in the other. A valid section's answers are kept as JSON (`as_json`): text,
booleans, lists and ISO dates, as they will be compared with the chart and written into it on review.
"""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.core.forms import DateInput, StyledForm, StyledModelForm
from fascia.patients.models import Allergy, BodyRegion, Condition, Implant, Medication, Patient, Surgery

# The patient's details, in the groups staff accept or reject as one (a changed address is one item).
DEMOGRAPHIC_GROUPS: dict[str, tuple[str, ...]] = {
    "name": ("family_name", "given_name", "middle_name"),
    "preferred_name": ("preferred_name",),
    "birth_date": ("birth_date",),
    "sex": ("sex",),
    "gender_identity": ("gender_identity",),
    "pronouns": ("pronouns",),
    "phone": ("phone",),
    "email": ("email",),
    "address": ("address_line1", "address_line2", "city", "state", "postal_code"),
    "emergency_contact": ("emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone"),
}
GROUP_LABELS = {
    "name": _("Name"),
    "preferred_name": _("Preferred name"),
    "birth_date": _("Date of birth"),
    "sex": _("Sex"),
    "gender_identity": _("Gender identity"),
    "pronouns": _("Pronouns"),
    "phone": _("Phone"),
    "email": _("Email"),
    "address": _("Address"),
    "emergency_contact": _("Emergency contact"),
}
DEMOGRAPHIC_FIELDS = [name for fields in DEMOGRAPHIC_GROUPS.values() for name in fields]
MAX_ENTRIES = 30  # of each list (medications, allergies …): more is not an intake


def model_field(model: type[models.Model], name: str) -> "models.Field[Any, Any]":
    """A concrete field of a model (get_field may also give a relation's reverse side)."""
    found = model._meta.get_field(name)
    assert isinstance(found, models.Field)
    return found


def as_json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


class DemographicsForm(StyledForm):
    """The patient's details. Every field is optional here: a blank answer leaves the chart as it is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in DEMOGRAPHIC_FIELDS:
            field = model_field(Patient, name).formfield()
            assert field is not None
            field.required = False
            self.fields[name] = field
        self.fields["birth_date"].widget = DateInput()
        for name in ("phone", "emergency_contact_phone"):
            self.fields[name].widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["sex"].label = _("Sex")
        for name, label in (
            ("family_name", _("Last name")),
            ("given_name", _("First name")),
            ("middle_name", _("Middle name")),
            ("preferred_name", _("Name you like to be called")),
            ("birth_date", _("Date of birth")),
            ("gender_identity", _("Gender identity")),
            ("pronouns", _("Pronouns")),
            ("phone", _("Mobile phone")),
            ("email", _("Email")),
            ("address_line1", _("Street address")),
            ("address_line2", _("Apartment, suite (optional)")),
            ("city", _("City")),
            ("state", _("State")),
            ("postal_code", _("ZIP code")),
            ("emergency_contact_name", _("Emergency contact's name")),
            ("emergency_contact_relationship", _("Their relationship to you")),
            ("emergency_contact_phone", _("Their phone")),
        ):
            self.fields[name].label = label
        for name in self.fields:
            self.fields[name].help_text = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Each answer as the chart's own field reads it (a phone typed any common way becomes 555-555-0123).
        for name in DEMOGRAPHIC_FIELDS:
            value = data.get(name)
            if value in ("", None) or name in self.errors:
                continue
            try:
                data[name] = model_field(Patient, name).clean(value, None)
            except ValidationError as e:
                self.add_error(name, e)
        return data

    def as_json(self) -> dict[str, Any]:
        return {
            name: as_json(self.cleaned_data[name])
            for name in DEMOGRAPHIC_FIELDS
            if self.cleaned_data.get(name) not in ("", None)
        }


YES_NO = [("", _("Prefer not to answer")), ("yes", _("Yes")), ("no", _("No"))]


class PregnancyForm(StyledForm):
    pregnant = forms.ChoiceField(label=_("Are you pregnant?"), choices=YES_NO, required=False)
    due_date = forms.DateField(label=_("Due date, if you know it"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        due = data.get("due_date")
        if due and data.get("pregnant") != "yes":
            self.add_error("due_date", _("Give a due date only if you are pregnant."))
        elif due and due < timezone.localdate():
            self.add_error("due_date", _("The due date is in the past."))
        return data

    def as_json(self) -> dict[str, Any]:
        if not self.cleaned_data.get("pregnant"):
            return {}
        pregnant = self.cleaned_data["pregnant"] == "yes"
        due = self.cleaned_data.get("due_date") if pregnant else None
        return {"is_pregnant": pregnant, "pregnancy_due_date": as_json(due)}


class ItemForm(StyledModelForm):
    """One entry of a list (a medication, an allergy …), checked by its chart model's own rules."""

    def as_json(self) -> dict[str, Any]:
        return {name: as_json(self.cleaned_data.get(name)) for name in self._meta.fields or ()}


class ConditionItemForm(ItemForm):
    class Meta:
        model = Condition
        fields = ["description"]
        labels = {"description": _("Condition, in your own words")}


class MedicationItemForm(ItemForm):
    class Meta:
        model = Medication
        fields = ["name", "dose"]
        labels = {"name": _("Medication name"), "dose": _("How much and how often (optional)")}


class AllergyItemForm(ItemForm):
    class Meta:
        model = Allergy
        fields = ["substance", "category", "reaction"]
        labels = {
            "substance": _("What you are allergic to"),
            "category": _("Kind"),
            "reaction": _("What happens (optional)"),
        }


class SurgeryItemForm(ItemForm):
    class Meta:
        model = Surgery
        fields = ["procedure", "body_region", "performed_on"]
        widgets = {"performed_on": DateInput()}
        labels = {
            "procedure": _("Surgery"),
            "body_region": _("Where on the body"),
            "performed_on": _("When (an approximate date is fine)"),
        }


class ImplantItemForm(ItemForm):
    class Meta:
        model = Implant
        fields = ["description", "body_region", "implanted_on"]
        widgets = {"implanted_on": DateInput()}
        labels = {
            "description": _("Implant or device (pacemaker, joint replacement, pump …)"),
            "body_region": _("Where on the body"),
            "implanted_on": _("When (optional)"),
        }


# The lists of the history, each with its form, in the order the intake asks them.
LIST_FORMS: dict[str, type[ItemForm]] = {
    "conditions": ConditionItemForm,
    "medications": MedicationItemForm,
    "allergies": AllergyItemForm,
    "surgeries": SurgeryItemForm,
    "implants": ImplantItemForm,
}
# The kind of intake item (and of chart history entry) each list holds.
LIST_KINDS = {
    "conditions": "condition",
    "medications": "medication",
    "allergies": "allergy",
    "surgeries": "surgery",
    "implants": "implant",
}


class ComplaintForm(StyledForm):
    complaint = forms.CharField(
        label=_("What brings you in?"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    goals = forms.CharField(
        label=_("What would you like to be able to do again?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pain_regions = forms.MultipleChoiceField(
        label=_("Where do you feel pain?"),
        choices=BodyRegion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def as_json(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or ("" if name != "pain_regions" else []) for name in self.fields}


def clean_section(section: str, data: Any) -> Any:
    """A section's answers as kept (JSON), or ValidationError with each problem keyed "section.field" (and
    "section.N.field" for the N-th entry of a list, from 0)."""
    if section in ("demographics", "pregnancy", "complaint"):
        form_class = {"demographics": DemographicsForm, "pregnancy": PregnancyForm, "complaint": ComplaintForm}[section]
        if not isinstance(data, dict):
            raise ValidationError({section: "Expected the section's fields."})
        form = form_class(data)
        if not form.is_valid():
            raise ValidationError({f"{section}.{field}": errors for field, errors in form.errors.items()})
        return form.as_json()
    if section in LIST_FORMS:
        if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
            raise ValidationError({section: "Expected a list of entries."})
        if len(data) > MAX_ENTRIES:
            raise ValidationError({section: f"List at most {MAX_ENTRIES}."})
        entries: list[dict[str, Any]] = []
        problems: dict[str, Any] = {}
        for n, entry in enumerate(data):
            item = LIST_FORMS[section](entry)
            if item.is_valid():
                entries.append(item.as_json())
            else:
                problems |= {f"{section}.{n}.{field}": errors for field, errors in item.errors.items()}
        if problems:
            raise ValidationError(problems)
        return entries
    raise ValidationError({section: "No such section."})


SECTIONS = ("demographics", "pregnancy", *LIST_FORMS, "complaint")
