"""Outcome trajectories with known responder rates, for `fascia seed` and the demo clinic (issue 28, "Truth").

Each seeded episode of care falls in a condition group (`fascia.analytics.groups.DEFAULT_GROUPS`, from its
diagnoses in rank order: the first that matches) and has a dominant technique (more than half of its signed
minutes). It responds — every follow-up of its outcome instrument improves on the baseline by at least the
instrument's MCID — with probability

    RESPONDER_RATE = GROUP_RATES[group] + TECHNIQUE_SHIFTS[technique]

drawn once per episode from the seed's random generator. A non-responder's follow-ups improve by less than the
MCID (and less than its percentage of the baseline, where the instrument's source gives one) or get worse:
never a clinically important change by `fascia.measures.scoring.change`. So an episode is a responder by any
follow-up the outcome pages take as its latest.

The dominant technique is drawn with TECHNIQUE_SHARES, whose shifts average zero over those shares: a condition
group's responder rate is its GROUP_RATES entry (exactly the mean of its episodes' rates, which the checks use,
since screening can refuse a technique to some patients), and a technique's rate is its shift above or below the
mean of the groups its episodes fall in.

No Django here but the instruments' scoring: plain Python, so `fascia seed --help` can state the table.
"""

import math
import random
from collections.abc import Iterable, Sequence
from typing import Any

from fascia.analytics.groups import DEFAULT_GROUPS, matches
from fascia.measures.scoring import change, instrument, score

OTHER = ""  # episodes whose diagnoses fall in no condition group

# The probability an episode of each condition group responds, before its technique's shift.
GROUP_RATES: dict[str, float] = {
    "Low back pain": 0.60,
    "Neck pain": 0.65,
    "Sciatica": 0.45,
    "Shoulder": 0.55,
    "Knee": 0.40,
    "Fibromyalgia": 0.30,
    "Post-surgical": 0.70,
    "Work and auto injuries": 0.50,
    OTHER: 0.50,
}
# The dominant technique of an episode (a catalog code), drawn with these shares...
TECHNIQUE_SHARES: dict[str, float] = {
    "myofascial-release": 0.30,
    "deep-tissue": 0.30,
    "trigger-point": 0.20,
    "swedish": 0.20,
}
# ... and its shift of the responder rate; weighted by the shares they average zero.
TECHNIQUE_SHIFTS: dict[str, float] = {
    "myofascial-release": 0.10,
    "deep-tissue": 0.0,
    "trigger-point": -0.05,
    "swedish": -0.10,
}
# The catalog's names for them (fascia.techniques.catalog), as the outcome pages label their rows.
TECHNIQUE_NAMES: dict[str, str] = {
    "myofascial-release": "Myofascial release",
    "deep-tissue": "Deep tissue massage",
    "trigger-point": "Trigger point therapy",
    "swedish": "Therapeutic (Swedish) massage",
}
# Extra diagnoses the seed codes with a scenario's first one: how the injury happened (ICD-10-CM chapter 20,
# never first-listed), so that work and auto injuries form a condition group.
EXTERNAL_CAUSES: dict[str, tuple[str, ...]] = {
    "S39.012D": ("Y99.0",),  # a lumbar strain lifting at work: civilian activity done for pay
    "S13.4XXD": ("V43.52XD",),  # whiplash: car driver injured in a collision, subsequent encounter
}

assert abs(sum(TECHNIQUE_SHARES[t] * TECHNIQUE_SHIFTS[t] for t in TECHNIQUE_SHARES)) < 1e-9
assert all(0.05 <= rate + shift <= 0.95 for rate in GROUP_RATES.values() for shift in TECHNIQUE_SHIFTS.values())


def responder_rate(group: str, technique: str) -> float:
    """The probability an episode of this condition group (OTHER for none) and dominant technique responds."""
    return GROUP_RATES[group] + TECHNIQUE_SHIFTS.get(technique, 0.0)


def condition_group(codes: Iterable[str]) -> str:
    """The condition group of the first diagnosis (in rank order) that falls in one; OTHER when none does."""
    for code in codes:
        for name, prefixes in DEFAULT_GROUPS:
            if matches(code, prefixes):
                return name
    return OTHER


def groups_of(codes: Iterable[str]) -> set[str]:
    """Every condition group one of the diagnoses falls in (as the outcome pages count an episode)."""
    return {name for code in codes for name, prefixes in DEFAULT_GROUPS if matches(code, prefixes)}


def parameters_text() -> str:
    """The table, as `fascia seed --help` states it."""
    groups = "; ".join(f"{name} {rate:.2f}" for name, rate in GROUP_RATES.items() if name)
    techniques = "; ".join(
        f"{TECHNIQUE_NAMES[code]} {TECHNIQUE_SHIFTS[code]:+.2f} (share {TECHNIQUE_SHARES[code]:.0%})"
        for code in TECHNIQUE_SHARES
    )
    return (
        "Outcome trajectories: each episode of care responds (every follow-up of its outcome instrument improves "
        "on the baseline by at least the MCID; a non-responder's never does) with probability: its condition "
        f"group's rate ({groups}; any other diagnosis {GROUP_RATES[OTHER]:.2f}) plus its dominant technique's "
        f"shift ({techniques}); the shifts average zero over the shares."
    )


def _moved(low: int, high: int, sign: int, answers: Sequence[int | None], steps: int, rng: random.Random) -> list:
    """`answers` with `steps` one-point moves (in the direction `sign`, against it when negative) on items
    drawn at random among those with room to move."""
    moved: list[Any] = list(answers)
    direction = sign if steps >= 0 else -sign
    for _ in range(abs(steps)):
        room = [i for i, a in enumerate(moved) if a is not None and low <= a + direction <= high]
        if not room:
            break
        moved[rng.choice(room)] += direction
    return moved


def follow_up(code: str, baseline: Sequence[int | None], responder: bool, rng: random.Random) -> list:
    """A follow-up of the instrument `code`, answered from `baseline`'s answers: a responder's improves by at
    least the MCID (by up to one more MCID on top), a non-responder's by less than any threshold
    `scoring.change` takes as important (or it gets worse, by up to half an MCID)."""
    inst = instrument(code)
    sign = 1 if inst.higher_is_better else -1
    before = score(code, list(baseline)).value
    one = _moved(inst.low, inst.high, sign, baseline, 1, rng)
    unit = abs(score(code, one).value - before) or 1.0  # the score's change per point on one item
    if responder:
        steps = math.ceil(inst.mcid / unit) + rng.randint(0, math.ceil(inst.mcid / unit))
    else:
        steps = rng.randint(-math.ceil(inst.mcid / 2 / unit), math.ceil(inst.mcid / unit))
    while True:
        answers = _moved(inst.low, inst.high, sign, baseline, steps, rng)
        found = change(code, before=before, after=score(code, answers).value)
        if responder and found.improvement < inst.mcid:
            steps += 1  # rounding, or an item out of room: one more point
        elif not responder and found.clinically_important:
            steps -= 1
        else:
            return answers
        if steps > 200:
            raise ValueError(f"No room on the {code} to improve by its MCID from {before:g}.")


def pain_after(baseline: int, responder: bool, rng: random.Random) -> int:
    """A visit's pain rating (NPRS, 0-10) before treatment, for an episode that started at `baseline` (4 to 8, as
    the seed's evaluations rate it): a responder's at least 2 points and 30 % lower, never 0 (the visit eases it
    further); a non-responder's within a point of the baseline (so less than either)."""
    if responder:
        drop = max(2, math.ceil(0.3 * baseline))
        return max(1, baseline - drop - rng.randint(0, 2))
    return min(10, max(0, baseline + rng.randint(-1, 1) if baseline >= 4 else baseline + rng.randint(0, 1)))
