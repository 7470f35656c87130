"""Medications by name: what staff type ("Eliquis 5 mg BID", "warfarin sodium 5mg") to the flags screening
reads (anticoagulant, antiplatelet, corticosteroid, analgesic, muscle-relaxant).

Plain Python, no Django (a pure core). Sources: the WHO ATC classification (WHO Collaborating Centre for
Drug Statistics Methodology, ATC/DDD index) gives each drug's class, and the class gives the flag; the
brand names are US brands as RxNorm (US National Library of Medicine) and the FDA labels name them. The
table is Fascia's own selection: the drugs a massage clinic's patients commonly take that change how a
therapist works (bruising, fragile skin and bone, masked pain), not every product.

Decisions:
- Fondaparinux is ATC B01AX (other antithrombotic agents); it is grouped with the anticoagulants, as its
  label treats it.
- Aspirin is both B01AC06 (platelet aggregation inhibitor, at low dose) and N02BA01 (analgesic). Aspirin at
  any dose blocks platelets for the life of the platelet, so every aspirin is read as an antiplatelet as well
  as an analgesic; a practitioner may correct the flags on an entry.
- NSAIDs (M01A) other than aspirin raise bleeding risk only a little and reversibly: they are analgesics
  here, not antiplatelets.
- H02 is "corticosteroids for systemic use": a corticosteroid typed with a topical or inhaled form (cream,
  ointment, nasal spray, inhaler …) is recognized but does not carry the corticosteroid flag.
- A name nobody recognizes is None, never an empty set: the form asks "anticoagulant or antiplatelet?"
  instead of silently reading it as no.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

FLAGS = ("anticoagulant", "antiplatelet", "corticosteroid", "analgesic", "muscle-relaxant")


@dataclass(frozen=True)
class DrugClass:
    atc: str  # WHO ATC code of the class
    name: str
    flag: str
    systemic_only: bool = False  # the class is its systemic forms: a topical or inhaled form is not in it


CLASSES = (
    DrugClass("B01AA", "vitamin K antagonists", "anticoagulant"),
    DrugClass("B01AB", "heparin group", "anticoagulant"),
    DrugClass("B01AE", "direct thrombin inhibitors", "anticoagulant"),
    DrugClass("B01AF", "direct factor Xa inhibitors", "anticoagulant"),
    DrugClass("B01AX", "other antithrombotic agents (fondaparinux)", "anticoagulant"),
    DrugClass("B01AC", "platelet aggregation inhibitors excluding heparin", "antiplatelet"),
    DrugClass("H02AB", "glucocorticoids (systemic)", "corticosteroid", systemic_only=True),
    DrugClass("N02A", "opioids", "analgesic"),
    DrugClass("N02B", "other analgesics and antipyretics", "analgesic"),
    DrugClass("M01A", "anti-inflammatory and antirheumatic products, non-steroids (NSAIDs)", "analgesic"),
    DrugClass("M03B", "muscle relaxants, centrally acting agents", "muscle-relaxant"),
    DrugClass("M03C", "muscle relaxants, directly acting agents", "muscle-relaxant"),
)
CLASS_BY_ATC = {c.atc: c for c in CLASSES}


@dataclass(frozen=True)
class Drug:
    generic: str
    classes: tuple[str, ...]  # ATC codes of its classes (CLASSES)
    brands: tuple[str, ...] = ()


DRUGS = (
    # Anticoagulants
    Drug("warfarin", ("B01AA",), ("Coumadin", "Jantoven")),
    Drug("acenocoumarol", ("B01AA",)),
    Drug("phenprocoumon", ("B01AA",)),
    Drug("heparin", ("B01AB",)),
    Drug("enoxaparin", ("B01AB",), ("Lovenox",)),
    Drug("dalteparin", ("B01AB",), ("Fragmin",)),
    Drug("tinzaparin", ("B01AB",), ("Innohep",)),
    Drug("fondaparinux", ("B01AX",), ("Arixtra",)),
    Drug("dabigatran", ("B01AE",), ("Pradaxa",)),
    Drug("argatroban", ("B01AE",)),
    Drug("bivalirudin", ("B01AE",), ("Angiomax",)),
    Drug("apixaban", ("B01AF",), ("Eliquis",)),
    Drug("rivaroxaban", ("B01AF",), ("Xarelto",)),
    Drug("edoxaban", ("B01AF",), ("Savaysa", "Lixiana")),
    Drug("betrixaban", ("B01AF",), ("Bevyxxa",)),
    # Antiplatelets
    Drug("clopidogrel", ("B01AC",), ("Plavix",)),
    Drug("prasugrel", ("B01AC",), ("Effient",)),
    Drug("ticagrelor", ("B01AC",), ("Brilinta",)),
    Drug("ticlopidine", ("B01AC",)),
    Drug("cilostazol", ("B01AC",), ("Pletal",)),
    Drug("dipyridamole", ("B01AC",), ("Persantine", "Aggrenox")),
    Drug("vorapaxar", ("B01AC",), ("Zontivity",)),
    Drug("aspirin", ("B01AC", "N02B"), ("Ecotrin", "Durlaza", "Bufferin", "Vazalore", "Excedrin")),
    Drug("acetylsalicylic acid", ("B01AC", "N02B")),
    # Systemic corticosteroids
    Drug("prednisone", ("H02AB",), ("Deltasone", "Rayos")),
    Drug("prednisolone", ("H02AB",), ("Orapred", "Millipred", "Pediapred")),
    Drug("methylprednisolone", ("H02AB",), ("Medrol", "Solu-Medrol", "Depo-Medrol")),
    Drug("dexamethasone", ("H02AB",), ("Decadron", "Hemady")),
    Drug("hydrocortisone", ("H02AB",), ("Cortef", "Alkindi")),
    Drug("cortisone", ("H02AB",)),
    Drug("betamethasone", ("H02AB",), ("Celestone",)),
    Drug("triamcinolone", ("H02AB",), ("Kenalog", "Zilretta")),
    Drug("deflazacort", ("H02AB",), ("Emflaza",)),
    # Analgesics: paracetamol, NSAIDs, opioids
    Drug("acetaminophen", ("N02B",), ("Tylenol",)),
    Drug("paracetamol", ("N02B",)),
    Drug("ibuprofen", ("M01A",), ("Advil", "Motrin")),
    Drug("naproxen", ("M01A",), ("Aleve", "Naprosyn", "Anaprox")),
    Drug("diclofenac", ("M01A",), ("Voltaren", "Cataflam", "Zorvolex")),
    Drug("celecoxib", ("M01A",), ("Celebrex",)),
    Drug("meloxicam", ("M01A",), ("Mobic",)),
    Drug("indomethacin", ("M01A",), ("Indocin",)),
    Drug("ketorolac", ("M01A",), ("Toradol",)),
    Drug("etodolac", ("M01A",), ("Lodine",)),
    Drug("nabumetone", ("M01A",), ("Relafen",)),
    Drug("piroxicam", ("M01A",), ("Feldene",)),
    Drug("ketoprofen", ("M01A",)),
    Drug("tramadol", ("N02A",), ("Ultram", "Ultracet", "ConZip")),
    Drug("tapentadol", ("N02A",), ("Nucynta",)),
    Drug("oxycodone", ("N02A",), ("OxyContin", "Roxicodone", "Percocet", "Endocet")),
    Drug("hydrocodone", ("N02A",), ("Norco", "Vicodin", "Lortab")),
    Drug("morphine", ("N02A",), ("MS Contin", "Kadian")),
    Drug("hydromorphone", ("N02A",), ("Dilaudid",)),
    Drug("codeine", ("N02A",)),
    Drug("fentanyl", ("N02A",), ("Duragesic",)),
    Drug("buprenorphine", ("N02A",), ("Butrans", "Belbuca")),
    # Muscle relaxants
    Drug("cyclobenzaprine", ("M03B",), ("Flexeril", "Amrix", "Fexmid")),
    Drug("methocarbamol", ("M03B",), ("Robaxin",)),
    Drug("tizanidine", ("M03B",), ("Zanaflex",)),
    Drug("baclofen", ("M03B",), ("Lioresal", "Ozobax", "Fleqsuvy", "Lyvispah")),
    Drug("carisoprodol", ("M03B",), ("Soma",)),
    Drug("metaxalone", ("M03B",), ("Skelaxin",)),
    Drug("orphenadrine", ("M03B",), ("Norflex",)),
    Drug("chlorzoxazone", ("M03B",), ("Lorzone", "Parafon")),
    Drug("dantrolene", ("M03C",), ("Dantrium", "Ryanodex")),
)

# Forms that are not systemic: with one of these words, a systemic-only class (H02) is not read.
NOT_SYSTEMIC = frozenset(
    {"cream", "ointment", "lotion", "gel", "topical", "foam", "inhaler", "inhaled", "inhalation", "nasal", "spray"}
    | {"drops", "eye", "ophthalmic", "otic"}
)

_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def _index() -> dict[str, list[tuple[tuple[str, ...], Drug]]]:
    """Each name's words, listed under its first word."""
    index: dict[str, list[tuple[tuple[str, ...], Drug]]] = {}
    for drug in DRUGS:
        for name in (drug.generic, *drug.brands):
            words = _words(name)
            index.setdefault(words[0], []).append((words, drug))
    return index


_BY_FIRST_WORD = _index()


def recognized(text: str) -> list[Drug]:
    """The drugs whose generic or brand name appears in `text` as whole words, in the order they appear."""
    words = _words(text)
    found: list[Drug] = []
    for i, word in enumerate(words):
        for name, drug in _BY_FIRST_WORD.get(word, ()):
            if words[i : i + len(name)] == name and drug not in found:
                found.append(drug)
    return found


@lru_cache(maxsize=2048)
def classify(text: str) -> frozenset[str] | None:
    """The screening flags of a medication as typed, or None when no drug in it is recognized.

    Names match as whole words, in any case: "heparin sodium" is heparin, but "aspirin" is not read inside
    another word. A recognized drug with no flag (a topical corticosteroid) gives an empty set.
    """
    drugs = recognized(text)
    if not drugs:
        return None
    topical = bool(NOT_SYSTEMIC & set(_words(text)))
    return frozenset(
        cls.flag
        for drug in drugs
        for cls in (CLASS_BY_ATC[atc] for atc in drug.classes)
        if not (cls.systemic_only and topical)
    )
