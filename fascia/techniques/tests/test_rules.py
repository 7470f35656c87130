"""Issue 23's rule families through the engine's contract: for each, the cases that fire, and the neighbouring
cases that must not."""

from datetime import date
from typing import Any

import pytest

from fascia.techniques.screening import findings_for, verdict

TODAY = date(2026, 11, 26)
DVT_RIGHT_CALF = {"conditions": ["I82.441"]}
AXILLARY_RIGHT = {"conditions": ["I82.A11"]}
ELIQUIS = {"medications": ["Eliquis 5 mg BID"]}
KNEE_SURGERY = {"surgeries": [("leg-right", 20)]}

CASES: list[tuple[str, str, dict[str, Any], str, str | None]] = [
    # (technique, region, inputs, verdict, a rule that must fire)
    # Venous thrombosis: the affected limb refused; deep or vigorous work and lymphatic drainage anywhere.
    ("swedish", "lower-leg-right", DVT_RIGHT_CALF, "absolute", "dvt-local"),
    ("swedish", "lower-leg-left", DVT_RIGHT_CALF, "clear", None),
    ("deep-tissue", "upper-back", DVT_RIGHT_CALF, "absolute", "dvt-vigorous"),
    ("swedish", "upper-back", DVT_RIGHT_CALF, "clear", None),
    ("swedish", "upper-back", {**DVT_RIGHT_CALF, "pressure": "firm"}, "absolute", "dvt-vigorous"),
    ("manual-lymphatic-drainage", "arm-left", DVT_RIGHT_CALF, "absolute", "dvt-mld"),  # away from the clot
    ("swedish", "arm-right", AXILLARY_RIGHT, "absolute", "dvt-local"),
    ("swedish", "hand-right", AXILLARY_RIGHT, "absolute", "dvt-local"),
    ("swedish", "arm-left", AXILLARY_RIGHT, "clear", None),
    ("deep-tissue", "leg-left", AXILLARY_RIGHT, "absolute", "dvt-vigorous"),
    ("swedish", "arm-left", {"conditions": ["I82.A12"]}, "absolute", "dvt-local"),
    ("swedish", "hand-right", {"conditions": ["I82.621"]}, "absolute", "dvt-local"),
    ("swedish", "hand-right", {"conditions": ["I82.622"]}, "clear", None),
    ("swedish", "shoulder-right", {"conditions": ["I82.B11"]}, "absolute", "dvt-local"),
    ("swedish", "neck", {"conditions": ["I82.C11"]}, "absolute", "dvt-local"),
    ("swedish", "leg-right", {"conditions": ["I80.01"]}, "absolute", "dvt-local"),  # thrombophlebitis
    ("swedish", "lower-leg-left", {"conditions": ["O22.33"]}, "absolute", "dvt-local"),  # DVT in pregnancy
    ("swedish", "upper-back", {"conditions": ["I80.9"]}, "absolute", "dvt-local"),  # site unknown: everywhere
    ("swedish", "lower-leg-right", {"conditions": ["I82.91"]}, "clear", None),  # chronic, unspecified vein
    ("swedish", "lower-leg-right", {"conditions": ["I87.2"]}, "clear", None),  # venous insufficiency
    ("swedish", "upper-back", {"conditions": ["I26.99"]}, "absolute", "pulmonary-embolism"),
    ("swedish", "upper-back", {"conditions": ["I26.99"], "cleared": ["I26.99"]}, "caution", "pulmonary-embolism"),
    ("deep-tissue", "leg-left", {"conditions": ["Z86.718"]}, "caution", "dvt-history"),
    ("deep-tissue", "upper-back", {"conditions": ["Z86.718"]}, "clear", None),
    # Fever, acute infection, cellulitis: refused.
    ("swedish", "neck", {"symptoms": ["fever"]}, "absolute", "fever"),
    ("swedish", "neck", {"symptoms": ["acute-infection"]}, "absolute", "acute-infection"),
    ("swedish", "upper-back", {"conditions": ["L03.115"]}, "absolute", "fever-or-infection-diagnosis"),
    ("swedish", "upper-back", {"conditions": ["R51.9"]}, "clear", None),
    # Anticoagulants, antiplatelets, bleeding disorders, thrombocytopenia: deep work or pressure a caution.
    ("deep-tissue", "lower-back", ELIQUIS, "caution", "anticoagulant"),
    ("swedish", "lower-back", {**ELIQUIS, "pressure": "deep"}, "caution", "anticoagulant"),
    ("swedish", "lower-back", {**ELIQUIS, "pressure": "firm"}, "caution", "anticoagulant"),
    ("swedish", "lower-back", {**ELIQUIS, "pressure": "light"}, "clear", None),
    ("swedish", "lower-back", {**ELIQUIS, "pressure": "moderate"}, "clear", None),
    ("deep-tissue", "lower-back", {"medication_flags": ["anticoagulant"]}, "caution", "anticoagulant"),
    ("deep-tissue", "lower-back", {"medications": ["Plavix 75 mg"]}, "caution", "antiplatelet"),
    ("deep-tissue", "lower-back", {"medications": ["Duloxetine 60 mg"]}, "caution", "medication-unclassified"),
    ("swedish", "lower-back", {"medications": ["Duloxetine 60 mg"]}, "clear", None),
    ("deep-tissue", "lower-back", {"medications": [("Duloxetine 60 mg", [])]}, "clear", None),  # classified: none
    ("deep-tissue", "lower-back", {"medications": ["Ibuprofen 400 mg"]}, "clear", None),
    ("deep-tissue", "lower-back", {"conditions": ["D69.6"]}, "caution", "bleeding-disorder"),
    ("deep-tissue", "lower-back", {"conditions": ["D69.3"]}, "caution", "bleeding-disorder"),
    ("deep-tissue", "lower-back", {"conditions": ["D69.41"]}, "caution", "bleeding-disorder"),
    ("deep-tissue", "lower-back", {"conditions": ["D69.59"]}, "caution", "bleeding-disorder"),
    ("deep-tissue", "lower-back", {"conditions": ["D68.0"]}, "caution", "bleeding-disorder"),  # von Willebrand
    ("deep-tissue", "lower-back", {"conditions": ["D75.821"]}, "caution", "bleeding-disorder"),
    ("swedish", "lower-back", {"conditions": ["D69.6"]}, "clear", None),
    ("deep-tissue", "lower-back", {"conditions": ["D68.51"]}, "clear", None),  # thrombophilia: clots, not bleeds
    ("deep-tissue", "leg-left", {"conditions": ["D68.51"]}, "caution", "dvt-history"),
    ("deep-tissue", "lower-back", {"conditions": ["D70.9"]}, "clear", None),  # neutropenia
    # Surgery within six weeks; open wounds, sutures, hematoma, healing fractures: the region refused.
    ("swedish", "leg-right", KNEE_SURGERY, "local", "recent-surgery"),
    ("deep-tissue", "lower-leg-right", KNEE_SURGERY, "caution", "recent-leg-surgery"),
    ("swedish", "lower-leg-right", {**KNEE_SURGERY, "pressure": "deep"}, "caution", "recent-leg-surgery"),
    ("swedish", "lower-leg-right", KNEE_SURGERY, "clear", None),
    ("deep-tissue", "lower-leg-left", KNEE_SURGERY, "clear", None),
    ("deep-tissue", "lower-leg-right", {"surgeries": [("leg-right", 60)]}, "clear", None),
    ("deep-tissue", "arm-right", {"surgeries": [("shoulder-right", 20)]}, "clear", None),  # not a lower limb
    ("deep-tissue", "lower-leg-left", {"surgeries": [("pelvis", 10)]}, "caution", "recent-leg-surgery"),  # hip
    ("swedish", "lower-back", {"findings": [("open-wound", "lower-back")]}, "local", "local-finding"),
    ("swedish", "upper-back", {"findings": [("open-wound", "lower-back")]}, "clear", None),
    ("swedish", "arm-left", {"findings": [("sutures", "arm-left")]}, "local", "local-finding"),
    ("swedish", "arm-right", {"findings": [("sutures", "arm-left")]}, "clear", None),
    ("swedish", "leg-left", {"findings": [("bruise", "leg-left")]}, "local", "local-finding"),
    ("swedish", "neck", {"findings": [("rash", "neck")]}, "local", "local-finding"),
    ("swedish", "hand-right", {"findings": [("burn", "hand-right")]}, "local", "local-finding"),
    ("deep-tissue", "lower-leg-right", {"conditions": ["S82.101A"]}, "local", "healing-injury"),
    ("swedish", "leg-right", {"conditions": ["S82.101A"]}, "local", "healing-injury"),
    ("swedish", "lower-leg-left", {"conditions": ["S82.101A"]}, "clear", None),
    ("swedish", "lower-leg-right", {"conditions": ["S82.101S"]}, "clear", None),  # sequela: healed
    ("swedish", "lower-leg-left", {"conditions": ["S82.202D"]}, "local", "healing-injury"),
    ("swedish", "hand-right", {"conditions": ["S52.501A"]}, "local", "healing-injury"),  # wrist
    ("swedish", "foot-left", {"conditions": ["S92.902A"]}, "local", "healing-injury"),
    ("swedish", "foot-right", {"conditions": ["S92.902A"]}, "clear", None),
    ("swedish", "leg-right", {"conditions": ["S76.311A"]}, "clear", None),  # a strain: treated
    ("deep-tissue", "neck", {"conditions": ["S13.4XXA"]}, "caution", "healing-sprain"),  # whiplash
    ("swedish", "neck", {"conditions": ["S13.4XXA"]}, "clear", None),  # gentle work on a sprain: treated
    ("deep-tissue", "upper-back", {"conditions": ["S13.4XXA"]}, "clear", None),
    ("deep-tissue", "leg-left", {"implants": ["leg-left"]}, "caution", "implant"),
    ("deep-tissue", "leg-right", {"implants": ["leg-left"]}, "clear", None),
    ("swedish", "leg-left", {"implants": ["leg-left"]}, "clear", None),
    # Cancer: any work a caution (gentle, with medical approval); bone metastases no deep pressure; active
    # malignancy no lymphatic drainage; aneurysm: no deep work on the abdomen, no myofascial release.
    ("deep-tissue", "upper-back", {"conditions": ["C50.911"]}, "caution", "cancer"),
    ("swedish", "upper-back", {"conditions": ["C50.911"]}, "caution", "cancer"),
    ("swedish", "upper-back", {"conditions": ["Z85.3"]}, "clear", None),  # a history of breast cancer
    ("manual-lymphatic-drainage", "arm-right", {"conditions": ["C50.911"]}, "absolute", "cancer-mld"),
    ("manual-lymphatic-drainage", "arm-left", {"conditions": ["Z85.3"]}, "clear", None),  # history, not active
    ("manual-lymphatic-drainage", "arm-right", {"conditions": ["C50.911"], "cleared": ["C50.911"]}, "caution", None),
    ("deep-tissue", "upper-back", {"conditions": ["C79.51"]}, "absolute", "bone-metastases"),
    ("swedish", "upper-back", {"conditions": ["C79.51"], "pressure": "deep"}, "absolute", "bone-metastases"),
    ("swedish", "upper-back", {"conditions": ["C79.51"], "pressure": "light"}, "caution", "cancer"),
    ("deep-tissue", "abdomen", {"conditions": ["I71.4"]}, "local", "aneurysm-abdomen"),
    ("swedish", "abdomen", {"conditions": ["I71.4"], "pressure": "firm"}, "local", "aneurysm-abdomen"),
    ("myofascial-release", "upper-back", {"conditions": ["I72.3"]}, "absolute", "aneurysm-mfr"),
    ("deep-tissue", "upper-back", {"conditions": ["I71.4"]}, "clear", None),
    ("swedish", "abdomen", {"conditions": ["I71.4"]}, "clear", None),
    # Lymphatic drainage.
    ("manual-lymphatic-drainage", "leg-left", {"conditions": ["I50.9"]}, "absolute", "heart-failure-mld"),
    ("swedish", "leg-left", {"conditions": ["I50.9"]}, "clear", None),
    ("manual-lymphatic-drainage", "abdomen", {"conditions": ["N17.9"]}, "absolute", "kidney-failure-mld"),
    ("manual-lymphatic-drainage", "abdomen", {"conditions": ["N18.30"]}, "caution", "renal-insufficiency-mld"),
    ("manual-lymphatic-drainage", "neck", {"conditions": ["E05.00"]}, "caution", "thyroid-mld"),
    ("manual-lymphatic-drainage", "arm-left", {"conditions": ["E05.00"]}, "clear", None),
    ("manual-lymphatic-drainage", "neck", {"conditions": ["E08.9"]}, "clear", None),  # diabetes, not thyroid
    ("manual-lymphatic-drainage", "neck", {"conditions": ["E09.9"]}, "clear", None),
    ("manual-lymphatic-drainage", "neck", {"conditions": ["E11.9"]}, "clear", None),
    ("manual-lymphatic-drainage", "arm-left", {"conditions": ["J45.909"]}, "caution", "asthma-mld"),
    ("manual-lymphatic-drainage", "arm-left", {"conditions": ["I95.9"]}, "caution", "hypotension-mld"),
    ("manual-lymphatic-drainage", "abdomen", {"pregnancy_weeks": 10}, "caution", "pregnancy-abdomen"),
    # Pregnancy, osteoporosis, corticosteroids, varicose veins, rheumatoid arthritis.
    ("deep-tissue", "leg-left", {"pregnancy_weeks": 30}, "caution", "pregnancy-legs"),
    ("swedish", "leg-left", {"pregnancy_weeks": 12, "pressure": "deep"}, "caution", "pregnancy-legs"),
    ("swedish", "upper-back", {"pregnancy_weeks": 30}, "caution", "pregnancy-position"),
    ("swedish", "upper-back", {"pregnancy_weeks": 12}, "clear", None),
    ("deep-tissue", "upper-back", {"conditions": ["M81.0"]}, "caution", "osteoporosis"),
    ("swedish", "upper-back", {"conditions": ["M81.0"]}, "clear", None),
    ("deep-tissue", "upper-back", {"medications": ["prednisone 10 mg daily"]}, "caution", "corticosteroid"),
    ("deep-tissue", "upper-back", {"conditions": ["Z79.52"]}, "caution", "corticosteroid"),
    ("deep-tissue", "upper-back", {"medications": ["hydrocortisone cream 1%"]}, "clear", None),
    ("deep-tissue", "lower-leg-right", {"conditions": ["I83.91"]}, "caution", "varicose-veins"),
    ("deep-tissue", "lower-leg-left", {"conditions": ["I83.91"]}, "clear", None),
    ("swedish", "lower-leg-right", {"conditions": ["I83.91"]}, "clear", None),
    ("myofascial-release", "upper-back", {"conditions": ["M06.9"]}, "caution", "rheumatoid-mfr"),
    ("myofascial-release", "upper-back", {"conditions": ["M06.9"], "states": ["rheumatoid-flare"]}, "absolute", None),
    ("swedish", "upper-back", {"conditions": ["M06.9"], "states": ["rheumatoid-flare"]}, "clear", None),
    # Red flags: a possible DVT as a DVT, possible cauda equina and fever refused until cleared.
    ("swedish", "lower-leg-left", {"red_flags": ["calf_swelling"]}, "absolute", "possible-dvt-local"),
    ("swedish", "upper-back", {"red_flags": ["calf_swelling"]}, "clear", None),
    ("deep-tissue", "upper-back", {"red_flags": ["calf_swelling"]}, "absolute", "dvt-vigorous"),
    ("manual-lymphatic-drainage", "arm-left", {"red_flags": ["calf_swelling"]}, "absolute", "dvt-mld"),
    ("swedish", "lower-leg-left", {"red_flags": ["calf_swelling"], "cleared": ["calf_swelling"]}, "caution", None),
    ("swedish", "upper-back", {"red_flags": ["saddle_numbness"]}, "absolute", "cauda-equina"),
    ("swedish", "upper-back", {"red_flags": ["bladder_bowel"]}, "absolute", "cauda-equina"),
    ("swedish", "upper-back", {"conditions": ["G83.4"]}, "absolute", "cauda-equina"),
    ("swedish", "upper-back", {"red_flags": ["fever"]}, "absolute", "fever-red-flag"),
    ("swedish", "upper-back", {"red_flags": ["fever"], "cleared": ["fever"]}, "caution", "fever-red-flag"),
    ("swedish", "upper-back", {"red_flags": ["chest_symptoms"]}, "absolute", "pulmonary-embolism"),
    ("swedish", "upper-back", {"red_flags": ["weight_loss"]}, "caution", "red-flag"),
    # The same inputs, no rule: clear.
    ("deep-tissue", "lower-back", {}, "clear", None),
]


@pytest.mark.parametrize("technique, region, inputs, expected, rule", CASES)
def test_rule_families(technique: str, region: str, inputs: dict[str, Any], expected: str, rule: str | None) -> None:
    assert verdict(technique, region, today=TODAY, **inputs) == expected
    findings = findings_for(technique, region, today=TODAY, **inputs)
    if rule:
        assert rule in {f.rule for f in findings}
    if expected == "clear":
        assert findings == []


def test_a_finding_names_what_staff_typed_and_its_source() -> None:
    [finding] = findings_for("deep-tissue", "lower-back", medications=["Xarelto 20 mg"])
    assert finding.reason.startswith("Anticoagulant therapy (Xarelto 20 mg)")
    assert finding.source == "W&B; REFERENCE.md §8" and finding.level == "caution"


def test_a_clearance_lifts_only_what_waits_for_it() -> None:
    """A cleared DVT code lets deep work elsewhere go ahead as a caution; the limb with the clot stays refused."""
    cleared = {"conditions": ["I82.441"], "cleared": ["I82.441"]}
    assert verdict("deep-tissue", "upper-back", **cleared) == "caution"
    assert verdict("swedish", "lower-leg-right", **cleared) == "absolute"
    [finding] = findings_for("deep-tissue", "upper-back", **cleared)
    assert "referral or clearance is on record" in finding.reason
