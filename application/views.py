"""Plain-data views of a household as it stood on a business date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.household import HOUSEHOLD_EVENT_TYPES, Household, Member
from domain.indicators import is_minority_ethnicity
from domain.status import status_on


def member_view(member: Member) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "name": member.name,
        "birth_date": member.birth_date,
        "sex": member.sex,
        "ethnicity": member.ethnicity,
        "relation": member.relation,
        "national_id": member.national_id,
        "disability": member.disability,
        "merit": member.merit,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
    }


def is_ethnic_minority(household: Household, on: date) -> bool:
    head = household.head(on)
    return head is not None and is_minority_ethnicity(head.ethnicity)


def household_view(household: Household, as_of: date) -> dict[str, Any]:
    on_date = status_on(household.recognitions, as_of)
    return {
        "id": household.id,
        "code": household.code,
        "commune_code": household.commune_code,
        "village": household.village,
        "area": household.area,
        "registered_on": household.registered_on,
        "version": household.version,
        "ethnic_minority": is_ethnic_minority(household, as_of),
        "members": [member_view(m) for m in household.members_on(as_of)],
        "status": on_date.status,
        "status_since": on_date.status_since,
        "newly_escaped": on_date.newly_escaped,
        "newly_escaped_until": on_date.newly_escaped_until,
    }


def recorded_at_text(timestamp: datetime) -> str:
    """Always with microseconds, so the text given back as ``known_at`` selects exactly."""
    return timestamp.isoformat(timespec="microseconds")


def history_view(events: list[Household.Event]) -> list[dict[str, Any]]:
    envelope = {"originator_id", "originator_version", "timestamp", "originator_topic"}
    context = {"actor", "reason", "evidence"}
    items = []
    for event in events:
        data = {k: v for k, v in vars(event).items() if k not in envelope | context}
        items.append(
            {
                "version": event.originator_version,
                "type": HOUSEHOLD_EVENT_TYPES[type(event).TOPIC],
                "effective_on": event.effective_on,
                "recorded_at": recorded_at_text(event.timestamp),
                "actor": event.actor,
                "reason": event.reason,
                "evidence": event.evidence,
                "data": data,
            }
        )
    return items
