"""Medications by name: what staff type -> the flags screening reads, or None when nothing is recognized."""

import pytest

from fascia.techniques.drugs import CLASS_BY_ATC, CLASSES, DRUGS, FLAGS, classify

ANTICOAGULANT = frozenset({"anticoagulant"})
ANTIPLATELET = frozenset({"antiplatelet"})
STEROID = frozenset({"corticosteroid"})

TYPED = [
    # (what staff type, the flags)
    ("Eliquis 5 mg BID", ANTICOAGULANT),
    ("apixaban", ANTICOAGULANT),
    ("warfarin sodium 5mg", ANTICOAGULANT),
    ("Coumadin 2.5mg daily", ANTICOAGULANT),
    ("Jantoven", ANTICOAGULANT),
    ("XARELTO", ANTICOAGULANT),
    ("Xarelto 20 mg", ANTICOAGULANT),
    ("rivaroxaban 20mg qd", ANTICOAGULANT),
    ("enoxaparin 40 mg SC daily", ANTICOAGULANT),
    ("Lovenox injection", ANTICOAGULANT),
    ("heparin sodium", ANTICOAGULANT),
    ("Fragmin", ANTICOAGULANT),
    ("fondaparinux (Arixtra) 2.5 mg", ANTICOAGULANT),
    ("Pradaxa 150mg", ANTICOAGULANT),
    ("edoxaban", ANTICOAGULANT),
    ("Savaysa 60 mg", ANTICOAGULANT),
    ("Plavix 75 mg", ANTIPLATELET),
    ("clopidogrel", ANTIPLATELET),
    ("Effient", ANTIPLATELET),
    ("ticagrelor (Brilinta)", ANTIPLATELET),
    ("Aspirin 81 mg", frozenset({"antiplatelet", "analgesic"})),
    ("prednisone 10 mg daily", STEROID),
    ("Medrol dose pack", STEROID),
    ("Solu-Medrol", STEROID),
    ("dexamethasone 4mg", STEROID),
    ("hydrocortisone 20 mg oral", STEROID),
    ("hydrocortisone cream 1%", frozenset()),  # recognized, not systemic
    ("Ibuprofen 400 mg PRN", frozenset({"analgesic"})),
    ("Tylenol #3", frozenset({"analgesic"})),
    ("cyclobenzaprine 10mg", frozenset({"muscle-relaxant"})),
    ("Flexeril", frozenset({"muscle-relaxant"})),
    ("warfarin; metoprolol", ANTICOAGULANT),  # one of two recognized
    ("Plavix and aspirin", frozenset({"antiplatelet", "analgesic"})),
]


@pytest.mark.parametrize("typed, flags", TYPED)
def test_names_and_brands_give_their_flags(typed: str, flags: frozenset[str]) -> None:
    assert classify(typed) == flags


@pytest.mark.parametrize("typed", ["Duloxetine 60 mg", "metoprolol", "blood thinner", "", "Eliquiss 5 mg"])
def test_a_name_nobody_recognizes_is_none_not_no(typed: str) -> None:
    assert classify(typed) is None


@pytest.mark.parametrize(
    "typed", ["Caspirin", "aspirinate", "Noaspirin", "heparinoid cream", "prednisonex", "Eliquisplus"]
)
def test_names_match_whole_words_only(typed: str) -> None:
    assert classify(typed) is None


def test_every_drug_names_a_known_class_and_every_class_a_known_flag() -> None:
    assert {c.flag for c in CLASSES} == set(FLAGS)
    for drug in DRUGS:
        assert drug.classes and set(drug.classes) <= set(CLASS_BY_ATC), drug.generic
        assert drug.generic == drug.generic.lower(), drug.generic
    names = [name.lower() for drug in DRUGS for name in (drug.generic, *drug.brands)]
    assert len(names) == len(set(names)), "a name belongs to one drug"
