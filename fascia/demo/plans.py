"""Demo referring providers, referrals and active treatment plans, built through the services."""

import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from fascia.core.models import Organization, User
from fascia.demo.names import npi
from fascia.evaluations.models import Evaluation
from fascia.measures import instrument
from fascia.measures.services import answer_questionnaire, open_questionnaire_link
from fascia.plans import services as plan_services
from fascia.plans.models import Goal, TreatmentPlan
from fascia.referrals.models import ReferringProvider
from fascia.referrals.services import record_referral, save_provider
from fascia.scheduling.models import Appointment
from fascia.scheduling.queries import day_bounds
from fascia.techniques.models import Technique
from fascia.techniques.screening import REFUSING, Level, worst_level

PROVIDERS = [
    ("physician", "Dr. Helena Marsh", "MD", "Eastlake Family Medicine"),
    ("physical-therapist", "Jonas Whitaker", "DPT", "Harborview Physical Therapy"),
    ("chiropractor", "Dr. Mina Castillo", "DC", "Castillo Chiropractic"),
    ("nurse-practitioner", "Grace Oyelaran", "NP", "Rainier Orthopedic Associates"),
]

# Body-chart regions (front/back) to the regions a plan names.
CHART_TO_BODY = {
    "head": "head",
    "neck": "neck",
    "upper-back": "upper-back",
    "lower-back": "lower-back",
    "chest": "chest",
    "abdomen": "abdomen",
    "pelvis": "pelvis",
    "buttocks": "pelvis",
    "shoulder": "shoulder",
    "upper-arm": "arm",
    "forearm": "arm",
    "hand": "hand",
    "thigh": "leg",
    "knee": "leg",
    "lower-leg": "lower-leg",
    "foot": "foot",
}
DEEPER = ["deep-tissue", "myofascial-release", "trigger-point"]
OVERRIDE = "Light-to-moderate pressure, shorter strokes; patient informed and agrees."
HOME_CARE = {
    "ODI": "Walk 10 minutes twice a day. Pelvic tilts, 10 twice daily. Heat 15 minutes before bed.",
    "NDI": "Chin tucks 10 times every hour at work. Screen at eye level. Heat 15 minutes in the evening.",
    "LEFS": "Self-massage of the calf and thigh with light strokes, 5 minutes daily. Ice after activity.",
    "QUICKDASH": "Wrist and forearm stretches 3 times a day. Take a 2-minute break every 30 minutes of typing.",
    "PSFS": "Gentle full-body stretching each morning. Pace activities; rest before you are exhausted.",
}


def body_region(chart_region: str) -> str:
    """back-thigh-left -> leg-left; back-lower-back -> lower-back."""
    name = chart_region.split("-", 1)[1]
    side = name.rsplit("-", 1)[1] if name.endswith(("-left", "-right")) else ""
    base = CHART_TO_BODY[name.removesuffix(f"-{side}")] if side else CHART_TO_BODY[name]
    return f"{base}-{side}" if side else base


def goals_for(measure: str, baselines: dict[str, float], start: date) -> list[dict[str, Any]]:
    """A long-term goal 1.5 × the instrument's MCID better than at the evaluation (where the scale leaves
    room) and a short-term one on pain (NPRS), as the demo's practitioners set them."""
    inst = instrument(measure)
    value, pain = baselines[measure], baselines["NPRS"]
    step = inst.mcid * 1.5
    target = min(inst.score_max, value + step) if inst.higher_is_better else max(inst.score_min, value - step)
    goals = [
        {
            "term": Goal.Term.LONG,
            "measure": Goal.Measure.INSTRUMENT,
            "instrument": measure,
            "description": f"Reach {target:g} on the {inst.name}",
            "baseline": value,
            "target": target,
            "target_date": start + timedelta(weeks=6),
        },
        {
            "term": Goal.Term.SHORT,
            "measure": Goal.Measure.INSTRUMENT,
            "instrument": "NPRS",
            "description": "Pain down to a level that allows normal sleep",
            "baseline": pain,
            "target": max(0.0, pain - 3),
            "target_date": start + timedelta(weeks=3),
        },
    ]
    return [goal for goal in goals if goal["target"] != goal["baseline"]]


def techniques_for(regions: tuple[str, ...], rng: random.Random) -> list[tuple[str, str]]:
    """Swedish on the first region of the body chart and a deeper technique on each, by plan region."""
    body = list(dict.fromkeys(body_region(r) for r in regions))
    wanted = [("swedish", body[0])] + [(rng.choice(DEEPER), region) for region in body]
    return list(dict.fromkeys(wanted))


def load_providers(organization: Organization, rng: random.Random) -> list[ReferringProvider]:
    providers = []
    for number, (kind, name, credentials, practice) in enumerate(PROVIDERS):
        provider = ReferringProvider(
            organization=organization,
            kind=kind,
            name=name,
            credentials=credentials,
            practice=practice,
            npi=npi(rng),
            phone=f"206-555-01{60 + number}",
            fax=f"206-555-01{70 + number}",
            secure_email=f"referrals{number}@example.org",
            city="Seattle",
            state="WA",
        )
        # A synthetic load has no one to act: its audit entries name no actor.
        providers.append(save_provider(actor=None, provider=provider))  # type: ignore[arg-type]
    return providers


def _add_technique(plan: TreatmentPlan, actor: User, code: str, region: str, treats: list[str]) -> bool:
    """Add a technique as a practitioner would, with the diagnoses it treats: skip it where the screen forbids
    it, give a reason where it cautions."""
    technique = Technique.objects.get(organization_id=plan.patient.organization_id, code=code)
    level = worst_level(plan_services.screen_for_plan(plan, technique, region))
    if level in REFUSING:
        return False
    plan_services.add_technique(
        actor=actor,
        plan=plan,
        technique=technique,
        region=region,
        diagnoses=treats,
        override_reason=OVERRIDE if level == Level.CAUTION else "",
    )
    return True


def load_plan(
    evaluation: Evaluation,
    *,
    regions: tuple[str, ...],
    measure: str,
    complaints: int,
    providers: list[ReferringProvider],
    rng: random.Random,
    home_care_items: Sequence[dict[str, Any]] = (),
) -> None:
    """A referral and an active plan with measurable goals and screened techniques. The evaluation's first
    `complaints` diagnoses are what brought the patient; the others are comorbidities the plan treats
    around, never for (a claim line never points at one alone). The goals address the primary diagnosis,
    Swedish massage the primary, the deeper techniques every complaint."""
    actor = evaluation.practitioner.user
    start, today = evaluation.evaluated_on, timezone.localdate()
    # One referral in ten runs out within the fortnight the practitioner's day looks ahead. None has expired
    # already: the patient was treated last week, and a payer that requires a referral would refuse the claim
    # (the billing queue's one expired referral is made on purpose, in demo/billing.py).
    running_out = rng.random() < 0.1
    # Long enough to still be running today: 6 weeks, or 4 more weeks than have passed (at most 26).
    weeks = min(26, max(6, (today - start).days // 7 + 4))
    referral = record_referral(
        actor=actor,
        patient=evaluation.patient,
        provider=rng.choice(providers),
        referral_date=start - timedelta(days=rng.randint(3, 20)),
        diagnoses=", ".join(d.code for d in evaluation.diagnoses.all()[:2]),
        order=f"Medical massage 2x/week for {weeks} weeks",
        visits_authorized=12,
        expires_on=today + timedelta(days=10) if running_out else start + timedelta(days=120),
    )
    certified = rng.random() < 0.5
    plan = plan_services.create_plan(
        actor=actor,
        evaluation=evaluation,
        referral=referral,
        start_date=start,
        visits_per_week=2,
        duration_weeks=weeks,
        planned_visits=2 * weeks,
        re_evaluation_due=start + timedelta(weeks=weeks),
        home_care=HOME_CARE[measure],
        certified_by=str(referral.provider) if certified else "",
        certified_on=start + timedelta(days=5) if certified else None,
    )
    treated = [d.code for d in evaluation.diagnoses.all()[: max(complaints, 1)]]
    for goal in goals_for(measure, {m.instrument: m.value for m in evaluation.measures.all()}, start):
        plan_services.add_goal(actor=actor, plan=plan, diagnoses=treated[:1], **goal)
    added = False
    for code, region in techniques_for(regions, rng):
        added = _add_technique(plan, actor, code, region, treated[:1] if code == "swedish" else treated) or added
    if not added:
        added = _add_technique(plan, actor, "swedish", "upper-back", treated[:1])
    for item in home_care_items:
        plan_services.add_home_care_item(actor=actor, plan=plan, **item)
    if added:
        plan_services.activate_plan(actor=actor, plan=plan)


def load_questionnaires(organization: Organization, today: date) -> None:
    """Questionnaires between visits: for the patients booked today whose plan asks for an instrument, the first
    answered one from the link they were sent (a little better than at the evaluation: My day and the chart show
    the change against the MCID), the second sent a link not answered yet."""
    start, end = day_bounds(today)
    booked = Appointment.objects.filter(
        patient__organization=organization, start_at__gte=start, start_at__lt=end
    ).values_list("patient_id", flat=True)
    plans = list(
        TreatmentPlan.objects.filter(patient_id__in=booked, status=TreatmentPlan.Status.ACTIVE)
        .select_related("patient", "practitioner__user", "evaluation")
        .order_by("patient__mrn")
    )
    asked = [(p, p.questionnaires.values_list("instrument", flat=True).first()) for p in plans]
    for number, (plan, code) in enumerate([(p, c) for p, c in asked if c][:2]):
        link, _ = open_questionnaire_link(actor=plan.practitioner.user, patient=plan.patient, instrument=code)
        first = plan.evaluation.measures.filter(instrument=code).order_by("id").first()
        if number == 0 and first is not None:
            inst = instrument(code)
            step = 1 if inst.higher_is_better else -1
            better = [None if r is None else min(inst.high, max(inst.low, r + step)) for r in first.responses]
            answer_questionnaire(link=link, responses=better, activities=first.activities)
