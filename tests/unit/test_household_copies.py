"""Commands work on copies of cached households: a copy must not share anything mutable."""

from __future__ import annotations

from copy import deepcopy
from datetime import date
from uuid import uuid4

from domain.household import FactContext, Household
from domain.members import MemberDetails
from domain.records import SupportGiven
from domain.supports import support_type
from domain.units import AdminUnit

CONTEXT = FactContext(actor="caseworker")


def a_household() -> Household:
    household = Household.register(
        uuid4(),
        code="TN-1",
        commune=AdminUnit("05431", "Phường Phan Đình Phùng", "commune", "ward", "164", "urban"),
        commune_code="05431",
        village="Tổ 1",
        area=None,
        registered_on=date(2021, 9, 1),
        members=[MemberDetails("Nguyễn Văn A", date(1980, 1, 1), "male", "01", "head")],
        context=CONTEXT,
        today=date(2023, 6, 1),
    )
    household.record_recognition("r1", "poor", date(2021, 12, 1), "1/QĐ", CONTEXT)
    household.record_support(
        "s1",
        support_type("health_insurance"),
        SupportGiven(provided_on=date(2022, 3, 1), quantity=1.0, unit="card", idempotency_key="k1"),
        CONTEXT,
    )
    household.collect_events()
    return household


def head_of(household: Household) -> str:
    return next(iter(household.members))


def test_changes_to_a_copy_leave_the_original_as_it_was() -> None:
    original = a_household()
    copy = deepcopy(original)

    copy.record_departure(head_of(copy), date(2023, 1, 1), CONTEXT)
    copy.reverse_support("s1", date(2023, 1, 2), CONTEXT)
    copy.revoke_recognition("r1", date(2023, 1, 3), CONTEXT)

    assert original.members[head_of(original)].left_on is None
    assert original.supports["s1"].reversed_on is None
    assert [r.recognition_id for r in original.recognitions] == ["r1"]
    assert original.idempotency_keys == {"k1": "s1"}
    assert copy.members[head_of(copy)].left_on == date(2023, 1, 1)


def test_recorded_facts_that_never_change_are_shared_by_copies() -> None:
    original = a_household()
    copy = deepcopy(original)

    assert copy.supports["s1"] is original.supports["s1"]
    assert copy.recognitions[0] is original.recognitions[0]
    assert copy.members[head_of(copy)] is not original.members[head_of(original)]
