"""The checks of what a user states in a household command, made before the household is read.

They need nothing recorded, so a request that is wrong in itself is refused before any read; the
rules that depend on the household's facts are checked by the aggregate (domain.household_rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from domain.errors import invalid, violated
from domain.limits import (
    MAX_DECISION_NO_LENGTH,
    MAX_UNIT_LENGTH,
    check_member_count,
    check_money,
    check_name,
    check_quantity,
    check_text,
)
from domain.members import MemberDetails, check_born_by, check_member, not_in_future
from domain.records import FactContext, SupportGiven
from domain.standards import AREAS, STATUSES, Area, PovertyStandard, Status, standard_on
from domain.supports import SupportType, support_type
from domain.units import AdminUnit

HOUSEHOLD_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
REVIEWS = frozenset({"annual", "regular"})


def checked_registration(
    code: str,
    commune: AdminUnit | None,
    commune_code: str,
    area: str | None,
    village: str,
    registered_on: date,
    members: Sequence[MemberDetails],
    today: date,
) -> tuple[str, Area]:
    """The household code and area a registration records, once everything it states holds."""
    code = code.strip()
    if not HOUSEHOLD_CODE.match(code):
        raise invalid(("code",), "code must be 1–40 letters, digits, '.', '_', '/' or '-'")
    if commune is None or commune.level != "commune":
        raise violated(("commune_code",), f"unknown commune {commune_code!r}")
    chosen = _area(area, commune.area)
    not_in_future(registered_on, today, ("registered_on",))
    check_name(village, ("village",))
    if not village.strip():
        raise invalid(("village",), "village is required")
    if not members:
        raise invalid(("members",), "a household has at least one member")
    check_member_count(len(members), ("members",))
    heads = [m for m in members if m.relation == "head"]
    if len(heads) != 1:
        raise violated(
            ("members",),
            f"exactly one member must have relation 'head'; found {len(heads)}",
        )
    for index, details in enumerate(members):
        check_member(details, ("members", index))
        check_born_by(details, registered_on, ("members", index, "birth_date"))
    return code, chosen


def _area(requested: str | None, default: Area | None) -> Area:
    if requested is None:
        if default is None:
            raise violated(("commune_code",), "the unit has no area type")
        return default
    if requested not in AREAS:
        raise invalid(("area",), "area must be 'rural' or 'urban'")
    return requested


def check_joining(details: MemberDetails, joined_on: date, today: date) -> None:
    check_member(details, ())
    not_in_future(joined_on, today, ("joined_on",))
    check_born_by(details, joined_on, ("birth_date",))


def check_departure(left_on: date, today: date) -> None:
    not_in_future(left_on, today, ("left_on",))


def check_member_correction(changes: Mapping[str, object], context: FactContext) -> None:
    if not context.reason:
        raise invalid(("reason",), "a correction needs a reason")
    unknown = sorted(set(changes) - set(MemberDetails.__dataclass_fields__))
    if unknown:
        raise invalid((unknown[0],), f"cannot correct {', '.join(unknown)}")
    if not changes:
        raise invalid(("changes",), "nothing to correct")
    for name, value in changes.items():
        if value is None and name != "national_id":
            raise invalid((name,), f"{name} cannot be cleared, only corrected")


def checked_survey(
    surveyed_on: date, review: str, income_per_capita: int, today: date
) -> PovertyStandard:
    """The standard in force on the survey date, once the survey's own values hold."""
    not_in_future(surveyed_on, today, ("surveyed_on",))
    if review not in REVIEWS:
        raise invalid(("review",), "review must be 'annual' or 'regular'")
    check_money(income_per_capita, ("income_per_capita",), zero_allowed=True)
    return standard_on(surveyed_on)


def checked_status(status: str) -> Status:
    if status not in STATUSES:
        raise invalid(("status",), f"status must be one of {', '.join(STATUSES)}")
    return status


def checked_decision_no(decision_no: str) -> str:
    check_text(decision_no, ("decision_no",), MAX_DECISION_NO_LENGTH)
    if not decision_no.strip():
        raise invalid(("decision_no",), "a recognition needs its decision number")
    return decision_no.strip()


def check_recognition(status: str, decided_on: date, decision_no: str, today: date) -> None:
    checked_status(status)
    not_in_future(decided_on, today, ("decided_on",))
    checked_decision_no(decision_no)


def check_revocation(revoked_on: date, context: FactContext, today: date) -> None:
    not_in_future(revoked_on, today, ("revoked_on",))
    if not context.reason:
        raise invalid(("reason",), "a revocation needs a reason")


def check_recognition_correction(
    status: str | None,
    decided_on: date | None,
    decision_no: str | None,
    context: FactContext,
    today: date,
) -> None:
    if not context.reason:
        raise invalid(("reason",), "a correction needs a reason")
    if status is None and decided_on is None and decision_no is None:
        raise invalid(("status",), "nothing to correct: give status, decided_on or decision_no")
    if status is not None:
        checked_status(status)
    if decided_on is not None:
        not_in_future(decided_on, today, ("decided_on",))
    if decision_no is not None:
        checked_decision_no(decision_no)


def checked_support(code: str, given: SupportGiven, today: date) -> SupportType:
    """The support type, once what the user states of the support holds."""
    kind = support_type(code)
    not_in_future(given.provided_on, today, ("provided_on",))
    if kind.member == "required" and given.member_id is None:
        raise invalid(("member_id",), f"{kind.code} is given to a member: member_id is required")
    if kind.requires_model and not (given.model and given.model.strip()):
        raise invalid(("model",), f"{kind.code} names the model it belongs to")
    if given.certified is not None and not kind.records_certificate:
        raise invalid(("certified",), f"{kind.code} does not record a certificate")
    check_name(given.model, ("model",))
    check_text(given.unit, ("unit",), MAX_UNIT_LENGTH)
    check_name(given.idempotency_key, ("idempotency_key",))
    if given.amount is not None:
        check_money(given.amount, ("amount",))
        if given.allocation_id is None:
            raise invalid(
                ("allocation_id",),
                "money must draw on an allocation: allocation_id is required",
            )
    if given.quantity is not None:
        check_quantity(given.quantity, ("quantity",))
    if given.quantity is not None and not given.unit:
        raise invalid(("unit",), "a quantity needs its unit")
    if given.allocation_id is not None and given.amount is None:
        raise invalid(("amount",), "a support drawing on an allocation states its amount")
    return kind


def check_reversal(reversed_on: date, context: FactContext, today: date) -> None:
    not_in_future(reversed_on, today, ("reversed_on",))
    if not context.reason:
        raise invalid(("reason",), "a reversal needs a reason")
