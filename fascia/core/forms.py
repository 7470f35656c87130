"""Forms on every page: Bootstrap classes, accessible error wiring, and a posted form handed to its service."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.forms.renderers import Jinja2, TemplatesSetting
from django.http import HttpRequest

from fascia.audit.models import AuditAction
from fascia.core.models import Location, Organization, Room, User


class FasciaBoundField(BoundField):
    """Adds Bootstrap classes, and ties an invalid input to its error text for screen readers."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if self.form.is_bound and self.errors:
            css += " is-invalid"
            attrs["aria-invalid"] = "true"
            described = [f"{self.auto_id}_error"]
            if self.help_text:
                described.append(f"{self.auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(described)
        attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        return attrs


# Widgets the project's templates render: the groups of checkboxes and radio buttons, whose shared template it
# replaces (templates/django/forms/widgets/multiple_input.html); Django's Jinja2 copies would include their own.
OWN_WIDGETS = {f"django/forms/widgets/{name}.html" for name in ("checkbox_select", "radio", "multiple_input")}


class FasciaFormRenderer(TemplatesSetting):
    """Forms and fields through the project's templates (templates/forms/), with Bootstrap's markup.

    The widgets themselves (inputs, selects and their options) render from Django's own Jinja2 copies of its
    widget templates, autoescaped like the rest: a visit note's form is a few hundred of them, and the
    template language took most of the page's time rendering them one include at a time (bench/README.md).
    """

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    widgets = Jinja2()

    def get_template(self, template_name: str) -> Any:
        if template_name.startswith("django/forms/widgets/") and template_name not in OWN_WIDGETS:
            return self.widgets.get_template(template_name)
        return super().get_template(template_name)


def limit_choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Offer only `queryset` in the form's model choice field `name` (a form's fields are typed as plain Fields)."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a model choice field")
    field.queryset = queryset


Saved = TypeVar("Saved")


def saved(request: HttpRequest, form: forms.BaseForm, save: Callable[[], Saved]) -> Saved | None:
    """What `save` (a service) returns for a posted, valid form; None when the form is not posted, not
    valid, or the service refuses it with a ValidationError, which goes on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save()
    except ValidationError as e:
        form.add_error(None, e)
        return None


class StyledForm(forms.Form):
    bound_field_class = FasciaBoundField


class StyledModelForm(forms.ModelForm):
    bound_field_class = FasciaBoundField


class RowChoiceField(forms.ChoiceField):
    """A choice field of a repeated row, its choices given to Django as a function that returns them.

    Django deep-copies a form's fields for every form, and a list of choices with them, once for the field
    and once for its widget: a visit note's rows copied thousands of choice tuples a request. The copies
    of a function are the same function, so every row shares the one list."""

    def __init__(self, *, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(choices=lambda: choices, **kwargs)


class CheckedFileField(forms.FileField):
    """An upload checked by its content as the service that stores it checks it, so its error shows with the other
    fields'.

    `check` is that service's checker (fascia.lib.uploads: checked_upload for documents, checked_image for
    pictures), which holds the accepted types, the size limit and the messages; `accept` hints the browser's file
    picker. A field that may be cleared on an edit form takes `widget=forms.ClearableFileInput`.
    """

    def __init__(
        self,
        *,
        check: Callable[["File[bytes]"], str],
        accept: str,
        widget: type[forms.FileInput] = forms.FileInput,
        **kwargs: Any,
    ) -> None:
        self.check = check
        super().__init__(widget=widget(attrs={"accept": accept}), **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value:
            self.check(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


# The 837P names the billing provider and a service facility with nine-digit ZIP codes (2010AA, 2310C N403).
ZIP_PLUS_4 = "ZIP+4, such as 98101-1234: electronic claims need all nine digits."


class OrganizationForm(StyledModelForm):
    class Meta:
        model = Organization
        fields = [
            "legal_name",
            "tax_id",
            "group_npi",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
        ]
        help_texts = {"postal_code": ZIP_PLUS_4}


class LocationForm(StyledModelForm):
    class Meta:
        model = Location
        fields = [
            "name",
            "kind",
            "place_of_service",
            "phone",
            "hours",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "is_active",
        ]
        help_texts = {"postal_code": ZIP_PLUS_4}


class RoomForm(StyledModelForm):
    class Meta:
        model = Room
        fields = ["name", "kind", "is_active"]


class AuditSearchForm(StyledForm):
    patient = forms.CharField(
        label="Patient",
        required=False,
        max_length=100,
        help_text="Name or MRN, or a part of them",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    patient_id = forms.UUIDField(required=False, widget=forms.HiddenInput())
    user = forms.CharField(label="Username", required=False, max_length=150)
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    since = forms.DateField(label="From", required=False, widget=DateInput())
    until = forms.DateField(label="To", required=False, widget=DateInput())


class TokenForm(StyledForm):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class LoginForm(auth_forms.AuthenticationForm):
    bound_field_class = FasciaBoundField

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if user.is_patient_account:
            raise ValidationError("This is a patient's account: sign in at the patient portal, /my/login/.")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    bound_field_class = FasciaBoundField
