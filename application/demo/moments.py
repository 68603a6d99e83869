"""When demo facts are handled and recorded: working days, office hours, short delays."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import accumulate

from application.demo.rates import RECORDED_BY

# Recording: the delay after the business date in days (relative weights), at office hours in
# Vietnam on a working day.
VIETNAM = timezone(timedelta(hours=7), "ICT")
_DELAYS = tuple(range(11))
_DELAY_CUMULATIVE = tuple(accumulate((30, 20, 13, 10, 7, 6, 4, 4, 2, 2, 2)))
_MORNING = (7 * 60 + 30, 11 * 60 + 30)  # minutes after midnight
_AFTERNOON = (13 * 60 + 30, 17 * 60)
_OFFICE_MINUTES = (_MORNING[1] - _MORNING[0]) + (_AFTERNOON[1] - _AFTERNOON[0])
BEFORE_ALL = datetime(2000, 1, 1, tzinfo=UTC)


# Recording times -------------------------------------------------------------------------------


def working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _office_moment(day: date, rng: random.Random, within: int = _OFFICE_MINUTES) -> datetime:
    """A moment in the first ``within`` minutes of office hours on the day, in Vietnam, as UTC."""
    minute = rng.randrange(within)
    morning = _MORNING[1] - _MORNING[0]
    clock = _MORNING[0] + minute if minute < morning else _AFTERNOON[0] + minute - morning
    local = datetime(
        day.year, day.month, day.day, clock // 60, clock % 60, rng.randrange(60), tzinfo=VIETNAM
    )
    return local.astimezone(UTC)


_RECORDED_BY_END = datetime(
    RECORDED_BY.year, RECORDED_BY.month, RECORDED_BY.day, 23, 59, tzinfo=VIETNAM
)


def next_moment(
    after: datetime, day: date, rng: random.Random, delay: int | None = None
) -> datetime:
    """When a fact of ``day`` is recorded: ``delay`` days later (drawn when not given), on a
    working day, at office hours, and after ``after`` (the history's previous fact)."""
    if delay is None:
        delay = rng.choices(_DELAYS, cum_weights=_DELAY_CUMULATIVE)[0]
    moment = _office_moment(working_day(day + timedelta(days=delay)), rng)
    if moment <= after:
        moment = after + timedelta(minutes=rng.randint(1, 9), seconds=rng.randrange(60))
        local = moment.astimezone(VIETNAM)
        if local.hour * 60 + local.minute >= _AFTERNOON[1]:  # past office hours: next morning
            moment = _office_moment(working_day(local.date() + timedelta(days=1)), rng, 30)
    if moment > _RECORDED_BY_END:
        raise AssertionError(f"demo generator: a fact of {day} recorded after {RECORDED_BY}")
    return moment


def mistyped(decision_no: str) -> str:
    """A decision number as a clerk might mistype it: its last two digits swapped."""
    number, _, rest = decision_no.partition("/")
    if len(number) >= 2 and number[-1] != number[-2]:
        typed = number[:-2] + number[-1] + number[-2]
    else:
        typed = str(int(number) + 10)
    return f"{typed}/{rest}"


def round_money(amount: float) -> int:
    """Up to whole millions of VND (tens of millions from a billion)."""
    step = 10_000_000 if amount >= 1_000_000_000 else 1_000_000
    return math.ceil(amount / step) * step
