"""What a household command states is checked before the household is read: dates, codes, values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import household_inputs as inputs
from domain.errors import InvalidInput, RuleViolation
from domain.members import MemberDetails
from domain.records import FactContext, SupportGiven

TODAY = date(2026, 6, 1)
WHY = FactContext(actor="canbo", reason="sai sót")
HEAD = MemberDetails("Nguyễn Văn A", date(1980, 1, 1), "male", "01", "head")

DATED: dict[str, Callable[[date], object]] = {
    "left_on": lambda day: inputs.check_departure(day, TODAY),
    "joined_on": lambda day: inputs.check_joining(HEAD, day, TODAY),
    "surveyed_on": lambda day: inputs.checked_survey(day, "annual", 0, TODAY),
    "decided_on": lambda day: inputs.check_recognition("poor", day, "1/QĐ", TODAY),
    "revoked_on": lambda day: inputs.check_revocation(day, WHY, TODAY),
    "reversed_on": lambda day: inputs.check_reversal(day, WHY, TODAY),
    "provided_on": lambda day: inputs.checked_support(
        "health_insurance", SupportGiven(provided_on=day), TODAY
    ),
}


@pytest.mark.parametrize("field", sorted(DATED))
@given(days=st.integers(min_value=1, max_value=20_000))
def test_no_fact_is_dated_after_today(field: str, days: int) -> None:
    day = TODAY + timedelta(days=days)
    if day > date(2100, 12, 31):
        return  # beyond the bound every date has (domain.limits), refused with its own message
    with pytest.raises(InvalidInput) as caught:
        DATED[field](day)
    assert caught.value.detail == f"{day.isoformat()} is in the future"
    assert caught.value.errors[0].loc == (field,)


@pytest.mark.parametrize("field", sorted(DATED))
def test_today_is_not_in_the_future(field: str) -> None:
    DATED[field](TODAY)


def test_a_correction_revocation_or_reversal_needs_a_reason() -> None:
    silent = FactContext(actor="canbo")
    with pytest.raises(InvalidInput, match="a revocation needs a reason"):
        inputs.check_revocation(TODAY, silent, TODAY)
    with pytest.raises(InvalidInput, match="a reversal needs a reason"):
        inputs.check_reversal(TODAY, silent, TODAY)
    with pytest.raises(InvalidInput, match="a correction needs a reason"):
        inputs.check_member_correction({"name": "B"}, silent)
    with pytest.raises(InvalidInput, match="a correction needs a reason"):
        inputs.check_recognition_correction("poor", None, None, silent, TODAY)


@given(code=st.text(min_size=1, max_size=60))
def test_a_household_code_is_checked_before_anything_else(code: str) -> None:
    try:
        inputs.checked_registration(code, None, "00000", None, "", TODAY, [], TODAY)
    except InvalidInput as error:
        assert error.detail.startswith("code must be")
        assert inputs.HOUSEHOLD_CODE.match(code.strip()) is None
    except RuleViolation as error:
        # A valid code: the unknown commune is the next thing refused.
        assert error.detail == "unknown commune '00000'"
        assert inputs.HOUSEHOLD_CODE.match(code.strip()) is not None


def test_money_must_draw_on_an_allocation_and_an_allocation_states_its_amount() -> None:
    with pytest.raises(InvalidInput, match="money must draw on an allocation"):
        inputs.checked_support("housing", SupportGiven(provided_on=TODAY, amount=1_000_000), TODAY)
    with pytest.raises(InvalidInput, match="states its amount"):
        inputs.checked_support("housing", SupportGiven(provided_on=TODAY, allocation_id="a"), TODAY)
