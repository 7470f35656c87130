"""A patient's scores on an instrument over time, against their plan's goals and the MCID band: the one picture
the patient chart, the portal's progress page, the plan-of-care and progress letters to the referring provider
and the progress and discharge notes all show (drawn by fascia.lib.charts).

The MCID band runs from the baseline (the goal's, else the first score charted) to the baseline plus the
instrument's MCID in the improving direction: a score beyond it is a clinically important change."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from fascia.lib import charts
from fascia.measures.instruments import Instrument
from fascia.measures.models import MeasureResult
from fascia.measures.scoring import instrument
from fascia.plans.models import Goal

Scores = list[tuple[date, float]]


@dataclass(frozen=True)
class ScoreChart:
    instrument: Instrument
    scores: Scores  # oldest first
    goals: list[Goal] = field(default_factory=list)  # the goals measured by this instrument

    @property
    def targets(self) -> list[float]:
        return [g.target for g in self.goals if g.target is not None]

    @property
    def baseline(self) -> float | None:
        given = next((g.baseline for g in self.goals if g.baseline is not None), None)
        return given if given is not None else (self.scores[0][1] if self.scores else None)

    @property
    def band(self) -> tuple[float, float] | None:
        if self.baseline is None:
            return None
        step = self.instrument.mcid if self.instrument.higher_is_better else -self.instrument.mcid
        return (self.baseline, self.baseline + step)

    @property
    def first(self) -> tuple[date, float] | None:
        return self.scores[0] if self.scores else None

    @property
    def last(self) -> tuple[date, float] | None:
        return self.scores[-1] if len(self.scores) > 1 else None

    @property
    def svg(self) -> str:
        inst = self.instrument
        return charts.score_chart(
            self.scores,
            title=inst.name,
            y_range=(inst.score_min, inst.score_max),
            higher_is_better=inst.higher_is_better,
            goals=self.targets,
            mcid_band=self.band,
            words=charts.Words(
                score=_("Score"),
                goal=_("Goal"),
                band=_("Smallest change that matters"),
                no_data=_("No scores yet"),
            ),
            date_label=lambda day: formats.date_format(day, "M j"),
        )

    @property
    def uri(self) -> str:
        """The chart for an `<img src>`."""
        return charts.data_uri(self.svg)


def scores_by_instrument(
    patient_id: int, codes: Iterable[str] | None = None, since: date | None = None
) -> dict[str, Scores]:
    """The patient's scores (date, value; oldest first) by instrument, all or those of `codes`, from `since`:
    one query."""
    results = MeasureResult.objects.filter(patient_id=patient_id)
    if codes is not None:
        results = results.filter(instrument__in=list(codes))
    if since is not None:
        results = results.filter(administered_on__gte=since)
    scores: dict[str, Scores] = defaultdict(list)
    for code, on, value in results.order_by("administered_on", "id").values_list(
        "instrument", "administered_on", "value"
    ):
        scores[code].append((on, value))
    return scores


def goal_charts(goals: Sequence[Goal], scores: dict[str, Scores], *, also: Iterable[str] = ()) -> list[ScoreChart]:
    """A chart per instrument the `goals` measure (in the goals' order) with those goals' targets, then one per
    instrument of `also` that no goal measures, with the `scores` of each."""
    by_instrument: dict[str, list[Goal]] = defaultdict(list)
    for goal in goals:
        if goal.measure == Goal.Measure.INSTRUMENT and goal.instrument:
            by_instrument[goal.instrument].append(goal)
    for code in also:
        by_instrument.setdefault(code, [])
    return [ScoreChart(instrument(code), scores.get(code, []), measured) for code, measured in by_instrument.items()]
