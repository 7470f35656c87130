"""The one questionnaire suited to a complaint, from where the patient says it hurts (the intake's pain regions).

Each instrument is chosen for the body part its authors made it for (REFERENCE.md §3; sources in instruments.py):
- the lower back → ODI, "the Oswestry low back pain disability questionnaire" (Fairbank & Pynsent 2000);
- the neck → NDI, made from the ODI for neck pain (Vernon & Mior 1991);
- the hip (the intake's "pelvis and hips"), thigh, knee, lower leg, ankle and foot → LEFS, "for patients with
  lower-extremity musculoskeletal conditions" (Binkley et al. 1999);
- the shoulder, arm, elbow, wrist and hand → QuickDASH, "disabilities of the arm, shoulder and hand" (Beaton 2005);
- any other region (head, upper back, chest, abdomen, other) → NPRS, the pain rating that suits any complaint
  (Ostelo 2008); no region at all → none.

When the regions span several families, the spine comes first (the lower back, then the neck), then the leg, then
the arm: a spinal complaint is the usual reason for a massage referral, and one short questionnaire is enough at
intake (the clinician chooses others at the evaluation).

No Django: the regions are the intake's BodyRegion values, as plain strings.
"""

from collections.abc import Iterable

# In priority order: the first family with a region the patient chose gives the instrument.
FAMILIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("ODI", frozenset({"lower-back"})),
    ("NDI", frozenset({"neck"})),
    (
        "LEFS",
        frozenset(
            {
                "pelvis",
                "leg-left",
                "leg-right",
                "lower-leg-left",
                "lower-leg-right",
                "foot-left",
                "foot-right",
            }
        ),
    ),
    (
        "QUICKDASH",
        frozenset(
            {"shoulder-left", "shoulder-right", "arm-left", "arm-right", "hand-left", "hand-right"},
        ),
    ),
)
ANY_PAIN = "NPRS"  # a region in none of the families


def instrument_for_regions(regions: Iterable[str]) -> str | None:
    """The code of the one instrument suited to pain in `regions`, or None when no region is given."""
    chosen = set(regions)
    if not chosen:
        return None
    for code, family in FAMILIES:
        if chosen & family:
            return code
    return ANY_PAIN
