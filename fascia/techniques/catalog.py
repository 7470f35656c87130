"""The technique catalog a clinic starts with (admins can add more).

Descriptions are Fascia's own words. CPT codes and whether they are timed: REFERENCE.md §2
(CMS physical medicine and rehabilitation codes; descriptors paraphrased, not quoted).
Tags drive contraindication screening: deep (sustained or deep pressure), vigorous (forceful or
fast work), lymphatic, myofascial, stretching.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogTechnique:
    code: str
    name: str
    description: str
    cpt_code: str
    timed: bool
    tags: tuple[str, ...]
    indications: str


TECHNIQUES = [
    CatalogTechnique(
        "deep-tissue",
        "Deep tissue massage",
        "Slow, firm strokes and sustained pressure into the deeper layers of muscle and fascia.",
        "97140",
        True,
        ("deep", "vigorous"),
        "Chronic muscle tension, low back and neck pain, postural strain",
    ),
    CatalogTechnique(
        "myofascial-release",
        "Myofascial release",
        "Sustained low-load stretch of restricted fascia until the tissue softens and lengthens.",
        "97140",
        True,
        ("myofascial", "deep"),
        "Fascial restriction, scarring, chronic pain, reduced range of motion",
    ),
    CatalogTechnique(
        "trigger-point",
        "Trigger point therapy",
        "Direct sustained pressure on hyperirritable spots in muscle to release them and their referred pain.",
        "97140",
        True,
        ("deep",),
        "Myofascial pain, tension headache, referred pain patterns",
    ),
    CatalogTechnique(
        "manual-lymphatic-drainage",
        "Manual lymphatic drainage",
        "Very light, rhythmic skin-stretching strokes that move lymph toward working nodes.",
        "97140",
        True,
        ("lymphatic",),
        "Lymphedema, post-surgical swelling, post-mastectomy care",
    ),
    CatalogTechnique(
        "neuromuscular",
        "Neuromuscular therapy",
        "Systematic static pressure and friction on specific muscles to balance tone and relieve nerve compression.",
        "97140",
        True,
        ("deep",),
        "Sciatica, piriformis syndrome, postural imbalance",
    ),
    CatalogTechnique(
        "swedish",
        "Therapeutic (Swedish) massage",
        "Gliding, kneading and rhythmic strokes to relax muscle, ease pain and improve circulation.",
        "97124",
        True,
        (),
        "General muscle pain, stress, fibromyalgia, chronic fatigue",
    ),
    CatalogTechnique(
        "iastm",
        "Instrument-assisted soft tissue mobilization",
        "Edged tools scraped along the skin to break up adhesions and stimulate tissue repair.",
        "97140",
        True,
        ("deep", "vigorous"),
        "Tendinopathy, plantar fasciitis, scar and adhesion",
    ),
    CatalogTechnique(
        "met-pnf",
        "Muscle energy / PNF stretching",
        "The patient contracts against gentle resistance, then the muscle is taken into a new stretch.",
        "97140",
        True,
        ("stretching",),
        "Reduced range of motion, joint stiffness, muscle imbalance",
    ),
    CatalogTechnique(
        "scar-mobilization",
        "Scar tissue mobilization",
        "Cross-fiber and circular work on a healed scar and its surroundings to restore glide.",
        "97140",
        True,
        ("deep",),
        "Healed surgical or injury scars with adhesion",
    ),
    CatalogTechnique(
        "neuromuscular-reeducation",
        "Neuromuscular re-education",
        "Guided movement and proprioceptive work to restore balance, coordination and posture.",
        "97112",
        True,
        (),
        "Balance and postural deficits after injury",
    ),
]
