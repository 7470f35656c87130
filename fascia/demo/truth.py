"""What a seeded clinic's outcomes should show: each episode's responder rate by `fascia.demo.outcomes`, read
back from the records the seed wrote, and per condition group or technique the expected rate beside the
observed share of responders and its 95 % Wilson interval.

An episode here is a treatment plan with its outcome instrument (its long-term goal's) measured at the
evaluation and at least once more in a note of the plan (signed or not: the measure is recorded either way);
the latest of those is its follow-up. Its
condition groups are every group one of its evaluation's diagnoses falls in; its dominant technique the one with
more than half of its signed notes' minutes. A cell's expected rate is the mean of its episodes' rates (a
condition group's is its GROUP_RATES entry plus the mean technique shift of its episodes, near zero): each
episode responds independently with its own rate, so the cell's share of responders falls in its 95 % interval
about 95 % of the time.

For the tests and `make bench` (bench/outcomes.py): it reads every plan of the clinic into Python, which a page
must not.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from fascia.analytics.outcomes import NO_GROUP
from fascia.analytics.stats import MIN_N  # the outcome pages' suppression minimum (episodes per cell)

__all__ = ["MIN_N", "Cell", "Episode", "cells", "seeded_episodes"]
from fascia.analytics.stats import wilson_interval
from fascia.core.models import Organization
from fascia.demo.outcomes import TECHNIQUE_NAMES, condition_group, groups_of, responder_rate
from fascia.evaluations.models import Diagnosis, EvaluationMeasure
from fascia.measures.scoring import change
from fascia.plans.models import Goal, TreatmentPlan
from fascia.visits.models import NoteMeasure, VisitNote, VisitTechnique


@dataclass(frozen=True)
class Episode:
    plan_id: int
    groups: frozenset[str]
    group: str  # the condition group its rate is drawn with (outcomes.condition_group; OTHER for none)
    technique: str | None  # the dominant technique's catalog code
    instrument: str
    baseline: float
    latest: float
    responded: bool  # by fascia.measures.scoring.change: the MCID, or its percentage of the baseline
    improvement: float
    rate: float  # the probability the seed gave it


@dataclass(frozen=True)
class Cell:
    label: str
    n: int
    responders: int
    expected: float
    low: float
    high: float

    @property
    def holds(self) -> bool:
        return self.low <= self.expected <= self.high


def seeded_episodes(organization: Organization) -> list[Episode]:
    """The clinic's episodes with a baseline and a follow-up of their outcome instrument."""
    plans = dict(TreatmentPlan.objects.filter(patient__organization=organization).values_list("pk", "evaluation_id"))
    codes: dict[int, list[str]] = defaultdict(list)
    for evaluation_id, diagnosis in (
        Diagnosis.objects.filter(evaluation__patient__organization=organization)
        .order_by("evaluation_id", "rank")
        .values_list("evaluation_id", "code")
    ):
        codes[evaluation_id].append(diagnosis)
    instruments = dict(
        Goal.objects.filter(plan__in=plans, term=Goal.Term.LONG, measure=Goal.Measure.INSTRUMENT).values_list(
            "plan_id", "instrument"
        )
    )
    baselines = {
        (evaluation_id, measured): value
        for evaluation_id, measured, value in EvaluationMeasure.objects.filter(
            evaluation__patient__organization=organization
        ).values_list("evaluation_id", "result__instrument", "result__value")
    }
    latest: dict[tuple[int, str], float] = {}
    for plan_id, measured, value in (
        NoteMeasure.objects.filter(note__plan__in=plans)
        .order_by("note__visited_on", "result_id")
        .values_list("note__plan_id", "result__instrument", "result__value")
    ):
        latest[plan_id, measured] = value  # the last one wins
    minutes: dict[int, dict[str, int]] = defaultdict(dict)
    for plan_id, technique, total in (
        VisitTechnique.objects.filter(note__plan__in=plans, note__status=VisitNote.Status.SIGNED)
        .values_list("note__plan_id", "technique__code")
        .annotate(total=Sum("minutes"))
        .values_list("note__plan_id", "technique__code", "total")
    ):
        minutes[plan_id][technique] = total
    episodes = []
    for plan_id, evaluation_id in plans.items():
        code = instruments.get(plan_id)
        if code is None or (evaluation_id, code) not in baselines or (plan_id, code) not in latest:
            continue
        spent = minutes[plan_id]
        dominant = next((t for t, m in spent.items() if 2 * m > sum(spent.values())), None)
        found = change(code, before=baselines[evaluation_id, code], after=latest[plan_id, code])
        diagnoses = codes[evaluation_id]
        group = condition_group(diagnoses)
        episodes.append(
            Episode(
                plan_id=plan_id,
                groups=frozenset(groups_of(diagnoses)),
                group=group,
                technique=dominant,
                instrument=code,
                baseline=found.before,
                latest=found.after,
                responded=found.clinically_important,
                improvement=found.improvement,
                rate=responder_rate(group, dominant or ""),
            )
        )
    return episodes


def cells(episodes: list[Episode], by: str, *, instrument: str | None = None) -> list[Cell]:
    """Per condition group (`by="condition"`; NO_GROUP for an episode in none) or dominant technique
    (`by="technique"`, labelled with the catalog's name), of one instrument's episodes or all: n, responders, the
    expected rate and the interval."""
    members: dict[str, list[Episode]] = defaultdict(list)
    for episode in episodes:
        if instrument is not None and episode.instrument != instrument:
            continue
        if by == "condition":
            labels = sorted(episode.groups) or [NO_GROUP]
        elif by == "technique":
            labels = [TECHNIQUE_NAMES.get(episode.technique, episode.technique)] if episode.technique else []
        else:
            raise ValueError(f"by={by!r}: condition or technique")
        for label in labels:
            members[label].append(episode)
    found = []
    for label, cell in sorted(members.items()):
        responders = sum(e.responded for e in cell)
        low, high = wilson_interval(responders, len(cell)) or (0.0, 1.0)  # a cell has an episode: never None
        expected = sum(e.rate for e in cell) / len(cell)
        found.append(Cell(label, len(cell), responders, expected, low, high))
    return found
