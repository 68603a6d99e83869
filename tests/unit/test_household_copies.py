"""Commands work on copies of cached households: a copy must not share anything mutable."""

from __future__ import annotations

from copy import deepcopy
from datetime import date
from uuid import uuid4

from domain.household import FactContext, Household

CONTEXT = FactContext(actor="caseworker")


def a_household() -> Household:
    household = Household.register(
        uuid4(),
        code="TN-1",
        commune_code="05431",
        village="Tổ 1",
        area="urban",
        area_overridden=False,
        registered_on=date(2021, 9, 1),
        members=[
            {
                "member_id": "m1",
                "name": "Nguyễn Văn A",
                "birth_date": date(1980, 1, 1),
                "sex": "male",
                "ethnicity": "01",
                "relation": "head",
                "joined_on": date(2021, 9, 1),
            }
        ],
        context=CONTEXT,
    )
    household.record_recognition("r1", "poor", date(2021, 12, 1), "1/QĐ", CONTEXT)
    household.record_support(
        {
            "support_id": "s1",
            "support_type": "housing",
            "programme_line": "HOUSING",
            "provided_on": date(2022, 3, 1),
            "member_id": None,
            "amount": None,
            "quantity": 1.0,
            "unit": "house",
            "allocation_id": None,
            "model": None,
            "certified": None,
            "idempotency_key": "k1",
        },
        CONTEXT,
    )
    household.collect_events()
    return household


def test_changes_to_a_copy_leave_the_original_as_it_was() -> None:
    original = a_household()
    copy = deepcopy(original)

    copy.record_departure("m1", date(2023, 1, 1), CONTEXT)
    copy.reverse_support("s1", date(2023, 1, 2), CONTEXT)
    copy.revoke_recognition("r1", date(2023, 1, 3), CONTEXT)

    assert original.members["m1"].left_on is None
    assert original.supports["s1"].reversed_on is None
    assert [r.recognition_id for r in original.recognitions] == ["r1"]
    assert original.idempotency_keys == {"k1": "s1"}
    assert copy.members["m1"].left_on == date(2023, 1, 1)


def test_recorded_facts_that_never_change_are_shared_by_copies() -> None:
    original = a_household()
    copy = deepcopy(original)

    assert copy.supports["s1"] is original.supports["s1"]
    assert copy.recognitions[0] is original.recognitions[0]
    assert copy.members["m1"] is not original.members["m1"]
