"""Issue 28, point 4: a patient's scores charted against their plan's goals and the MCID band, the same picture in
the letters to the referring provider (read back from the PDF), on the patient chart and in the portal."""

import base64
import re
from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.lib.pdf import render_pdf
from fascia.measures.scoring import instrument
from fascia.measures.services import record_measure
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.charts import ScoreChart, goal_charts, scores_by_instrument
from fascia.plans.models import Goal, TreatmentPlan
from fascia.plans.pdf import letter_context
from fascia.visits.models import VisitNote
from fascia.visits.services import start_note
from fascia.visits.tests.factories import active_plan

pytestmark = pytest.mark.django_db

ODI_30 = [3] * 5 + [0] * 5  # 15 of 50: 30%
ODI_24 = [1] * 8 + [2, 2]  # 12 of 50: 24%
ODI_56 = [4] * 7 + [0] * 3  # 28 of 50: 56%


@pytest.fixture
def plan(tess: User, organization: Organization) -> TreatmentPlan:
    """Evaluated on Nov 2 (ODI 40) with an ODI goal of 20; ODI 30 on Nov 16 and 24 on Nov 30; and an ODI from an
    earlier episode, before the evaluation."""
    patient = PatientFactory(organization=organization, given_name="Nora", family_name="Quist")
    plan = active_plan(tess, patient, start=date(2026, 11, 3))
    for on, answers in ((date(2026, 10, 1), ODI_56), (date(2026, 11, 16), ODI_30), (date(2026, 11, 30), ODI_24)):
        record_measure(actor=tess, patient=patient, instrument="ODI", responses=answers, administered_on=on)
    return plan


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


def letter(plan: TreatmentPlan, author: User, kind: str) -> str:
    return pdf_text(render_pdf("plans/letter.html", {**letter_context(plan, kind=kind), "author": author}))


@pytest.mark.parametrize("kind", ["plan-of-care", "progress-report"])
def test_the_letters_chart_the_episodes_scores_against_the_goal_and_the_mcid_band(tess: User, plan, kind) -> None:
    text = letter(plan, tess, kind)
    # Drawn by the chart (WeasyPrint keeps an SVG's words as text): its title, dates, legend.
    assert "Nov 2 Nov 16 Nov 30" in text
    assert "Smallest change that matters Goal: 20 Score (↓)" in text
    # And said beside it: the scores of this plan's episode only (not October's), the goal, the band.
    assert (
        "Oswestry Disability Index v2.1a (lower is better): 40 on 2026-11-02; 30 on 2026-11-16; 24 on 2026-11-30. "
        "Dashed: the goal (20). Hatched: from the baseline 40 to the minimal clinically important difference (10)"
    ) in text
    assert "2026-10-01" not in text and "56" not in text


@pytest.mark.parametrize("status", [TreatmentPlan.Status.COMPLETED, TreatmentPlan.Status.DISCONTINUED])
def test_a_progress_report_on_an_ended_plan_is_its_discharge_summary(tess: User, plan, status: str) -> None:
    assert letter(plan, tess, "progress-report").startswith("Progress report: Quist, Nora")
    TreatmentPlan.objects.filter(pk=plan.pk).update(status=status)
    plan.refresh_from_db()
    text = letter(plan, tess, "progress-report")
    assert text.startswith("Discharge summary: Quist, Nora") and "Progress report" not in text


def test_an_instrument_scored_at_the_evaluation_without_a_goal_is_charted_without_one(tess: User, plan) -> None:
    plan.goals.all().delete()
    text = letter(plan, tess, "progress-report")
    assert "Oswestry Disability Index v2.1a (lower is better): 40 on 2026-11-02; 30 on" in text
    assert "Smallest change that matters Score (↓)" in text and "Goal:" not in text and "Dashed" not in text


def test_the_scores_come_in_one_query(tess: User, plan, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        scores = scores_by_instrument(plan.patient_id)
    assert scores == {
        "ODI": [(date(2026, 10, 1), 56), (date(2026, 11, 2), 40), (date(2026, 11, 16), 30), (date(2026, 11, 30), 24)]
    }
    assert scores_by_instrument(plan.patient_id, codes=["NDI"]) == {}
    assert [on for on, _v in scores_by_instrument(plan.patient_id, since=date(2026, 11, 2))["ODI"]] == [
        date(2026, 11, 2),
        date(2026, 11, 16),
        date(2026, 11, 30),
    ]


def goal(**fields: object) -> Goal:
    return Goal(**{"measure": Goal.Measure.INSTRUMENT, "term": "long", "target_date": date(2027, 1, 1), **fields})


SCORES = [(date(2026, 11, 2), 40.0), (date(2026, 11, 30), 24.0)]


@pytest.mark.parametrize(
    ("code", "goals", "scores", "baseline", "band"),
    [
        # lower is better: the band runs down from the baseline by the MCID (ODI: 10)
        ("ODI", [goal(instrument="ODI", baseline=42, target=20)], SCORES, 42, (42, 32)),
        # no baseline on the goal: the first score charted
        ("ODI", [goal(instrument="ODI", target=20)], SCORES, 40, (40, 30)),
        ("ODI", [], SCORES, 40, (40, 30)),
        # higher is better: up by the MCID (PSFS: 2)
        ("PSFS", [goal(instrument="PSFS", baseline=3, target=7)], [(date(2026, 11, 2), 3.0)], 3, (3, 5)),
        # nothing to start from: no band
        ("ODI", [goal(instrument="ODI", target=20)], [], None, None),
    ],
)
def test_the_mcid_band_runs_from_the_baseline_in_the_improving_direction(code, goals, scores, baseline, band) -> None:
    chart = ScoreChart(instrument(code), scores, goals)
    assert (chart.baseline, chart.band) == (baseline, band)
    assert ("url(#fascia-hatch)" in chart.svg) == (band is not None and bool(scores))


def test_no_scores_is_a_chart_saying_so() -> None:
    chart = ScoreChart(instrument("ODI"), [], [goal(instrument="ODI", target=20)])
    assert ">No scores yet<" in chart.svg and chart.uri.startswith("data:image/svg+xml;base64,")


def test_a_chart_per_instrument_the_goals_measure_then_the_others_asked_for() -> None:
    goals = [
        goal(instrument="NDI", target=10),
        Goal(measure=Goal.Measure.FUNCTION, description="Sit through a workday", target=8),
        goal(instrument="ODI", target=30),
        goal(instrument="ODI", term="short", target=20),
    ]
    charts = goal_charts(goals, {"ODI": SCORES}, also=["NPRS", "ODI"])
    assert [(c.instrument.code, c.targets, c.scores) for c in charts] == [
        ("NDI", [10], []),
        ("ODI", [30, 20], SCORES),
        ("NPRS", [], []),
    ]
    assert ">Goal: 30<" in charts[1].svg and ">Goal: 20<" in charts[1].svg


PICTURE = re.compile(r'<img [^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"[^>]*alt="([^"]*)"')


def pictures(body: str) -> dict[str, str]:
    """The page's chart pictures, their SVG by their alt text."""
    return {alt: base64.b64decode(data).decode() for data, alt in PICTURE.findall(body)}


def test_the_patient_chart_charts_every_instrument_against_the_active_plans_goal(
    client: Client, tess: User, plan
) -> None:
    record_measure(
        actor=tess, patient=plan.patient, instrument="NPRS", responses=[6], administered_on=date(2026, 11, 16)
    )
    login(client, tess)
    body = client.get(plan.patient.get_chart_url()).content.decode()
    assert "Outcome scores against goals" in body
    charts = pictures(body)
    odi = charts[
        "Chart of the Oswestry Disability Index v2.1a scores over time against the goal and the smallest change "
        "that matters; the scores are listed below it."
    ]
    # Every ODI score of the patient's, October's too; the goal; the band from the goal's baseline (40) down by 10.
    assert odi.count('class="dot ') == 4 and ">Goal: 20<" in odi and "url(#fascia-hatch)" in odi
    assert "Hatched: from the baseline 40 to the MCID (10)" in body and "Dashed: the goal (20)." in body
    assert "<td>2026-10-01</td><td>56</td>" in body
    # The NPRS has no goal: charted from its first score, without a goal line.
    nprs = charts[
        "Chart of the Numeric Pain Rating Scale scores over time and the smallest change that matters; the scores "
        "are listed below it."
    ]
    assert nprs.count('class="dot ') == 1 and ">Goal" not in nprs


def test_a_patient_without_scores_or_plan_has_an_empty_outcome_section(
    client: Client, tess: User, organization: Organization
) -> None:
    login(client, tess)
    body = client.get(PatientFactory(organization=organization).get_chart_url()).content.decode()
    assert "No outcome scores yet." in body and not pictures(body)


def test_a_progress_note_shows_the_chart_its_report_sends(client: Client, tess: User, plan) -> None:
    note = start_note(actor=tess, patient=plan.patient, visited_on=date(2026, 12, 1))
    VisitNote.objects.filter(pk=note.pk).update(kind=VisitNote.Kind.PROGRESS)
    login(client, tess)
    body = client.get(reverse("visits:detail", args=[note.public_id])).content.decode()
    assert "Progress: goals and scores" in body
    (odi,) = pictures(body).values()
    # The episode's scores (from the evaluation on), as in the letter.
    assert odi.count('class="dot ') == 3 and ">Goal: 20<" in odi and "url(#fascia-hatch)" in odi
