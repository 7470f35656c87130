"""The condition groups a new clinic starts with (issue 28): each a name and the ICD-10-CM code prefixes whose
diagnoses fall in it. A clinic edits its own copy (analytics.ConditionGroup); this table only seeds it.

Codes from the ICD-10-CM FY2026 tabular list (the code set simple-icd-10-cm carries):
- M54.5 low back pain (M54.50, M54.51, M54.59); S33.5 sprain of ligaments of the lumbar spine.
- M54.2 cervicalgia; S13.4 sprain of ligaments of the cervical spine (whiplash).
- M54.3 sciatica; M54.4 lumbago with sciatica.
- M25.51 pain in shoulder; M75 shoulder lesions (adhesive capsulitis, rotator cuff, impingement).
- M25.56 pain in knee; M17 osteoarthritis of knee; M22 disorders of patella.
- M79.7 fibromyalgia.
- Z47 orthopedic aftercare; Z48 encounter for other postprocedural aftercare; Z96.6 orthopedic joint implants.
- V00-V99 transport accidents (external cause codes, auto collisions among them); Y99.0 civilian activity done
  for income or pay (a work injury).
An episode falls in every group one of its diagnoses matches, so whiplash from a collision coded S13.4 with
V43.52 counts under neck pain and under work and auto injuries."""

DEFAULT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Low back pain", ("M54.5", "S33.5")),
    ("Neck pain", ("M54.2", "S13.4")),
    ("Sciatica", ("M54.3", "M54.4")),
    ("Shoulder", ("M25.51", "M75")),
    ("Knee", ("M25.56", "M17", "M22")),
    ("Fibromyalgia", ("M79.7",)),
    ("Post-surgical", ("Z47", "Z48", "Z96.6")),
    ("Work and auto injuries", ("V", "Y99.0")),
)


def matches(code: str, prefixes: tuple[str, ...] | list[str]) -> bool:
    """Whether an ICD-10-CM code (with or without its dot) falls under one of the prefixes."""
    bare = code.replace(".", "").upper()
    return any(bare.startswith(prefix.replace(".", "").upper()) for prefix in prefixes)
