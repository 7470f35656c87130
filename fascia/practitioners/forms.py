from datetime import timedelta
from typing import Any

from django import forms

from fascia.core.forms import CheckedFileField, DateInput, StyledModelForm, limit_choices
from fascia.core.models import Organization, User
from fascia.core.roles import Role
from fascia.lib.uploads import checked_upload
from fascia.practitioners.models import CECategory, CourseRecord, Credential, Practitioner, RenewalRequirement

# More hours a day than this is a typo (minutes entered as hours, say), not a course.
MAX_HOURS_PER_DAY = 12


# A copy or a certificate is checked as the services check it: PDF, PNG or JPEG by its bytes, up to 10 MB.
DOCUMENT_TYPES = ".pdf,.png,.jpg,.jpeg"


class CredentialForm(StyledModelForm):
    document = CheckedFileField(
        check=checked_upload,
        accept=DOCUMENT_TYPES,
        widget=forms.ClearableFileInput,
        label="Copy",
        required=False,
        help_text="A scan of the license, certificate or policy: PDF, PNG or JPEG, up to 10 MB",
    )

    class Meta:
        model = Credential
        fields = [
            "kind",
            "specialty",
            "name",
            "issuing_body",
            "state",
            "number",
            "coverage_limits",
            "issued_on",
            "expires_on",
            "status",
        ]
        widgets = {"issued_on": DateInput(), "expires_on": DateInput()}


class CourseForm(StyledModelForm):
    certificate = CheckedFileField(
        check=checked_upload,
        accept=DOCUMENT_TYPES,
        widget=forms.ClearableFileInput,
        required=False,
        help_text="The certificate of completion: PDF, PNG or JPEG, up to 10 MB",
    )

    class Meta:
        model = CourseRecord
        fields = ["title", "provider", "approval_number", "category", "hours", "live", "started_on", "completed_on"]
        widgets = {
            "started_on": DateInput(),
            "completed_on": DateInput(),
            "hours": forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "100"}),
        }
        help_texts = {"hours": "Contact hours as on the certificate, in half hours"}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        started, completed, hours = data.get("started_on"), data.get("completed_on"), data.get("hours")
        if started and completed and hours and completed >= started:
            days = (completed - started + timedelta(days=1)).days
            if hours > MAX_HOURS_PER_DAY * days:
                self.add_error(
                    "hours",
                    f"{hours} hours in {days} day{'s' if days > 1 else ''} is more than {MAX_HOURS_PER_DAY} a day.",
                )
        return data


class RequirementForm(StyledModelForm):
    """A renewal requirement, with one field per CE category for its minimum hours."""

    class Meta:
        model = RenewalRequirement
        fields = ["kind", "state", "issuing_body", "cycle_months", "total_hours", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in CECategory.choices:
            self.fields[f"min_{value}"] = forms.DecimalField(
                label=f"Minimum hours: {label.lower()}",
                required=False,
                min_value=0,
                max_value=200,
                decimal_places=1,
                initial=self.instance.category_minimums.get(value),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self.instance.category_minimums = {
            value: float(data[f"min_{value}"]) for value, _ in CECategory.choices if data.get(f"min_{value}")
        }
        return data


class StaffForm(StyledModelForm):
    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(
        label="Initial password",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters. The staff member can change it after signing in.",
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "is_active"]

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        if editing:
            del self.fields["password"]


class PractitionerForm(StyledModelForm):
    use_required_attribute = False  # required only when the role is practitioner; checked in the view

    class Meta:
        model = Practitioner
        fields = ["credential_suffix", "npi", "taxonomy_code", "license_number", "license_state", "locations"]
        widgets = {"locations": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "locations", organization.locations.filter(is_active=True))
