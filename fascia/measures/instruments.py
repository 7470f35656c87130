"""Outcome instruments described as data: items, response range, direction, missing-item rule,
severity bands and minimal important change, each with its published source.

No Django here: scoring is pure Python, tested with tables of hand-computed cases.
Item labels are Fascia's own short paraphrases of each item's topic, not the copyrighted
questionnaire wording; a clinic holding a licence can show the full wording alongside.
Sources: ../shared/domain/REFERENCE.md §3.
"""

from dataclasses import dataclass
from enum import Enum


class Method(Enum):
    SINGLE = "single"  # the one rating is the score
    PERCENT_OF_ANSWERED = "percent"  # total / (max per item x items answered) x 100
    SUM = "sum"  # total of all items
    QUICKDASH = "quickdash"  # (sum / answered - 1) x 25
    MEAN = "mean"  # mean of the ratings given


@dataclass(frozen=True)
class Band:
    upper: float  # inclusive upper limit of the score for this band
    label: str


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    items: tuple[str, ...]
    low: int  # lowest response of an item
    high: int  # highest response of an item
    method: Method
    score_min: float
    score_max: float
    higher_is_better: bool
    max_missing: int  # unanswered items allowed before the score cannot be computed
    mcid: float  # minimal clinically important difference, in score units
    mcid_source: str
    mcid_percent: float | None = None  # alternative threshold: this % of the baseline
    mdc: float | None = None  # minimal detectable change, where the source gives one
    mdc_source: str = ""
    bands: tuple[Band, ...] = ()
    bands_source: str = ""
    scoring_source: str = ""
    min_items: int | None = None  # for instruments with a variable number of items (PSFS)
    unit: str = ""

    @property
    def item_count(self) -> int:
        return len(self.items)

    def band_for(self, value: float) -> str | None:
        for band in self.bands:
            if value <= band.upper:
                return band.label
        return None


NPRS = Instrument(
    code="NPRS",
    name="Numeric Pain Rating Scale",
    items=("Pain right now, 0 no pain to 10 worst imaginable",),
    low=0,
    high=10,
    method=Method.SINGLE,
    score_min=0,
    score_max=10,
    higher_is_better=False,
    max_missing=0,
    mcid=2,
    mcid_percent=30,
    mcid_source="Ostelo RW et al., Spine 2008;33:90-94: 2 points or 30% improvement",
    # Bands vary by population; these defaults are the common 1-3 / 4-6 / 7-10 split.
    bands=(Band(0, "no pain"), Band(3, "mild"), Band(6, "moderate"), Band(10, "severe")),
    bands_source="Common clinical cut-points (REFERENCE.md §3: keep configurable)",
    scoring_source="Single 0-10 rating",
    unit="points",
)

ODI = Instrument(
    code="ODI",
    name="Oswestry Disability Index v2.1a",
    items=(
        "Pain intensity",
        "Personal care",
        "Lifting",
        "Walking",
        "Sitting",
        "Standing",
        "Sleeping",
        "Sex life",
        "Social life",
        "Travelling",
    ),
    low=0,
    high=5,
    method=Method.PERCENT_OF_ANSWERED,
    score_min=0,
    score_max=100,
    higher_is_better=False,
    # The published rule divides by the sections answered; its worked example leaves one out.
    max_missing=1,
    mcid=10,
    mcid_percent=30,
    mcid_source="Ostelo RW et al., Spine 2008;33:90-94: 10 points or 30% improvement",
    bands=(
        Band(20, "minimal disability"),
        Band(40, "moderate disability"),
        Band(60, "severe disability"),
        Band(80, "crippled"),
        Band(100, "bed-bound"),
    ),
    bands_source="Fairbank JC, Pynsent PB. Spine 2000;25:2940-2952",
    scoring_source="Fairbank & Pynsent 2000: total / (5 x sections answered) x 100",
    unit="%",
)

NDI = Instrument(
    code="NDI",
    name="Neck Disability Index",
    items=(
        "Pain intensity",
        "Personal care",
        "Lifting",
        "Reading",
        "Headaches",
        "Concentration",
        "Work",
        "Driving",
        "Sleeping",
        "Recreation",
    ),
    low=0,
    high=5,
    method=Method.PERCENT_OF_ANSWERED,
    score_min=0,
    score_max=100,
    higher_is_better=False,
    max_missing=1,  # the ODI denominator rule (Vernon & Mior 1991), with the same limit
    mcid=10,  # 5 raw points = 10 percentage points
    mcid_source="Vernon H, Mior S. J Manipulative Physiol Ther 1991;14:409-415: 5 raw points (10%)",
    # Published on the raw 0-50 score (0-4, 5-14, 15-24, 25-34, 35+); here on the percent
    # (raw x 2), with a prorated raw score between two bands going to the lower one.
    bands=(
        Band(9.99, "no disability"),
        Band(29.99, "mild disability"),
        Band(49.99, "moderate disability"),
        Band(69.99, "severe disability"),
        Band(100, "complete disability"),
    ),
    bands_source="Vernon H, Mior S. 1991",
    scoring_source="Vernon & Mior 1991: raw 0-50 x 2; unanswered items as ODI",
    unit="%",
)

LEFS = Instrument(
    code="LEFS",
    name="Lower Extremity Functional Scale",
    items=(
        "Usual work, housework or school",
        "Usual hobbies or sports",
        "Getting into or out of the bath",
        "Walking between rooms",
        "Putting on shoes or socks",
        "Squatting",
        "Lifting a bag from the floor",
        "Light activities at home",
        "Heavy activities at home",
        "Getting into or out of a car",
        "Walking two blocks",
        "Walking a mile",
        "Ten stairs up or down",
        "Standing for an hour",
        "Sitting for an hour",
        "Running on even ground",
        "Running on uneven ground",
        "Sharp turns while running",
        "Hopping",
        "Rolling over in bed",
    ),
    low=0,
    high=4,
    method=Method.SUM,
    score_min=0,
    score_max=80,
    higher_is_better=True,
    max_missing=0,
    mcid=9,
    mcid_source="Binkley JM et al., Phys Ther 1999;79:371-383: 9 points",
    mdc=9,
    mdc_source="Binkley JM et al., Phys Ther 1999;79:371-383: 9 points (90% confidence)",
    scoring_source="Binkley et al. 1999: sum of 20 items, 0-80",
    unit="points",
)

QUICKDASH = Instrument(
    code="QUICKDASH",
    name="QuickDASH",
    items=(
        "Open a tight jar",
        "Heavy household chores",
        "Carry a shopping bag",
        "Wash your back",
        "Cut food with a knife",
        "Recreation with force through the arm",
        "Effect on social activities",
        "Limits on work or daily activities",
        "Arm, shoulder or hand pain",
        "Tingling",
        "Trouble sleeping from the pain",
    ),
    low=1,
    high=5,
    method=Method.QUICKDASH,
    score_min=0,
    score_max=100,
    higher_is_better=False,
    max_missing=1,
    mcid=14,
    mcid_source="Sorensen AA et al., J Hand Ther 2013;26:217-222: about 14 points",
    scoring_source="Beaton DE et al. 2005 (Institute for Work & Health): (sum / answered - 1) x 25",
    unit="points",
)

PSFS = Instrument(
    code="PSFS",
    name="Patient-Specific Functional Scale",
    items=("Activity 1", "Activity 2", "Activity 3", "Activity 4", "Activity 5"),
    low=0,
    high=10,
    method=Method.MEAN,
    score_min=0,
    score_max=10,
    higher_is_better=True,
    max_missing=0,
    min_items=1,
    mcid=2,
    mcid_source="Stratford P et al., Physiother Can 1995;47:258-263: 2 points for the mean",
    scoring_source="Stratford et al. 1995: mean of the activity ratings",
    unit="points",
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (NPRS, ODI, NDI, LEFS, QUICKDASH, PSFS)}
