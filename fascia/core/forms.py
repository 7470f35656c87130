"""Form rendering shared by every page: Bootstrap classes and accessible error wiring."""

import copy
import functools
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import SafeString, mark_safe

from fascia.core.models import Location, Organization, Room, User
from fascia.core.roles import Role
from fascia.lib.html import esc
from fascia.practitioners.models import Practitioner


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


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html: False leaves an attribute out, True writes its bare name."""
    return "".join(
        f" {esc(name)}" if value is True else f' {esc(name)}="{esc(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: Mapping[str, Any]) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{esc(widget["value"])}"'
    return f'<input type="{esc(widget["type"])}" name="{esc(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _select(widget: Mapping[str, Any]) -> str:
    """django/forms/widgets/select.html with its select_option.html."""
    html = [f'<select name="{esc(widget["name"])}"', _attrs(widget["attrs"]), ">"]
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{esc(group_name)}">')
        html += [
            f'\n  <option value="{esc(o["value"])}"{_attrs(o["attrs"]) if o["attrs"] else ""}>'
            f"{esc(o['label'])}</option>\n"  # the included file ends in a newline
            for o in options
        ]
        if group_name:
            html.append("\n  </optgroup>")
    html.append("\n</select>")
    return "".join(html)


def _textarea(widget: Mapping[str, Any]) -> str:
    """django/forms/widgets/textarea.html."""
    value = esc(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{esc(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _multiple_input(widget: Mapping[str, Any]) -> str:
    """Checkboxes and radio buttons: templates/django/forms/widgets/multiple_input.html with Django's
    input_option.html for each option (the included files end in newlines)."""
    html = [f'<div id="{esc(widget["attrs"]["id"])}">' if widget["attrs"].get("id") else "<div>"]
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            html.append(f"\n  <div><label>{esc(group_name)}</label>")
        for o in options:
            label, end = "", ""
            if o["wrap_label"]:
                label = f'<label for="{esc(o["attrs"]["id"])}">' if o["attrs"].get("id") else "<label>"
                end = f" {esc(o['label'])}</label>"
            html.append(f'<div class="form-check">\n    {label}{_input(o)}\n{end}\n\n</div>')
        if group_name:
            html.append("\n  </div>")
    html.append("\n</div>")
    return "".join(html)


def _field_group(field: BoundField) -> str:
    """templates/forms/field.html, stripped as Django strips what a form template renders: a field with its
    label, help text and errors (a checkbox labelled after its box, a group of choices in a fieldset)."""
    for_id = esc(field.auto_id)
    help_text = f'<div class="form-text" id="{for_id}_helptext">{esc(field.help_text)}</div>' if field.help_text else ""
    errors = ""
    if field.errors:
        errors = (
            f'<div class="invalid-feedback d-block" id="{for_id}_error">{" ".join(esc(e) for e in field.errors)}</div>'
        )
    end = f"\n  {help_text}\n  {errors}\n"
    required = ' <span aria-hidden="true">*</span>' if field.field.required else ""
    if field.widget_type == "checkbox":
        label = f'<label class="form-check-label" for="{for_id}">{esc(field.label)}</label>'
        return f'<div class="form-check mb-3">\n  {field}\n  {label}{end}</div>'
    if field.use_fieldset:
        legend = f'<legend class="form-label fs-6">{esc(field.label)}{required}</legend>'
        return f'<fieldset class="mb-3">\n  {legend}\n  {field}{end}</fieldset>'
    label = f'<label class="form-label" for="{for_id}">{esc(field.label)}{required}</label>'
    return f'<div class="mb-3">\n  {label}\n  {field}{end}</div>'


_INPUTS = ("checkbox", "color", "date", "datetime", "email", "hidden", "input", "number", "password", "search")
WIDGETS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{f"django/forms/widgets/{name}.html": _input for name in (*_INPUTS, "tel", "text", "time", "url")},
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/checkbox_select.html": _multiple_input,
    "django/forms/widgets/radio.html": _multiple_input,
}


class FasciaFormRenderer(TemplatesSetting):
    """Forms and fields through the project's templates; the commonest widgets, and a field's group,
    written in Python.

    The field group and the widgets in WIDGETS come out mark for mark as the templates write them (tested),
    without a template render per field, widget and option: a visit note has about 90 widgets and
    900 options, which took most of the time the page took.
    """

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == self.field_template_name:
            return _field_group(context["field"])
        write = WIDGETS.get(template_name)
        return write(context["widget"]) if write else super().render(template_name, context, request)


class StyledForm(forms.Form):
    bound_field_class = FasciaBoundField


class StyledModelForm(forms.ModelForm):
    bound_field_class = FasciaBoundField


@functools.lru_cache(maxsize=64)
def _options(choices: tuple[tuple[Any, Any], ...]) -> tuple[tuple[str, str, str], ...]:
    """The options of a select without groups as _select writes them: (value as submitted, option, option
    selected), None standing for "" as in Django's ChoiceWidget."""
    options = []
    for value, label in choices:
        value = "" if value is None else value
        opening, rest = f'\n  <option value="{esc(value)}"', f">{esc(label)}</option>\n"
        options.append((str(value), opening + rest, f"{opening} selected{rest}"))
    return tuple(options)


class RowSelect(forms.Select):
    """The select of a repeated row, as _select writes it, from its options written once per set of choices
    (cached): a visit note's rows are some thirty selects of up to forty options, a tenth of its page's time
    when Django built a dictionary for each option on every render."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        choices = tuple(self.choices)
        if any(isinstance(label, list | tuple) for _, label in choices):
            return super().render(name, value, attrs, renderer)  # groups: as any select
        chosen, found = self.format_value(value), False
        html = [f'<select name="{esc(name)}"{_attrs(self.build_attrs(self.attrs, attrs))}>']
        for option, plain, selected in _options(choices):
            # As Django's: only the first option of the value is selected.
            if not found and option in chosen:
                html.append(selected)
                found = True
            else:
                html.append(plain)
        html.append("\n</select>")
        return mark_safe("".join(html))


class RowChoiceField(forms.ChoiceField):
    """A choice field of a repeated row: each row's copy of the field, and of its widget, shares its choices.

    Django deep-copies a form's fields for every form, and a ChoiceField's choices with them, and its
    widget's copy checks the choices over again (Select's setter normalizes them): a visit note's rows
    copied about 2,000 choice tuples a request, and checking them took 2-3 ms. Fascia only ever replaces
    choices (the setter makes a new list), never changes them in place, so sharing them is safe."""

    widget = RowSelect

    def __deepcopy__(self, memo: dict[int, Any]) -> "RowChoiceField":
        widget = copy.copy(self.widget)  # the widget's own deep copy would set its choices again
        widget.attrs = self.widget.attrs.copy()
        memo[id(self.widget)] = widget
        return forms.Field.__deepcopy__(self, memo)  # type: ignore[attr-defined]  # not in the stubs; ChoiceField's own would deep-copy the choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


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


class RoomForm(StyledModelForm):
    class Meta:
        model = Room
        fields = ["name", "kind", "is_active"]


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
        locations = self.fields["locations"]
        assert isinstance(locations, forms.ModelMultipleChoiceField)  # the many-to-many field's form field
        locations.queryset = organization.locations.filter(is_active=True)


class TokenForm(StyledForm):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class LoginForm(auth_forms.AuthenticationForm):
    bound_field_class = FasciaBoundField


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    bound_field_class = FasciaBoundField
