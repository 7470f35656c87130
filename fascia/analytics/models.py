from django.db import models

from fascia.core.models import Location, Organization, TimestampedModel


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


class Episode(models.Model):
    """An episode of care, the unit outcomes are counted in: one treatment plan and its revised versions, from the
    initial evaluation to discharge (completed or discontinued), or to its last visit or measure while it is open.

    A summary row, never edited by hand: fascia.analytics.episodes.refresh() rebuilds it from the signed notes, the
    measures and the plan whenever one of them changes, and `fascia refresh_episodes` rebuilds them all."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The chain's first version: a revision keeps the episode, a new plan (not a revision) starts another.
    plan = models.OneToOneField("plans.TreatmentPlan", on_delete=models.CASCADE, related_name="episode")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    # Who treated: the signer of most of its visits, else the plan's practitioner.
    practitioner = models.ForeignKey("practitioners.Practitioner", on_delete=models.CASCADE, related_name="+")
    # Where: the location of most of its visits' appointments, else the patient's preferred location.
    location = models.ForeignKey(Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    start_date = models.DateField(help_text="The initial evaluation")
    end_date = models.DateField(help_text="Discharge when closed; the last visit or measure while open")
    status = models.CharField(max_length=6, choices=Status.choices)
    visits = models.PositiveIntegerField(default=0, help_text="Visits attended: signed visit notes")
    days = models.PositiveIntegerField(default=0, help_text="From the evaluation to the end date")
    diagnoses = models.JSONField(default=list, help_text="ICD-10-CM codes of its evaluations, primary first")
    groups = models.ManyToManyField(ConditionGroup, blank=True, related_name="episodes")
    payer_kind = models.CharField(max_length=14, help_text="Of the primary coverage at the start; self-pay when none")
    referral_source = models.CharField(max_length=20, help_text="The referring provider's kind, or self-referred")
    total_minutes = models.PositiveIntegerField(default=0)
    # The technique with more than half of its minutes; None with minutes is "mixed", None without "none recorded".
    dominant_technique = models.ForeignKey(
        "techniques.Technique", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refreshed_at = models.DateTimeField(auto_now=True)

    MIXED = "mixed"
    SELF_PAY = "self-pay"
    SELF_REFERRED = "self-referred"

    class Meta:
        ordering = ["-end_date", "-id"]
        indexes = [
            models.Index(fields=["organization", "end_date"], name="episode_org_end"),
            models.Index(fields=["organization", "start_date"], name="episode_org_start"),
            models.Index(fields=["organization", "practitioner", "end_date"], name="episode_org_practitioner"),
            models.Index(fields=["organization", "location", "end_date"], name="episode_org_location"),
            models.Index(fields=["patient", "start_date"], name="episode_patient"),
        ]

    def __str__(self) -> str:
        return f"Episode {self.start_date:%Y-%m-%d} to {self.end_date:%Y-%m-%d}"


class EpisodeMeasure(models.Model):
    """One instrument over an episode: its first score (baseline), its last, and whether and when the improvement
    first reached the instrument's MCID (fascia.measures.scoring.change)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="measures")
    instrument = models.CharField(max_length=12)
    baseline = models.FloatField()
    baseline_on = models.DateField()
    latest = models.FloatField()
    latest_on = models.DateField()
    follow_ups = models.PositiveSmallIntegerField(default=0, help_text="Scores after the baseline")
    # Improvement from baseline to latest, positive when better whichever way the instrument runs; None without a
    # follow-up score.
    change = models.FloatField(null=True, blank=True)
    reached_mcid = models.BooleanField(default=False, help_text="The latest score is an important improvement")
    # When a score first reached the MCID (even if a later one fell back): visits attended by then, days since start.
    visits_to_mcid = models.PositiveIntegerField(null=True, blank=True)
    days_to_mcid = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["instrument"]
        constraints = [models.UniqueConstraint(fields=["episode", "instrument"], name="episode_measure_unique")]
        indexes = [models.Index(fields=["instrument", "episode"], name="episode_measure_instrument")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.baseline:g} → {self.latest:g}"


class EpisodeTechnique(models.Model):
    """Minutes of one technique on one region over an episode's signed visits."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="techniques")
    technique = models.ForeignKey("techniques.Technique", on_delete=models.CASCADE, related_name="+")
    region = models.CharField(max_length=20)
    minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["technique", "region"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "technique", "region"], name="episode_technique_unique")
        ]
        indexes = [models.Index(fields=["technique", "episode"], name="episode_technique_dose")]

    def __str__(self) -> str:
        return f"{self.technique_id} {self.region}: {self.minutes} min"


class Snapshot(models.Model):
    """A dashboard's or the outcome page's figures for one filter, as its template rendered them: what the page
    shows, so a view reads one row instead of aggregating ten years of visits (fascia.analytics.snapshots).

    Computed in the background (the task `snapshots.compute`) when a page finds none, or one older than
    snapshots.MAX_AGE; `queued_at` keeps a second request from queueing the same work again."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(max_length=10)
    # The filter as a sorted query string, with whose view it is (the whole clinic, or a practitioner's own).
    key = models.CharField(max_length=400)
    html = models.TextField(blank=True)
    computed_at = models.DateTimeField(null=True, blank=True, help_text="When the figures were counted")
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "page", "key"], name="snapshot_unique_per_filter")
        ]

    def __str__(self) -> str:
        return f"{self.page} {self.key}"
