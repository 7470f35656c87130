from typing import Any

from django import forms

from fascia.core.forms import DateInput, RowChoiceField, StyledForm, StyledModelForm
from fascia.evaluations import structure
from fascia.evaluations.catalog import MOTIONS, RED_FLAGS, REGIONS, SPECIAL_TESTS
from fascia.evaluations.models import Evaluation, RedFlagClearance
from fascia.measures.instruments import INSTRUMENTS

BLANK: list[tuple[str, Any]] = [("", "—")]  # Any: a choice label may be lazily translated
REGION_CHOICES = BLANK + [(r.code, f"{r.label} ({r.view})") for r in REGIONS.values()]


# The evaluation's sections, each saved by itself: its fields, and its repeated rows (formset prefixes).
SECTION_FIELDS = {
    "subjective": [
        "kind",
        "evaluated_on",
        "chief_complaint",
        "history",
        "onset",
        "injury_date",
        "aggravating",
        "easing",
        "prior_treatment",
        "patient_goals",
        "red_flags",
        "red_flag_notes",
    ],
    "pain": ["nprs_now", "nprs_best", "nprs_worst", "body_marks"],
    "objective": ["posture"],
    "assessment": ["impression", "prognosis", "prognosis_notes", "precautions"],
}
SECTION_ROWS = {"subjective": [], "pain": [], "objective": ["palpation", "rom", "tests"], "assessment": ["diagnoses"]}


class EvaluationForm(StyledModelForm):
    red_flags = forms.MultipleChoiceField(
        label="Red flags the patient reports",
        choices=list(RED_FLAGS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    body_marks = forms.JSONField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Evaluation
        fields = [name for names in SECTION_FIELDS.values() for name in names]
        widgets = {
            "evaluated_on": DateInput(),
            "injury_date": DateInput(),
            "history": forms.Textarea(attrs={"rows": 3}),
            "patient_goals": forms.Textarea(attrs={"rows": 2}),
            "posture": forms.Textarea(attrs={"rows": 2}),
            "impression": forms.Textarea(attrs={"rows": 3}),
            "precautions": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, section: str | None = None, **kwargs: Any) -> None:
        """`section` (one of SECTION_FIELDS) keeps only that section's fields: a section saved by itself
        leaves the others as stored."""
        super().__init__(*args, **kwargs)
        if section is not None:
            for name in set(self.fields) - set(SECTION_FIELDS[section]):
                del self.fields[name]
        for name in ("nprs_now", "nprs_best", "nprs_worst"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"min": 0, "max": 10})

    def clean_body_marks(self) -> list:
        marks = self.cleaned_data.get("body_marks") or []
        try:
            return structure.body_marks(marks)
        except ValueError as e:
            raise forms.ValidationError(str(e)) from None


class RowForm(StyledForm):
    """One row of a repeated section; a row left blank is ignored."""

    def row(self) -> dict | None:
        data = {k: v for k, v in self.cleaned_data.items() if k != "DELETE"}
        return data if any(v not in ("", None, False) for v in data.values()) else None


class PalpationRow(RowForm):
    region = RowChoiceField(choices=REGION_CHOICES, required=False)
    tone = RowChoiceField(choices=BLANK + [(t, t.title()) for t in structure.TONES], required=False)
    tenderness = forms.IntegerField(label="Tenderness (0-4)", required=False, min_value=0, max_value=4)
    trigger_points = RowChoiceField(
        label="Trigger points", choices=BLANK + [(t, t.title()) for t in structure.TRIGGER_POINTS], required=False
    )
    adhesions = forms.BooleanField(required=False)
    edema = forms.BooleanField(required=False)
    notes = forms.CharField(required=False, max_length=200)


class RomRow(RowForm):
    motion = RowChoiceField(
        choices=BLANK + [(m.code, f"{m.joint} {m.motion.lower()} (normal {m.normal}°)") for m in MOTIONS.values()],
        required=False,
    )
    side = RowChoiceField(choices=[("", "—"), ("left", "Left"), ("right", "Right")], required=False)
    degrees = forms.IntegerField(required=False, min_value=0, max_value=200)


class SpecialTestRow(RowForm):
    test = RowChoiceField(choices=BLANK + list(SPECIAL_TESTS.items()), required=False)
    side = RowChoiceField(choices=[("", "—")] + [(s, s.title()) for s in structure.SIDES], required=False)
    result = RowChoiceField(choices=BLANK + [(r, r.title()) for r in structure.RESULTS], required=False)
    notes = forms.CharField(required=False, max_length=200)


class DiagnosisRow(RowForm):
    code = forms.CharField(
        label="ICD-10-CM code",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"list": "icd-suggestions", "autocomplete": "off"}),
    )


class RowFormSet(forms.BaseFormSet):
    """The rows of a repeated section; `{{ formset }}` shows them as a table with the management form."""

    template_name = "forms/rows.html"


def row_formset(form: type[RowForm], rows: list[dict], data: Any = None, prefix: str = "", **form_kwargs: Any) -> Any:
    factory = forms.formset_factory(form, formset=RowFormSet, extra=2 if rows else 3, max_num=20, absolute_max=20)
    return factory(data, initial=rows, prefix=prefix, form_kwargs=form_kwargs)


def formset_rows(formset: Any) -> list[dict]:
    return [row for f in formset.forms if (row := f.row()) is not None]


class MeasureForm(StyledForm):
    instrument = forms.ChoiceField(choices=[(code, i.name) for code, i in INSTRUMENTS.items()])


class AddendumForm(StyledForm):
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ClearanceForm(StyledForm):
    """A referral or clearance for one of the red flags an evaluation raised."""

    flag = forms.ChoiceField(label="Red flag")
    kind = forms.ChoiceField(label="What was done", choices=RedFlagClearance.Kind.choices, widget=forms.RadioSelect)
    provider = forms.CharField(label="Referred to or cleared by (name, provider)", max_length=200)
    decided_on = forms.DateField(label="Date", widget=DateInput())

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        flag = self.fields["flag"]
        assert isinstance(flag, forms.ChoiceField)
        flag.choices = [(code, RED_FLAGS[code]) for code in evaluation.red_flags if code in RED_FLAGS]
