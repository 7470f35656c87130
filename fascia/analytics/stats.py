"""The arithmetic of outcome evidence: responder rates with their Wilson score intervals, medians, and the
suppression of cells too small to show. No Django here: tested with tables of hand-computed cases.

Wilson score interval: E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
J Am Stat Assoc 1927;22:209-212; recommended over the simple (Wald) interval by R. G. Newcombe, "Two-sided
confidence intervals for the single proportion: comparison of seven methods", Statistics in Medicine
1998;17:857-872 (method 3). Unlike the Wald interval it stays inside 0..1 and does not collapse to a point at
0/n or n/n.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import sqrt

Z_95 = 1.96  # the 97.5th percentile of the standard normal (1.95996…), as rounded in Newcombe 1998
MIN_N = 10  # a cell of fewer episodes shows "too few episodes" and no rate


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval (low, high) of the proportion successes/n; None when n is 0 (no interval).

    centre = (p + z²/2n) / (1 + z²/n);  half-width = z / (1 + z²/n) · √(p(1-p)/n + z²/4n²)."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"{successes} successes of {n} is not a proportion.")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Rounding can put an end a hair outside 0..1 at 0/n and n/n; the interval never leaves it.
    return max(0.0, centre - half), min(1.0, centre + half)


def median(values: Iterable[float]) -> float | None:
    """The middle value, or the mean of the two middle ones; None for no values."""
    ordered = sorted(values)
    count = len(ordered)
    if count == 0:
        return None
    middle = count // 2
    return ordered[middle] if count % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def median_of_sorted_pair(values: Sequence[float]) -> float | None:
    """The median from the one or two middle values of a sorted list (what a database returns for a cell)."""
    if not values:
        return None
    return sum(values) / len(values)


def middle_ranks(count: int) -> tuple[int, int]:
    """The 1-based ranks of the middle value(s) of `count` sorted values: equal when count is odd."""
    return (count + 1) // 2, count // 2 + 1


def suppressed(n: int, min_n: int = MIN_N) -> bool:
    """Whether a cell of n episodes is too small to show a rate (re-identification and noise)."""
    return n < min_n


@dataclass(frozen=True)
class Responders:
    """The responder rate of one cell: n episodes, how many reached the MCID, the rate and its 95 % interval.
    A suppressed cell (n < MIN_N) carries no rate and no interval."""

    label: str
    n: int
    responders: int
    rate: float | None
    low: float | None
    high: float | None
    suppressed: bool


def responders(label: str, n: int, successes: int, *, min_n: int = MIN_N) -> Responders:
    """The responder summary of one cell (a condition group, a technique, a practitioner …)."""
    if suppressed(n, min_n) or n == 0:
        return Responders(label, n, successes, None, None, None, suppressed=True)
    interval = wilson_interval(successes, n)
    assert interval is not None  # n > 0
    return Responders(label, n, successes, successes / n, interval[0], interval[1], suppressed=False)


def dose_band(minutes: int, bands: Sequence[int]) -> int:
    """The index of the band `minutes` falls in, where bands are ascending lower limits starting at 0:
    (0, 120, 300) puts 119 in band 0, 120 in band 1 and 300 or more in band 2."""
    index = 0
    for i, lower in enumerate(bands):
        if minutes >= lower:
            index = i
    return index


def band_labels(bands: Sequence[int]) -> list[str]:
    """Labels of ascending dose bands in minutes: (0, 120, 300) → ["under 120 min", "120–299 min", "300+ min"]."""
    labels = []
    for i, lower in enumerate(bands):
        if i + 1 < len(bands):
            upper = bands[i + 1] - 1
            labels.append(f"under {bands[i + 1]} min" if lower == 0 else f"{lower}–{upper} min")
        else:
            labels.append(f"{lower}+ min")
    return labels
