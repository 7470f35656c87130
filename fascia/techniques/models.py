from django.core.validators import RegexValidator
from django.db import models

from fascia.core.models import TimestampedModel
from fascia.practitioners.models import Specialty


class Technique(TimestampedModel):
    """A technique in the clinic's catalog. The defaults come from catalog.py; admins may add more."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField()
    cpt_code = models.CharField(
        "CPT code",
        max_length=5,
        validators=[RegexValidator(r"^\d{5}$", "A CPT code is five digits, for example 97140.")],
    )
    timed = models.BooleanField(help_text="Billed in 15-minute units (REFERENCE.md §1)")
    tags = models.JSONField(default=list, blank=True, help_text="deep, vigorous, lymphatic, myofascial, stretching")
    indications = models.CharField(max_length=300, blank=True)
    required_specialty = models.CharField(
        "requires the certification",
        max_length=20,
        choices=Specialty.choices,
        blank=True,
        help_text="Practitioners without it current cannot plan, book or document this technique",
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def ensure_default_techniques(**kwargs: object) -> None:
    """Add the catalog's techniques that are missing (post_migrate); never overwrites a clinic's edits."""
    from fascia.techniques.catalog import TECHNIQUES

    existing = set(Technique.objects.values_list("code", flat=True))
    Technique.objects.bulk_create(
        Technique(
            code=t.code,
            name=t.name,
            description=t.description,
            cpt_code=t.cpt_code,
            timed=t.timed,
            tags=list(t.tags),
            indications=t.indications,
        )
        for t in TECHNIQUES
        if t.code not in existing
    )
