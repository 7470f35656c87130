from typing import Any

from django import forms

from fascia.billing.models import Authorization, Clearinghouse, Coverage, Fee, InjuryCase, NcciPair, Payer
from fascia.core.forms import DateInput, StyledForm, StyledModelForm, limit_choices
from fascia.lib.uploads import too_large


class PayerForm(StyledModelForm):
    class Meta:
        model = Payer
        fields = [
            "name",
            "kind",
            "payer_id",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
            "claim_method",
            "units_method",
            "timely_filing_days",
            "requires_referral",
            "requires_certification",
            "requires_authorization",
            "requires_referral_number",
            "requires_gp_modifier",
            "distinct_modifier",
            "clearinghouse",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self, "clearinghouse", Clearinghouse.objects.filter(organization_id=self.instance.organization_id)
        )


class ClearinghouseForm(StyledModelForm):
    class Meta:
        model = Clearinghouse
        fields = [
            "name",
            "is_default",
            "submitter_qualifier",
            "submitter_id",
            "receiver_qualifier",
            "receiver_id",
            "application_sender_code",
            "application_receiver_code",
            "contact_name",
            "contact_phone",
            "usage",
        ]


class NcciPairForm(StyledModelForm):
    class Meta:
        model = NcciPair
        fields = ["column_1", "column_2", "modifier_allowed", "source", "is_active"]


class FeeForm(StyledModelForm):
    class Meta:
        model = Fee
        fields = ["cpt_code", "amount"]


class CoverageForm(StyledModelForm):
    class Meta:
        model = Coverage
        fields = [
            "payer",
            "rank",
            "member_id",
            "group_number",
            "relationship",
            "subscriber_family_name",
            "subscriber_given_name",
            "subscriber_birth_date",
            "subscriber_sex",
            "starts_on",
            "ends_on",
            "copay",
            "injury_case",
        ]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "subscriber_birth_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        patient = self.instance.patient
        limit_choices(self, "payer", Payer.objects.filter(organization_id=patient.organization_id, is_active=True))
        limit_choices(self, "injury_case", patient.injury_cases.all())


class InjuryCaseForm(StyledModelForm):
    class Meta:
        model = InjuryCase
        fields = [
            "kind",
            "injury_date",
            "accident_state",
            "claim_number",
            "employer_or_insurer",
            "adjuster_name",
            "adjuster_phone",
            "attorney",
            "letter_of_protection",
            "mmi_date",
            "plan",
        ]
        widgets = {"injury_date": DateInput(), "mmi_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "plan", self.instance.patient.plans.exclude(status="superseded"))


class AuthorizationForm(StyledModelForm):
    class Meta:
        model = Authorization
        fields = ["coverage", "number", "visits_allowed", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args: Any, patient: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "coverage", patient.coverages.select_related("payer"))


class StatusForm(StyledForm):
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        """`choices`: the statuses the claim may move to."""
        super().__init__(*args, **kwargs)
        self.fields = {"status": forms.ChoiceField(label="Move to", choices=choices), **self.fields}


class RemittanceForm(StyledForm):
    file = forms.FileField(label="835 remittance file", help_text="The ERA file from the payer or clearinghouse")

    def clean_file(self) -> Any:
        """Refused by its size before anything reads it."""
        upload = self.cleaned_data["file"]
        if problem := too_large(upload.size or 0):
            raise forms.ValidationError(problem)
        return upload
