"""Forms render through the project's templates: Bootstrap's markup, labels and errors tied to their inputs."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from fascia.core.forms import CheckedFileField, StyledForm, limit_choices
from fascia.core.models import Location
from fascia.lib.uploads import checked_image, checked_upload
from fascia.patients.models import BodyRegion
from fascia.visits.forms import TechniqueRow


class Each(StyledForm):
    text = forms.CharField(label="Name <b>", max_length=3, help_text="At most 3 <letters>")
    box = forms.BooleanField(label="Agrees")
    choices = forms.MultipleChoiceField(choices=[("a", "A <1>")], widget=forms.CheckboxSelectMultiple)


def test_an_invalid_field_is_tied_to_its_error_and_help_text_and_everything_typed_is_escaped() -> None:
    form = Each({"text": "<script>", "choices": ["z"]})
    assert not form.is_valid()
    html = form["text"].as_field_group()
    assert '<label class="form-label" for="id_text">Name &lt;b&gt; <span aria-hidden="true">*</span></label>' in html
    assert 'aria-describedby="id_text_error id_text_helptext"' in html and 'aria-invalid="true"' in html
    assert 'class="form-control is-invalid"' in html and 'value="&lt;script&gt;"' in html
    assert '<div class="form-text" id="id_text_helptext">At most 3 &lt;letters&gt;</div>' in html
    assert '<div class="invalid-feedback d-block" id="id_text_error">' in html and "<script>" not in html


def test_a_checkbox_is_labelled_after_its_box_and_a_group_of_choices_is_a_fieldset() -> None:
    form = Each()
    box = form["box"].as_field_group()
    assert box.index('type="checkbox"') < box.index('<label class="form-check-label" for="id_box">Agrees</label>')
    assert '<div class="form-check mb-3">' in box
    group = form["choices"].as_field_group()
    assert group.startswith('<fieldset class="mb-3">') and '<legend class="form-label fs-6">Choices' in group
    assert 'class="form-check-input"' in group and "A &lt;1&gt;" in group


def test_a_form_shows_its_errors_and_hidden_fields() -> None:
    class Hidden(Each):
        token = forms.CharField(widget=forms.HiddenInput, initial="t")

        def clean(self) -> dict:
            raise forms.ValidationError("Not <today>")

    html = str(Hidden({"text": "ab", "box": "on", "choices": ["a"], "token": "t"}))
    assert '<div class="alert alert-danger" role="alert"><div>Not &lt;today&gt;</div></div>' in html
    assert '<input type="hidden" name="token" value="t"' in html


def test_rows_share_their_fields_choices_and_each_row_may_replace_its_own() -> None:
    """RowChoiceField: every row offers the field's choices, on the field and on its widget; replacing a
    row's choices (as the technique rows do with the active catalog), or its widget's attributes, leaves
    the other rows alone."""
    first, second = TechniqueRow(techniques=[(1, "Deep tissue")]), TechniqueRow(techniques=[(2, "Lymphatic")])
    offered = [("", "—"), *BodyRegion.choices]
    assert list(first.fields["region"].choices) == list(second.fields["region"].choices) == offered
    assert list(first.fields["region"].widget.choices) == list(second.fields["region"].widget.choices) == offered
    first.fields["region"].widget.attrs["disabled"] = True
    assert first.fields["region"].widget is not second.fields["region"].widget
    assert "disabled" not in second.fields["region"].widget.attrs | TechniqueRow.base_fields["region"].widget.attrs
    first.fields["region"].choices = [("", "—")]
    assert first.fields["region"].widget.choices == [("", "—")]
    assert list(second.fields["region"].choices) == list(TechniqueRow.base_fields["region"].choices) == offered
    assert [c for c, _ in second.fields["technique"].choices] == ["", 2]
    assert '<option value="2">Lymphatic</option>' in str(second["technique"])
    assert '<option value="neck">Neck</option>' in str(second["region"])


class Offered(StyledForm):
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    text = forms.CharField()


def test_limit_choices_narrows_one_forms_model_choices_and_refuses_any_other_field(location: Location) -> None:
    form = Offered()
    limit_choices(form, "location", Location.objects.filter(pk=location.pk))
    assert list(form.fields["location"].queryset) == [location]
    assert list(Offered().fields["location"].queryset) == []  # the class's field keeps its own
    with pytest.raises(TypeError):
        limit_choices(form, "text", Location.objects.all())


class Uploads(StyledForm):
    document = CheckedFileField(check=checked_upload, accept=".pdf", widget=forms.ClearableFileInput, required=False)
    picture = CheckedFileField(check=checked_image, accept=".png", required=False)


def test_a_checked_upload_is_refused_with_its_checkers_message_beside_the_field() -> None:
    fake = SimpleUploadedFile("scan.pdf", b"MZ not a pdf", content_type="application/pdf")
    text = SimpleUploadedFile("x.png", b"%PDF-1.4 a document", content_type="image/png")
    form = Uploads({}, {"document": fake, "picture": text})
    assert not form.is_valid()
    assert form.errors == {
        "document": ["Upload a PDF, PNG or JPEG file."],
        "picture": ["Upload a PNG or JPEG picture."],
    }
    real = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 a document", content_type="application/pdf")
    assert Uploads({}, {"document": real}).is_valid()


def test_a_checked_upload_hints_its_types_and_each_form_has_its_own_widget() -> None:
    form = Uploads()
    assert 'accept=".pdf"' in str(form["document"]) and 'accept=".png"' in str(form["picture"])
    assert isinstance(form.fields["document"].widget, forms.ClearableFileInput)
    assert type(form.fields["picture"].widget) is forms.FileInput
    form.fields["picture"].widget.attrs["accept"] = ".gif"
    assert 'accept=".png"' in str(Uploads()["picture"])
