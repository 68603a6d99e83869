"""A household's members: the details a user gives, the member as recorded, and their checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.errors import FieldError, InvalidInput, invalid
from domain.limits import check_date, check_name

MEMBER_FIELDS = (
    "name",
    "birth_date",
    "sex",
    "ethnicity",
    "relation",
    "national_id",
    "disability",
    "merit",
)
NATIONAL_ID = re.compile(r"^\d{12}$")
RELATIONS = frozenset(
    {
        "head",
        "spouse",
        "child",
        "child_in_law",
        "grandchild",
        "parent",
        "parent_in_law",
        "grandparent",
        "sibling",
        "other",
    }
)
ETHNICITIES = frozenset({f"{n:02d}" for n in range(1, 56)} | {"99"})


@dataclass(frozen=True)
class MemberDetails:
    name: str
    birth_date: date
    sex: str
    ethnicity: str
    relation: str
    national_id: str | None = None
    disability: bool = False
    merit: bool = False


@dataclass
class Member:
    member_id: str
    name: str
    birth_date: date
    sex: str
    ethnicity: str
    relation: str
    national_id: str | None
    disability: bool
    merit: bool
    joined_on: date
    left_on: date | None = None
    left_reason: str | None = None

    def present_on(self, day: date) -> bool:
        """A member who left on a date is no longer counted from that date."""
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)

    def details(self) -> MemberDetails:
        return MemberDetails(**{name: getattr(self, name) for name in MEMBER_FIELDS})

    @staticmethod
    def from_fact(data: dict[str, Any]) -> Member:
        return Member(
            member_id=data["member_id"],
            name=data["name"],
            birth_date=data["birth_date"],
            sex=data["sex"],
            ethnicity=data["ethnicity"],
            relation=data["relation"],
            national_id=data.get("national_id"),
            disability=bool(data.get("disability", False)),
            merit=bool(data.get("merit", False)),
            joined_on=data["joined_on"],
        )


def member_fact(member_id: str, details: MemberDetails) -> dict[str, Any]:
    """A member's details as an event stores them."""
    return {"member_id": member_id, **vars(details)}


def check_member(details: MemberDetails, loc: tuple[str | int, ...]) -> None:
    check_name(details.name, (*loc, "name"))
    check_date(details.birth_date, (*loc, "birth_date"))
    problems: list[FieldError] = []
    if not details.name.strip():
        problems.append(FieldError((*loc, "name"), "name is required"))
    if details.sex not in ("male", "female"):
        problems.append(FieldError((*loc, "sex"), "sex must be 'male' or 'female'"))
    if details.ethnicity not in ETHNICITIES:
        problems.append(FieldError((*loc, "ethnicity"), "ethnicity is a code '01'..'55' or '99'"))
    if details.relation not in RELATIONS:
        problems.append(
            FieldError(
                (*loc, "relation"),
                f"relation must be one of {', '.join(sorted(RELATIONS))}",
            )
        )
    if details.national_id is not None and not NATIONAL_ID.match(details.national_id):
        problems.append(FieldError((*loc, "national_id"), "national_id has 12 digits"))
    if problems:
        raise InvalidInput(detail=problems[0].msg, errors=problems)


def check_born_by(details: MemberDetails, day: date, loc: tuple[str | int, ...]) -> None:
    if details.birth_date > day:
        raise invalid(loc, "birth_date is after the date the member joined")


def not_in_future(day: date, today: date, loc: tuple[str | int, ...]) -> None:
    check_date(day, loc)
    if day > today:
        raise invalid(loc, f"{day.isoformat()} is in the future")
