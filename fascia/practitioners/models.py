from uuid import uuid4

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from fascia.core.fields import US_STATES, NPIField
from fascia.core.models import Location, TimestampedModel


class Practitioner(TimestampedModel):
    """The clinical profile of a staff account in the practitioner role."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner")
    credential_suffix = models.CharField(
        "credentials", max_length=30, blank=True, help_text="Shown after the name, for example LMT or LMT, CMMP"
    )
    npi = NPIField("individual NPI (type 1)", unique=True)
    taxonomy_code = models.CharField(
        max_length=10,
        default="225700000X",  # NUCC taxonomy: Massage Therapist
        validators=[RegexValidator(r"^[0-9]{3}[0-9A-Z]{6}X$", "A NUCC taxonomy code looks like 225700000X.")],
        help_text="NUCC provider taxonomy; 225700000X is Massage Therapist.",
    )
    license_number = models.CharField(max_length=30)
    license_state = models.CharField(max_length=2, choices=US_STATES)
    locations = models.ManyToManyField(Location, related_name="practitioners", blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.username
        return f"{name}, {self.credential_suffix}" if self.credential_suffix else name
