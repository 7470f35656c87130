"""Treatment regions, and the regions an injury coded in ICD-10-CM chapter S affects.

Plain Python, no Django (a pure core). The region codes are those plans and notes record
(fascia.patients.models.BodyRegion, kept equal by a test that may import Django).

Injuries: ICD-10-CM groups chapter S by body region, one block of ten categories each (S00-S09 head …
S90-S99 ankle and foot); the block gives the region, the code's title gives the side (icd10.sides), and
the 7th character gives the encounter (A initial, D subsequent, S sequela; fractures also B/C open, and
E-R for delayed healing, nonunion or malunion). Fractures, sprains and contusions are listed explicitly
below; a test checks the lists against the code set. Source: CDC/CMS ICD-10-CM FY2026 tabular list,
chapter 19, and its guideline I.C.19.a on the 7th character.
"""

from dataclasses import dataclass

from fascia.techniques import icd10

REGIONS = (
    "head",
    "neck",
    "upper-back",
    "lower-back",
    "chest",
    "abdomen",
    "pelvis",
    "shoulder-left",
    "shoulder-right",
    "arm-left",
    "arm-right",
    "hand-left",
    "hand-right",
    "leg-left",
    "leg-right",
    "lower-leg-left",
    "lower-leg-right",
    "foot-left",
    "foot-right",
    "other",
)

RIGHT_LEG = ("leg-right", "lower-leg-right", "foot-right")
LEFT_LEG = ("leg-left", "lower-leg-left", "foot-left")
RIGHT_ARM = ("shoulder-right", "arm-right", "hand-right")
LEFT_ARM = ("shoulder-left", "arm-left", "hand-left")
LEGS = RIGHT_LEG + LEFT_LEG
ARMS = RIGHT_ARM + LEFT_ARM


def both(*names: str) -> tuple[str, ...]:
    """Each region name on both sides: both("hand") -> ("hand-right", "hand-left")."""
    return tuple(f"{name}-{side}" for name in names for side in ("right", "left"))


def on_sides(regions: tuple[str, ...], sides: frozenset[str]) -> frozenset[str]:
    """The regions on the given sides, with the regions that have no side (pelvis, neck …)."""
    return frozenset(r for r in regions if not r.endswith(("-right", "-left")) or r.rsplit("-", 1)[1] in sides)


def limb(region: str) -> tuple[str, ...]:
    """The whole lower limb a region belongs to (the pelvis, for a hip, belongs to both); () elsewhere."""
    if region in RIGHT_LEG:
        return RIGHT_LEG
    if region in LEFT_LEG:
        return LEFT_LEG
    return ("pelvis", *LEGS) if region == "pelvis" else ()


# Chapter S blocks: (first category, last category, the treatment regions of the block).
INJURY_BLOCKS = (
    ("S00", "S09", ("head",)),
    ("S10", "S19", ("neck",)),
    ("S20", "S29", ("chest", "upper-back")),  # thorax: front wall, back wall, ribs and thoracic spine
    ("S30", "S39", ("abdomen", "lower-back", "pelvis")),
    ("S40", "S49", both("shoulder", "arm")),
    ("S50", "S59", both("arm")),  # the app's arm region is "arm and elbow", the forearm included
    ("S60", "S69", both("hand")),
    ("S70", "S79", ("pelvis", *both("leg"))),  # the hip is the pelvis region, the thigh the leg
    ("S80", "S89", both("leg", "lower-leg")),  # the knee is in the leg region
    ("S90", "S99", both("foot")),
)

# The wrist and the ankle are coded with the forearm and the lower leg (S52.5 lower end of radius, S82.5
# medial malleolus) but are the hand and foot regions: those injuries cover both. The scapula is coded with
# the shoulder but lies on the upper back.
INJURY_EXTRA_REGIONS = (
    ("S52.5", both("hand")),
    ("S52.6", both("hand")),
    ("S59.0", both("hand")),
    ("S59.2", both("hand")),
    ("S82.3", both("foot")),
    ("S82.5", both("foot")),
    ("S82.6", both("foot")),
    ("S82.8", both("foot")),
    ("S89.1", both("foot")),
    ("S89.3", both("foot")),
    ("S42.1", ("upper-back",)),
)

FRACTURES = (
    # Whole categories: fractures of skull and face, cervical vertebrae, ribs/sternum/thoracic spine,
    # lumbar spine and pelvis, shoulder and upper arm, forearm, wrist and hand, femur, lower leg, foot.
    *("S02", "S12", "S22", "S32", "S42", "S52", "S62", "S72", "S82", "S92"),
    # Physeal (growth plate) fractures, coded apart in the "other injuries" categories.
    *("S49.0", "S49.1", "S59.0", "S59.1", "S59.2", "S79.0", "S79.1"),
    *("S89.0", "S89.1", "S89.2", "S89.3", "S99.0", "S99.1", "S99.2"),
)
SPRAINS = (
    *("S03.4", "S03.8", "S03.9"),  # jaw, other and unspecified parts of the head
    *("S13.4", "S13.5", "S13.8", "S13.9"),  # cervical spine (whiplash), thyroid region, neck
    *("S23.3", "S23.4", "S23.8", "S23.9"),  # thoracic spine, ribs and sternum
    *("S33.5", "S33.6", "S33.8", "S33.9"),  # lumbar spine, sacroiliac joint, pelvis
    *("S43.4", "S43.5", "S43.6", "S43.8", "S43.9"),  # shoulder joint and girdle
    "S53.4",  # elbow
    *("S63.5", "S63.6", "S63.8", "S63.9"),  # wrist, fingers, hand
    "S73.1",  # hip
    *("S83.4", "S83.5", "S83.6", "S83.8", "S83.9"),  # knee
    *("S93.4", "S93.5", "S93.6"),  # ankle, toes, foot
)
CONTUSIONS = (
    # Of the body wall and limbs (a bruise); contusions of internal organs (S26, S36 …) are not listed: they
    # are injuries a physician treats, outside what a massage screen reads region by region.
    *("S00.03", "S00.1", "S00.33", "S00.43", "S00.53", "S00.83", "S00.93"),
    *("S10.0", "S10.83", "S10.93"),
    *("S20.0", "S20.2"),
    *("S30.0", "S30.1", "S30.2", "S30.3"),
    "S40.0",
    *("S50.0", "S50.1"),
    *("S60.0", "S60.1", "S60.2"),
    *("S70.0", "S70.1"),
    *("S80.0", "S80.1"),
    *("S90.0", "S90.1", "S90.2", "S90.3"),
)
INJURY_KINDS = (("fracture", FRACTURES), ("sprain", SPRAINS), ("contusion", CONTUSIONS))


@dataclass(frozen=True)
class Injury:
    code: str
    kind: str  # fracture, sprain or contusion
    regions: frozenset[str]
    healing: bool  # any encounter but S (sequela); a code without its 7th character counts as healing


def injury(code: str) -> Injury | None:
    """The fracture, sprain or contusion a normalized chapter S code records, with its regions and side;
    None for any other code."""
    if not code.startswith("S"):
        return None
    kind = next((kind for kind, entries in INJURY_KINDS if icd10.first_entry(code, entries)), None)
    if kind is None:
        return None
    category = code[:3]
    regions = next(regions for first, last, regions in INJURY_BLOCKS if first <= category <= last)
    regions += next((extra for entry, extra in INJURY_EXTRA_REGIONS if icd10.is_under(code, entry)), ())
    return Injury(
        code=code,
        kind=kind,
        regions=on_sides(regions, icd10.sides(code)),
        healing=icd10.seventh_character(code) != "S",
    )
