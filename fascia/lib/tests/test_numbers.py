from decimal import Decimal

from fascia.lib.numbers import decimal, percent


def test_percent_shows_a_ratio_with_one_place() -> None:
    assert percent(0.25) == "25.0 %"
    assert percent(1 / 3) == "33.3 %"
    assert percent(0.0) == "0.0 %"


def test_a_rate_with_nothing_to_divide_by_is_a_dash() -> None:
    assert percent(None) == "—"
    assert decimal(None) == "—"


def test_decimal_rounds_and_groups_thousands() -> None:
    assert decimal(2.26) == "2.3"
    assert decimal(Decimal("1234.5"), 2) == "1,234.50"
    assert decimal(0.0) == "0.0"
