"""Contraindication rules, as data a clinic can review (shown on the techniques page).

Screening flags, not fixed law: published lists disagree (Batavia, J Bodyw Mov Ther 2004).
Sources, per rule: Werner & Benjamin, A Massage Therapist's Guide to Pathology (W&B); NCCIH;
Földi, Textbook of Lymphology (Földi); ABMP. See ../shared/domain/REFERENCE.md §8.
Regions are the patient-record body regions (fascia.patients.models.BodyRegion).
"""

from fascia.techniques.screening import Level, Rule

RIGHT_LEG = ("leg-right", "lower-leg-right", "foot-right")
LEFT_LEG = ("leg-left", "lower-leg-left", "foot-left")
RIGHT_ARM = ("arm-right", "hand-right", "shoulder-right")
LEFT_ARM = ("arm-left", "hand-left", "shoulder-left")
LEGS = RIGHT_LEG + LEFT_LEG

# ICD-10-CM acute DVT (I80 phlebitis and thrombophlebitis, I82.4 lower extremity, I82.6 upper
# extremity); the sixth character gives the side: 1 right, 2 left, 3 both, 9 unspecified.
DVT_CODES = ("I80.", "I82.4", "I82.6", "I82.5")
DVT_REGIONS = tuple(
    (f"I82.4{vein}{side}", regions) for vein in "0123459YZ" for side, regions in (("1", RIGHT_LEG), ("2", LEFT_LEG))
) + (("I82.4", LEGS), ("I82.5", LEGS), ("I80.", LEGS), ("I82.6", RIGHT_ARM + LEFT_ARM))

RULES = [
    Rule(
        id="dvt-local",
        level=Level.ABSOLUTE,
        same_region=True,
        icd_prefixes=DVT_CODES,
        fact_regions=DVT_REGIONS,
        reason="Suspected or recent deep vein thrombosis: {fact}. No massage of the affected limb.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="dvt-vigorous",
        level=Level.ABSOLUTE,
        icd_prefixes=DVT_CODES,
        tags=("deep", "vigorous"),
        reason="Deep vein thrombosis: {fact}. No deep or vigorous work anywhere until cleared by the physician.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="dvt-history",
        level=Level.CAUTION,
        icd_prefixes=("Z86.718",),
        tags=("deep", "vigorous"),
        regions=LEGS,
        reason="History of venous thrombosis: {fact}. Check for calf swelling, warmth or redness; "
        "no deep work on the legs.",
        source="W&B",
    ),
    Rule(
        id="fever",
        level=Level.ABSOLUTE,
        symptom="fever",
        reason="Fever today: no treatment.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="acute-infection",
        level=Level.ABSOLUTE,
        symptom="acute-infection",
        reason="Acute infection today: no treatment.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="fever-or-infection-diagnosis",
        level=Level.ABSOLUTE,
        icd_prefixes=("R50.", "L03.", "A41."),
        reason="Fever or acute infection on record: {fact}. No treatment until resolved.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="anticoagulant",
        level=Level.CAUTION,
        medication_flag="anticoagulant",
        tags=("deep", "vigorous"),
        reason="Anticoagulant therapy ({fact}): bruising risk. No deep or forceful pressure; light work is allowed.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="bleeding-disorder",
        level=Level.CAUTION,
        icd_prefixes=("D65", "D66", "D67", "D68", "D69.6"),
        tags=("deep", "vigorous"),
        reason="Bleeding disorder or low platelets: {fact}. Light work only.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="recent-surgery",
        level=Level.LOCAL,
        surgery_within_days=42,
        same_region=True,
        reason="Recent surgery: {fact}. No pressure over the surgical area for about six weeks.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="implant",
        level=Level.CAUTION,
        implant=True,
        same_region=True,
        tags=("deep", "vigorous", "myofascial"),
        reason="{fact}: no deep or forceful work directly over the device.",
        source="ABMP",
    ),
    Rule(
        id="heart-failure-mld",
        level=Level.ABSOLUTE,
        icd_prefixes=("I50.",),
        techniques=("manual-lymphatic-drainage",),
        reason="Heart failure ({fact}): lymphatic drainage would load the heart with fluid.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="kidney-failure-mld",
        level=Level.ABSOLUTE,
        icd_prefixes=("N17.",),
        techniques=("manual-lymphatic-drainage",),
        reason="Acute kidney failure ({fact}): lymphatic drainage contraindicated.",
        source="Földi",
    ),
    Rule(
        id="renal-insufficiency-mld",
        level=Level.CAUTION,
        icd_prefixes=("N18.",),
        techniques=("manual-lymphatic-drainage",),
        reason="Chronic kidney disease ({fact}): lymphatic drainage with caution and physician approval.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="cancer-deep",
        level=Level.CAUTION,
        icd_prefixes=("C", "Z51.1"),
        tags=("deep", "vigorous", "myofascial"),
        reason="Active cancer or treatment ({fact}): gentle work only, with medical approval; never over tumours, "
        "radiation fields or bone metastases.",
        source="W&B; NCCIH; REFERENCE.md §8",
    ),
    Rule(
        id="cancer-mld",
        level=Level.CAUTION,
        icd_prefixes=("C", "Z51.1"),
        techniques=("manual-lymphatic-drainage",),
        reason="Active cancer ({fact}): lymphatic drainage only with the oncologist's written clearance.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="aneurysm-mfr",
        level=Level.ABSOLUTE,
        icd_prefixes=("I71.", "I72."),
        tags=("myofascial",),
        reason="Aneurysm ({fact}): no myofascial release.",
        source="REFERENCE.md §8",
    ),
    Rule(
        id="rheumatoid-flare-mfr",
        level=Level.ABSOLUTE,
        icd_prefixes=("M05.", "M06."),
        tags=("myofascial",),
        reason="Rheumatoid arthritis ({fact}): no myofascial release during an acute flare.",
        source="REFERENCE.md §8",
    ),
    Rule(
        id="osteoporosis",
        level=Level.CAUTION,
        icd_prefixes=("M80.", "M81."),
        tags=("deep", "vigorous", "myofascial"),
        reason="Osteoporosis ({fact}): reduce pressure; no forceful work over the spine and ribs.",
        source="REFERENCE.md §8",
    ),
    Rule(
        id="thyroid-mld",
        level=Level.LOCAL,
        icd_prefixes=("E0",),
        techniques=("manual-lymphatic-drainage",),
        regions=("neck",),
        reason="Thyroid disease ({fact}): no lymphatic drainage on the neck.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="asthma-mld",
        level=Level.CAUTION,
        icd_prefixes=("J45.",),
        techniques=("manual-lymphatic-drainage",),
        reason="Asthma ({fact}): lymphatic drainage can trigger an attack; short sessions, inhaler at hand.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="hypotension-mld",
        level=Level.CAUTION,
        icd_prefixes=("I95.",),
        techniques=("manual-lymphatic-drainage",),
        reason="Low blood pressure ({fact}): lymphatic drainage lowers it further; sit up slowly.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="pregnancy-legs",
        level=Level.CAUTION,
        pregnant_from_week=0,
        tags=("deep", "vigorous"),
        regions=LEGS + ("pelvis",),
        reason="Pregnancy ({fact}): clotting risk is raised; no deep work on the legs and inner thighs.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="pregnancy-abdomen",
        level=Level.CAUTION,
        pregnant_from_week=0,
        regions=("abdomen",),
        reason="Pregnancy ({fact}): no deep or lymphatic work on the abdomen.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="pregnancy-position",
        level=Level.CAUTION,
        pregnant_from_week=22,
        reason="Pregnancy ({fact}): treat side-lying or semi-reclining, not prone or flat on the back.",
        source="W&B; REFERENCE.md §8",
    ),
]
