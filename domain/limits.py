"""The bounds every input keeps (contract.md, "Limits"), stated once.

The rules here are what the domain enforces whatever the path (HTTP, command line, demo data);
the HTTP schemas import the same numbers so that OpenAPI shows them. Each ceiling is chosen so
that any value inside it fits every store and read model on SQLite and PostgreSQL: money well
inside a signed 64-bit integer even summed over millions of rows, dates inside the range every
query computes with (a day before, 36 months after).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime

from domain.errors import invalid

MAX_MONEY = 10**12
"""Whole VND: every amount, adjustment delta and income is at most 1,000,000,000,000."""
MAX_QUANTITY = 10**9
"""A support's quantity (kilograms, head of cattle, ...): positive, finite, at most this."""

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
MIN_YEAR = MIN_DATE.year
MAX_YEAR = MAX_DATE.year

MAX_NAME_LENGTH = 200
"""A person's or a place's name, a village, a model, a key: at most this many characters."""
MAX_TEXT_LENGTH = 2000
"""Free text (a reason): at most this many characters."""
MAX_DECISION_NO_LENGTH = 100
"""A decision's number, as the read models keep it."""
MAX_UNIT_LENGTH = 50
"""A quantity's unit (kg, con, m²), as the read models keep it."""
MAX_MEMBERS = 50
"""Members present in one household at once."""

MAX_LIMIT = 1000
MAX_OFFSET = 10**9

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
"""The same rule as a pattern, for JSON Schema."""

Location = Sequence[str | int]


def check_money(amount: int, loc: Location, *, zero_allowed: bool = False) -> None:
    """Whole VND, positive (or zero where zero means something), at most ``MAX_MONEY``."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise invalid(loc, "money is a whole number of VND")
    least = 0 if zero_allowed else 1
    if not least <= amount <= MAX_MONEY:
        raise invalid(loc, f"must be between {least} and {MAX_MONEY:,} VND")


def check_delta(delta: int, loc: Location) -> None:
    """An adjustment: a whole, non-zero number of VND of at most ``MAX_MONEY`` either way."""
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise invalid(loc, "money is a whole number of VND")
    if delta == 0:
        raise invalid(loc, "an adjustment changes the amount")
    if abs(delta) > MAX_MONEY:
        raise invalid(loc, f"an adjustment is at most {MAX_MONEY:,} VND either way")


def check_quantity(quantity: float, loc: Location) -> None:
    if not (math.isfinite(quantity) and 0 < quantity <= MAX_QUANTITY):
        raise invalid(loc, f"quantity must be positive and at most {MAX_QUANTITY:,}")


def check_date(day: date, loc: Location) -> None:
    if not MIN_DATE <= day <= MAX_DATE:
        raise invalid(loc, f"dates are between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}")


def check_year(year: int, loc: Location) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise invalid(loc, f"years are between {MIN_YEAR} and {MAX_YEAR}")


def check_moment(moment: datetime, loc: Location) -> None:
    """A timestamp with its time zone, in the years dates may take (in its own zone and in
    UTC, so that converting it can never leave the calendar)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise invalid(loc, "a timestamp needs a time zone")
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise invalid(loc, f"timestamps are in the years {MIN_YEAR} to {MAX_YEAR}")
    # Safe now: at most a day from a year inside the range.
    if not MIN_YEAR <= moment.astimezone(UTC).year <= MAX_YEAR:
        raise invalid(loc, f"timestamps are in the years {MIN_YEAR} to {MAX_YEAR}")


def check_text(value: str | None, loc: Location, max_length: int = MAX_TEXT_LENGTH) -> None:
    """No control characters, at most ``max_length`` characters."""
    if value is None:
        return
    if len(value) > max_length:
        raise invalid(loc, f"at most {max_length} characters")
    if CONTROL_CHARACTERS.search(value):
        raise invalid(loc, "control characters (U+0000-U+001F, U+007F) are not allowed")


def check_name(value: str | None, loc: Location) -> None:
    check_text(value, loc, MAX_NAME_LENGTH)


def check_member_count(count: int, loc: Location) -> None:
    if count > MAX_MEMBERS:
        raise invalid(loc, f"a household has at most {MAX_MEMBERS} members at once")
