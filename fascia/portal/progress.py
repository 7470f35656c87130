"""The patient's progress (/my/progress/): their scores on each instrument their plan's goals measure, charted
against the goals' targets and the smallest change that matters (fascia.plans.charts, the picture the clinic's
letters show too); and the questionnaires their plan calls for now, answered in the portal
(/my/questionnaires/<instrument>/)."""

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
from fascia.measures.scoring import Change, change
from fascia.measures.services import record_measure
from fascia.plans.charts import ScoreChart, goal_charts
from fascia.plans.models import Goal
from fascia.portal.auth import PatientRequest, patient_view
from fascia.visits import queries as visit_queries


@dataclass(frozen=True)
class Point:
    on: date
    value: float
    band: str
    change: Change | None  # from the first score (None for the first): the clinician's reading, against the MCID
    reached: bool  # at or past a goal's target


@dataclass(frozen=True)
class Chart:
    picture: ScoreChart  # the scores against the goals' targets and the MCID band
    points: list[Point]  # the table beside it

    @property
    def instrument(self) -> Instrument:
        return self.picture.instrument

    @property
    def goals(self) -> list[Goal]:
        """The goals with a target on this instrument."""
        return [g for g in self.picture.goals if g.target is not None]

    @property
    def first(self) -> Point | None:
        return self.points[0] if self.points else None

    @property
    def last(self) -> Point | None:
        return self.points[-1] if len(self.points) > 1 else None


def _reached(inst: Instrument, value: float, targets: Sequence[float]) -> bool:
    return any((value >= t) if inst.higher_is_better else (value <= t) for t in targets)


def chart(picture: ScoreChart, bands: Sequence[str]) -> Chart:
    """The chart of one instrument's scores with each score's severity band (`bands`, in the scores' order)."""
    inst, targets = picture.instrument, picture.targets
    start = picture.scores[0][1] if picture.scores else None
    points = [
        Point(
            on=on,
            value=value,
            band=band,
            change=None if n == 0 or start is None else change(inst.code, before=start, after=value),
            reached=_reached(inst, value, targets),
        )
        for n, ((on, value), band) in enumerate(zip(picture.scores, bands, strict=True))
    ]
    return Chart(picture, points)


def charts_for(patient_id: int, goals: Sequence[Goal]) -> list[Chart]:
    """A chart per instrument the goals measure, in the goals' order: one query for all the scores."""
    codes = {g.instrument for g in goals if g.measure == Goal.Measure.INSTRUMENT and g.instrument}
    scores: dict[str, list[tuple[date, float]]] = defaultdict(list)
    bands: dict[str, list[str]] = defaultdict(list)
    if codes:
        results = MeasureResult.objects.filter(patient_id=patient_id, instrument__in=codes).order_by(
            "administered_on", "id"
        )
        for code, on, value, band in results.values_list("instrument", "administered_on", "value", "band"):
            scores[code].append((on, value))
            bands[code].append(band)
    return [chart(picture, bands[picture.instrument.code]) for picture in goal_charts(goals, scores)]


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
