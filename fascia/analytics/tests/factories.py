"""Episodes of care as summary rows with known figures, for the outcome pages' hand-computed fixtures.

The page counts analytics.Episode rows; these build them directly (with the minimal evaluation and draft plan an
episode hangs from), so a test states each episode's numbers outright. How the rows are made from notes and
measures is tested through the services in test_episodes.py."""

from datetime import date

from fascia.analytics.models import ConditionGroup, Episode, EpisodeMeasure, EpisodeTechnique
from fascia.core.models import Location, User
from fascia.evaluations.models import Evaluation
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import TreatmentPlan
from fascia.techniques.models import Technique


def episode(
    user: User,
    *,
    end: date,
    change: float | None,
    reached: bool = False,
    visits_to_mcid: int | None = None,
    days_to_mcid: int | None = None,
    instrument: str = "ODI",
    group: str | None = "Low back pain",
    technique: str | None = "deep-tissue",
    minutes: int = 0,
    payer_kind: str = "commercial",
    location: Location | None = None,
) -> Episode:
    """A closed episode of `user`'s (a practitioner) ending on `end`, whose `instrument` improved by `change`
    (None: no follow-up score), with `minutes` of `technique` (its dominant one; None: mixed)."""
    organization = user.organization
    assert organization is not None
    patient = PatientFactory(organization=organization)
    start = date.fromordinal(end.toordinal() - 60)
    evaluation = Evaluation.objects.create(
        patient=patient, practitioner=user.practitioner, evaluated_on=start, created_by=user
    )
    plan = TreatmentPlan.objects.create(
        patient=patient,
        evaluation=evaluation,
        practitioner=user.practitioner,
        start_date=start,
        visits_per_week=1,
        duration_weeks=8,
        planned_visits=8,
        created_by=user,
    )
    chosen = Technique.objects.get(organization=organization, code=technique) if technique else None
    row = Episode.objects.create(
        organization=organization,
        plan=plan,
        patient=patient,
        practitioner=user.practitioner,
        location=location,
        start_date=start,
        end_date=end,
        status=Episode.Status.CLOSED,
        visits=8,
        days=60,
        diagnoses=[],
        payer_kind=payer_kind,
        referral_source=Episode.SELF_REFERRED,
        total_minutes=minutes,
        dominant_technique=chosen,
    )
    if group:
        row.groups.add(ConditionGroup.objects.get(organization=organization, name=group))
    if chosen and minutes:
        EpisodeTechnique.objects.create(episode=row, technique=chosen, region="lower-back", minutes=minutes)
    EpisodeMeasure.objects.create(
        episode=row,
        instrument=instrument,
        baseline=40,
        baseline_on=start,
        latest=40 - (change or 0),
        latest_on=end,
        follow_ups=0 if change is None else 1,
        change=change,
        reached_mcid=reached,
        visits_to_mcid=visits_to_mcid,
        days_to_mcid=days_to_mcid,
    )
    return row
