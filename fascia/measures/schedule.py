"""When a plan's questionnaire is due: plain Python, no Django.

A plan names instruments with timings (before every Nth visit, every N days, at a progress report or
re-evaluation, at discharge). For the coming visit (the one documented today) each timing either calls for
the instrument or not; an answer given after the last visit meets the call, so the clinician sees the score
instead of a reminder.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum


class Rule(Enum):
    VISITS = "visits"  # before every Nth visit of the plan
    DAYS = "days"  # every N days since the last answer (or the plan's start)
    PROGRESS = "progress"  # at a progress report or re-evaluation
    DISCHARGE = "discharge"  # at discharge


# A new plan's default for each goal's instrument: before every 4th visit, so a score is at hand for the
# progress report every 10 visits (two on the way) and a change of the MCID has had time to show, without
# asking a weekly patient for the same form every week; and at discharge, for the outcome itself.
DEFAULT_EVERY_VISITS = 4
DEFAULT = ((Rule.VISITS, DEFAULT_EVERY_VISITS), (Rule.DISCHARGE, None))


@dataclass(frozen=True)
class Timing:
    rule: Rule
    every: int | None = None  # N, for VISITS and DAYS


@dataclass(frozen=True)
class Due:
    reasons: tuple[str, ...]  # why the coming visit calls for it, one per timing that does (none: answered anyway)
    answered_on: date | None  # the answer given since the last visit, which meets the call


def due(
    timings: Sequence[Timing],
    *,
    plan_start: date,
    visits: Sequence[date],
    answers: Sequence[date],
    today: date,
    progress_due: bool,
    discharge_due: bool,
) -> Due | None:
    """Whether the coming visit calls for one instrument, and whether it is already answered.

    `visits` are the dates of the plan's visits so far (signed notes from its start), `answers` the dates the
    instrument was answered (any order); the coming visit is visit len(visits) + 1, on `today`.
    `progress_due` (a progress report or re-evaluation) and `discharge_due` are what the plan's status says of
    the coming visit. None when no timing calls for it and it was not answered since the last visit (an answer
    between timings, to a link sent by hand, is news for the visit too).
    """
    last_visit = max(visits, default=None)
    coming = len(visits) + 1
    # An answer after the last visit (before the first, after the plan's start: the evaluation's is the baseline)
    # is this visit's.
    since = [a for a in answers if (last_visit or plan_start) < a <= today]
    earlier = [a for a in answers if plan_start <= a <= (last_visit or plan_start) and a not in since]
    reasons = []
    for timing in timings:
        if timing.rule is Rule.VISITS and timing.every and coming % timing.every == 0:
            reasons.append(f"visit {coming} (every {_nth(timing.every)})")
        elif timing.rule is Rule.DAYS and timing.every:
            anchor = max(earlier, default=plan_start)
            days = (today - anchor).days
            if days >= timing.every:
                was = "the last answer" if earlier else "the plan started"
                reasons.append(f"{days} days since {was} (every {timing.every} days)")
        elif timing.rule is Rule.PROGRESS and progress_due:
            reasons.append("progress report or re-evaluation")
        elif timing.rule is Rule.DISCHARGE and discharge_due:
            reasons.append("discharge")
    answered_on = max(since, default=None)
    if not reasons and answered_on is None:
        return None
    return Due(reasons=tuple(reasons), answered_on=answered_on)


def _nth(n: int) -> str:
    if n == 1:
        return "visit"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
