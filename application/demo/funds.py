"""The demo's fund allocations: made when first needed, drawn on, topped up and closed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from application.case_files import CaseFiles
from application.commands import MakeAllocation
from application.demo.moments import BEFORE_ALL, next_moment, round_money, working_day
from application.demo.parameters import DemoParameters
from application.demo.population import Communes, risk_index
from application.demo.rates import (
    FUNDING,
    INVESTMENT,
    INVESTMENT_DISTRICTS,
    LEAST,
    LEAST_TIGHT,
    MARGIN,
    REDUCED_SHARE,
    TIGHT_MARGIN,
    TIGHT_SHARE,
    YEARS,
    Funding,
)
from application.demo.reference import SOURCE_NAMES
from domain.funds import FundAllocation
from domain.household import FactContext, Household
from domain.supports import programme_lines
from domain.units import PROVINCE_CODE, AdminUnit

# Allocations -----------------------------------------------------------------------------------


@dataclass
class _Group:
    """One programme line's allocations for one unit and fiscal year, from one decision each,
    drawn in order."""

    year: int
    line: str
    funding: Funding
    tight: bool
    allocations: list[FundAllocation]
    rng: random.Random
    actor: str
    clock: datetime  # when its last decision was recorded
    top_ups: int = 0


class Funds:
    """The allocations of the load: made when first needed, drawn on, adjusted."""

    def __init__(self, case_files: CaseFiles, communes: Communes, parameters: DemoParameters):
        self.case_files = case_files
        self.units = case_files.units
        self.seed = parameters.seed
        self.households = parameters.households
        self.line_names = {str(line["code"]): str(line["name"]) for line in programme_lines()}
        self.groups: dict[tuple[int, str, str, str], _Group] = {}
        self.by_id: dict[str, FundAllocation] = {}
        self.changed: dict[UUID, FundAllocation] = {}
        self.top_ups = 0
        self.reductions = 0
        # Each unit's expected share of the province's households, weighted by poverty risk.
        self.exposure: dict[str, float] = {}
        for unit in communes.units:
            weight = communes.shares[unit.code] * risk_index(unit)
            for code in self.units.ancestors(unit.code):
                self.exposure[code] = self.exposure.get(code, 0.0) + weight

    def find(
        self, year: int, line: str, commune: AdminUnit, amount: int, livestock: bool
    ) -> FundAllocation | None:
        """The allocation a support of ``amount`` draws on; None when none has enough left."""
        funding = FUNDING[line]
        district = commune.parent_code or PROVINCE_CODE
        groups = [self._group(year, line, commune.code if funding.level == "commune" else district)]
        if livestock and district in INVESTMENT_DISTRICTS:
            groups.insert(0, self._group(year, line, district, INVESTMENT))
        for group in groups:
            for allocation in group.allocations:
                if allocation.remaining >= amount:
                    return allocation
        main = groups[-1]
        if main.tight or main.top_ups >= main.funding.top_ups:
            return None
        return self._top_up(main, amount)

    def draw(
        self,
        allocation: FundAllocation,
        support_id: str,
        household: Household,
        amount: int,
        provided_on: date,
        programme_line: str,
        actor: str,
    ) -> None:
        allocation.draw(
            support_id,
            str(household.id),
            amount,
            provided_on,
            programme_line,
            self.units.contains(allocation.unit_code, household.commune_code),
            actor,
        )
        self.changed[allocation.id] = allocation

    def give_back(
        self, allocation_id: str, support_id: str, returned_on: date, actor: str, reason: str
    ) -> None:
        allocation = self.by_id[allocation_id]
        allocation.give_back(support_id, returned_on, actor, reason)
        self.changed[allocation.id] = allocation

    def take_changed(self) -> list[FundAllocation]:
        """The allocations with facts to save, in the order they were first changed."""
        changed = [allocation for allocation in self.changed.values() if allocation.pending_events]
        self.changed.clear()
        return changed

    def close_years(self) -> None:
        """December reductions: about half the allocations with more than a fifth left give part
        of it back (never below what was spent)."""
        for group in self.groups.values():
            if group.tight:
                continue
            rng = group.rng
            for allocation in group.allocations:
                left = allocation.remaining
                if left <= allocation.allocated // 5 or rng.random() >= REDUCED_SHARE:
                    continue
                delta = -(int(left * rng.uniform(0.4, 0.8)) // 1_000_000 * 1_000_000)
                if delta == 0:
                    continue
                decided_on = working_day(date(group.year, 12, rng.randint(1, 18)))
                self._adjust(
                    group,
                    allocation,
                    delta,
                    decided_on,
                    f"Điều chỉnh giảm dự toán năm {group.year}: kinh phí không sử dụng hết",
                )
                self.reductions += 1

    def _group(
        self, year: int, line: str, unit_code: str, funding: Funding | None = None
    ) -> _Group:
        funding = funding or FUNDING[line]
        key = (year, line, unit_code, funding.sources[0][0])
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = self._make(year, line, unit_code, funding)
        return group

    def _make(self, year: int, line: str, unit_code: str, funding: Funding) -> _Group:
        rng = random.Random(
            f"giamngheo-demo/{self.seed}/allocation/{year}/{line}/{unit_code}/"
            f"{funding.sources[0][0]}"
        )
        unit = self.units.get(unit_code)
        assert unit is not None
        tight = rng.random() < TIGHT_SHARE
        low, high = TIGHT_MARGIN if tight else MARGIN
        province = self.exposure.get(PROVINCE_CODE, 0.0) or 1.0
        expected = (
            self.households
            * funding.per_thousand[year - YEARS[1]]
            / 1000
            * self.exposure.get(unit_code, 0.0)
            / province
        )
        # Districts decide their communes' allocations; the province decides the districts'.
        actor = f"demo/tckh.{unit.parent_code}" if unit.level == "commune" else "demo/stc.19"
        group = _Group(year, line, funding, tight, [], rng, actor, BEFORE_ALL)
        for source, share in funding.sources:
            need = expected * funding.mean_amount * share * rng.uniform(low, high)
            least = (LEAST_TIGHT if tight else LEAST) * funding.mean_amount * share
            amount = round_money(max(need, least))
            decided_on = working_day(date(year, 1, rng.randint(5, 20)))
            number = f"{rng.randint(8, 260)}/QĐ-UBND"
            group.clock = next_moment(group.clock, decided_on, rng, rng.randint(0, 4))
            allocation = self.case_files.draft_allocation(
                MakeAllocation(
                    source=source,
                    fiscal_year=year,
                    programme_line=line,
                    unit_code=unit_code,
                    amount=amount,
                    decision_no=number,
                    decided_on=decided_on,
                    context=FactContext(
                        actor=actor,
                        reason=f"Giao dự toán năm {year} – {self.line_names[line]} – "
                        f"{unit.name}: {SOURCE_NAMES[source]}",
                        evidence=number,
                        recorded_at=group.clock,
                    ),
                )
            )
            group.allocations.append(allocation)
            self.by_id[str(allocation.id)] = allocation
            self.changed[allocation.id] = allocation
        return group

    def _top_up(self, group: _Group, amount: int) -> FundAllocation:
        """Tops up the group's first allocation so that it covers ``amount``."""
        rng = group.rng
        allocation = group.allocations[0]
        group.top_ups += 1
        first, last = ((6, 7), (8, 10))[min(group.top_ups, 2) - 1]
        decided_on = working_day(date(group.year, rng.randint(first, last), rng.randint(1, 25)))
        delta = round_money(
            max(amount - allocation.remaining, allocation.allocated * rng.uniform(0.25, 0.4))
        )
        self._adjust(
            group,
            allocation,
            delta,
            decided_on,
            f"Bổ sung dự toán năm {group.year} – {self.line_names[group.line]}: "
            f"{SOURCE_NAMES[allocation.source]}",
        )
        self.top_ups += 1
        return allocation

    def _adjust(
        self,
        group: _Group,
        allocation: FundAllocation,
        delta: int,
        decided_on: date,
        reason: str,
    ) -> None:
        rng = group.rng
        number = f"{rng.randint(300, 2900)}/QĐ-UBND"
        group.clock = next_moment(group.clock, decided_on, rng, rng.randint(0, 4))
        context = FactContext(
            actor=group.actor, reason=reason, evidence=number, recorded_at=group.clock
        )
        allocation.adjust(delta, number, decided_on, context)
        self.changed[allocation.id] = allocation
