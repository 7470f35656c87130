"""The patient's progress (/my/progress/): their scores on each instrument their plan's goals measure, charted
against the goal's target; and the questionnaires their plan calls for now, answered in the portal
(/my/questionnaires/<instrument>/).

The chart is drawn by the template: this module only computes plain numbers (each point's x and y in the chart's
coordinates, the target lines' y, the axis labels)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.measures import views as measure_views
from fascia.measures.instruments import Instrument
from fascia.measures.models import MeasureResult
from fascia.measures.scoring import Change, change, instrument
from fascia.measures.services import record_measure
from fascia.plans.models import Goal
from fascia.portal.auth import PatientRequest, patient_view
from fascia.visits import queries as visit_queries

# The chart's coordinates (its viewBox): the plot sits inside the margins, the axis labels in them.
WIDTH, HEIGHT = 340, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 292, 12, 168  # the goal labels in the right margin


@dataclass(frozen=True)
class Point:
    on: date
    value: float
    band: str
    x: float
    y: float
    change: Change | None  # from the first score (None for the first): the clinician's reading, against the MCID
    reached: bool  # at or past a goal's target


@dataclass(frozen=True)
class Target:
    goal: Goal
    y: float


@dataclass(frozen=True)
class Tick:
    label: str
    y: float


@dataclass(frozen=True)
class Chart:
    instrument: Instrument
    points: list[Point]
    targets: list[Target]
    ticks: list[Tick]  # the score axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def first(self) -> Point | None:
        return self.points[0] if self.points else None

    @property
    def last(self) -> Point | None:
        return self.points[-1] if len(self.points) > 1 else None


def _reached(inst: Instrument, value: float, targets: Sequence[float]) -> bool:
    return any((value >= t) if inst.higher_is_better else (value <= t) for t in targets)


def chart(inst: Instrument, scores: Sequence[tuple[date, float, str]], goals: Sequence[Goal]) -> Chart:
    """The chart of one instrument's `scores` (date, value, band; oldest first) against its `goals`' targets:
    scores on the instrument's whole range up the page, dates across it (evenly by day)."""
    low, high = inst.score_min, inst.score_max

    def y(value: float) -> float:
        return round(BOTTOM - (value - low) / (high - low) * (BOTTOM - TOP), 1)

    first_day = scores[0][0] if scores else None
    days = (scores[-1][0] - first_day).days if scores and first_day else 0

    def x(on: date) -> float:
        if not days or first_day is None:
            return (LEFT + RIGHT) / 2
        return round(LEFT + (on - first_day).days / days * (RIGHT - LEFT), 1)

    targets = [g.target for g in goals if g.target is not None]
    start = scores[0][1] if scores else None
    points = [
        Point(
            on=on,
            value=value,
            band=band,
            x=x(on),
            y=y(value),
            change=None if n == 0 or start is None else change(inst.code, before=start, after=value),
            reached=_reached(inst, value, targets),
        )
        for n, (on, value, band) in enumerate(scores)
    ]
    middle = (low + high) / 2
    ticks = [Tick(f"{v:g}", y(v)) for v in (high, middle, low)]
    return Chart(inst, points, [Target(g, y(g.target)) for g in goals if g.target is not None], ticks)


def charts_for(patient_id: int, goals: Sequence[Goal]) -> list[Chart]:
    """A chart per instrument the goals measure, in the goals' order: one query for all the scores."""
    by_instrument: dict[str, list[Goal]] = defaultdict(list)
    for goal in goals:
        if goal.measure == Goal.Measure.INSTRUMENT and goal.instrument:
            by_instrument[goal.instrument].append(goal)
    scores: dict[str, list[tuple[date, float, str]]] = defaultdict(list)
    if by_instrument:
        results = MeasureResult.objects.filter(patient_id=patient_id, instrument__in=by_instrument).order_by(
            "administered_on", "id"
        )
        for code, on, value, band in results.values_list("instrument", "administered_on", "value", "band"):
            scores[code].append((on, value, band))
    return [chart(instrument(code), scores[code], goals) for code, goals in by_instrument.items()]


def due_instruments(request: PatientRequest) -> list[Instrument]:
    """The instruments the patient's active plans call for at the coming visit and not yet answered since the
    last one: what the clinician's My day and chart say is due (fascia.visits.queries.questionnaire_context)."""
    context = visit_queries.questionnaire_context(request.patient, request.user)
    due: dict[str, Instrument] = {}
    for _plan, rows in context["plans"]:
        for row in rows:
            if row.answer is None and row.due.reasons:
                due.setdefault(row.instrument.code, row.instrument)
    return list(due.values())


@patient_view
@require_GET
def progress(request: PatientRequest) -> HttpResponse:
    patient = request.patient
    plan = visit_queries.active_plan(patient)
    goals = list(plan.goals.all()) if plan else []
    audit.record(actor=request.user, action=AuditAction.PORTAL_VIEWED, target=patient, detail={"page": "progress"})
    context = {"plan": plan, "charts": charts_for(patient.pk, goals), "due": due_instruments(request)}
    return render(request, "portal/progress/progress.html", context)


@never_cache
@patient_view
@require_http_methods(["GET", "POST"])
def questionnaire(request: PatientRequest, code: str) -> HttpResponse:
    """The patient answers a questionnaire their plan calls for now, signed in (the session is the key): scored,
    stored and audited as through an emailed link, with the patient's account as the one who answered. Any
    instrument not due for them is a 404."""
    inst = next((i for i in due_instruments(request) if i.code == code), None)
    if inst is None:
        raise Http404("No questionnaire of that name is due.")
    if request.method == "POST":
        try:
            record_measure(
                actor=request.user,
                patient=request.patient,
                instrument=inst.code,
                responses=measure_views.responses(request, inst),
                activities=measure_views.activities(request, inst),
                administered_on=timezone.localdate(),
                detail={"portal": True},
            )
        except ValidationError as e:
            messages.error(request, _("Not sent yet: %(problem)s") % {"problem": " ".join(e.messages)})
        else:
            messages.success(request, _("Thank you: your answers are with your therapist."))
            return redirect("portal:progress")
    else:
        audit.record(
            actor=request.user,
            action=AuditAction.PORTAL_VIEWED,
            target=request.patient,
            detail={"page": "questionnaire", "instrument": inst.code},
        )
    return render(request, "portal/progress/questionnaire.html", measure_views.item_context(inst))
