from typing import Any

from django import forms

from fascia.core.forms import CheckedFileField, DateInput, StyledForm, StyledModelForm, limit_choices
from fascia.core.models import Organization
from fascia.evaluations.models import Diagnosis
from fascia.lib.uploads import MAX_IMAGE_BYTES, checked_image
from fascia.patients.models import BodyRegion
from fascia.plans.letters import KINDS
from fascia.plans.models import Goal, HomeCareItem, Questionnaire, TreatmentPlan
from fascia.referrals.models import Correspondence
from fascia.techniques.facts import PRESSURES
from fascia.techniques.models import Technique


class PlanForm(StyledModelForm):
    class Meta:
        model = TreatmentPlan
        fields = [
            "referral",
            "start_date",
            "visits_per_week",
            "duration_weeks",
            "planned_visits",
            "re_evaluation_due",
            "home_care",
            "certified_by",
            "certified_on",
        ]
        widgets = {
            "start_date": DateInput(),
            "re_evaluation_due": DateInput(),
            "certified_on": DateInput(),
            "home_care": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        referral = self.fields["referral"]
        assert isinstance(referral, forms.ModelChoiceField)  # the referral foreign key's form field
        referral.queryset = self.instance.patient.referrals.select_related("provider")


def treats_field() -> forms.MultipleChoiceField:
    """Which of the plan's evaluation's diagnoses a goal or technique addresses: one at least (a claim line for a
    technique points at these: NUCC 24E, REFERENCE.md §5a)."""
    return forms.MultipleChoiceField(
        label="Treats",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the diagnoses it addresses."},
    )


def offer_diagnoses(form: forms.BaseForm, diagnoses: list[Diagnosis]) -> None:
    """Offer the evaluation's diagnoses (read once by the view) in the form's `diagnoses`, the primary checked."""
    field = form.fields["diagnoses"]
    assert isinstance(field, forms.MultipleChoiceField)
    field.choices = [(d.code, f"{d.code} {d.description}") for d in diagnoses]
    field.initial = [d.code for d in diagnoses if d.rank == 1]


class TreatsForm(StyledForm):
    diagnoses = treats_field()

    def __init__(self, *args: Any, diagnoses: list[Diagnosis], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_diagnoses(self, diagnoses)


class GoalForm(StyledModelForm):
    diagnoses = treats_field()

    class Meta:
        model = Goal
        fields = [
            "term",
            "measure",
            "instrument",
            "rom_motion",
            "rom_side",
            "description",
            "target",
            "unit",
            "target_date",
        ]
        widgets = {"target_date": DateInput()}
        help_texts = {"target": "The number to reach: a score, degrees, or minutes/blocks/kg for a functional goal"}

    def __init__(self, *args: Any, diagnoses: list[Diagnosis], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_diagnoses(self, diagnoses)


class TechniqueForm(StyledForm):
    technique = forms.ModelChoiceField(queryset=Technique.objects.none(), to_field_name="code")
    region = forms.ChoiceField(choices=BodyRegion.choices)
    pressure = forms.ChoiceField(choices=[("", "—"), *[(p, p.title()) for p in PRESSURES]], required=False)
    override_reason = forms.CharField(
        label="Reason to go ahead despite a caution",
        required=False,
        max_length=300,
        help_text="Needed only when the screen shows a caution",
    )
    diagnoses = treats_field()

    def __init__(self, *args: Any, organization: Organization, diagnoses: list[Diagnosis], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_diagnoses(self, diagnoses)
        limit_choices(self, "technique", organization.techniques.filter(is_active=True))


class LetterForm(StyledForm):
    kind = forms.ChoiceField(label="Letter", choices=list(KINDS.items()))
    method = forms.ChoiceField(label="Sent by", choices=Correspondence.Method.choices)
    recommendation = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class EndForm(StyledForm):
    status = forms.ChoiceField(
        choices=[(TreatmentPlan.Status.COMPLETED, "Completed"), (TreatmentPlan.Status.DISCONTINUED, "Discontinued")]
    )
    reason = forms.CharField(required=False, max_length=300)


class QuestionnaireForm(StyledModelForm):
    class Meta:
        model = Questionnaire
        fields = ["instrument", "rule", "every"]
        labels = {"instrument": "Questionnaire", "rule": "When"}
        help_texts = {"every": "For every Nth visit or every N days"}


class HomeCareItemForm(StyledModelForm):
    image = CheckedFileField(
        check=checked_image,
        accept=".png,.jpg,.jpeg,image/png,image/jpeg",
        label="Picture",
        required=False,
        help_text=f"Optional: a photo or drawing, PNG or JPEG, up to {MAX_IMAGE_BYTES // 1024 // 1024} MB",
    )

    class Meta:
        model = HomeCareItem
        fields = ["name", "instructions", "times_per_day", "days_per_week"]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 3})}


class TickForm(forms.Form):
    """A tick of a home care item (its public id): the day, and whether it was done (1) or is taken back (0)."""

    item = forms.UUIDField()
    day = forms.DateField()
    done = forms.TypedChoiceField(choices=[("1", "done"), ("0", "not done")], coerce=lambda v: v == "1")
