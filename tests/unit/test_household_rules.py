"""The household aggregate checks its own rules before it records a fact (no application needed)."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, NotEligible, NotFound, RuleViolation
from domain.household import FactContext, Household
from domain.members import MemberDetails
from domain.records import SupportGiven
from domain.supports import support_type
from domain.units import AdminUnit

CONTEXT = FactContext(actor="canbo", reason="kiểm tra")
REGISTERED_ON = date(2021, 9, 1)
TODAY = date(2026, 6, 1)
COMMUNE = AdminUnit("05431", "Phường Phan Đình Phùng", "commune", "ward", "164", "urban")
HEAD = MemberDetails("Nguyễn Văn A", date(1980, 1, 1), "male", "01", "head")
CHILD = MemberDetails("Nguyễn Thị B", date(2010, 5, 5), "female", "01", "child")


def registered(*members: MemberDetails) -> Household:
    household = Household.register(
        uuid4(),
        code="TN-1",
        commune=COMMUNE,
        commune_code=COMMUNE.code,
        village="Tổ 1",
        area=None,
        registered_on=REGISTERED_ON,
        members=list(members or (HEAD,)),
        context=CONTEXT,
        today=TODAY,
    )
    household.collect_events()
    return household


def refused(household: Household, record: object, error: type[DomainError], message: str) -> None:
    """The command is refused with the message, and nothing is recorded."""
    assert callable(record)
    with pytest.raises(error) as caught:
        record()
    assert message in caught.value.detail
    assert not household.pending_events


def test_registration_takes_the_communes_area_and_gives_each_member_an_id() -> None:
    household = registered(HEAD, CHILD)
    assert household.area == "urban" and not household.area_overridden
    assert len({m.member_id for m in household.members.values()}) == 2


def test_a_registration_without_exactly_one_head_is_refused() -> None:
    with pytest.raises(RuleViolation, match="exactly one member must have relation 'head'"):
        registered(CHILD)


@given(days=st.integers(min_value=1, max_value=3000))
def test_no_member_joins_before_the_household_was_registered(days: int) -> None:
    household = registered()
    joined_on = REGISTERED_ON - timedelta(days=days)
    refused(
        household,
        lambda: household.add_member("m2", CHILD, joined_on, CONTEXT),
        RuleViolation,
        "a member cannot join before the household was registered",
    )


def test_a_second_head_cannot_join_while_the_first_is_there() -> None:
    household = registered()
    refused(
        household,
        lambda: household.add_member("m2", HEAD, date(2022, 1, 1), CONTEXT),
        RuleViolation,
        "the household already has a head on that date",
    )


def test_a_member_leaves_once_and_not_before_joining() -> None:
    household = registered(HEAD, CHILD)
    child = next(m for m in household.members.values() if m.relation == "child")
    refused(
        household,
        lambda: household.record_departure(child.member_id, date(2021, 1, 1), CONTEXT),
        RuleViolation,
        "left_on is before the member joined (2021-09-01)",
    )
    household.record_departure(child.member_id, date(2023, 1, 1), CONTEXT)
    household.collect_events()
    refused(
        household,
        lambda: household.record_departure(child.member_id, date(2023, 2, 1), CONTEXT),
        RuleViolation,
        "the member already left on 2023-01-01",
    )
    refused(
        household,
        lambda: household.record_departure("nobody", date(2023, 2, 1), CONTEXT),
        NotFound,
        "no member nobody in this household",
    )


@given(days=st.integers(min_value=1, max_value=3000))
def test_no_recognition_is_decided_before_registration(days: int) -> None:
    household = registered()
    decided_on = REGISTERED_ON - timedelta(days=days)
    refused(
        household,
        lambda: household.record_recognition("r1", "poor", decided_on, "1/QĐ", CONTEXT),
        RuleViolation,
        "a recognition cannot be decided before that",
    )


def test_a_revoked_recognition_cannot_be_revoked_or_corrected_again() -> None:
    household = registered()
    household.record_recognition("r1", "poor", date(2021, 12, 1), " 1/QĐ ", CONTEXT)
    assert household.decision_numbers["r1"] == "1/QĐ"
    household.revoke_recognition("r1", date(2022, 1, 1), CONTEXT)
    household.collect_events()
    for record in (
        lambda: household.revoke_recognition("r1", date(2022, 2, 1), CONTEXT),
        lambda: household.correct_recognition("r1", date(2022, 2, 1), CONTEXT, status="near_poor"),
    ):
        refused(household, record, RuleViolation, "the recognition was already revoked")


def test_a_correction_keeps_what_it_does_not_name() -> None:
    household = registered()
    household.record_recognition("r1", "poor", date(2021, 12, 1), "1/QĐ", CONTEXT)
    household.correct_recognition("r1", date(2022, 1, 5), CONTEXT, decision_no="2/QĐ")
    (recognition,) = household.recognitions
    assert (recognition.status, recognition.decided_on) == ("poor", date(2021, 12, 1))
    assert household.decision_numbers["r1"] == "2/QĐ"


def test_a_support_is_refused_to_an_ineligible_household_and_to_an_absent_member() -> None:
    household = registered(HEAD, CHILD)
    insurance = support_type("health_insurance")
    given_on = SupportGiven(provided_on=date(2022, 3, 1), quantity=1.0, unit="thẻ")
    refused(
        household,
        lambda: household.record_support("s1", insurance, given_on, CONTEXT),
        NotEligible,
        "health_insurance is for",
    )
    household.record_recognition("r1", "poor", date(2021, 12, 1), "1/QĐ", CONTEXT)
    household.collect_events()
    refused(
        household,
        lambda: household.record_support(
            "s1", insurance, SupportGiven(provided_on=date(2022, 3, 1), member_id="x"), CONTEXT
        ),
        RuleViolation,
        "no member x in this household",
    )
    household.record_support("s1", insurance, given_on, CONTEXT)
    assert household.supports["s1"].programme_line == insurance.programme_line


def test_a_repeated_idempotency_key_records_nothing() -> None:
    household = registered()
    household.record_recognition("r1", "poor", date(2021, 12, 1), "1/QĐ", CONTEXT)
    insurance = support_type("health_insurance")
    given_on = SupportGiven(provided_on=date(2022, 3, 1), idempotency_key="k1")
    household.record_support("s1", insurance, given_on, CONTEXT)
    household.collect_events()
    household.record_support("s2", insurance, given_on, CONTEXT)
    assert not household.pending_events and "s2" not in household.supports


@given(days=st.integers(min_value=1, max_value=365))
def test_a_support_is_reversed_once_and_not_before_it_was_provided(days: int) -> None:
    household = registered()
    household.record_recognition("r1", "poor", date(2021, 12, 1), "1/QĐ", CONTEXT)
    provided_on = date(2022, 3, 1)
    household.record_support(
        "s1", support_type("health_insurance"), SupportGiven(provided_on=provided_on), CONTEXT
    )
    household.collect_events()
    refused(
        household,
        lambda: household.reverse_support("s1", provided_on - timedelta(days=days), CONTEXT),
        RuleViolation,
        "a support cannot be reversed before it was provided",
    )
    household.reverse_support("s1", provided_on + timedelta(days=days), CONTEXT)
    household.collect_events()
    refused(
        household,
        lambda: household.reverse_support("s1", provided_on + timedelta(days=days), CONTEXT),
        RuleViolation,
        "the support was already reversed on",
    )
