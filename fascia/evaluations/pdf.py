"""What an evaluation shows, on its page and in its printed report: one context builder for both."""

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe

from fascia.evaluations.catalog import MARK_KINDS, MARK_LEGEND, MOTIONS, REGIONS, SPECIAL_TESTS, chart, rom_deficit
from fascia.evaluations.models import Evaluation, RedFlagClearance
from fascia.measures import instrument
from fascia.techniques.facts import RED_FLAGS


def rom_rows(rows: list[dict]) -> list[dict]:
    """Range-of-motion rows as shown: the motion's name, its normal range and the deficit."""
    shown = []
    for row in rows:
        motion = MOTIONS[row["motion"]]
        shown.append(
            {
                **row,
                "label": f"{motion.joint} {motion.motion.lower()}",
                "normal": motion.normal,
                "deficit": rom_deficit(row["motion"], row["degrees"]),
            }
        )
    return shown


def palpation_rows(rows: list[dict]) -> list[dict]:
    return [{**p, "label": REGIONS[p["region"]].label} for p in rows]


def red_flag_rows(evaluation: Evaluation, clearances: list[RedFlagClearance]) -> list[dict]:
    """Each red flag the evaluation raised, with what was done about it: the referrals and clearances
    recorded (whom, when), and whether treatment waits for one."""
    done: dict[str, list[RedFlagClearance]] = {}
    for clearance in clearances:
        done.setdefault(clearance.flag, []).append(clearance)
    return [
        {
            "label": RED_FLAGS[code].label,
            "needs_clearance": RED_FLAGS[code].needs_clearance,
            "done": done.get(code, []),
            "waiting": RED_FLAGS[code].needs_clearance and code not in done,
        }
        for code in evaluation.red_flags
        if code in RED_FLAGS
    ]


def evaluation_context(evaluation: Evaluation) -> dict:
    marks = [
        {**m, "label": REGIONS[m["region"]].label, "kind_label": MARK_KINDS[m["kind"]]} for m in evaluation.body_marks
    ]
    measures = [
        {"result": m, "name": instrument(m.instrument).name, "source": instrument(m.instrument).scoring_source}
        for m in evaluation.measures.order_by("instrument")
    ]
    return {
        "evaluation": evaluation,
        "patient": evaluation.patient,
        "marks": marks,
        "marked_regions": {m["region"] for m in evaluation.body_marks},
        "chart_views": chart(evaluation.body_marks),
        "mark_legend": MARK_LEGEND,
        "rom": rom_rows(evaluation.rom),
        "palpation": palpation_rows(evaluation.palpation),
        "tests": [{**t, "label": SPECIAL_TESTS[t["test"]]} for t in evaluation.special_tests],
        "diagnoses": list(evaluation.diagnoses.all()),
        "measures": measures,
        "addenda": list(evaluation.addenda.select_related("author")),
        "red_flags": red_flag_rows(evaluation, list(evaluation.clearances.all())),
    }


@cache
def body_figure() -> str:
    """The body chart's figure (static/img/body-figure.svg), for a PDF to hold: WeasyPrint draws an SVG's `<use>`
    only of what that SVG itself holds, not of another file."""
    path = finders.find("img/body-figure.svg")
    assert isinstance(path, str)
    return mark_safe(Path(path).read_text())  # our own static file, not anyone's input
