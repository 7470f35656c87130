"""The widgets FasciaFormRenderer writes in Python come out exactly as Django's templates write them."""

from datetime import date

from django import forms
from django.forms.renderers import TemplatesSetting
from hypothesis import given, settings
from hypothesis import strategies as st

from fascia.core.forms import WIDGETS, FasciaFormRenderer, RowSelect, StyledForm
from fascia.visits.forms import TechniqueRow

TEXT = st.text(alphabet=st.sampled_from("ab <>&\"'é\n"), max_size=12)
ATTRS = st.dictionaries(
    st.sampled_from(["class", "id", "placeholder", "min", "autofocus", "required", "disabled", "aria-describedby"]),
    st.one_of(TEXT, st.booleans(), st.integers(-5, 20)),
    max_size=4,
)


def both(widget: forms.Widget, name: str, value: object, attrs: dict) -> tuple[str, str]:
    """What the fast renderer and Django's templates make of one widget."""
    return widget.render(name, value, attrs, FasciaFormRenderer()), widget.render(
        name, value, attrs, TemplatesSetting()
    )


@settings(max_examples=60, deadline=None)
@given(name=TEXT, value=st.one_of(st.none(), TEXT, st.integers(), st.booleans()), attrs=ATTRS)
def test_inputs_match_the_templates(name: str, value: object, attrs: dict) -> None:
    for widget in (
        forms.TextInput(),
        forms.NumberInput(),
        forms.EmailInput(),
        forms.HiddenInput(),
        forms.PasswordInput(render_value=True),
        forms.DateInput(),
        forms.TimeInput(),
        forms.URLInput(),
        forms.CheckboxInput(),
        forms.Textarea(),
    ):
        fast, template = both(widget, name, value, attrs)
        assert fast == template, type(widget).__name__


@settings(max_examples=60, deadline=None)
@given(
    name=TEXT,
    labels=st.lists(TEXT, max_size=5),
    grouped=st.booleans(),
    chosen=st.one_of(st.none(), st.integers(0, 5)),
    attrs=ATTRS,
    multiple=st.booleans(),
)
def test_selects_match_the_templates(
    name: str, labels: list[str], grouped: bool, chosen: int | None, attrs: dict, multiple: bool
) -> None:
    # The first value again, and no value: a select marks only the first option of its value.
    choices: list = [("", "—"), *[(i, label) for i, label in enumerate(labels)], (0, "Again"), (None, "None")]
    if grouped:
        choices = [("Group <1>", choices[:2]), *choices[2:]]
    widget = forms.SelectMultiple(choices=choices) if multiple else forms.Select(choices=choices)
    fast, template = both(widget, name, [chosen] if multiple else chosen, attrs)
    assert fast == template
    if not multiple:  # a row's select, from options written once
        assert RowSelect(choices=choices).render(name, chosen, attrs) == template


@settings(max_examples=60, deadline=None)
@given(
    name=TEXT,
    labels=st.lists(TEXT, max_size=4),
    grouped=st.booleans(),
    chosen=st.lists(st.integers(0, 4), max_size=3),
    attrs=ATTRS,
    radio=st.booleans(),
)
def test_checkboxes_and_radio_buttons_match_the_templates(
    name: str, labels: list[str], grouped: bool, chosen: list[int], attrs: dict, radio: bool
) -> None:
    choices: list = [(i, label) for i, label in enumerate(labels)]
    if grouped:
        choices = [("Group <1>", choices[:2]), *choices[2:]]
    widget = forms.RadioSelect(choices=choices) if radio else forms.CheckboxSelectMultiple(choices=choices)
    fast, template = both(widget, name, chosen[:1] if radio else chosen, attrs)
    assert fast == template


class ProjectTemplates(TemplatesSetting):
    """The project's form templates, every one rendered as a template."""

    form_template_name = FasciaFormRenderer.form_template_name
    field_template_name = FasciaFormRenderer.field_template_name


@settings(max_examples=60, deadline=None)
@given(label=TEXT, help_text=TEXT, required=st.booleans(), bound=st.booleans(), value=TEXT)
def test_field_groups_match_the_template(label: str, help_text: str, required: bool, bound: bool, value: str) -> None:
    """A field with its label, help text and errors: a text box, a checkbox, and choices in a fieldset."""
    kinds = {
        "text": forms.CharField(max_length=3),
        "box": forms.BooleanField(),
        "choices": forms.MultipleChoiceField(choices=[("a", "A <1>")], widget=forms.CheckboxSelectMultiple),
        "number": forms.IntegerField(),
    }
    for field in kinds.values():
        field.label, field.help_text, field.required = label or None, help_text, required
    form_class = type("Each", (StyledForm,), dict(kinds))
    data = {"text": value, "number": value, "choices": [value]} if bound else None
    for name in kinds:
        fast = form_class(data, renderer=FasciaFormRenderer())[name].as_field_group()
        template = form_class(data, renderer=ProjectTemplates())[name].as_field_group()
        assert fast == template, name


def test_a_date_value_is_formatted_as_the_template_does() -> None:
    fast, template = both(forms.DateInput(attrs={"type": "date"}), "on", date(2026, 11, 27), {})
    assert fast == template == '<input type="date" name="on" value="2026-11-27">'


def test_every_template_written_in_python_has_a_template_of_that_name() -> None:
    """A renamed Django template would otherwise fall back silently; an override in templates/ would
    be ignored, and the tests above compare against the template the project would load."""
    for name in [*WIDGETS, FasciaFormRenderer.field_template_name]:
        TemplatesSetting().get_template(name)


def test_rows_share_their_fields_choices_and_each_row_may_replace_its_own() -> None:
    """RowChoiceField: the copies each form makes of a field, and of its widget, share the choices list;
    replacing a row's choices (as the technique rows do with the active catalog), or its widget's
    attributes, leaves the other rows alone."""
    first, second = TechniqueRow(techniques=[(1, "Deep tissue")]), TechniqueRow(techniques=[(2, "Lymphatic")])
    assert first.fields["region"].choices is second.fields["region"].choices
    assert first.fields["region"].widget.choices is second.fields["region"].widget.choices
    assert first.fields["region"].widget.choices == first.fields["region"].choices
    first.fields["region"].widget.attrs["disabled"] = True
    assert first.fields["region"].widget is not second.fields["region"].widget
    assert "disabled" not in second.fields["region"].widget.attrs | TechniqueRow.base_fields["region"].widget.attrs
    first.fields["region"].choices = [("", "—")]
    assert first.fields["region"].widget.choices == [("", "—")]
    assert second.fields["region"].choices == TechniqueRow.base_fields["region"].choices != [("", "—")]
    assert [c for c, _ in second.fields["technique"].choices] == ["", 2]
    assert '<option value="2">Lymphatic</option>' in str(second["technique"])
