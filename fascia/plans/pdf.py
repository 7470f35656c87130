"""The plan-of-care and progress-report letters to the referring provider: one context builder."""

from django.db.models import Count
from django.utils import timezone

from fascia.evaluations.catalog import MOTIONS
from fascia.lib.uploads import data_uri
from fascia.measures import change, instrument
from fascia.plans.charts import goal_charts, scores_by_instrument
from fascia.plans.models import Goal, TreatmentPlan

TITLES = {"plan-of-care": "Plan of care", "discharge": "Discharge summary"}
ENDED = (TreatmentPlan.Status.COMPLETED, TreatmentPlan.Status.DISCONTINUED)


def letter_title(plan: TreatmentPlan, kind: str) -> str:
    """What a letter or report is called: a progress report on a plan that has ended is its discharge summary."""
    if kind == "progress-report" and plan.status in ENDED:
        kind = "discharge"
    return TITLES.get(kind, "Progress report")


def _latest_rom(plan: TreatmentPlan) -> dict[tuple[str, str], float]:
    latest: dict[tuple[str, str], float] = {}
    for evaluation in plan.patient.evaluations.filter(status="signed").order_by("-evaluated_on", "-id"):
        for row in evaluation.rom:
            latest.setdefault((row["motion"], row["side"]), float(row["degrees"]))
    return latest


def attendance(plan: TreatmentPlan) -> dict[str, int]:
    """Visits documented (signed notes) since the plan started, and the appointments missed."""
    missed = plan.patient.appointments.filter(start_at__date__gte=plan.start_date, start_at__lt=timezone.now())
    counts = dict(missed.values_list("status").annotate(n=Count("id")))
    return {
        "attended": plan.patient.visit_notes.filter(status="signed", visited_on__gte=plan.start_date).count(),
        "no_shows": counts.get("noshow", 0),
        "cancelled": counts.get("cancelled", 0),
    }


def letter_context(plan: TreatmentPlan, *, kind: str, recommendation: str = "", pictures: bool = False) -> dict:
    """The letter's context; with `pictures`, each home care item's picture embedded (the PDF's: read from
    storage, so not for a page that only shows the letter's text)."""
    history = scores_by_instrument(plan.patient_id)  # every score of the patient's, oldest first: one query
    latest, rom = {code: scores[-1][1] for code, scores in history.items()}, _latest_rom(plan)
    plan_goals = list(plan.goals.all())
    goals = []
    for goal in plan_goals:
        if goal.measure == Goal.Measure.INSTRUMENT:
            current = latest.get(goal.instrument)
        elif goal.measure == Goal.Measure.ROM:
            side = goal.rom_side if MOTIONS[goal.rom_motion].sided else ""
            current = rom.get((goal.rom_motion, side))
        else:
            current = None
        goals.append({"goal": goal, "current": current})
    baseline = {m.instrument: m.value for m in plan.evaluation.measures.all()}
    scores = []
    for code, before in sorted(baseline.items()):
        inst = instrument(code)
        after = latest.get(code, before)
        result = change(code, before=before, after=after)
        scores.append(
            {
                "code": code,
                "name": inst.name,
                "before": before,
                "after": after,
                "delta": result.delta,
                "important": result.clinically_important,
                "mcid": inst.mcid,
                "mcid_source": inst.mcid_source,
                "higher_is_better": inst.higher_is_better,
            }
        )
    # The scores of this episode of care (from the plan's evaluation) on each instrument a goal measures or the
    # evaluation scored, against the goals and the MCID band.
    since = plan.evaluation.evaluated_on
    episode = {code: [(on, v) for on, v in scores if on >= since] for code, scores in history.items()}
    home_care = list(plan.home_care_items.all())
    return {
        "plan": plan,
        "patient": plan.patient,
        "kind": kind,
        # A plan of care goes out for the referring provider's signature until one is recorded.
        "asks_for_certification": kind == "plan-of-care" and not plan.certified_by,
        "title": letter_title(plan, kind),
        "provider": plan.referral.provider if plan.referral else None,
        "diagnoses": list(plan.evaluation.diagnoses.all()),
        "goals": goals,
        "scores": scores,
        "charts": goal_charts(plan_goals, episode, also=sorted(baseline)),
        "techniques": list(plan.techniques.select_related("technique").prefetch_related("diagnoses")),
        "home_care": home_care,
        # Each item with its picture embedded, as the patient's sheet shows it.
        "home_care_rows": [
            {"item": item, "picture": data_uri(item.image, item.image_type) if item.image else ""} for item in home_care
        ],
        "recommendation": recommendation,
        "attendance": attendance(plan),
    }
