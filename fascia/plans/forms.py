from typing import Any

from django import forms

from fascia.core.forms import DateInput, StyledForm, StyledModelForm, limit_choices
from fascia.core.models import Organization
from fascia.patients.models import BodyRegion
from fascia.plans.letters import KINDS
from fascia.plans.models import Goal, TreatmentPlan
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


class GoalForm(StyledModelForm):
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

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
