import pytest
from hypothesis import given
from hypothesis import strategies as st

from fascia.billing.units import (
    METHODS,
    TIMED_CODES,
    UNTIMED_CODES,
    NcciPair,
    bill_day,
    bill_units,
    units_for_minutes,
)

# Worked examples from the Medicare Claims Processing Manual, Pub. 100-04 ch. 5 §20.2
# (../shared/domain/REFERENCE.md §1). Where the manual leaves a tie to the clinician, the expected
# value is this module's documented choice: more total minutes first, then the lower code.
CMS_EXAMPLES = [
    ({"97112": 24, "97110": 23}, {"97112": 2, "97110": 1}),
    ({"97112": 20, "97110": 20}, {"97110": 2, "97112": 1}),  # tie: 97110 < 97112
    ({"97110": 33, "97140": 7}, {"97110": 2, "97140": 1}),
    ({"97110": 18, "97140": 13, "97116": 10, "97035": 8}, {"97110": 1, "97140": 1, "97116": 1}),
    ({"97110": 7, "97124": 7, "97140": 7}, {"97110": 1}),  # tie: the lowest code
    ({"97140": 7}, {}),
]

# CPT's midpoint rule applied to each code on its own (REFERENCE.md §1).
PER_CODE_EXAMPLES = [
    ({"97110": 33, "97140": 7}, {"97110": 2}),
    ({"97124": 8, "97140": 8}, {"97124": 1, "97140": 1}),
    ({"97140": 10, "97124": 10}, {"97140": 1, "97124": 1}),
    ({"97140": 7}, {}),
]

CODES = sorted(TIMED_CODES | UNTIMED_CODES)
VISITS = st.dictionaries(st.sampled_from(CODES), st.integers(min_value=0, max_value=150), max_size=8)


@pytest.mark.parametrize(("minutes", "expected"), CMS_EXAMPLES)
def test_cms_matches_the_manuals_worked_examples(minutes: dict[str, int], expected: dict[str, int]) -> None:
    assert bill_units(minutes, method="cms") == expected


@pytest.mark.parametrize(("minutes", "expected"), PER_CODE_EXAMPLES)
def test_per_code_bills_each_code_on_its_own(minutes: dict[str, int], expected: dict[str, int]) -> None:
    assert bill_units(minutes, method="per_code") == expected


def test_cms_never_bills_three_of_one_code_for_20_plus_20() -> None:
    for minutes in ({"97112": 20, "97110": 20}, {"97110": 20, "97112": 20}):
        assert sorted(bill_units(minutes, method="cms").values()) == [1, 2]


def test_cms_tie_break_does_not_depend_on_input_order() -> None:
    assert bill_units({"97140": 7, "97124": 7, "97110": 7}, method="cms") == {"97110": 1}
    assert bill_units({"97112": 20, "97110": 20}, method="cms") == {"97110": 2, "97112": 1}


def test_cms_tie_on_remainder_goes_to_the_code_with_more_minutes() -> None:
    # 35 + 20 = 55 minutes -> 4 units; full 15s give 2 + 1, both have 5 minutes left over.
    assert bill_units({"97110": 20, "97140": 35}, method="cms") == {"97110": 1, "97140": 3}


@pytest.mark.parametrize("method", METHODS)
def test_untimed_codes_bill_one_unit_and_their_minutes_do_not_count(method: str) -> None:
    # 15 + 7 would reach 2 units if the hot pack's minutes counted; 7 timed minutes bill nothing.
    assert bill_units({"97010": 15, "97140": 7}, method=method) == {"97010": 1}
    assert bill_units({"97010": 30, "97140": 8}, method=method) == {"97010": 1, "97140": 1}


@pytest.mark.parametrize("method", METHODS)
def test_an_untimed_code_listed_with_zero_minutes_is_billed(method: str) -> None:
    assert bill_units({"G0283": 0, "97161": 0}, method=method) == {"G0283": 1, "97161": 1}


@pytest.mark.parametrize("method", METHODS)
def test_codes_without_units_are_left_out_and_order_is_kept(method: str) -> None:
    result = bill_units({"97124": 30, "97140": 0, "97010": 5}, method=method)
    assert list(result.items()) == [("97124", 2), ("97010", 1)]


@pytest.mark.parametrize("method", METHODS)
def test_an_empty_visit_bills_nothing(method: str) -> None:
    assert bill_units({}, method=method) == {}


@pytest.mark.parametrize(
    ("minutes", "units"),
    [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (127, 8), (128, 9)],
)
def test_units_for_minutes_follows_the_cms_chart(minutes: int, units: int) -> None:
    assert units_for_minutes(minutes) == units


@pytest.mark.parametrize("minutes", [-1, 7.5, 8.0, "8", None, True])
def test_units_for_minutes_refuses_bad_minutes(minutes: object) -> None:
    with pytest.raises(ValueError, match="Minutes"):
        units_for_minutes(minutes)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ({"97140": -1}, "'97140' cannot be negative"),
        ({"97140": 7.5}, "'97140' must be a whole number"),
        ({"97140": "15"}, "'97140' must be a whole number"),
        ({"97010": True}, "'97010' must be a whole number"),
        ({"97140": 15, "99999": 10}, "Unknown code '99999'"),
        ({"g0283": 1}, "Unknown code 'g0283'"),
        ({97140: 15}, "Unknown code 97140"),
    ],
)
def test_it_refuses_bad_input_naming_the_code(method: str, minutes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bill_units(minutes, method=method)


@pytest.mark.parametrize("method", ["CMS", "medicare", ""])
def test_it_refuses_an_unknown_method(method: str) -> None:
    with pytest.raises(ValueError, match="Unknown billing method"):
        bill_units({"97140": 15}, method=method)


def test_timed_and_untimed_codes_do_not_overlap() -> None:
    assert not TIMED_CODES & UNTIMED_CODES


@given(VISITS)
def test_cms_bills_the_total_time_units_within_each_codes_bounds(visit: dict[str, int]) -> None:
    result = bill_units(visit, method="cms")
    timed = {code: minutes for code, minutes in visit.items() if code in TIMED_CODES}
    assert sum(result.get(code, 0) for code in timed) == units_for_minutes(sum(timed.values()))
    for code, minutes in timed.items():
        units = result.get(code, 0)
        assert minutes // 15 <= units <= minutes // 15 + 1
        if minutes == 0:
            assert code not in result
    for code in visit.keys() & UNTIMED_CODES:
        assert result[code] == 1
    assert 0 not in result.values()


@given(VISITS)
def test_cms_result_does_not_depend_on_input_order(visit: dict[str, int]) -> None:
    reversed_visit = dict(reversed(visit.items()))
    assert bill_units(reversed_visit, method="cms") == bill_units(visit, method="cms")


@given(VISITS)
def test_per_code_bills_each_timed_code_by_the_unit_chart(visit: dict[str, int]) -> None:
    result = bill_units(visit, method="per_code")
    for code, minutes in visit.items():
        expected = units_for_minutes(minutes) if code in TIMED_CODES else 1
        assert result.get(code, 0) == expected
    assert 0 not in result.values()


# --- one date of service: every note of the day pooled (REFERENCE.md §1-2, §5a) -----------------------

MASSAGE_PAIR = NcciPair("97140", "97124")  # CMS NCCI practitioner PTP edit, modifier indicator 1
LOCKED_PAIR = NcciPair("97140", "97124", modifier_allowed=False)  # as if its modifier indicator were 0

# (notes of the day, each a list of (code, region, minutes); pairs; method;
#  lines as (code, minutes, units, distinct); withheld as (code, region, minutes))
DAYS = [
    pytest.param(
        [[("97124", "neck", 10), ("97140", "lower-back", 10)], [("97124", "neck", 25), ("97140", "lower-back", 35)]],
        [MASSAGE_PAIR],
        "cms",
        [("97124", 35, 2, True), ("97140", 45, 3, False)],
        [],
        id="two notes, 35 + 45 = 80 minutes: 5 units by CMS (6 when each note was billed per code)",
    ),
    pytest.param(
        [[("97124", "neck", 10), ("97140", "lower-back", 10)], [("97124", "neck", 25), ("97140", "lower-back", 35)]],
        [MASSAGE_PAIR],
        "per_code",
        [("97124", 35, 2, True), ("97140", 45, 3, False)],
        [],
        id="two notes, the same day per code: 2 + 3, never 1 + 1 + 2 + 2",
    ),
    pytest.param(
        [[("97140", "lower-back", 20)], [("97124", "lower-back", 30)]],
        [MASSAGE_PAIR],
        "cms",
        [("97140", 20, 1, False)],
        [("97124", "lower-back", 30)],
        id="two notes, pair on one region: 97140 bills its own 20 minutes, 97124's 30 are withheld",
    ),
    pytest.param(
        [[("97140", "lower-back", 20)], [("97124", "lower-back", 30)]],
        [MASSAGE_PAIR],
        "per_code",
        [("97140", 20, 1, False)],
        [("97124", "lower-back", 30)],
        id="two notes, pair on one region, per code",
    ),
    pytest.param(
        [[("97140", "lower-back", 20)], [("97124", "lower-back", 10), ("97124", "neck", 15)]],
        [MASSAGE_PAIR],
        "cms",
        [("97124", 15, 1, True), ("97140", 20, 1, False)],
        [("97124", "lower-back", 10)],
        id="pair on one shared and one separate region: only the separate region's minutes bill, with the modifier",
    ),
    pytest.param(
        [[("97140", "lower-back", 20)], [("97124", "neck", 30)]],
        [LOCKED_PAIR],
        "per_code",
        [("97140", 20, 1, False)],
        [("97124", "neck", 30)],
        id="a pair no modifier may unbundle: withheld on separate regions too",
    ),
    pytest.param(
        [[("97140", "lower-back", 15)], [("97124", "lower-back", 15)]],
        [],
        "cms",
        [("97124", 15, 1, False), ("97140", 15, 1, False)],
        [],
        id="no NCCI pair on file: both codes bill their own minutes",
    ),
    pytest.param(
        [[("97140", "lower-back", 20)], [("97140", "lower-back", 13)], [("97124", "neck", 7)]],
        [MASSAGE_PAIR],
        "cms",
        [("97124", 7, 1, True), ("97140", 33, 2, False)],
        [],
        id="three notes, 33 + 7 minutes by CMS: 2 + 1 (the manual's 97110 33 + 97140 7)",
    ),
    pytest.param(
        [[("97140", "lower-back", 20)], [("97140", "lower-back", 13)], [("97124", "neck", 7)]],
        [MASSAGE_PAIR],
        "per_code",
        [("97140", 33, 2, False)],
        [],
        id="three notes, 33 + 7 minutes per code: 2 + 0",
    ),
    pytest.param(
        [[("97140", "lower-back", 7)], [("97124", "neck", 7)], [("97112", "neck", 7)]],
        [MASSAGE_PAIR],
        "cms",
        [("97112", 7, 1, False)],
        [],
        id="three notes of 7 minutes each by CMS: 21 minutes, one unit",
    ),
    pytest.param(
        [[("97140", "lower-back", 7)], [("97124", "neck", 7)], [("97112", "neck", 7)]],
        [MASSAGE_PAIR],
        "per_code",
        [],
        [],
        id="three notes of 7 minutes each per code: nothing",
    ),
    pytest.param(
        [
            [("97140", "lower-back", 20), ("97010", "lower-back", None)],
            [("97124", "lower-back", 25), ("97112", "neck", 25)],
        ],
        [MASSAGE_PAIR],
        "cms",
        [("97010", 0, 1, False), ("97112", 25, 2, False), ("97140", 20, 1, False)],
        [("97124", "lower-back", 25)],
        id="three codes and a hot pack: the withheld 25 minutes count toward no unit (45 timed minutes, 3 units)",
    ),
]


@pytest.mark.parametrize(("notes", "pairs", "method", "lines", "withheld"), DAYS)
def test_a_day_bills_one_line_per_code_from_its_own_minutes(
    notes: list[list[tuple[str, str, int | None]]],
    pairs: list[NcciPair],
    method: str,
    lines: list[tuple[str, int, int, bool]],
    withheld: list[tuple[str, str, int]],
) -> None:
    day = bill_day([row for note in notes for row in note], method=method, pairs=pairs)
    assert [(line.code, line.minutes, line.units, line.distinct) for line in day.lines] == lines
    assert [(w.code, w.region, w.minutes) for w in day.withheld] == withheld
    assert all("NCCI" in w.reason and w.reason.endswith("not billable.") for w in day.withheld)


def test_a_day_never_moves_one_codes_minutes_to_another() -> None:
    """97124's 30 minutes on the shared region are not added to 97140 (the old per-note rule billed 50)."""
    day = bill_day([("97140", "lower-back", 20), ("97124", "lower-back", 30)], method="cms", pairs=[MASSAGE_PAIR])
    assert [(line.code, line.minutes, line.units) for line in day.lines] == [("97140", 20, 1)]


def test_a_day_is_the_same_whatever_the_order_of_its_notes() -> None:
    rows = [("97140", "lower-back", 20), ("97124", "neck", 10), ("97112", "neck", 20), ("97140", "neck", 4)]
    for method in METHODS:
        assert bill_day(rows, method=method, pairs=[MASSAGE_PAIR]) == bill_day(
            list(reversed(rows)), method=method, pairs=[MASSAGE_PAIR]
        )


def test_a_day_refuses_bad_minutes() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        bill_day([("97140", "neck", -5)], method="cms")
    with pytest.raises(ValueError, match="Unknown code"):
        bill_day([("99999", "neck", 15)], method="cms")
