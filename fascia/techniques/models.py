from collections.abc import Iterable

from django.core.validators import RegexValidator
from django.db import models

from fascia.core.models import Organization, TimestampedModel
from fascia.practitioners.models import Specialty


class Technique(TimestampedModel):
    """A technique in an organization's catalog. Each organization starts with catalog.py's and edits its own:
    its tags decide which contraindication rules apply, so no clinic can change another's screening."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="techniques")
    code = models.SlugField(max_length=40)
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
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="technique_code_per_organization",
                violation_error_message="The catalog already has a technique with this code.",
            )
        ]

    def __str__(self) -> str:
        return self.name


def add_default_techniques(organizations: Iterable[Organization]) -> None:
    """Give each organization catalog.py's techniques it lacks; never overwrites a clinic's edits."""
    from fascia.techniques.catalog import TECHNIQUES

    organizations = list(organizations)
    existing = set(Technique.objects.filter(organization__in=organizations).values_list("organization_id", "code"))
    Technique.objects.bulk_create(
        Technique(
            organization=organization,
            code=t.code,
            name=t.name,
            description=t.description,
            cpt_code=t.cpt_code,
            timed=t.timed,
            tags=list(t.tags),
            indications=t.indications,
        )
        for organization in organizations
        for t in TECHNIQUES
        if (organization.pk, t.code) not in existing
    )


def ensure_default_techniques(**kwargs: object) -> None:
    """post_migrate: a release that adds a technique to catalog.py adds it to every organization's catalog."""
    add_default_techniques(Organization.objects.all())


def new_organization_catalog(
    sender: type[Organization], instance: Organization, created: bool, **kwargs: object
) -> None:
    """post_save of an organization: a new clinic starts with Fascia's catalog."""
    if created and not kwargs.get("raw"):
        add_default_techniques([instance])
