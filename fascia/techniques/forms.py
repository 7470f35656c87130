from typing import Any

from django import forms

from fascia.core.forms import StyledModelForm
from fascia.techniques.models import Technique

TAGS = [
    ("deep", "Deep or sustained pressure"),
    ("vigorous", "Vigorous or forceful"),
    ("lymphatic", "Lymphatic"),
    ("myofascial", "Myofascial"),
    ("stretching", "Stretching"),
]


class TechniqueForm(StyledModelForm):
    tags = forms.MultipleChoiceField(
        choices=TAGS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The contraindication rules match techniques by these tags; choose every one that applies.",
    )

    class Meta:
        model = Technique
        fields = [
            "code",
            "name",
            "description",
            "cpt_code",
            "timed",
            "required_specialty",
            "tags",
            "indications",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"code": "A short lower-case name used by the rules and the API, e.g. cupping"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The code names the technique to the API, the note templates and stored rows: fixed once it is saved.
        self.fields["code"].disabled = bool(self.instance.pk)
