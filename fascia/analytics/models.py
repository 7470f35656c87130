from django.db import models

from fascia.core.models import Organization, TimestampedModel


class ConditionGroup(TimestampedModel):
    """A clinic's group of ICD-10-CM codes that outcomes are broken down by (low back pain, neck pain, …).

    `codes` lists code prefixes: "M54.5" takes M54.50, M54.51 and M54.59. An episode falls in every group one of
    its diagnoses starts with a prefix of."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="condition_groups")
    name = models.CharField(max_length=80)
    codes = models.JSONField(default=list, help_text="ICD-10-CM code prefixes, e.g. M54.5 for low back pain")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="condition_group_name_unique_in_org")
        ]
        permissions = [
            ("view_outcomes", "See outcome evidence: the clinic's, or a practitioner's own beside it"),
            ("view_practice", "See the practice dashboards: visits, utilization, referrals, cancellations"),
            ("view_finances", "See the financial dashboards: revenue, collections, days in AR, denials"),
        ]

    def __str__(self) -> str:
        return self.name
