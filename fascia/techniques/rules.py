"""Contraindication rules, as data a clinic can review (shown on the techniques page).

Screening flags, not fixed law: published lists disagree (Batavia, J Bodyw Mov Ther 2004).
Sources, per rule: Werner & Benjamin, A Massage Therapist's Guide to Pathology (W&B); NCCIH;
Földi, Textbook of Lymphology (Földi); ABMP; Chou et al. 2007 and Wells et al. 1997 for the red flags.
See ../shared/domain/REFERENCE.md §8. Regions are the treatment regions (regions.REGIONS).

ICD-10-CM code lists are explicit (FY2026 code set): an entry without a dot is a 3-character category and
matches itself and its children; an entry with a dot matches that subcategory and its children. A prefix
that would catch a neighbouring category ("E0" reading E08 diabetes as thyroid disease) is refused.
"""

from fascia.techniques.facts import Level, Rule
from fascia.techniques.regions import ARMS, LEGS

DEEP_WORK = ("deep", "vigorous")  # firm or deep pressure adds "deep" to any technique

# Venous thrombosis: I80 phlebitis and thrombophlebitis; I82.4 acute and I82.5 chronic deep veins of the lower
# extremity; I82.6 acute, upper extremity (I82.62 deep); acute axillary I82.A1, subclavian I82.B1, internal
# jugular I82.C1; deep phlebothrombosis in pregnancy O22.3 and the puerperium O87.1.
DVT_CODES = ("I80", "I82.4", "I82.5", "I82.6", "I82.A1", "I82.B1", "I82.C1", "O22.3", "O87.1")
# The limb each affects (narrowed to the side the code names). I80.8 other sites and I80.9 unspecified are
# not here: the whole body is then the affected region.
DVT_SITES = (
    ("I80.0", LEGS),
    ("I80.1", LEGS),
    ("I80.2", LEGS),
    ("I80.3", LEGS),
    ("I82.42", (*LEGS, "pelvis")),  # iliac vein
    ("I82.52", (*LEGS, "pelvis")),
    ("I82.4", LEGS),
    ("I82.5", LEGS),
    ("O22.3", LEGS),
    ("O87.1", LEGS),
    ("I82.6", ARMS),
    ("I82.A1", ARMS),
    ("I82.B1", ARMS),
    ("I82.C1", ("neck",)),
    ("calf_swelling", LEGS),  # the red flag: a possible DVT of either leg
)
PULMONARY_EMBOLISM = ("I26",)
# Malignant neoplasms, C00-C96, every category of the code set listed.
# fmt: off
MALIGNANT = (
    "C00", "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10", "C11", "C12", "C13", "C14", "C15",
    "C16", "C17", "C18", "C19", "C20", "C21", "C22", "C23", "C24", "C25", "C26", "C30", "C31", "C32", "C33", "C34",
    "C37", "C38", "C39", "C40", "C41", "C43", "C4A", "C44", "C45", "C46", "C47", "C48", "C49", "C50", "C51", "C52",
    "C53", "C54", "C55", "C56", "C57", "C58", "C60", "C61", "C62", "C63", "C64", "C65", "C66", "C67", "C68", "C69",
    "C70", "C71", "C72", "C73", "C74", "C75", "C7A", "C7B", "C76", "C77", "C78", "C79", "C80", "C81", "C82", "C83",
    "C84", "C85", "C86", "C88", "C90", "C91", "C92", "C93", "C94", "C95", "C96",
)
# fmt: on
CANCER_TREATMENT = ("Z51.0", "Z51.1")  # encounters for radiation therapy, chemotherapy and immunotherapy
BONE_METASTASES = ("C79.5", "C7B.03")
ANEURYSM = ("I71", "I72")
RHEUMATOID_ARTHRITIS = ("M05", "M06")
# Bleeding: disseminated intravascular coagulation, hemophilia A and B, the bleeding coagulation defects of
# D68 (not D68.5 and D68.6, thrombophilias: a clotting risk, read with the history of thrombosis below), every
# purpura and thrombocytopenia of D69 (D69.3 immune, D69.4- primary, D69.5- secondary, D69.6 unspecified),
# heparin-induced thrombocytopenia D75.82, pancytopenia D61.81.
BLEEDING_CODES = (
    *("D65", "D66", "D67", "D68.0", "D68.1", "D68.2", "D68.3", "D68.4", "D68.8", "D68.9"),
    *("D69", "D75.82", "D61.81"),
)
CLOTTING_HISTORY = ("Z86.718", "Z86.711", "D68.5", "D68.6")
THYROID = ("E00", "E01", "E02", "E03", "E04", "E05", "E06", "E07")  # not E08-E13, diabetes
HEART_FAILURE = ("I50", "I11.0", "I13.0", "I13.2")
VARICOSE_VEINS = ("I83", "O22.0")

RULES = [
    # --- venous thrombosis and embolism ---------------------------------------------------------------
    Rule(
        id="dvt-local",
        level=Level.ABSOLUTE,
        same_region=True,
        icd_codes=DVT_CODES,
        fact_regions=DVT_SITES,
        reason="Suspected or recent deep vein thrombosis: {fact}. No massage of the affected limb.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="possible-dvt-local",
        level=Level.ABSOLUTE,
        same_region=True,
        red_flags=("calf_swelling",),
        fact_regions=DVT_SITES,
        until_cleared=True,
        reason="Possible deep vein thrombosis ({fact}): no massage of the legs until a physician has ruled it out.",
        source="Wells et al., Lancet 1997; W&B",
    ),
    Rule(
        id="dvt-vigorous",
        level=Level.ABSOLUTE,
        icd_codes=DVT_CODES,
        red_flags=("calf_swelling",),
        tags=DEEP_WORK,
        until_cleared=True,
        reason="Deep vein thrombosis, known or suspected: {fact}. No deep or vigorous work anywhere until cleared "
        "by the physician.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="dvt-mld",
        level=Level.ABSOLUTE,
        icd_codes=DVT_CODES,
        red_flags=("calf_swelling",),
        tags=("lymphatic",),
        until_cleared=True,
        reason="Deep vein thrombosis, known or suspected: {fact}. No lymphatic drainage anywhere: it could move "
        "the clot.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="pulmonary-embolism",
        level=Level.ABSOLUTE,
        icd_codes=PULMONARY_EMBOLISM,
        red_flags=("chest_symptoms",),
        until_cleared=True,
        reason="Pulmonary embolism or its warning signs: {fact}. No massage until cleared by the physician.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="dvt-history",
        level=Level.CAUTION,
        icd_codes=CLOTTING_HISTORY,
        tags=DEEP_WORK,
        regions=LEGS,
        reason="History of venous thrombosis or a clotting disorder: {fact}. Check for calf swelling, warmth or "
        "redness; no deep work on the legs.",
        source="W&B",
    ),
    # --- fever and infection -------------------------------------------------------------------------
    Rule(
        id="fever",
        level=Level.ABSOLUTE,
        symptoms=("fever",),
        reason="Fever today: no treatment.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="acute-infection",
        level=Level.ABSOLUTE,
        symptoms=("acute-infection",),
        reason="Acute infection today: no treatment.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="fever-or-infection-diagnosis",
        level=Level.ABSOLUTE,
        icd_codes=("R50", "A40", "A41", "A46", "L02", "L03"),
        until_cleared=True,
        reason="Fever or acute infection on record: {fact}. No treatment until resolved or cleared.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="fever-red-flag",
        level=Level.ABSOLUTE,
        red_flags=("fever",),
        until_cleared=True,
        reason="Red flag: {fact}. No treatment until a referral or clearance is recorded.",
        source="Chou et al., Ann Intern Med 2007; W&B",
    ),
    # --- red flags for serious disease ---------------------------------------------------------------
    Rule(
        id="cauda-equina",
        level=Level.ABSOLUTE,
        icd_codes=("G83.4",),
        red_flags=("saddle_numbness", "bladder_bowel"),
        until_cleared=True,
        reason="Possible cauda equina syndrome ({fact}): no treatment; refer urgently, and wait for the "
        "referral's answer or a clearance.",
        source="Chou et al., Ann Intern Med 2007",
    ),
    Rule(
        id="red-flag",
        level=Level.CAUTION,
        red_flags=("weight_loss", "night_pain", "progressive_weakness", "cancer_history", "major_trauma"),
        reason="Red flag: {fact}. Consider a referral to rule out serious disease before treating, and record it.",
        source="Chou et al., Ann Intern Med 2007",
    ),
    # --- bleeding ------------------------------------------------------------------------------------
    Rule(
        id="anticoagulant",
        level=Level.CAUTION,
        medication_flags=("anticoagulant",),
        tags=DEEP_WORK,
        reason="Anticoagulant therapy ({fact}): bruising risk. No deep or forceful pressure; light work is allowed.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="antiplatelet",
        level=Level.CAUTION,
        medication_flags=("antiplatelet",),
        tags=DEEP_WORK,
        reason="Antiplatelet therapy ({fact}): bruising risk. No deep or forceful pressure; light work is allowed.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="medication-unclassified",
        level=Level.CAUTION,
        unclassified_medication=True,
        tags=DEEP_WORK,
        reason="Medication not recognized: {fact}. Ask whether it is an anticoagulant or antiplatelet; until "
        "then, no deep or forceful pressure.",
        source="WHO ATC classification; REFERENCE.md §8",
    ),
    Rule(
        id="bleeding-disorder",
        level=Level.CAUTION,
        icd_codes=BLEEDING_CODES,
        tags=DEEP_WORK,
        reason="Bleeding disorder or low platelets: {fact}. Light work only.",
        source="W&B; REFERENCE.md §8",
    ),
    # --- surgery, wounds and injuries ----------------------------------------------------------------
    Rule(
        id="recent-surgery",
        level=Level.LOCAL,
        surgery_within_days=42,
        same_region=True,
        reason="Recent surgery: {fact}. No pressure over the surgical area for about six weeks.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="recent-leg-surgery",
        level=Level.CAUTION,
        surgery_within_days=42,
        surgery_regions=(*LEGS, "pelvis"),
        same_limb=True,
        same_region=True,
        tags=DEEP_WORK,
        reason="Surgery on this leg: {fact}. A clot is more likely for weeks after lower-limb surgery: no deep "
        "work on the leg, and check for calf swelling, warmth or redness.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="local-finding",
        level=Level.LOCAL,
        local_findings=("open-wound", "sutures", "bruise", "rash", "burn"),
        same_region=True,
        reason="Today: {fact}. No work on that region.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="healing-injury",
        level=Level.LOCAL,
        injuries=("fracture", "contusion"),
        same_region=True,
        reason="Healing injury: {fact}. No work on the injured region until it has healed (a sequela code says so).",
        source="W&B; REFERENCE.md §8; ICD-10-CM chapter 19",
    ),
    # A sprain (whiplash among them) is what medical massage treats: gentle work on the region, not deep work.
    Rule(
        id="healing-sprain",
        level=Level.CAUTION,
        injuries=("sprain",),
        tags=("deep", "vigorous"),
        same_region=True,
        reason="Healing sprain: {fact}. Gentle work on the region; no deep or forceful work while it heals.",
        source="W&B; ICD-10-CM chapter 19",
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
    # --- cancer and aneurysm -------------------------------------------------------------------------
    Rule(
        # Every technique: the source asks for medical approval before any work, and gentle work only.
        id="cancer",
        level=Level.CAUTION,
        icd_codes=MALIGNANT + CANCER_TREATMENT,
        reason="Active cancer or treatment ({fact}): gentle work only, with medical approval; never over tumours, "
        "radiation fields or bone metastases.",
        source="W&B; NCCIH; REFERENCE.md §8",
    ),
    Rule(
        id="bone-metastases",
        level=Level.ABSOLUTE,
        icd_codes=BONE_METASTASES,
        tags=("deep", "vigorous", "myofascial"),
        reason="Bone metastases ({fact}): no deep pressure; the bone may break.",
        source="W&B; NCCIH; REFERENCE.md §8",
    ),
    Rule(
        id="cancer-mld",
        level=Level.ABSOLUTE,
        icd_codes=MALIGNANT + CANCER_TREATMENT,
        tags=("lymphatic",),
        until_cleared=True,
        reason="Active malignancy ({fact}): no lymphatic drainage without the oncologist's written clearance.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="aneurysm-mfr",
        level=Level.ABSOLUTE,
        icd_codes=ANEURYSM,
        tags=("myofascial",),
        reason="Aneurysm ({fact}): no myofascial release.",
        source="REFERENCE.md §8",
    ),
    Rule(
        id="aneurysm-abdomen",
        level=Level.LOCAL,
        icd_codes=ANEURYSM,
        tags=DEEP_WORK,
        regions=("abdomen",),
        reason="Aneurysm ({fact}): no deep work over the abdomen.",
        source="W&B; REFERENCE.md §8",
    ),
    # --- lymphatic drainage --------------------------------------------------------------------------
    Rule(
        id="heart-failure-mld",
        level=Level.ABSOLUTE,
        icd_codes=HEART_FAILURE,
        tags=("lymphatic",),
        reason="Heart failure ({fact}): lymphatic drainage would load the heart with fluid.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="kidney-failure-mld",
        level=Level.ABSOLUTE,
        icd_codes=("N17",),
        tags=("lymphatic",),
        reason="Acute kidney failure ({fact}): lymphatic drainage contraindicated.",
        source="Földi",
    ),
    Rule(
        id="renal-insufficiency-mld",
        level=Level.CAUTION,
        icd_codes=("N18", "N19"),
        tags=("lymphatic",),
        reason="Chronic kidney disease ({fact}): lymphatic drainage with caution and physician approval.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="thyroid-mld",
        level=Level.CAUTION,
        icd_codes=THYROID,
        tags=("lymphatic",),
        regions=("neck",),
        reason="Thyroid disease ({fact}): no lymphatic drainage over the thyroid; leave the front of the neck out.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="asthma-mld",
        level=Level.CAUTION,
        icd_codes=("J45",),
        tags=("lymphatic",),
        reason="Asthma ({fact}): lymphatic drainage can trigger an attack; short sessions, inhaler at hand.",
        source="Földi; REFERENCE.md §8",
    ),
    Rule(
        id="hypotension-mld",
        level=Level.CAUTION,
        icd_codes=("I95",),
        tags=("lymphatic",),
        reason="Low blood pressure ({fact}): lymphatic drainage lowers it further; sit up slowly.",
        source="Földi; REFERENCE.md §8",
    ),
    # --- pregnancy -----------------------------------------------------------------------------------
    Rule(
        id="pregnancy-legs",
        level=Level.CAUTION,
        pregnant_from_week=0,
        tags=DEEP_WORK,
        regions=(*LEGS, "pelvis"),
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
    # --- bone, joints, veins -------------------------------------------------------------------------
    Rule(
        id="osteoporosis",
        level=Level.CAUTION,
        icd_codes=("M80", "M81"),
        tags=("deep", "vigorous", "myofascial"),
        reason="Osteoporosis ({fact}): reduce pressure; no forceful work over the spine and ribs.",
        source="REFERENCE.md §8",
    ),
    Rule(
        id="corticosteroid",
        level=Level.CAUTION,
        medication_flags=("corticosteroid",),
        icd_codes=("Z79.52",),
        tags=("deep", "vigorous", "myofascial"),
        reason="Long-term corticosteroids ({fact}): thin skin, fragile vessels and bone; reduce pressure.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="varicose-veins",
        level=Level.CAUTION,
        icd_codes=VARICOSE_VEINS,
        fact_regions=(("I83", LEGS), ("O22.0", LEGS)),
        same_region=True,
        tags=DEEP_WORK,
        reason="Varicose veins ({fact}): no deep work over them.",
        source="W&B; REFERENCE.md §8",
    ),
    Rule(
        id="rheumatoid-flare-mfr",
        level=Level.ABSOLUTE,
        icd_codes=RHEUMATOID_ARTHRITIS,
        state="rheumatoid-flare",
        tags=("myofascial",),
        reason="Rheumatoid arthritis in a flare ({fact}): no myofascial release until the flare settles.",
        source="REFERENCE.md §8",
    ),
    Rule(
        id="rheumatoid-mfr",
        level=Level.CAUTION,
        icd_codes=RHEUMATOID_ARTHRITIS,
        unless_state="rheumatoid-flare",
        tags=("myofascial",),
        reason="Rheumatoid arthritis ({fact}): myofascial release only between flares; ask about one today.",
        source="REFERENCE.md §8",
    ),
]
