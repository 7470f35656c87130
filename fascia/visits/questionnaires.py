"""Which of a plan's questionnaires the coming visit calls for, and how the patient answered (fascia.measures.schedule
decides the timing; this reads the rows it needs, a fixed number of queries for any number of plans)."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from fascia.measures.instruments import Instrument
from fascia.measures.models import MeasureResult
from fascia.measures.schedule import Due, due
from fascia.measures.scoring import Change, change, instrument
from fascia.plans.models import Questionnaire, TreatmentPlan


@dataclass(frozen=True)
class Answer:
    on: date
    value: float
    band: str


@dataclass(frozen=True)
class QuestionnaireDue:
    instrument: Instrument
    due: Due
    answer: Answer | None  # given since the last visit: the call is met
    baseline: Answer | None  # what the answer is compared with: the last before the plan started, else its first
    change: Change | None
    today: date

    @property
    def answered(self) -> str:
        """When and what the patient answered, e.g. "2 days ago: 32% (moderate disability)"."""
        if self.answer is None:
            return ""
        days = (self.today - self.answer.on).days
        when = {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")
        unit = self.instrument.unit
        score = f"{self.answer.value:g}{unit}" if unit == "%" else f"{self.answer.value:g} {unit}"
        return f"{when}: {score}" + (f" ({self.answer.band})" if self.answer.band else "")

    @property
    def verdict(self) -> str:
        """The change from the baseline in words, against the instrument's MCID."""
        if self.change is None:
            return ""
        c, inst = self.change, self.instrument
        if c.clinically_important:
            return f"improved by {abs(c.delta):g} from {c.before:g}, at least the MCID ({inst.mcid:g})"
        if c.improvement < 0:
            return f"worse by {abs(c.delta):g} from {c.before:g}"
        return f"changed by {abs(c.delta):g} from {c.before:g}, less than the MCID ({inst.mcid:g})"


def questionnaires_due(
    plans: Sequence[TreatmentPlan],
    *,
    visits: Mapping[int, Sequence[tuple[date, str]]],
    status: Mapping[int, tuple[bool, bool]],
    today: date,
) -> dict[int, list[QuestionnaireDue]]:
    """For each plan (by pk), what its coming visit calls for. `visits` are each patient's signed notes as (date,
    kind) (fascia.visits.queries.signed_visits); `status` says, by plan pk, whether a progress report or
    re-evaluation and whether discharge is due at the coming visit. Two queries."""
    timings: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for q in Questionnaire.objects.filter(plan_id__in=[p.pk for p in plans]):
        timings[q.plan_id][q.instrument].append(q.timing)
    wanted = {code for by_instrument in timings.values() for code in by_instrument}
    answers: dict[tuple[int, str], list[Answer]] = defaultdict(list)
    if wanted:
        results = MeasureResult.objects.filter(
            patient_id__in={p.patient_id for p in plans if p.pk in timings}, instrument__in=wanted
        ).order_by("administered_on", "id")
        for patient_id, code, on, value, band in results.values_list(
            "patient_id", "instrument", "administered_on", "value", "band"
        ):
            answers[patient_id, code].append(Answer(on, value, band))
    found: dict[int, list[QuestionnaireDue]] = {}
    for plan in plans:
        progress, discharge = status[plan.pk]
        seen = [day for day, _ in visits.get(plan.patient_id, ()) if day >= plan.start_date]
        rows = []
        for code, plan_timings in sorted(timings[plan.pk].items()):
            given = answers[plan.patient_id, code]
            called = due(
                plan_timings,
                plan_start=plan.start_date,
                visits=seen,
                answers=[a.on for a in given],
                today=today,
                progress_due=progress,
                discharge_due=discharge,
            )
            if called is None:
                continue
            answer = next((a for a in reversed(given) if a.on == called.answered_on), None)
            before = [a for a in given if a.on <= plan.start_date]
            baseline = before[-1] if before else next((a for a in given if a is not answer), None)
            compared = None
            if answer is not None and baseline is not None:
                compared = change(code, before=baseline.value, after=answer.value)
            rows.append(QuestionnaireDue(instrument(code), called, answer, baseline, compared, today))
        if rows:
            found[plan.pk] = rows
    return found
