"""Scores computed by hand from each instrument's published formula (sources in instruments.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fascia.measures import change, score
from fascia.measures.instruments import INSTRUMENTS

# (instrument, responses, expected value, expected band); each worked by hand below.
CASES = [
    # NPRS: the rating is the score. Bands 0 / 1-3 / 4-6 / 7-10.
    ("NPRS", [0], 0.0, "no pain"),
    ("NPRS", [3], 3.0, "mild"),
    ("NPRS", [4], 4.0, "moderate"),
    ("NPRS", [7], 7.0, "severe"),
    # ODI (Fairbank & Pynsent 2000): total / (5 x answered) x 100.
    # Their examples: 16 of 50 = 32%; 16 with one section unanswered = 16/45 = 35.6%.
    ("ODI", [2, 2, 2, 2, 2, 2, 1, 1, 1, 1], 32.0, "moderate disability"),
    ("ODI", [2, 2, 2, 2, 2, 2, 1, 1, 2, None], 35.6, "moderate disability"),
    ("ODI", [0] * 10, 0.0, "minimal disability"),
    ("ODI", [1] * 10, 20.0, "minimal disability"),  # 10/50, the top of the first band
    ("ODI", [5] * 10, 100.0, "bed-bound"),
    ("ODI", [3, 2, 1, 0, 2, 3, 1, 2, None, 1], 33.3, "moderate disability"),  # 15/45 = 33.33
    ("ODI", [3, 3, 3, 3, 3, 3, 3, 3, 3, 3], 60.0, "severe disability"),  # 30/50
    ("ODI", [4, 4, 4, 4, 4, 4, 4, 3, 3, 3], 74.0, "crippled"),  # 37/50
    # NDI (Vernon & Mior 1991): raw x 2; raw 4 = 8% none, raw 5 = 10% mild, raw 25 = 50% severe.
    ("NDI", [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], 8.0, "no disability"),
    ("NDI", [1, 1, 1, 1, 1, 0, 0, 0, 0, 0], 10.0, "mild disability"),
    ("NDI", [3, 3, 3, 3, 3, 2, 2, 2, 2, 2], 50.0, "severe disability"),
    ("NDI", [2, 2, 2, 2, 2, 2, 2, 2, 2, None], 40.0, "moderate disability"),  # 18/45 = 40%
    ("NDI", [4, 4, 4, 4, 4, 4, 3, 3, 3, 3], 72.0, "complete disability"),  # raw 36
    # LEFS (Binkley 1999): sum of 20 items 0-4.
    ("LEFS", [4] * 20, 80.0, None),
    ("LEFS", [2] * 10 + [3] * 10, 50.0, None),
    ("LEFS", [0] * 20, 0.0, None),
    # QuickDASH (Beaton 2005): (sum / answered - 1) x 25.
    ("QUICKDASH", [1] * 11, 0.0, None),
    ("QUICKDASH", [5] * 11, 100.0, None),
    ("QUICKDASH", [3] * 11, 50.0, None),
    ("QUICKDASH", [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2], 36.4, None),  # 27/11 = 2.4545 -> 36.36
    ("QUICKDASH", [2, 2, 2, 2, 2, 2, 2, 2, 3, 3, None], 30.0, None),  # 22/10 = 2.2 -> 30.0
    ("QUICKDASH", [2, 2, 2, 3, 3, 3, 3, 3, 3, 3, None], 42.5, None),  # 27/10 = 2.7 -> 42.5
    # PSFS (Stratford 1995): mean of 1 to 5 ratings.
    ("PSFS", [3, 5, 4], 4.0, None),
    ("PSFS", [7], 7.0, None),
    ("PSFS", [2, 3, 3, 4, 5], 3.4, None),
    ("PSFS", [1, 2], 1.5, None),
]


@pytest.mark.parametrize("code, responses, value, band", CASES)
def test_it_scores_by_the_published_rule(code: str, responses: list, value: float, band: str | None) -> None:
    result = score(code, responses)
    assert (result.value, result.band) == (value, band)


def test_it_rounds_half_up() -> None:
    # PSFS mean 9/4 = 2.25 exactly: a clinician writes 2.3 (Python's round() would give 2.2).
    assert score("PSFS", [1, 2, 3, 3]).value == 2.3


@pytest.mark.parametrize(
    "code, responses, message",
    [
        ("ODI", [1] * 9, "has 10 items, got 9"),
        ("ODI", [1] * 11, "has 10 items, got 11"),
        ("ODI", [1] * 8 + [None, None], "2 item(s) unanswered; at most 1 may be"),
        ("NDI", [None, None] + [1] * 8, "2 item(s) unanswered"),
        ("ODI", [6] + [1] * 9, "item 1: 6 is outside 0-5"),
        ("ODI", [-1] + [1] * 9, "outside 0-5"),
        ("ODI", [1.5] + [1] * 9, "not a whole number"),
        ("ODI", [True] + [1] * 9, "not a whole number"),
        ("NPRS", [11], "outside 0-10"),
        ("NPRS", [None], "1 item(s) unanswered; none may be"),
        ("LEFS", [4] * 19 + [None], "none may be"),
        ("QUICKDASH", [0] + [1] * 10, "outside 1-5"),
        ("QUICKDASH", [1] * 9 + [None, None], "2 item(s) unanswered; at most 1 may be"),
        ("PSFS", [], "takes 1 to 5 ratings, got 0"),
        ("PSFS", [5] * 6, "takes 1 to 5 ratings, got 6"),
        ("PSFS", [3, None], "none may be"),
        ("XYZ", [1], "Unknown instrument"),
        ("ODI", "1111111111", "must be a list"),
    ],
)
def test_bad_responses_raise_a_value_error_naming_the_problem(code: str, responses: list, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        score(code, responses)


def test_missing_items_at_the_limit_are_scored() -> None:
    assert score("ODI", [1] * 9 + [None]).answered == 9
    assert score("QUICKDASH", [1] * 10 + [None]).value == 0.0


def test_codes_are_case_insensitive() -> None:
    assert score("odi", [0] * 10).instrument == "ODI"


class TestChange:
    def test_the_issue_example(self) -> None:
        c = change("ODI", before=48.0, after=30.0)
        assert (c.delta, c.clinically_important) == (-18.0, True)

    @pytest.mark.parametrize(
        "code, before, after, important",
        [
            ("NPRS", 7, 5, True),  # 2 points (Ostelo 2008)
            ("NPRS", 7, 6, False),  # 1 point, 14%
            ("NPRS", 3, 2, True),  # 1 point but 33% of baseline (Ostelo 2008: 30%)
            ("NPRS", 5, 7, False),  # worse
            ("ODI", 40, 31, False),  # 9 points, 22.5%
            ("ODI", 40, 30, True),  # 10 points
            ("ODI", 20, 14, True),  # 6 points but 30%
            ("NDI", 40, 31, False),  # 9 percentage points
            ("NDI", 40, 30, True),  # 5 raw points
            ("LEFS", 40, 48, False),  # higher is better; 8 < 9
            ("LEFS", 40, 49, True),
            ("LEFS", 49, 40, False),
            ("QUICKDASH", 50, 37, False),
            ("QUICKDASH", 50, 36, True),
            ("PSFS", 3, 5, True),
            ("PSFS", 3, 4.5, False),
        ],
    )
    def test_clinically_important_improvement(self, code: str, before: float, after: float, important: bool) -> None:
        assert change(code, before=before, after=after).clinically_important is important

    def test_mdc_where_published(self) -> None:
        assert change("LEFS", before=30, after=39).beyond_mdc is True
        assert change("ODI", before=30, after=10).beyond_mdc is None

    def test_scores_out_of_range_are_refused(self) -> None:
        with pytest.raises(ValueError, match="after score 120 is outside 0-100"):
            change("ODI", before=40, after=120)


def _responses(code: str) -> st.SearchStrategy[list[int | None]]:
    inst = INSTRUMENTS[code]
    answer = st.integers(inst.low, inst.high)
    if inst.min_items is not None:
        return st.lists(answer, min_size=inst.min_items, max_size=inst.item_count)
    cell = st.one_of(answer, st.none()) if inst.max_missing else answer
    return st.lists(cell, min_size=inst.item_count, max_size=inst.item_count).filter(
        lambda rs: rs.count(None) <= inst.max_missing
    )


@given(st.sampled_from(sorted(INSTRUMENTS)).flatmap(lambda code: st.tuples(st.just(code), _responses(code))))
def test_every_score_is_within_the_instruments_range(case: tuple[str, list]) -> None:
    code, responses = case
    inst = INSTRUMENTS[code]
    assert inst.score_min <= score(code, responses).value <= inst.score_max


@given(st.sampled_from(sorted(INSTRUMENTS)).flatmap(lambda code: st.tuples(st.just(code), _responses(code))), st.data())
def test_a_worse_answer_never_improves_the_score(case: tuple[str, list], data: st.DataObject) -> None:
    code, responses = case
    inst = INSTRUMENTS[code]
    answered = [i for i, r in enumerate(responses) if r is not None]
    index = data.draw(st.sampled_from(answered))
    worse = list(responses)
    # For higher-is-better instruments a worse answer is a lower one, and vice versa.
    if inst.higher_is_better:
        worse[index] = data.draw(st.integers(inst.low, responses[index]))
    else:
        worse[index] = data.draw(st.integers(responses[index], inst.high))
    before, after = score(code, responses).value, score(code, worse).value
    assert (after <= before) if inst.higher_is_better else (after >= before)
