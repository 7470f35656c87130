"""The arithmetic of outcome evidence, against hand-computed tables (fascia.analytics.stats)."""

import pytest

from fascia.analytics import stats

# (successes, n, low, high), z = 1.96. Worked by hand for 8/10:
#   p = 0.8, z² = 3.8416, z²/n = 0.38416, denominator 1 + z²/n = 1.38416
#   centre = (p + z²/2n) / denominator = (0.8 + 0.19208) / 1.38416 = 0.71673
#   half-width = z / denominator · √(p(1-p)/n + z²/4n²) = 1.96 / 1.38416 · √(0.016 + 0.009604)
#              = 1.41601 · 0.160012 = 0.22658
#   interval = 0.71673 ∓ 0.22658 = 0.49015 … 0.94331
# 5/10: p = 0.5, centre = (0.5 + 0.19208) / 1.38416 = 0.5 exactly (symmetric), half = 1.41601 · √(0.025 +
#   0.009604) = 1.41601 · 0.186021 = 0.26341 → 0.23659 … 0.76341
# 0/10: centre = 0.19208 / 1.38416 = 0.13877, half = 1.41601 · √0.009604 = 1.41601 · 0.098 = 0.13877 → 0 … 0.27754
# 10/10 mirrors 0/10: 0.72246 … 1. 1/1: centre (1 + 1.9208) / 4.8416 = 0.60327, half = 1.96/4.8416 · √0.9604
#   = 0.40483 · 0.98 = 0.39673 → 0.20654 … 1.
# Newcombe 1998 (Statistics in Medicine 17:857, Table II, method 3) publishes 81/263 → 0.2553 … 0.3662,
#   15/148 → 0.0624 … 0.1605, 0/20 → 0 … 0.1611 and 1/29 → 0.0061 … 0.1718.
WILSON = [
    (8, 10, 0.49015, 0.94331),
    (5, 10, 0.23659, 0.76341),
    (0, 10, 0.0, 0.27754),
    (10, 10, 0.72246, 1.0),
    (1, 1, 0.20654, 1.0),
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("successes", "n", "low", "high"), WILSON)
def test_wilson_interval_matches_the_hand_computed_table(successes: int, n: int, low: float, high: float) -> None:
    got = stats.wilson_interval(successes, n)
    assert got is not None
    assert got[0] == pytest.approx(low, abs=5e-5) and got[1] == pytest.approx(high, abs=5e-5)


def test_no_episodes_give_no_interval_rather_than_a_division_by_zero() -> None:
    assert stats.wilson_interval(0, 0) is None


@pytest.mark.parametrize(("successes", "n"), [(11, 10), (-1, 10), (0, -1)])
def test_an_impossible_proportion_is_refused(successes: int, n: int) -> None:
    with pytest.raises(ValueError, match="not a proportion"):
        stats.wilson_interval(successes, n)


@pytest.mark.parametrize(
    ("values", "middle"),
    [
        ([], None),
        ([4.0], 4.0),
        ([3.0, 1.0], 2.0),  # mean of the two
        ([5.0, 1.0, 3.0], 3.0),  # sorted first: 1 3 5
        ([10.0, -2.0, 4.0, 6.0], 5.0),  # -2 4 6 10 → (4 + 6) / 2
    ],
)
def test_median(values: list[float], middle: float | None) -> None:
    assert stats.median(values) == middle


@pytest.mark.parametrize(("count", "ranks"), [(1, (1, 1)), (2, (1, 2)), (5, (3, 3)), (6, (3, 4))])
def test_middle_ranks_are_the_rows_a_database_keeps_for_the_median(count: int, ranks: tuple[int, int]) -> None:
    assert stats.middle_ranks(count) == ranks


@pytest.mark.parametrize(("n", "hidden"), [(0, True), (9, True), (10, False), (250, False)])
def test_cells_under_ten_episodes_are_suppressed(n: int, hidden: bool) -> None:
    assert stats.MIN_N == 10
    assert stats.suppressed(n) is hidden


def test_a_suppressed_cell_keeps_n_but_carries_no_rate() -> None:
    cell = stats.responders("Sciatica", 9, 9)
    assert (cell.n, cell.rate, cell.low, cell.high, cell.suppressed) == (9, None, None, None, True)


def test_a_shown_cell_carries_its_rate_and_interval() -> None:
    cell = stats.responders("Low back pain", 10, 8)
    assert cell.rate == 0.8 and not cell.suppressed
    assert (round(cell.low or 0, 4), round(cell.high or 0, 4)) == (0.4902, 0.9433)


@pytest.mark.parametrize(("minutes", "band"), [(0, 0), (119, 0), (120, 1), (299, 1), (300, 2), (5000, 2)])
def test_dose_bands(minutes: int, band: int) -> None:
    assert stats.dose_band(minutes, (0, 120, 300)) == band


def test_dose_band_labels() -> None:
    assert stats.band_labels((0, 120, 300)) == ["under 120 min", "120–299 min", "300+ min"]
