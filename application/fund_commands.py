"""The case files' commands on fund allocations: make and adjust, checked before saving."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import IntegrityError

from application.commands import AdjustAllocation, MakeAllocation, Written
from application.repository import MAX_ATTEMPTS, RETRY_BACKOFF_SECONDS, last_position
from domain.errors import Conflict, NotFound, invalid, violated
from domain.funds import SOURCES, FundAllocation
from domain.limits import MAX_DECISION_NO_LENGTH, check_delta, check_money, check_text
from domain.members import not_in_future
from domain.supports import programme_lines
from domain.units import UnitRegistry


class FundCommands:
    """Part of ``CaseFiles``: what it needs of the application is declared here."""

    if TYPE_CHECKING:
        units: UnitRegistry
        today: Callable[[], date]
        _allocation_locks: list[threading.Lock]

        @property
        def repository(self) -> Repository[UUID]: ...

        def save(self, *objs: Any, **kwargs: Any) -> Any: ...

    def make_allocation(self, command: MakeAllocation) -> tuple[FundAllocation, Written]:
        allocation = self.draft_allocation(command)
        recordings = self.save(allocation)
        return allocation, Written(position=last_position(recordings), version=allocation.version)

    def draft_allocation(self, command: MakeAllocation) -> FundAllocation:
        """A new allocation, checked but not saved (see save_drafts)."""
        if command.source not in SOURCES:
            raise invalid(("source",), f"source must be one of {', '.join(SOURCES)}")
        lines = {str(line["code"]) for line in programme_lines()}
        if command.programme_line not in lines:
            raise invalid(
                ("programme_line",), f"programme_line must be one of {', '.join(sorted(lines))}"
            )
        if self.units.get(command.unit_code) is None:
            raise violated(("unit_code",), f"unknown administrative unit {command.unit_code!r}")
        check_money(command.amount, ("amount",))
        if not 2000 <= command.fiscal_year <= self.today().year + 1:
            raise invalid(("fiscal_year",), "fiscal_year is not plausible")
        not_in_future(command.decided_on, self.today(), ("decided_on",))
        check_text(command.decision_no, ("decision_no",), MAX_DECISION_NO_LENGTH)
        if not command.decision_no.strip():
            raise invalid(("decision_no",), "an allocation needs its decision number")
        return FundAllocation.make(
            uuid4(),
            source=command.source,
            fiscal_year=command.fiscal_year,
            programme_line=command.programme_line,
            unit_code=command.unit_code,
            amount=command.amount,
            decision_no=command.decision_no.strip(),
            decided_on=command.decided_on,
            context=command.context,
        )

    def adjust_allocation(self, command: AdjustAllocation) -> tuple[FundAllocation, Written]:
        check_delta(command.delta, ("delta",))
        not_in_future(command.decided_on, self.today(), ("decided_on",))
        check_text(command.decision_no, ("decision_no",), MAX_DECISION_NO_LENGTH)
        if not command.decision_no.strip():
            raise invalid(("decision_no",), "an adjustment needs its decision number")
        if not command.context.reason:
            raise invalid(("reason",), "an adjustment needs a reason")
        for attempt in range(MAX_ATTEMPTS):
            with self._spending_on(command.allocation_id):
                allocation = self.allocation(command.allocation_id)
                allocation.adjust(
                    command.delta, command.decision_no.strip(), command.decided_on, command.context
                )
                try:
                    recordings = self.save(allocation)
                except IntegrityError:
                    time.sleep(random.uniform(0, RETRY_BACKOFF_SECONDS * (attempt + 1)))
                    continue
            return allocation, Written(
                position=last_position(recordings), version=allocation.version
            )
        raise Conflict(detail="the allocation is being changed by too many writers; try again")

    @contextmanager
    def _spending_on(self, allocation_id: UUID | None) -> Iterator[None]:
        """Writers on one allocation queue in this process instead of racing and retrying;
        writers in other processes are still settled by the version check and retries."""
        if allocation_id is None:
            yield
            return
        with self._allocation_locks[hash(allocation_id) % len(self._allocation_locks)]:
            yield

    def allocation(self, allocation_id: UUID) -> FundAllocation:
        allocation = self._stored_allocation(allocation_id)
        if allocation is None:
            raise NotFound(detail=f"no allocation {allocation_id}")
        return allocation

    def _allocation(self, allocation_id: UUID) -> FundAllocation:
        """The allocation a support names: unknown, it is a broken rule, not a missing page."""
        allocation = self._stored_allocation(allocation_id)
        if allocation is None:
            raise violated(("allocation_id",), f"unknown allocation {allocation_id}")
        return allocation

    def _stored_allocation(self, allocation_id: UUID) -> FundAllocation | None:
        try:
            aggregate: object = self.repository.get(allocation_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, FundAllocation) else None
