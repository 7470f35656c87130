"""A medication's screening flags: derived from what staff typed, then as a practitioner corrected them.

The drug table that derives them lives in techniques (fascia.techniques.drugs), an app above this one: it
lends its classifier here when the apps are ready (TechniquesConfig.ready), as the apps above lend the chart
their sections (chart.py), so patients never imports it.

A flag a practitioner set (True or False) wins over the derived one. A medication whose name nobody
recognizes, whose bleeding flags nobody set and whose "anticoagulant or antiplatelet?" question nobody
answered yes or no is unclassified (None): screening cautions deep work for it and the chart asks.
"""

from collections.abc import Callable, Mapping

# Each flag, in the order the chart and the API list them, with its model field and its label.
FLAGS = {
    "anticoagulant": ("is_anticoagulant", "anticoagulant"),
    "antiplatelet": ("is_antiplatelet", "antiplatelet"),
    "corticosteroid": ("is_corticosteroid", "corticosteroid"),
    "analgesic": ("is_analgesic", "analgesic"),
    "muscle-relaxant": ("is_muscle_relaxant", "muscle relaxant"),
}
FLAG_FIELDS = {field: flag for flag, (field, _) in FLAGS.items()}
BLEEDING = ("anticoagulant", "antiplatelet")

Classifier = Callable[[str], frozenset[str] | None]


def _unclassified(text: str) -> frozenset[str] | None:
    return None


_classifier: list[Classifier] = [_unclassified]


def register_classifier(classify: Classifier) -> None:
    _classifier[0] = classify


def derived(name: str, dose: str = "") -> frozenset[str] | None:
    """The flags the drug table reads in the name and dose as typed; None when it recognizes no drug."""
    return _classifier[0](f"{name} {dose}".strip())


def resolve(
    derived_flags: frozenset[str] | None, corrections: Mapping[str, bool | None], answer: str = ""
) -> frozenset[str] | None:
    """The flags screening reads: the derived ones with the practitioner's corrections (flag -> True or
    False; None: as derived) applied. An unrecognized name with no bleeding flag set is None (unclassified)
    unless the question was answered: "no", no bleeding flag; "yes", screened as an anticoagulant (both
    classes get the same caution)."""
    set_flags = {flag: value for flag, value in corrections.items() if value is not None}
    if derived_flags is None and not any(flag in set_flags for flag in BLEEDING) and answer not in ("yes", "no"):
        return None
    flags = set(derived_flags or ())
    if derived_flags is None and answer == "yes" and not any(set_flags.get(flag) for flag in BLEEDING):
        flags.add("anticoagulant")
    for flag, value in set_flags.items():
        if value:
            flags.add(flag)
        else:
            flags.discard(flag)
    return frozenset(flags)
