"""What an evaluation shows, on its page and in its printed report: one context builder for both."""

from fascia.evaluations.catalog import CHART_VIEWS, MARK_KINDS, MOTIONS, REGIONS, SPECIAL_TESTS, rom_deficit
from fascia.evaluations.models import Evaluation
from fascia.measures import instrument


def evaluation_context(evaluation: Evaluation) -> dict:
    marks = [
        {**m, "label": REGIONS[m["region"]].label, "kind_label": MARK_KINDS[m["kind"]]} for m in evaluation.body_marks
    ]
    rom = []
    for row in evaluation.rom:
        motion = MOTIONS[row["motion"]]
        rom.append(
            {
                **row,
                "label": f"{motion.joint} {motion.motion.lower()}",
                "normal": motion.normal,
                "deficit": rom_deficit(row["motion"], row["degrees"]),
            }
        )
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
        "rom": rom,
        "palpation": [{**p, "label": REGIONS[p["region"]].label} for p in evaluation.palpation],
        "tests": [{**t, "label": SPECIAL_TESTS[t["test"]]} for t in evaluation.special_tests],
        "diagnoses": list(evaluation.diagnoses.all()),
        "measures": measures,
        "addenda": list(evaluation.addenda.select_related("author")),
    }
