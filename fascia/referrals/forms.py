from typing import Any

from django import forms

from fascia.core.forms import DateInput, StyledModelForm, limit_choices
from fascia.core.models import Organization
from fascia.referrals.models import Correspondence, Referral, ReferringProvider


class ProviderForm(StyledModelForm):
    class Meta:
        model = ReferringProvider
        fields = [
            "kind",
            "name",
            "credentials",
            "npi",
            "practice",
            "phone",
            "fax",
            "secure_email",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
        ]


class ReferralForm(StyledModelForm):
    document = forms.FileField(
        required=False,
        help_text="The signed referral: PDF, PNG or JPEG, up to 10 MB",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    class Meta:
        model = Referral
        fields = [
            "provider",
            "referral_date",
            "diagnoses",
            "order",
            "visits_authorized",
            "expires_on",
            "payer_referral_number",
        ]
        widgets = {"referral_date": DateInput(), "expires_on": DateInput()}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "provider", ReferringProvider.objects.filter(organization=organization))


class CorrespondenceForm(StyledModelForm):
    document = forms.FileField(required=False, help_text="PDF, PNG or JPEG, up to 10 MB")

    class Meta:
        model = Correspondence
        fields = ["kind", "direction", "method", "date", "provider", "summary", "response"]
        widgets = {"date": DateInput()}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "provider", ReferringProvider.objects.filter(organization=organization))
