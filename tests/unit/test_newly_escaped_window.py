"""The 36-month "newly escaped poverty" rule (domain.md §4.2) and its month arithmetic."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import add_months
from domain.standards import Status
from domain.status import (
    NEWLY_ESCAPED_POVERTY_MONTHS,
    EscapeWindow,
    Recognition,
    escape_window_until,
    status_on,
    windows,
)

D = date.fromisoformat
ONE_DAY = timedelta(days=1)


def history(*rows: tuple[Status, str]) -> list[Recognition]:
    return [
        Recognition(f"r{i}", status, D(decided_on), sequence=i)
        for i, (status, decided_on) in enumerate(rows, start=1)
    ]


def newly_escaped(recognitions: list[Recognition], day: str) -> bool:
    return status_on(recognitions, D(day)).newly_escaped


# --- the examples of §4.2 -----------------------------------------------------------------------

WINDOW_EXAMPLES = [
    pytest.param("2022-12-15", "2025-12-15", id="same-day-exists"),
    pytest.param("2024-02-29", "2027-02-28", id="leap-day-to-28-february"),
    pytest.param("2023-08-31", "2026-08-31", id="31st-to-31st"),
]


def test_the_window_is_36_months() -> None:
    assert NEWLY_ESCAPED_POVERTY_MONTHS == 36


@pytest.mark.parametrize(("escaped_on", "last_day"), WINDOW_EXAMPLES)
def test_window_ends_36_calendar_months_after_the_escape(escaped_on: str, last_day: str) -> None:
    assert escape_window_until(D(escaped_on)) == D(last_day)
    assert add_months(D(escaped_on), 36) == D(last_day)


@pytest.mark.parametrize(("escaped_on", "last_day"), WINDOW_EXAMPLES)
def test_newly_escaped_from_the_escape_date_through_the_last_day_and_not_after(
    escaped_on: str, last_day: str
) -> None:
    recognitions = history(("poor", "2021-12-10"), ("none", escaped_on))
    r, end = D(escaped_on), D(last_day)
    assert status_on(recognitions, r - ONE_DAY).newly_escaped is False
    assert status_on(recognitions, r).newly_escaped is True
    assert status_on(recognitions, r + ONE_DAY).newly_escaped is True
    assert status_on(recognitions, end - ONE_DAY).newly_escaped is True
    assert status_on(recognitions, end).newly_escaped is True
    assert status_on(recognitions, end + ONE_DAY).newly_escaped is False
    for day in (r, end, end + ONE_DAY, end + timedelta(days=3650)):
        assert status_on(recognitions, day).newly_escaped_until == end


def test_newly_escaped_through_2025_12_15_not_on_2025_12_16() -> None:
    recognitions = history(("poor", "2022-01-10"), ("average", "2022-12-15"))
    assert newly_escaped(recognitions, "2025-12-15") is True
    assert newly_escaped(recognitions, "2025-12-16") is False


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2023-03-31", -1, "2023-02-28"),
        ("2023-05-31", 1, "2023-06-30"),
        ("2023-05-31", 36, "2026-05-31"),
        ("2021-02-28", 36, "2024-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2022-12-15", 1, "2023-01-15"),
        ("2023-01-15", -1, "2022-12-15"),
        ("2023-06-30", 0, "2023-06-30"),
    ],
)
def test_add_months_follows_the_civil_code(start: str, months: int, expected: str) -> None:
    assert add_months(D(start), months) == D(expected)


# --- what opens and closes a window -------------------------------------------------------------


@pytest.mark.parametrize("escaped_to", ["near_poor", "average", "none"])
def test_every_escape_from_poverty_opens_a_window(escaped_to: Status) -> None:
    recognitions = history(("poor", "2022-01-10"), (escaped_to, "2023-01-10"))
    assert windows(recognitions) == [EscapeWindow(D("2023-01-10"), D("2026-01-10"))]
    assert newly_escaped(recognitions, "2023-01-10") is True


@pytest.mark.parametrize("escaped_to", ["average", "none"])
def test_escaping_near_poverty_alone_opens_no_window(escaped_to: Status) -> None:
    recognitions = history(("near_poor", "2022-01-10"), (escaped_to, "2023-01-10"))
    assert windows(recognitions) == []
    result = status_on(recognitions, D("2023-06-01"))
    assert result.newly_escaped is False
    assert result.newly_escaped_until is None
    assert result.window is None


def test_escaping_near_poverty_after_escaping_poverty_keeps_the_first_window() -> None:
    recognitions = history(
        ("poor", "2022-01-10"), ("near_poor", "2022-12-15"), ("none", "2023-12-14")
    )
    assert windows(recognitions) == [EscapeWindow(D("2022-12-15"), D("2025-12-15"))]
    assert newly_escaped(recognitions, "2025-12-15") is True
    assert newly_escaped(recognitions, "2025-12-16") is False


@pytest.mark.parametrize("status", ["poor", "near_poor", "average", "none"])
def test_no_escape_from_poverty_means_never_newly_escaped(status: Status) -> None:
    recognitions = history((status, "2022-01-10"), (status, "2023-01-10"))
    assert windows(recognitions) == []
    assert newly_escaped(recognitions, "2023-06-01") is False


def test_poor_to_near_poor_is_near_poor_and_newly_escaped_during_the_window() -> None:
    recognitions = history(("poor", "2022-01-10"), ("near_poor", "2022-12-15"))
    inside = status_on(recognitions, D("2024-01-01"))
    assert (inside.status, inside.newly_escaped) == ("near_poor", True)
    after = status_on(recognitions, D("2025-12-16"))
    assert (after.status, after.newly_escaped) == ("near_poor", False)


def test_re_poverty_closes_the_window_from_its_decision_date() -> None:
    recognitions = history(("poor", "2022-01-10"), ("none", "2022-12-15"), ("poor", "2024-03-01"))
    assert windows(recognitions) == [
        EscapeWindow(D("2022-12-15"), D("2025-12-15"), closed_on=D("2024-03-01"))
    ]
    assert newly_escaped(recognitions, "2024-02-29") is True
    assert newly_escaped(recognitions, "2024-03-01") is False
    assert newly_escaped(recognitions, "2025-12-15") is False
    for day in ("2024-03-01", "2025-12-15", "2027-01-01"):
        # newly_escaped_until stays the window's nominal last day.
        assert status_on(recognitions, D(day)).newly_escaped_until == D("2025-12-15")


def test_re_poverty_on_the_escape_date_recorded_later_closes_the_window_at_once() -> None:
    recognitions = history(("poor", "2022-01-10"), ("none", "2022-12-15"), ("poor", "2022-12-15"))
    result = status_on(recognitions, D("2022-12-15"))
    assert (result.status, result.newly_escaped) == ("poor", False)
    assert result.newly_escaped_until == D("2025-12-15")


def test_backdated_re_poverty_closes_the_window_only_from_its_decision_date() -> None:
    recognitions = history(("poor", "2022-01-10"), ("none", "2022-12-15"))
    assert newly_escaped(recognitions, "2024-06-01") is True
    backdated = Recognition("late", "poor", D("2023-09-01"), sequence=50)
    recognitions = [*recognitions, backdated]
    assert newly_escaped(recognitions, "2023-08-31") is True
    assert newly_escaped(recognitions, "2023-09-01") is False
    assert newly_escaped(recognitions, "2024-06-01") is False


def test_a_later_escape_opens_a_new_window() -> None:
    recognitions = history(
        ("poor", "2022-01-10"),
        ("none", "2022-12-15"),
        ("poor", "2024-03-01"),
        ("near_poor", "2025-06-10"),
    )
    assert windows(recognitions) == [
        EscapeWindow(D("2022-12-15"), D("2025-12-15"), closed_on=D("2024-03-01")),
        EscapeWindow(D("2025-06-10"), D("2028-06-10")),
    ]
    assert newly_escaped(recognitions, "2025-06-09") is False
    assert newly_escaped(recognitions, "2025-06-10") is True
    # Beyond the first window's nominal end, inside the second.
    assert newly_escaped(recognitions, "2025-12-16") is True
    assert status_on(recognitions, D("2025-12-16")).newly_escaped_until == D("2028-06-10")
    assert newly_escaped(recognitions, "2028-06-10") is True
    assert newly_escaped(recognitions, "2028-06-11") is False
    # Before the second escape, the first (closed) window is the one reported.
    assert status_on(recognitions, D("2025-01-01")).newly_escaped_until == D("2025-12-15")


def test_nothing_happens_at_expiry_the_status_stays() -> None:
    recognitions = history(("poor", "2022-01-10"), ("average", "2022-12-15"))
    before, after = (status_on(recognitions, D(d)) for d in ("2025-12-15", "2025-12-16"))
    assert (before.status, before.status_since) == ("average", D("2022-12-15"))
    assert (after.status, after.status_since) == ("average", D("2022-12-15"))
    assert (before.newly_escaped, after.newly_escaped) == (True, False)


@pytest.mark.parametrize(
    ("day", "covered"),
    [
        ("2022-12-14", False),
        ("2022-12-15", True),
        ("2024-02-29", True),
        ("2024-03-01", False),
        ("2025-12-15", False),
    ],
)
def test_a_closed_window_covers_from_its_opening_to_the_day_before_it_closed(
    day: str, covered: bool
) -> None:
    window = EscapeWindow(D("2022-12-15"), D("2025-12-15"), closed_on=D("2024-03-01"))
    assert window.covers(D(day)) is covered


# --- properties ---------------------------------------------------------------------------------

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
month_counts = st.integers(-1200, 1200)


@given(start=dates, months=month_counts)
def test_add_months_never_moves_to_a_later_day_of_the_month(start: date, months: int) -> None:
    assert add_months(start, months).day <= start.day


@given(start=dates, months=month_counts)
def test_add_months_moves_exactly_that_many_months(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months


@given(start=dates, months=month_counts)
def test_add_months_keeps_the_day_when_the_month_has_it(start: date, months: int) -> None:
    result = add_months(start, months)
    if start.day <= calendar.monthrange(result.year, result.month)[1]:
        assert result.day == start.day


@given(start=dates, months=month_counts)
def test_add_months_clamps_to_the_last_day_of_the_month(start: date, months: int) -> None:
    result = add_months(start, months)
    if result.day < start.day:
        assert result.day == calendar.monthrange(result.year, result.month)[1]
        assert (result + ONE_DAY).month != result.month


@given(start=dates)
def test_add_zero_months_is_the_same_day(start: date) -> None:
    assert add_months(start, 0) == start


def civil_add_36_months(start: date) -> date:
    """Independent reading of the Civil Code rule for three years."""
    try:
        return start.replace(year=start.year + 3)
    except ValueError:  # 29 February into a common year
        return date(start.year + 3, 2, 28)


@st.composite
def single_escapes(draw: st.DrawFn) -> tuple[list[Recognition], date]:
    """poor, then one escape on R, then any number of later non-poor recognitions."""
    escaped_on = draw(st.dates(min_value=date(2016, 1, 1), max_value=date(2030, 12, 31)))
    poor_on = escaped_on - timedelta(days=draw(st.integers(0, 2000)))
    rows: list[tuple[Status, date]] = [
        ("poor", poor_on),
        (draw(st.sampled_from(("near_poor", "average", "none"))), escaped_on),
    ]
    for _ in range(draw(st.integers(0, 4))):
        later = escaped_on + timedelta(days=draw(st.integers(0, 2000)))
        rows.append((draw(st.sampled_from(("near_poor", "average", "none"))), later))
    recognitions = [
        Recognition(f"r{i}", status, decided_on, sequence=i)
        for i, (status, decided_on) in enumerate(rows)
    ]
    return recognitions, escaped_on


@given(case=single_escapes(), offset=st.integers(-2500, 1500))
def test_newly_escaped_exactly_from_r_through_r_plus_36_months(
    case: tuple[list[Recognition], date], offset: int
) -> None:
    recognitions, escaped_on = case
    end = civil_add_36_months(escaped_on)
    for day in (
        escaped_on - ONE_DAY,
        escaped_on,
        end,
        end + ONE_DAY,
        escaped_on + timedelta(days=offset),
    ):
        assert status_on(recognitions, day).newly_escaped == (escaped_on <= day <= end), day
