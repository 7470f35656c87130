"""The questionnaire timings, case by case (no database)."""

from datetime import date, timedelta

from fascia.measures.schedule import DEFAULT, Rule, Timing, due

START = date(2026, 3, 2)


def day(n: int) -> date:
    return START + timedelta(days=n)


def check(timings: list[Timing], *, visits: int = 0, answers: tuple = (), today: date | None = None, **status):
    """The plan's first `visits` visits fall on days 1, 2, 3 …; the coming one is `today` (the day after)."""
    dates = [day(k + 1) for k in range(visits)]
    return due(
        timings,
        plan_start=START,
        visits=dates,
        answers=list(answers),
        today=today or day(visits + 1),
        progress_due=status.get("progress", False),
        discharge_due=status.get("discharge", False),
    )


EVERY_4TH = [Timing(Rule.VISITS, 4)]


def test_every_nth_visit_calls_before_the_4th_and_the_8th_only() -> None:
    called = [n + 1 for n in range(12) if check(EVERY_4TH, visits=n)]
    assert called == [4, 8, 12]
    assert check(EVERY_4TH, visits=3).reasons == ("visit 4 (every 4th)",)


def test_an_answer_since_the_last_visit_meets_the_call() -> None:
    found = check(EVERY_4TH, visits=3, answers=(day(3) + timedelta(days=0), day(4)))
    assert found is not None and found.answered_on == day(4)


def test_an_answer_on_or_before_the_last_visit_does_not() -> None:
    found = check(EVERY_4TH, visits=3, answers=(day(2), day(3)))
    assert found is not None and found.answered_on is None


def test_an_answer_after_today_is_not_counted() -> None:
    found = check(EVERY_4TH, visits=3, answers=(day(9),), today=day(4))
    assert found is not None and found.answered_on is None


def test_every_n_days_counts_from_the_plan_start_then_from_the_last_answer() -> None:
    weekly = [Timing(Rule.DAYS, 7)]
    assert check(weekly, visits=0, today=day(6)) is None
    assert check(weekly, visits=0, today=day(7)).reasons == ("7 days since the plan started (every 7 days)",)
    # answered on day 5, before the visit of day 6: the next is due 7 days after day 5
    assert check(weekly, visits=6, answers=(day(5),), today=day(11)) is None
    assert check(weekly, visits=6, answers=(day(5),), today=day(12)).reasons == (
        "7 days since the last answer (every 7 days)",
    )


def test_every_n_days_answered_since_the_last_visit_is_met() -> None:
    found = check([Timing(Rule.DAYS, 7)], visits=8, answers=(day(9),), today=day(9))
    assert found is not None and found.answered_on == day(9)


def test_answers_before_the_plan_started_are_not_this_plans() -> None:
    found = check([Timing(Rule.DAYS, 7)], visits=0, answers=(START - timedelta(days=30),), today=day(7))
    assert found is not None and found.answered_on is None


def test_progress_and_discharge_follow_the_plans_status() -> None:
    at_progress, at_discharge = [Timing(Rule.PROGRESS)], [Timing(Rule.DISCHARGE)]
    assert check(at_progress, visits=5) is None
    assert check(at_progress, visits=9, progress=True).reasons == ("progress report or re-evaluation",)
    assert check(at_discharge, visits=9, progress=True) is None
    assert check(at_discharge, visits=11, discharge=True).reasons == ("discharge",)


def test_the_default_asks_every_4th_visit_and_at_discharge() -> None:
    default = [Timing(rule, every) for rule, every in DEFAULT]
    assert check(default, visits=2) is None
    assert check(default, visits=7, discharge=True).reasons == ("visit 8 (every 4th)", "discharge")
    assert check(default, visits=10, discharge=True).reasons == ("discharge",)


def test_ordinals() -> None:
    names = [check([Timing(Rule.VISITS, n)], visits=n - 1).reasons[0] for n in (1, 2, 3, 11, 21, 22)]
    assert names == [
        "visit 1 (every visit)",
        "visit 2 (every 2nd)",
        "visit 3 (every 3rd)",
        "visit 11 (every 11th)",
        "visit 21 (every 21st)",
        "visit 22 (every 22nd)",
    ]


def test_an_answer_between_the_timings_is_news_for_the_visit_all_the_same() -> None:
    found = check(EVERY_4TH, visits=4, answers=(day(5),))
    assert found is not None and (found.reasons, found.answered_on) == ((), day(5))
    assert check(EVERY_4TH, visits=4, answers=(day(4),)) is None


def test_the_evaluations_answer_on_the_plans_first_day_is_the_baseline_not_the_coming_visits() -> None:
    assert check([Timing(Rule.DAYS, 30)], visits=0, answers=(START,), today=day(20)) is None
    found = check([Timing(Rule.DAYS, 30)], visits=0, answers=(START, day(3)), today=day(20))
    assert found is not None and found.answered_on == day(3)
