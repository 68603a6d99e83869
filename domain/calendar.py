"""Calendar arithmetic with the Civil Code's month rule (art. 147-148)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone

# Business dates are Vietnamese dates (UTC+7, no daylight saving).
VIETNAM = timezone(timedelta(hours=7), "ICT")


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later; where that month is shorter, its last day."""
    month_index = start.year * 12 + (start.month - 1) + months
    year, month_zero = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month_zero + 1)[1]
    return date(year, month_zero + 1, min(start.day, last_day))


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on a date (a birthday counts on the day itself)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def date_in_vietnam(moment: datetime) -> date:
    return moment.astimezone(VIETNAM).date()
