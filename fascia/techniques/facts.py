"""The words of contraindication screening: its levels, a patient's facts, the rules that read them and
the findings they give, and the vocabularies every input is checked against.

Plain Python, no Django (a pure core). screening.py matches rules to facts; rules.py holds the rules.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from fascia.techniques import icd10


class Level(StrEnum):
    ABSOLUTE = "absolute"  # do not treat
    LOCAL = "local"  # do not treat this region
    CAUTION = "caution"  # modify pressure, duration or position; overriding needs a written reason

    @property
    def rank(self) -> int:
        return {"absolute": 0, "local": 1, "caution": 2}[self.value]


REFUSING = (Level.ABSOLUTE, Level.LOCAL)  # the levels that keep a technique off the region

# The pressure a plan or a note records. Firm or deep pressure is deep work whatever the technique.
PRESSURES = ("light", "moderate", "firm", "deep")
DEEP_PRESSURES = frozenset({"firm", "deep"})

# Today's symptoms screening reads (whole body). An open wound is a local finding, with its region.
SYMPTOMS = {"fever": "fever", "acute-infection": "acute infection"}

# Today's local findings on a note, each given with the region it is on.
LOCAL_FINDINGS = {
    "open-wound": "Open wound",
    "sutures": "Sutures or staples",
    "bruise": "Bruise or hematoma",
    "rash": "Rash",
    "burn": "Burn",
}


@dataclass(frozen=True)
class RedFlag:
    label: str
    needs_clearance: bool  # plan activation and note signing wait for a recorded referral or clearance


# The evaluation's red flags (fascia.evaluations.catalog.RED_FLAGS, kept equal by a test): Chou R et al.,
# ACP/APS low back pain guideline, Ann Intern Med 2007;147:478; Wells PS et al., Lancet 1997;350:1795 (DVT).
# Those the issue names as needing a referral or clearance before treatment go on: a possible DVT, possible
# cauda equina, fever, unexplained weight loss; chest pain or shortness of breath (a possible pulmonary
# embolism) with them.
RED_FLAGS = {
    "weight_loss": RedFlag("Unexplained weight loss", needs_clearance=True),
    "fever": RedFlag("Fever, chills or feeling unwell", needs_clearance=True),
    "night_pain": RedFlag("Pain at night that rest or position does not ease", needs_clearance=False),
    "bladder_bowel": RedFlag("New bladder or bowel change", needs_clearance=True),
    "saddle_numbness": RedFlag("Numbness in the saddle area", needs_clearance=True),
    "progressive_weakness": RedFlag("Progressive weakness or loss of coordination", needs_clearance=False),
    "cancer_history": RedFlag("History of cancer", needs_clearance=False),
    "major_trauma": RedFlag("Recent major trauma or fall", needs_clearance=False),
    "calf_swelling": RedFlag("Calf swelling, warmth or redness", needs_clearance=True),
    "chest_symptoms": RedFlag("Chest pain or shortness of breath", needs_clearance=True),
}

# States a practitioner records that change a rule (a fact flag).
STATES = {"rheumatoid-flare": "rheumatoid arthritis flare"}


@dataclass(frozen=True)
class Condition:
    text: str
    icd10_code: str = ""  # with the dot, e.g. I82.401 (read with or without it)


@dataclass(frozen=True)
class Surgery:
    procedure: str
    region: str
    performed_on: date


@dataclass(frozen=True)
class Medication:
    """A medication as typed. `flags` None: derived from the name (drugs.classify); a set: the flags a
    practitioner confirmed or corrected (an empty set: none of them)."""

    name: str
    flags: frozenset[str] | None = None


@dataclass(frozen=True)
class LocalFinding:
    code: str  # LOCAL_FINDINGS
    region: str


@dataclass(frozen=True)
class PatientFacts:
    conditions: tuple[Condition, ...] = ()
    medication_flags: frozenset[str] = frozenset()  # anticoagulant, antiplatelet, corticosteroid, analgesic, …
    surgeries: tuple[Surgery, ...] = ()
    implant_regions: frozenset[str] = frozenset()
    pregnant: bool = False
    pregnancy_weeks: int | None = None
    symptoms: frozenset[str] = frozenset()  # today's: fever, acute-infection (others are not screened)
    today: date = field(default_factory=date.today)
    medications: tuple[Medication, ...] = ()  # by name; their flags add to medication_flags
    local_findings: tuple[LocalFinding, ...] = ()  # today's, each on a region
    red_flags: frozenset[str] = frozenset()  # the evaluation's and today's (RED_FLAGS)
    states: frozenset[str] = frozenset()  # STATES
    # Red flags and ICD-10-CM codes a practitioner recorded a referral or clearance for: a rule that holds
    # "until cleared" gives a caution instead of a refusal for them (see screening.screen).
    cleared: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Technique:
    code: str
    name: str
    tags: frozenset[str]  # deep, vigorous, lymphatic, myofascial, stretching …


@dataclass(frozen=True)
class Rule:
    """One screening rule.

    A rule fires for each fact that matches one of its fact kinds: `icd_codes` (each entry a 3-character
    category, or a subcategory with its dot, matching itself and its children), `medication_flags`,
    `unclassified_medication`, `symptoms`, `red_flags`, `local_findings`, `injuries` (the kinds of healing
    injury of chapter S it reads: fracture, sprain, contusion), `surgery_within_days` (limited to
    `surgery_regions` when set), `implant`, `pregnant_from_week`; `state` / `unless_state` make the rule
    wait for, or give way to, a recorded state.

    It applies when the technique is one of `techniques` or carries one of `tags` (both empty: every
    technique; firm or deep pressure adds the tag "deep"). `regions`, when set, limits the rule to those
    planned regions; `same_region` limits it to the regions of the fact (the limb of a DVT, the site of a
    surgery, implant, finding or injury): `fact_regions` maps an ICD entry or a red flag to them, narrowed
    to the side the code's title names, and `same_limb` widens them to the whole lower limb.
    `until_cleared`: a refusal that a recorded referral or clearance of the fact turns into a caution.
    """

    id: str
    level: Level
    reason: str  # may use {fact}
    source: str
    icd_codes: tuple[str, ...] = ()
    medication_flags: tuple[str, ...] = ()
    unclassified_medication: bool = False
    symptoms: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    local_findings: tuple[str, ...] = ()
    injuries: tuple[str, ...] = ()
    surgery_within_days: int | None = None
    surgery_regions: tuple[str, ...] = ()
    implant: bool = False
    pregnant_from_week: int | None = None
    state: str = ""
    unless_state: str = ""
    techniques: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    same_region: bool = False
    same_limb: bool = False
    fact_regions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    until_cleared: bool = False

    def fires_on(self) -> list[str]:
        """What the rule reads, in words, for the page a clinic reviews the rules on."""
        listed = [
            ("ICD-10-CM", self.icd_codes),
            ("medication", self.medication_flags),
            ("today's symptom", tuple(SYMPTOMS.get(s, s) for s in self.symptoms)),
            ("red flag", tuple(RED_FLAGS[f].label if f in RED_FLAGS else f for f in self.red_flags)),
            ("today's finding", tuple(LOCAL_FINDINGS.get(f, f) for f in self.local_findings)),
            ("healing injury (chapter S)", self.injuries),
        ]
        words = [f"{what}: {', '.join(values)}" for what, values in listed if values]
        if self.unclassified_medication:
            words.append("a medication nobody has classified")
        if self.surgery_within_days is not None:
            where = f" on {', '.join(self.surgery_regions)}" if self.surgery_regions else ""
            words.append(f"surgery{where} within {self.surgery_within_days} days")
        if self.implant:
            words.append("an implant")
        if self.pregnant_from_week is not None:
            words.append(f"pregnancy from week {self.pregnant_from_week}" if self.pregnant_from_week else "pregnancy")
        if self.state:
            words.append(f"only with a recorded {STATES.get(self.state, self.state)}")
        if self.unless_state:
            words.append(f"not with a recorded {STATES.get(self.unless_state, self.unless_state)}")
        if self.until_cleared:
            words.append("refused until a referral or clearance is recorded, then a caution")
        return words

    def __post_init__(self) -> None:
        entries = self.icd_codes + tuple(key for key, _ in self.fact_regions if key not in RED_FLAGS)
        bad = [entry for entry in entries if not icd10.is_list_entry(entry)]
        if bad:
            raise ValueError(f"rule {self.id}: {', '.join(bad)} is not a category or a dotted subcategory")


@dataclass(frozen=True)
class Finding:
    rule: str
    level: Level
    reason: str
    source: str
