"""What an evaluation shows, on its page and in its printed report: one context builder for both."""

from fascia.evaluations.catalog import CHART_VIEWS, MARK_KINDS, MOTIONS, REGIONS, SPECIAL_TESTS, rom_deficit
from fascia.evaluations.models import Evaluation
from fascia.measures import instrument


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
        "chart_views": CHART_VIEWS,
        "rom": rom_rows(evaluation.rom),
        "palpation": palpation_rows(evaluation.palpation),
        "tests": [{**t, "label": SPECIAL_TESTS[t["test"]]} for t in evaluation.special_tests],
        "diagnoses": list(evaluation.diagnoses.all()),
        "measures": measures,
        "addenda": list(evaluation.addenda.select_related("author")),
    }
