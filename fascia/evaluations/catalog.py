"""Reference data for evaluations, with sources: red flags, body-chart regions, normal ranges of
motion and special tests. Plain Python, no Django.
"""

from dataclasses import dataclass

# Red flags for serious pathology that call for referral before manual therapy.
# Source: Chou R et al., Diagnosis and treatment of low back pain, ACP/APS guideline,
# Ann Intern Med 2007;147:478-491 (cancer, infection, cauda equina, progressive deficit);
# calf swelling and redness as signs of deep vein thrombosis (Wells PS et al., Lancet 1997;350:1795).
RED_FLAGS: dict[str, str] = {
    "weight_loss": "Unexplained weight loss",
    "fever": "Fever, chills or feeling unwell",
    "night_pain": "Pain at night that rest or position does not ease",
    "bladder_bowel": "New bladder or bowel change",
    "saddle_numbness": "Numbness in the saddle area",
    "progressive_weakness": "Progressive weakness or loss of coordination",
    "cancer_history": "History of cancer",
    "major_trauma": "Recent major trauma or fall",
    "calf_swelling": "Calf swelling, warmth or redness",
    "chest_symptoms": "Chest pain or shortness of breath",
}

MARK_KINDS: dict[str, str] = {
    "pain": "Pain",
    "numbness": "Numbness",
    "tingling": "Tingling",
    "tightness": "Tightness",
    "trigger-point": "Trigger point",
}


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    view: str  # front or back
    shape: tuple[float, float, float, float]  # x, y, width, height of its area on a 200 x 440 figure


def _pair(code: str, label: str, view: str, x: float, y: float, w: float, h: float) -> list[Region]:
    """The left and right sides of a region; the patient's left is on the viewer's right from the front."""
    mirror = 200 - x - w
    left_x, right_x = (mirror, x) if view == "front" else (x, mirror)
    return [
        Region(f"{view}-{code}-left", f"Left {label}", view, (left_x, y, w, h)),
        Region(f"{view}-{code}-right", f"Right {label}", view, (right_x, y, w, h)),
    ]


def _regions() -> list[Region]:
    regions: list[Region] = []
    for view in ("front", "back"):
        regions.append(Region(f"{view}-head", "Head" if view == "front" else "Back of head", view, (80, 5, 40, 45)))
        regions.append(Region(f"{view}-neck", "Neck" if view == "front" else "Back of neck", view, (85, 50, 30, 20)))
        regions += _pair("shoulder", "shoulder", view, 48, 70, 30, 25)
        regions += _pair("upper-arm", "upper arm", view, 38, 95, 22, 60)
        regions += _pair("forearm", "forearm", view, 30, 155, 20, 60)
        regions += _pair("hand", "hand", view, 24, 215, 22, 30)
        regions += _pair("thigh", "thigh", view, 70, 235, 28, 85)
        regions += _pair("knee", "knee", view, 72, 320, 26, 25)
        regions += _pair("lower-leg", "lower leg", view, 74, 345, 22, 65)
        regions += _pair("foot", "foot", view, 72, 410, 26, 25)
    regions += [
        Region("front-chest", "Chest", "front", (78, 70, 44, 55)),
        Region("front-abdomen", "Abdomen", "front", (78, 125, 44, 60)),
        Region("front-pelvis", "Pelvis and groin", "front", (70, 185, 60, 50)),
        Region("back-upper-back", "Upper back", "back", (78, 70, 44, 55)),
        Region("back-lower-back", "Lower back", "back", (78, 125, 44, 60)),
        Region("back-buttocks", "Buttocks", "back", (70, 185, 60, 50)),
    ]
    return regions


REGIONS: dict[str, Region] = {r.code: r for r in _regions()}
CHART_VIEWS = [(view, view.title(), [r for r in REGIONS.values() if r.view == view]) for view in ("front", "back")]

# Each kind of mark has its colour and a symbol, so the chart reads without colour too (WCAG 1.4.1, use of
# colour), printed in black and white, or by someone who does not see red. The colours are drawn as the SVG's
# own attributes, which the page and the PDF (WeasyPrint styles an SVG only from within it) both show.
MARK_SYMBOLS: dict[str, str] = {
    "pain": "●",
    "numbness": "○",
    "tingling": "≈",
    "tightness": "▲",
    "trigger-point": "✕",
}
MARK_COLOURS: dict[str, str] = {
    "pain": "#c0392b",
    "numbness": "#2f6db5",
    "tingling": "#7d3c98",
    "tightness": "#9a5b00",
    "trigger-point": "#1e7b4a",
}
MARK_LEGEND = [(code, label, MARK_SYMBOLS[code], MARK_COLOURS[code]) for code, label in MARK_KINDS.items()]


@dataclass(frozen=True)
class Spot:
    """A region on the chart as drawn: its area, its centre (where its symbol goes) and its mark, if any."""

    region: Region
    kind: str = ""
    symbol: str = ""

    @property
    def colour(self) -> str:
        return MARK_COLOURS.get(self.kind, "")

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.region.shape
        return x + w / 2, y + h / 2 + 5  # a symbol's baseline sits below the middle to look centred


def chart(marks: list[dict]) -> list[tuple[str, str, list[Spot]]]:
    """The two views of the figure with each region's mark (the first one given for a region), for drawing."""
    first: dict[str, str] = {}
    for mark in marks:
        first.setdefault(mark["region"], mark["kind"])
    return [
        (view, caption, [Spot(r, first.get(r.code, ""), MARK_SYMBOLS.get(first.get(r.code, ""), "")) for r in regions])
        for view, caption, regions in CHART_VIEWS
    ]


@dataclass(frozen=True)
class Motion:
    joint: str
    motion: str
    normal: int  # degrees
    sided: bool = True

    @property
    def code(self) -> str:
        return f"{self.joint}-{self.motion}".lower().replace(" ", "-")


# Normal active range of motion in degrees. Source: American Academy of Orthopaedic Surgeons,
# Greene WB, Heckman JD (eds.), The Clinical Measurement of Joint Motion, AAOS 1994.
MOTIONS: dict[str, Motion] = {
    m.code: m
    for m in (
        Motion("Cervical", "Flexion", 45, sided=False),
        Motion("Cervical", "Extension", 45, sided=False),
        Motion("Cervical", "Lateral flexion", 45),
        Motion("Cervical", "Rotation", 60),
        Motion("Thoracolumbar", "Flexion", 80, sided=False),
        Motion("Thoracolumbar", "Extension", 25, sided=False),
        Motion("Thoracolumbar", "Lateral flexion", 35),
        Motion("Thoracolumbar", "Rotation", 45),
        Motion("Shoulder", "Flexion", 180),
        Motion("Shoulder", "Extension", 60),
        Motion("Shoulder", "Abduction", 180),
        Motion("Shoulder", "Internal rotation", 70),
        Motion("Shoulder", "External rotation", 90),
        Motion("Elbow", "Flexion", 150),
        Motion("Wrist", "Flexion", 80),
        Motion("Wrist", "Extension", 70),
        Motion("Hip", "Flexion", 120),
        Motion("Hip", "Extension", 30),
        Motion("Hip", "Abduction", 45),
        Motion("Hip", "Adduction", 30),
        Motion("Hip", "Internal rotation", 45),
        Motion("Hip", "External rotation", 45),
        Motion("Knee", "Flexion", 135),
        Motion("Ankle", "Dorsiflexion", 20),
        Motion("Ankle", "Plantarflexion", 50),
    )
}
MAX_DEGREES = 200  # anything above is a typing error, not a measurement


def rom_deficit(motion_code: str, degrees: int) -> int:
    """Degrees short of the normal range (0 when at or beyond it)."""
    return max(0, MOTIONS[motion_code].normal - degrees)


# Special tests: name and what a positive result suggests (own wording).
SPECIAL_TESTS: dict[str, str] = {
    "straight-leg-raise": "Straight leg raise (lumbar nerve root tension)",
    "slump": "Slump test (neural tension)",
    "spurling": "Spurling test (cervical radiculopathy)",
    "cervical-distraction": "Cervical distraction (relief suggests nerve root compression)",
    "phalen": "Phalen test (carpal tunnel)",
    "tinel-wrist": "Tinel sign at the wrist (median nerve)",
    "faber": "FABER / Patrick test (hip or sacroiliac joint)",
    "thomas": "Thomas test (hip flexor tightness)",
    "ober": "Ober test (iliotibial band tightness)",
    "piriformis": "Piriformis (FAIR) test",
    "hawkins-kennedy": "Hawkins-Kennedy test (shoulder impingement)",
    "empty-can": "Empty can test (supraspinatus)",
}
