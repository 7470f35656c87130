"""Starting points for a note by condition: the techniques usually performed, with regions and
minutes, and the home care usually given. Choosing one fills what the note does not have yet;
everything stays editable. Fascia's own clinical defaults, not a standard."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateTechnique:
    technique: str  # catalog code
    region: str
    minutes: int
    pressure: str
    position: str


@dataclass(frozen=True)
class NoteTemplate:
    code: str
    name: str
    techniques: tuple[TemplateTechnique, ...]
    home_care: str


T = TemplateTechnique
TEMPLATES = {
    t.code: t
    for t in [
        NoteTemplate(
            "low-back-pain",
            "Low back pain",
            (
                T("myofascial-release", "lower-back", 15, "moderate", "prone"),
                T("trigger-point", "pelvis", 10, "firm", "prone"),
                T("deep-tissue", "lower-back", 15, "firm", "prone"),
            ),
            "Knee-to-chest and piriformis stretches twice a day; heat 15 minutes before activity.",
        ),
        NoteTemplate(
            "neck-pain",
            "Neck pain and tension headache",
            (
                T("myofascial-release", "neck", 10, "moderate", "supine"),
                T("trigger-point", "upper-back", 10, "firm", "prone"),
                T("deep-tissue", "upper-back", 10, "moderate", "prone"),
            ),
            "Chin tucks and upper trapezius stretch three times a day; check the workstation screen height.",
        ),
        NoteTemplate(
            "sciatica",
            "Sciatica",
            (
                T("neuromuscular", "pelvis", 15, "moderate", "side-lying"),
                T("myofascial-release", "lower-back", 10, "moderate", "prone"),
                T("met-pnf", "leg-right", 8, "moderate", "supine"),
            ),
            "Nerve glides as shown, 10 repetitions twice a day; avoid sitting longer than 30 minutes.",
        ),
        NoteTemplate(
            "fibromyalgia",
            "Fibromyalgia",
            (
                T("swedish", "upper-back", 20, "light", "prone"),
                T("myofascial-release", "lower-back", 10, "light", "prone"),
            ),
            "Gentle daily walking; warm shower before stretching; pace activities.",
        ),
        NoteTemplate(
            "post-surgical-swelling",
            "Post-surgical swelling",
            (
                T("manual-lymphatic-drainage", "leg-right", 30, "light", "supine"),
                T("scar-mobilization", "leg-right", 8, "light", "supine"),
            ),
            "Elevate the limb; self-drainage strokes as shown; wear the compression garment.",
        ),
    ]
}
