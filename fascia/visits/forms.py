from typing import Any

from django import forms

from fascia.core.forms import DateInput, RowChoiceField, StyledForm, StyledModelForm
from fascia.core.models import Organization
from fascia.evaluations.forms import BLANK, RowForm, formset_rows, row_formset
from fascia.patients.models import BodyRegion
from fascia.plans.models import Goal
from fascia.techniques.facts import LOCAL_FINDINGS
from fascia.techniques.queries import SYMPTOMS, catalog
from fascia.visits.models import MAX_MINUTES, VisitNote, VisitTechnique
from fascia.visits.note_templates import TEMPLATES


class ArrivalForm(StyledForm):
    """The signer's confirmation that the patient came to an appointment never checked in (asked at signing)."""

    patient_arrived = forms.BooleanField(
        label="The patient came to this visit",
        required=False,
        help_text="The appointment was never checked in: confirming checks it in as you sign.",
    )


class NoteForm(StyledModelForm):
    symptoms = forms.MultipleChoiceField(
        label="Today the patient has",
        choices=list(SYMPTOMS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Screened against every technique below",
    )

    class Meta:
        model = VisitNote
        fields = [
            "kind",
            "visited_on",
            "subjective",
            "nprs_before",
            "health_changes",
            "symptoms",
            "objective",
            "response",
            "nprs_after",
            "assessment",
            "next_visit",
            "plan_changes",
            "home_care",
            "recommendations",
        ]
        widgets = {
            "visited_on": DateInput(),
            "subjective": forms.Textarea(attrs={"rows": 2}),
            "health_changes": forms.Textarea(attrs={"rows": 1}),
            "objective": forms.Textarea(attrs={"rows": 2}),
            "response": forms.Textarea(attrs={"rows": 2}),
            "assessment": forms.Textarea(attrs={"rows": 2}),
            "plan_changes": forms.Textarea(attrs={"rows": 1}),
            "home_care": forms.Textarea(attrs={"rows": 2}),
            "recommendations": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("nprs_before", "nprs_after"):
            self.fields[name].widget.attrs.update({"min": 0, "max": 10})
        self.fields["subjective"].widget.attrs["autofocus"] = True


class TechniqueRow(RowForm):
    technique = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    region = RowChoiceField(choices=BLANK + BodyRegion.choices, required=False)
    minutes = forms.IntegerField(required=False, min_value=1, max_value=MAX_MINUTES)
    pressure = RowChoiceField(choices=BLANK + VisitTechnique.Pressure.choices, required=False)
    position = RowChoiceField(choices=BLANK + VisitTechnique.Position.choices, required=False)
    response = forms.CharField(label="Response", required=False, max_length=200)
    override_reason = forms.CharField(label="Reason to go ahead (cautions)", required=False, max_length=300)

    def __init__(self, *args: Any, techniques: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        technique = self.fields["technique"]
        assert isinstance(technique, forms.TypedChoiceField)  # declared above
        technique.choices = [*BLANK, *techniques]
        self.fields["minutes"].widget.attrs.update({"inputmode": "numeric"})


class LocalFindingRow(RowForm):
    """Today's local finding on a region; a finding without its region is refused when the note is saved."""

    finding = RowChoiceField(label="Today's finding", choices=BLANK + list(LOCAL_FINDINGS.items()), required=False)
    region = RowChoiceField(label="On the region", choices=BLANK + BodyRegion.choices, required=False)


def technique_choices(organization: Organization) -> list[tuple[int, str]]:
    """The organization's active techniques with their CPT code, read once for all rows."""
    return [(t.pk, f"{t.name} ({t.cpt_code})") for t in catalog(organization).values() if t.is_active]


def technique_formset(organization: Organization, rows: list[dict], data: Any = None) -> Any:
    return row_formset(TechniqueRow, rows, data, "techniques", techniques=technique_choices(organization))


def technique_rows(formset: Any) -> list[dict]:
    """The filled rows of a valid formset as the service takes them (technique_id, region, minutes …)."""
    return [{**row, "technique_id": row.pop("technique")} for row in formset_rows(formset)]


class GoalProgressForm(StyledForm):
    """Where one goal of the note's plan stands; the goal is the row's own (hidden), one of the plan's."""

    goal = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        choices=BLANK + Goal.Status.choices, required=False, widget=forms.Select(attrs={"class": "form-select-sm"})
    )
    note = forms.CharField(
        label="Where it stands",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control-sm"}),
    )

    def __init__(self, *args: Any, goals: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        goal = self.fields["goal"]
        assert isinstance(goal, forms.ChoiceField)  # declared above
        goal.choices = goals


def goal_formset(goals: list[Goal], progress: list[dict], data: Any = None) -> Any:
    """A row per goal of the note's plan, filled from the note's progress (or what was just posted)."""
    given = {p["goal"]: p for p in progress}
    initial = [
        {"goal": g.pk, "status": given.get(g.pk, {}).get("status", ""), "note": given.get(g.pk, {}).get("note", "")}
        for g in goals
    ]
    factory = forms.formset_factory(
        GoalProgressForm, extra=0, max_num=len(goals), absolute_max=len(goals), validate_max=True
    )
    return factory(data, initial=initial, prefix="goals", form_kwargs={"goals": [(g.pk, g.description) for g in goals]})


def goal_progress(formset: Any) -> list[dict]:
    """The goals of a valid formset given a status, as the service takes them."""
    return [
        {"goal": f.cleaned_data["goal"], "status": f.cleaned_data["status"], "note": f.cleaned_data["note"].strip()}
        for f in formset
        if f.cleaned_data.get("status")
    ]


class TemplateForm(StyledForm):
    template = forms.ChoiceField(label="Note template", choices=[(t.code, t.name) for t in TEMPLATES.values()])
