"""Household codes: a claim on each code, so that two households never share one."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

HOUSEHOLD_CODE_NAMESPACE = UUID("6f1c2a4e-8d0b-5b7e-9a35-1c0de0f2a219")


class HouseholdCode(Aggregate):
    """Claims a household code, so a duplicate code conflicts on save, atomically."""

    TOPIC = "giamngheo:HouseholdCode"

    class Event(Aggregate.Event):
        TOPIC = "giamngheo:HouseholdCode.Event"

    class Claimed(Event, Aggregate.Created):
        TOPIC = "giamngheo:HouseholdCode.Claimed"
        code: str
        household_id: UUID

        def apply(self, aggregate: Any) -> None:
            claim = cast(HouseholdCode, aggregate)
            claim.code = self.code
            claim.household_id = self.household_id

    def __init__(self) -> None:
        self.code = ""
        self.household_id: UUID | None = None

    @staticmethod
    def id_for(code: str) -> UUID:
        return uuid5(HOUSEHOLD_CODE_NAMESPACE, code)

    @classmethod
    def claim(cls, code: str, household_id: UUID) -> HouseholdCode:
        return cls._create(cls.Claimed, id=cls.id_for(code), code=code, household_id=household_id)
