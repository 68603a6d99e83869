"""The bounds of contract.md "Limits": the domain's rules, and the HTTP schemas that show them,
accept exactly the same values."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from api import schemas
from domain.errors import InvalidInput
from domain.limits import (
    MAX_DATE,
    MAX_MONEY,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    MIN_DATE,
    check_date,
    check_delta,
    check_moment,
    check_money,
    check_name,
    check_text,
)

CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"]


def accepted(rule: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        rule(*args, **kwargs)
    except InvalidInput:
        return False
    return True


def schema_accepts(kind: Any, value: Any) -> bool:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


money = st.one_of(
    st.integers(),
    st.integers(min_value=MAX_MONEY - 3, max_value=MAX_MONEY + 3),
    st.integers(min_value=-3, max_value=3),
)


@given(money)
def test_money_is_whole_positive_and_at_most_the_ceiling_in_both_layers(amount: int) -> None:
    expected = 0 < amount <= MAX_MONEY
    assert accepted(check_money, amount, ("amount",)) is expected
    assert schema_accepts(schemas.Money, amount) is expected


@given(money)
def test_an_income_may_be_zero(amount: int) -> None:
    expected = 0 <= amount <= MAX_MONEY
    assert accepted(check_money, amount, ("income",), zero_allowed=True) is expected
    assert schema_accepts(schemas.Income, amount) is expected


@given(money)
def test_a_delta_is_non_zero_and_at_most_the_ceiling_either_way(delta: int) -> None:
    assert accepted(check_delta, delta, ("delta",)) is (delta != 0 and abs(delta) <= MAX_MONEY)
    # The schema bounds the size; zero is the domain's to refuse (JSON Schema says it as `not`).
    assert schema_accepts(schemas.Delta, delta) is (abs(delta) <= MAX_MONEY)


@given(st.dates())
def test_dates_are_inside_the_two_centuries_in_both_layers(day: date) -> None:
    expected = MIN_DATE <= day <= MAX_DATE
    assert accepted(check_date, day, ("on",)) is expected
    assert schema_accepts(schemas.Day, day) is expected


offsets = st.timedeltas(-timedelta(hours=14), timedelta(hours=14)).map(timezone)


@given(st.datetimes(timezones=offsets))
def test_a_moment_is_in_those_years_in_its_own_zone_and_in_utc(moment: datetime) -> None:
    offset = moment.utcoffset()
    assert offset is not None
    expected = (
        MIN_DATE.year <= moment.year <= MAX_DATE.year
        # Only computed inside those years, where the arithmetic cannot leave the calendar.
        and MIN_DATE.year <= (moment.replace(tzinfo=None) - offset).year <= MAX_DATE.year
    )
    assert accepted(check_moment, moment, ("known_at",)) is expected


def test_a_moment_whose_utc_time_leaves_the_years_is_refused() -> None:
    east, west = timezone(timedelta(hours=14)), timezone(-timedelta(hours=14))
    assert not accepted(check_moment, datetime(2100, 12, 31, 23, tzinfo=west), ("known_at",))
    assert accepted(check_moment, datetime(2100, 12, 31, 23, tzinfo=east), ("known_at",))
    assert not accepted(check_moment, datetime(1900, 1, 1, 1, tzinfo=east), ("known_at",))
    assert not accepted(check_moment, datetime(9999, 12, 31, 23, tzinfo=west), ("known_at",))
    assert not accepted(check_moment, datetime(2024, 1, 1), ("known_at",))


@given(st.text(max_size=MAX_NAME_LENGTH + 5))
def test_a_name_has_no_control_characters_and_at_most_200_of_any_others(name: str) -> None:
    expected = len(name) <= MAX_NAME_LENGTH and not any(c in CONTROL for c in name)
    assert accepted(check_name, name, ("name",)) is expected
    assert schema_accepts(schemas.Name, name) is (expected and len(name) >= 1)


@given(st.text(alphabet=st.sampled_from(["a", "ạ", " ", *CONTROL]), max_size=40))
def test_free_text_refuses_every_control_character(text: str) -> None:
    expected = not any(c in CONTROL for c in text)
    assert accepted(check_text, text, ("reason",)) is expected
    assert schema_accepts(schemas.Text, text) is expected


@pytest.mark.parametrize("length", [MAX_TEXT_LENGTH, MAX_TEXT_LENGTH + 1])
def test_free_text_is_at_most_2000_characters(length: int) -> None:
    expected = length <= MAX_TEXT_LENGTH
    assert accepted(check_text, "đ" * length, ("reason",)) is expected
    assert schema_accepts(schemas.Text, "đ" * length) is expected
