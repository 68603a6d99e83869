"""Business 'today' is the date in Vietnam (UTC+7, no daylight saving)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from domain.calendar import VIETNAM

Today = Callable[[], date]


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM).date()
