"""The rules a household's recorded facts impose on a new fact, checked before its event.

``Household``'s command methods call these first; each raises the domain error a user sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from domain.errors import NotFound, violated
from domain.limits import MAX_MEMBERS
from domain.members import Member, MemberDetails, check_born_by, check_member, not_in_future
from domain.records import Support
from domain.status import Recognition
from domain.supports import SupportType, check_eligible

if TYPE_CHECKING:
    from domain.household import Household


def check_joining(household: Household, details: MemberDetails, joined_on: date) -> None:
    if joined_on < household.registered_on:
        raise violated(
            ("joined_on",),
            "a member cannot join before the household was registered "
            f"({household.registered_on.isoformat()})",
        )
    if details.relation == "head" and head_present(household, joined_on, None):
        raise violated(("relation",), "the household already has a head on that date")
    present = sum(1 for m in household.members.values() if m.left_on is None)
    if present >= MAX_MEMBERS:
        raise violated(
            ("members",),
            f"the household already has {present} members; at most {MAX_MEMBERS} "
            "may be present at once (record a departure first)",
        )


def check_departure(household: Household, member_id: str, left_on: date) -> None:
    member = member_in_path(household, member_id)
    if member.left_on is not None:
        raise violated(("member_id",), f"the member already left on {member.left_on.isoformat()}")
    if left_on < member.joined_on:
        raise violated(
            ("left_on",),
            f"left_on is before the member joined ({member.joined_on.isoformat()})",
        )


def check_member_correction(
    household: Household, member_id: str, changes: Mapping[str, object], today: date
) -> None:
    member = member_in_path(household, member_id)
    corrected = MemberDetails(**{**vars(member.details()), **changes})
    check_member(corrected, ())
    if "birth_date" in changes:
        not_in_future(corrected.birth_date, today, ("birth_date",))
        check_born_by(corrected, member.joined_on, ("birth_date",))
    if (
        corrected.relation == "head"
        and member.relation != "head"
        and head_present(household, today, member.member_id)
    ):
        raise violated(("relation",), "the household already has a head")


def check_decided_after_registration(household: Household, decided_on: date) -> None:
    # Registers and indicators count a household from its registration: a decision about
    # it cannot come before it is in the review base.
    if decided_on < household.registered_on:
        raise violated(
            ("decided_on",),
            f"the household was registered on {household.registered_on.isoformat()}; "
            "a recognition cannot be decided before that",
        )


def recognition_in_path(household: Household, recognition_id: str) -> Recognition:
    if recognition_id in household.revoked_recognitions:
        raise violated(("recognition_id",), "the recognition was already revoked")
    for recognition in household.recognitions:
        if recognition.recognition_id == recognition_id:
            return recognition
    raise NotFound(detail=f"no recognition {recognition_id} in this household")


def check_support(
    household: Household, kind: SupportType, provided_on: date, member_id: str | None
) -> None:
    """The member was there on the day, and the household could receive the support then."""
    member_birth_date = None
    if member_id is not None:
        member = household.members.get(member_id)
        if member is None:
            raise violated(("member_id",), f"no member {member_id} in this household")
        if not member.present_on(provided_on):
            raise violated(
                ("member_id",),
                f"the member was not in the household on {provided_on.isoformat()}",
            )
        member_birth_date = member.birth_date
    check_eligible(kind, household.eligibility_on(provided_on, member_birth_date))


def check_reversal(household: Household, support_id: str, reversed_on: date) -> Support:
    support = household.supports.get(support_id)
    if support is None:
        raise NotFound(detail=f"no support {support_id} in this household")
    if support.reversed_on is not None:
        raise violated(
            ("support_id",),
            f"the support was already reversed on {support.reversed_on.isoformat()}",
        )
    if reversed_on < support.provided_on:
        raise violated(("reversed_on",), "a support cannot be reversed before it was provided")
    return support


def member_in_path(household: Household, member_id: str) -> Member:
    member = household.members.get(member_id)
    if member is None:
        raise NotFound(detail=f"no member {member_id} in this household")
    return member


def head_present(household: Household, on: date, other_than: str | None) -> bool:
    return any(
        m.relation == "head" and m.member_id != other_than and (m.left_on is None or m.left_on > on)
        for m in household.members.values()
    )
