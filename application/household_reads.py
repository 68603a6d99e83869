"""The case files' reads of households: as they stand, at a version, as known at a moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import EventStore

from domain.errors import NotFound, invalid
from domain.household import Household, HouseholdCode
from domain.limits import check_date, check_money
from domain.standards import AREAS, classify, standard_on


class HouseholdReads:
    """Part of ``CaseFiles``: what it needs of the application is declared here."""

    if TYPE_CHECKING:
        today: Callable[[], date]
        events: EventStore[UUID]

        @property
        def repository(self) -> Repository[UUID]: ...

    def household(self, household_id: UUID) -> Household:
        try:
            aggregate: object = self.repository.get(household_id)
        except AggregateNotFoundError:
            raise NotFound(detail=f"no household {household_id}") from None
        if not isinstance(aggregate, Household):
            raise NotFound(detail=f"no household {household_id}")
        return aggregate

    def commune_of(self, household_id: UUID) -> str:
        """The household's commune, for scoping each request to the user's unit. A household's
        commune never changes (no fact moves it), so it is remembered once read."""
        communes: dict[UUID, str] = self.__dict__.setdefault("_communes", {})
        commune = communes.get(household_id)
        if commune is None:
            commune = self.household(household_id).commune_code
            if len(communes) >= 200_000:
                communes.clear()
            communes[household_id] = commune
        return commune

    def household_at_version(self, household_id: UUID, version: int) -> Household:
        current = self.household(household_id)
        if version < 1 or version > current.version:
            raise invalid(("version",), f"the household has versions 1 to {current.version}")
        aggregate: object = self.repository.get(household_id, version=version)
        assert isinstance(aggregate, Household)
        return aggregate

    def household_known_at(self, household_id: UUID, known_at: datetime) -> Household:
        """The household from only the facts recorded up to and including ``known_at``."""
        events = [e for e in self.household_events(household_id) if e.timestamp <= known_at]
        if not events:
            raise NotFound(
                detail=f"household {household_id} was not known at {known_at.isoformat()}"
            )
        aggregate: Household | None = None
        for event in events:
            aggregate = event.mutate(aggregate)
        assert aggregate is not None
        return aggregate

    def household_events(self, household_id: UUID) -> list[Household.Event]:
        events = list(self.events.get(household_id))
        if not events or not isinstance(events[0], Household.Registered):
            raise NotFound(detail=f"no household {household_id}")
        return events  # type: ignore[return-value]

    def household_events_page(
        self, household_id: UUID, after: int, limit: int
    ) -> tuple[list[Household.Event], bool]:
        """At most ``limit`` facts with versions after ``after``, oldest first, read as one
        version range of the stored events (never the whole history), and whether more follow."""
        events = list(self.events.get(household_id, gt=after or None, limit=limit + 1))
        first = events[:1] if after == 0 else list(self.events.get(household_id, lte=1))
        if not first or not isinstance(first[0], Household.Registered):
            raise NotFound(detail=f"no household {household_id}")
        return events[:limit], len(events) > limit  # type: ignore[return-value]

    def find_by_code(self, code: str) -> Household | None:
        try:
            claim: object = self.repository.get(HouseholdCode.id_for(code))
        except AggregateNotFoundError:
            return None
        assert isinstance(claim, HouseholdCode) and claim.household_id is not None
        return self.household(claim.household_id)

    def self_assessment(
        self, area: str, income_per_capita: int, deprivations: dict[str, bool], on: date | None
    ) -> dict[str, Any]:
        if area not in AREAS:
            raise invalid(("area",), "area must be 'rural' or 'urban'")
        check_money(income_per_capita, ("income_per_capita",), zero_allowed=True)
        if on is not None:
            check_date(on, ("on",))
        standard = standard_on(on or self.today(), ("on",))
        result = classify(standard, area, income_per_capita, deprivations)
        return {
            "standard": result.standard,
            "status": result.status,
            "deprivation_count": result.deprivation_count,
        }
