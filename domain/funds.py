"""Fund allocations (domain.md §6): money assigned by decision from one source, for one fiscal
year, one programme line and one administrative unit; supports draw on it, reversals give back.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InsufficientFunds, violated
from domain.household import FactContext
from domain.limits import MAX_MONEY, check_date, check_delta, check_money, check_year

SOURCES = ("central_investment", "central_recurrent", "local", "mobilized")


class FundAllocation(Aggregate):
    TOPIC = "giamngheo:FundAllocation"

    class Event(Aggregate.Event):
        TOPIC = "giamngheo:FundAllocation.Event"

        @property
        def effective_on(self) -> date | None:
            return None

    class Made(Event, Aggregate.Created):
        TOPIC = "giamngheo:FundAllocation.Made"
        source: str
        fiscal_year: int
        programme_line: str
        unit_code: str
        amount: int
        decision_no: str
        decided_on: date
        actor: str
        reason: str | None
        evidence: str | None

        @property
        def effective_on(self) -> date | None:
            return self.decided_on

        def apply(self, aggregate: Any) -> None:
            allocation = cast(FundAllocation, aggregate)
            allocation.source = self.source
            allocation.fiscal_year = self.fiscal_year
            allocation.programme_line = self.programme_line
            allocation.unit_code = self.unit_code
            allocation.allocated = self.amount
            allocation.decision_no = self.decision_no
            allocation.decided_on = self.decided_on

    class Adjusted(Event):
        TOPIC = "giamngheo:FundAllocation.Adjusted"
        delta: int
        decision_no: str
        decided_on: date
        actor: str
        reason: str | None
        evidence: str | None

        @property
        def effective_on(self) -> date | None:
            return self.decided_on

        def apply(self, aggregate: Any) -> None:
            cast(FundAllocation, aggregate).allocated += self.delta

    class FundsDrawn(Event):
        TOPIC = "giamngheo:FundAllocation.FundsDrawn"
        support_id: str
        household_id: str
        amount: int
        provided_on: date
        actor: str

        @property
        def effective_on(self) -> date | None:
            return self.provided_on

        def apply(self, aggregate: Any) -> None:
            allocation = cast(FundAllocation, aggregate)
            allocation.draws[self.support_id] = self.amount
            allocation.spent += self.amount

    class FundsReturned(Event):
        TOPIC = "giamngheo:FundAllocation.FundsReturned"
        support_id: str
        amount: int
        returned_on: date
        actor: str
        reason: str | None

        @property
        def effective_on(self) -> date | None:
            return self.returned_on

        def apply(self, aggregate: Any) -> None:
            allocation = cast(FundAllocation, aggregate)
            allocation.spent -= self.amount
            allocation.returned.add(self.support_id)

    def __init__(self) -> None:
        self.source = ""
        self.fiscal_year = 0
        self.programme_line = ""
        self.unit_code = ""
        self.allocated = 0
        self.spent = 0
        self.decision_no = ""
        self.decided_on = date.min
        # Only what the balance needs: the read model keeps who received it and when.
        self.draws: dict[str, int] = {}
        self.returned: set[str] = set()

    @property
    def remaining(self) -> int:
        return self.allocated - self.spent

    @classmethod
    def make(
        cls,
        allocation_id: UUID,
        *,
        source: str,
        fiscal_year: int,
        programme_line: str,
        unit_code: str,
        amount: int,
        decision_no: str,
        decided_on: date,
        context: FactContext,
    ) -> FundAllocation:
        check_money(amount, ("amount",))
        check_year(fiscal_year, ("fiscal_year",))
        check_date(decided_on, ("decided_on",))
        return cls._create(
            cls.Made,
            id=allocation_id,
            source=source,
            fiscal_year=fiscal_year,
            programme_line=programme_line,
            unit_code=unit_code,
            amount=amount,
            decision_no=decision_no,
            decided_on=decided_on,
            **context.as_kwargs(),
        )

    def adjust(self, delta: int, decision_no: str, decided_on: date, context: FactContext) -> None:
        check_delta(delta, ("delta",))
        check_date(decided_on, ("decided_on",))
        if decided_on < self.decided_on:
            raise violated(
                ("decided_on",),
                f"the allocation was decided on {self.decided_on.isoformat()}; "
                "an adjustment cannot be decided before it",
            )
        if self.allocated + delta > MAX_MONEY:
            raise violated(
                ("delta",),
                f"the adjustment would leave {self.allocated + delta:,} VND allocated, "
                f"more than the {MAX_MONEY:,} VND one allocation may hold",
            )
        if self.allocated + delta < self.spent:
            raise violated(
                ("delta",),
                f"the adjustment would leave {self.allocated + delta:,} VND allocated, "
                f"less than the {self.spent:,} VND already spent",
            )
        self.trigger_event(
            self.Adjusted,
            delta=delta,
            decision_no=decision_no,
            decided_on=decided_on,
            **context.as_kwargs(),
        )

    def draw(
        self,
        support_id: str,
        household_id: str,
        amount: int,
        provided_on: date,
        programme_line: str,
        unit_contains_commune: bool,
        actor: str,
    ) -> None:
        """Spending through a support: same line, the household's commune inside the unit,
        the provided date inside the fiscal year, and enough remaining."""
        check_money(amount, ("amount",))
        if programme_line != self.programme_line:
            raise violated(
                ("allocation_id",),
                f"the allocation is for programme line {self.programme_line}, "
                f"the support for {programme_line}",
            )
        if not unit_contains_commune:
            raise violated(
                ("allocation_id",),
                f"the household's commune is not inside the allocation's unit {self.unit_code}",
            )
        if provided_on.year != self.fiscal_year:
            raise violated(
                ("provided_on",),
                f"the allocation is for fiscal year {self.fiscal_year}, "
                f"the support was provided on {provided_on.isoformat()}",
            )
        if amount > self.remaining:
            raise InsufficientFunds(
                detail=f"{amount:,} VND asked, {self.remaining:,} VND remaining "
                f"on allocation {self.id}"
            )
        self.trigger_event(
            self.FundsDrawn,
            support_id=support_id,
            household_id=household_id,
            amount=amount,
            provided_on=provided_on,
            actor=actor,
        )

    def give_back(self, support_id: str, returned_on: date, actor: str, reason: str | None) -> None:
        amount = self.draws.get(support_id)
        if amount is None or support_id in self.returned:
            return
        self.trigger_event(
            self.FundsReturned,
            support_id=support_id,
            amount=amount,
            returned_on=returned_on,
            actor=actor,
            reason=reason,
        )
