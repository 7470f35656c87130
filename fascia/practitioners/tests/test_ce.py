"""The CE arithmetic: renewal cycles and progress toward a requirement (plain Python, no database)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fascia.practitioners import ce
from fascia.practitioners.models import Credential
from fascia.practitioners.pdf import cycles_of, previous_cycle
from fascia.practitioners.queries import bar_step

WA = {"hands-on": Decimal(8), "ethics": Decimal(4), "health-equity": Decimal(2)}


def course(day: date, hours: str, category: str = "hands-on") -> ce.Course:
    return ce.Course(day, Decimal(hours), category)


class TestAddMonths:
    def test_it_keeps_the_day(self) -> None:
        assert ce.add_months(date(2026, 3, 15), 24) == date(2028, 3, 15)
        assert ce.add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)

    def test_it_clamps_to_the_end_of_a_shorter_month(self) -> None:
        assert ce.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
        assert ce.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # leap year
        assert ce.add_months(date(2026, 5, 31), -1) == date(2026, 4, 30)
        assert ce.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


class TestCycles:
    def test_with_an_expiry_the_cycle_ends_on_it(self) -> None:
        cycle = ce.current_cycle(
            issued_on=date(2020, 5, 1), expires_on=date(2027, 6, 30), cycle_months=24, today=date(2026, 11, 27)
        )
        assert cycle == ce.Cycle(date(2025, 7, 1), date(2027, 6, 30))

    def test_an_expiry_at_a_month_end_clamps(self) -> None:
        cycle = ce.current_cycle(
            issued_on=date(2020, 1, 1), expires_on=date(2028, 2, 29), cycle_months=24, today=date(2027, 1, 1)
        )
        assert cycle == ce.Cycle(date(2026, 3, 1), date(2028, 2, 29))

    def test_without_an_expiry_cycles_run_back_to_back_from_the_issue_date(self) -> None:
        def cycle_on(today: date) -> ce.Cycle:
            return ce.current_cycle(issued_on=date(2024, 1, 31), expires_on=None, cycle_months=12, today=today)

        assert cycle_on(date(2024, 6, 1)) == ce.Cycle(date(2024, 1, 31), date(2025, 1, 30))
        assert cycle_on(date(2025, 1, 30)) == ce.Cycle(date(2024, 1, 31), date(2025, 1, 30))  # last day
        assert cycle_on(date(2025, 1, 31)) == ce.Cycle(date(2025, 1, 31), date(2026, 1, 30))  # the next one
        assert cycle_on(date(2026, 3, 1)) == ce.Cycle(date(2026, 1, 31), date(2027, 1, 30))

    def test_a_month_end_issue_date_clamps_in_february(self) -> None:
        cycle = ce.current_cycle(issued_on=date(2026, 1, 31), expires_on=None, cycle_months=1, today=date(2026, 2, 10))
        assert cycle == ce.Cycle(date(2026, 1, 31), date(2026, 2, 27))

    def test_both_ends_are_inside(self) -> None:
        cycle = ce.Cycle(date(2025, 7, 1), date(2027, 6, 30))
        assert date(2025, 7, 1) in cycle and date(2027, 6, 30) in cycle
        assert date(2025, 6, 30) not in cycle and date(2027, 7, 1) not in cycle

    def test_a_cycle_is_at_least_a_month(self) -> None:
        with pytest.raises(ValueError):
            ce.current_cycle(issued_on=date(2026, 1, 1), expires_on=None, cycle_months=0, today=date(2026, 2, 1))


class TestProgress:
    CYCLE = ce.Cycle(date(2025, 7, 1), date(2027, 6, 30))
    TODAY = date(2026, 11, 27)

    def progress(self, courses: list[ce.Course], minimums: dict[str, Decimal] = WA) -> ce.Progress:
        return ce.progress(
            cycle=self.CYCLE, total_hours=Decimal(24), minimums=minimums, courses=courses, today=self.TODAY
        )

    def test_courses_on_the_first_and_last_day_count_and_a_day_outside_does_not(self) -> None:
        result = self.progress(
            [
                course(date(2025, 6, 30), "3"),  # the day before the cycle
                course(date(2025, 7, 1), "4"),  # first day
                course(date(2027, 6, 30), "2"),  # last day
                course(date(2027, 7, 1), "5"),  # the day after
            ]
        )
        assert result.counted == Decimal(6)
        assert result.by_category["hands-on"] == Decimal(6)

    def test_category_minimums_and_the_total(self) -> None:
        result = self.progress(
            [
                course(date(2026, 1, 10), "10"),
                course(date(2026, 2, 1), "3", "ethics"),
                course(date(2026, 3, 1), "2.5", "research"),
            ]
        )
        assert result.counted == Decimal("15.5")
        assert result.by_category == {"hands-on": Decimal(10), "ethics": Decimal(3), "health-equity": Decimal(0)}
        assert result.missing == {"ethics": Decimal(1), "health-equity": Decimal(2), "total": Decimal("8.5")}
        assert not result.complete
        assert result.percent == 64
        assert result.days_left == (self.CYCLE.ends - self.TODAY).days

    def test_meeting_every_minimum_and_the_total_completes_it(self) -> None:
        result = self.progress(
            [
                course(date(2026, 1, 10), "18"),
                course(date(2026, 2, 1), "4", "ethics"),
                course(date(2026, 3, 1), "2", "health-equity"),
            ]
        )
        assert result.complete and result.missing == {} and result.percent == 100

    def test_the_minimums_can_be_met_while_the_total_is_short(self) -> None:
        result = self.progress(
            [
                course(date(2026, 1, 10), "8"),
                course(date(2026, 2, 1), "4", "ethics"),
                course(date(2026, 3, 1), "2", "health-equity"),
            ]
        )
        assert result.missing == {"total": Decimal(10)}

    def test_more_hours_than_required_cap_the_percentage(self) -> None:
        result = self.progress([course(date(2026, 1, 10), "40")], minimums={})
        assert result.complete and result.percent == 100

    def test_a_course_of_no_hours_is_refused(self) -> None:
        with pytest.raises(ValueError):
            self.progress([course(date(2026, 1, 10), "0")])

    def test_nothing_required_is_complete(self) -> None:
        result = ce.progress(cycle=self.CYCLE, total_hours=Decimal(0), minimums={}, courses=[], today=self.TODAY)
        assert result.complete and result.percent == 100


class TestEarlierCycles:
    def test_with_an_expiry_they_end_the_day_before_the_next_starts(self) -> None:
        license = Credential(issued_on=date(2019, 7, 1), expires_on=date(2027, 6, 30))
        current = ce.Cycle(date(2025, 7, 1), date(2027, 6, 30))
        assert previous_cycle(license, current, 24) == ce.Cycle(date(2023, 7, 1), date(2025, 6, 30))
        assert cycles_of(license, current, 24, earliest=date(2023, 1, 5)) == [
            current,
            ce.Cycle(date(2023, 7, 1), date(2025, 6, 30)),
            ce.Cycle(date(2021, 7, 1), date(2023, 6, 30)),
        ]
        assert cycles_of(license, current, 24, earliest=None) == [current]

    def test_without_an_expiry_they_stop_at_the_issue_date(self) -> None:
        certificate = Credential(issued_on=date(2024, 1, 31), expires_on=None)
        current = ce.Cycle(date(2026, 1, 31), date(2027, 1, 30))
        assert cycles_of(certificate, current, 12, earliest=date(2020, 1, 1)) == [
            current,
            ce.Cycle(date(2025, 1, 31), date(2026, 1, 30)),
            ce.Cycle(date(2024, 1, 31), date(2025, 1, 30)),
        ]


@pytest.mark.parametrize(
    "percent, step",
    [(0, 0), (2, 0), (3, 5), (7, 5), (8, 10), (25, 25), (62, 60), (63, 65), (97, 95), (98, 100), (100, 100)],
)
def test_a_bar_width_is_the_nearest_5_percent_step(percent: int, step: int) -> None:
    assert bar_step(percent) == step


def test_the_days_left_count_down_to_the_cycle_end() -> None:
    cycle = ce.Cycle(date(2025, 7, 1), date(2027, 6, 30))
    today = date(2027, 6, 30) - timedelta(days=10)
    result = ce.progress(cycle=cycle, total_hours=Decimal(1), minimums={}, courses=[], today=today)
    assert result.days_left == 10
