"""Following the money: traces both ways, totals, and the findings an inspector acts on.

Everything is answered from the funds read model; eligibility is re-judged with the domain's
own rules over the facts as now known.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from domain.calendar import date_in_vietnam
from domain.errors import NotFound, invalid
from domain.status import Recognition
from domain.supports import (
    EligibilityFacts,
    SurveyFacts,
    eligibility_facts,
    refusal_reason,
    support_catalogue,
)
from domain.units import PROVINCE_CODE, UnitRegistry
from projections.funds import (
    allocations,
    fund_households,
    members,
    recognitions,
    supports,
    surveys,
)

LATE_RECORDING_DAYS = 30
SINGLE_USE_SUPPORT_TYPES = ("housing",)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _recorded_on(recorded_at_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=recorded_at_us)


class FundsQueries:
    def __init__(self, engine: Engine, units: UnitRegistry) -> None:
        self._engine = engine
        self._units = units

    def _unit(self, code: str) -> None:
        if self._units.get(code) is None:
            raise invalid(("query", "unit"), f"unknown administrative unit {code!r}")

    def _units_inside(self, code: str) -> list[str]:
        """The unit and every unit below it."""
        return [
            unit_code
            for unit_code in self._all_unit_codes()
            if self._units.contains(code, unit_code)
        ]

    def _all_unit_codes(self) -> list[str]:
        codes = [PROVINCE_CODE]
        frontier = [PROVINCE_CODE]
        while frontier:
            children = [c.code for parent in frontier for c in self._units.children(parent)]
            codes.extend(children)
            frontier = children
        return codes

    # Traces ---------------------------------------------------------------------------------

    def allocation_trace(self, allocation_id: str) -> dict[str, Any]:
        with self._engine.connect() as connection:
            allocation = connection.execute(
                select(allocations).where(allocations.c.allocation_id == allocation_id)
            ).first()
            if allocation is None:
                raise NotFound(detail=f"no allocation {allocation_id}")
            rows = connection.execute(
                select(
                    supports.c.support_id,
                    supports.c.household_id,
                    fund_households.c.code,
                    fund_households.c.commune_code,
                    supports.c.support_type,
                    supports.c.provided_on,
                    supports.c.amount,
                    supports.c.reversed_on,
                )
                .join(fund_households, fund_households.c.household_id == supports.c.household_id)
                .where(supports.c.allocation_id == allocation_id)
                .order_by(supports.c.provided_on, fund_households.c.code)
            ).all()
        return {
            "allocation_id": allocation_id,
            "source": allocation.source,
            "fiscal_year": allocation.fiscal_year,
            "programme_line": allocation.programme_line,
            "unit_code": allocation.unit_code,
            "allocated": allocation.allocated,
            "spent": allocation.spent,
            "remaining": allocation.allocated - allocation.spent,
            "supports": [
                {
                    "support_id": row.support_id,
                    "household_id": row.household_id,
                    "household_code": row.code,
                    "commune_code": row.commune_code,
                    "support_type": row.support_type,
                    "provided_on": row.provided_on,
                    "amount": row.amount,
                    "reversed": row.reversed_on is not None,
                }
                for row in rows
            ],
        }

    def household_trace(self, household_id: str) -> dict[str, Any]:
        with self._engine.connect() as connection:
            household = connection.execute(
                select(fund_households).where(fund_households.c.household_id == household_id)
            ).first()
            if household is None:
                raise NotFound(detail=f"no household {household_id}")
            rows = connection.execute(
                select(supports, allocations.c.source, allocations.c.fiscal_year)
                .outerjoin(allocations, allocations.c.allocation_id == supports.c.allocation_id)
                .where(supports.c.household_id == household_id)
                .order_by(supports.c.provided_on)
            ).all()
        items = [
            {
                "support_id": row.support_id,
                "support_type": row.support_type,
                "programme_line": row.programme_line,
                "provided_on": row.provided_on,
                "member_id": row.member_id,
                "amount": row.amount,
                "quantity": row.quantity,
                "unit": row.unit,
                "allocation_id": row.allocation_id,
                "source": row.source,
                "fiscal_year": row.fiscal_year,
                "reversed": row.reversed_on is not None,
            }
            for row in rows
        ]
        by_source: dict[str, int] = defaultdict(int)
        for item in items:
            if item["amount"] and not item["reversed"]:
                by_source[item["source"]] += item["amount"]
        return {
            "household_id": household_id,
            "household_code": household.code,
            "commune_code": household.commune_code,
            "supports": items,
            "received_by_source": dict(sorted(by_source.items())),
        }

    def summary(self, fiscal_year: int | None, unit: str) -> dict[str, Any]:
        self._unit(unit)
        inside = self._units_inside(unit)
        statement = (
            select(
                allocations.c.source,
                allocations.c.programme_line,
                func.sum(allocations.c.allocated),
                func.sum(allocations.c.spent),
            )
            .where(allocations.c.unit_code.in_(inside))
            .group_by(allocations.c.source, allocations.c.programme_line)
            .order_by(allocations.c.source, allocations.c.programme_line)
        )
        if fiscal_year is not None:
            statement = statement.where(allocations.c.fiscal_year == fiscal_year)
        with self._engine.connect() as connection:
            rows = connection.execute(statement).all()
        return {
            "fiscal_year": fiscal_year,
            "unit": unit,
            "items": [
                {
                    "source": source,
                    "programme_line": line,
                    "allocated": int(allocated),
                    "spent": int(spent),
                    "remaining": int(allocated) - int(spent),
                }
                for source, line, allocated, spent in rows
            ],
        }

    # Findings -------------------------------------------------------------------------------

    def findings(self, fiscal_year: int | None, unit: str) -> dict[str, Any]:
        self._unit(unit)
        communes = None if unit == PROVINCE_CODE else self._units.communes_within(unit)
        statement = select(supports, fund_households.c.commune_code).join(
            fund_households, fund_households.c.household_id == supports.c.household_id
        )
        if communes is not None:
            statement = statement.where(fund_households.c.commune_code.in_(communes))
        if fiscal_year is not None:
            statement = statement.where(
                supports.c.provided_on >= date(fiscal_year, 1, 1),
                supports.c.provided_on <= date(fiscal_year, 12, 31),
            )
        statement = statement.where(supports.c.reversed_on.is_(None)).order_by(
            supports.c.household_id, supports.c.provided_on, supports.c.recorded_at_us
        )
        with self._engine.connect() as connection:
            rows = connection.execute(statement).all()
            household_ids = sorted({row.household_id for row in rows})
            facts = _HouseholdFacts.load(connection, household_ids)
        items: list[dict[str, Any]] = []
        catalogue = support_catalogue()
        seen: dict[tuple[Any, ...], str] = {}
        single_use_seen: dict[tuple[str, str], str] = {}
        for row in rows:
            finding = {"household_id": row.household_id, "support_id": row.support_id}
            kind = catalogue.get(row.support_type)
            if kind is not None:
                reason = refusal_reason(kind, facts.eligibility(row))
                if reason is not None:
                    items.append(
                        {
                            **finding,
                            "kind": "ineligible_support",
                            "detail": f"as now known: {reason}",
                        }
                    )
            key = (row.household_id, row.member_id, row.support_type, row.provided_on)
            if key in seen:
                items.append(
                    {
                        **finding,
                        "kind": "duplicate_support",
                        "detail": f"same household, member, type ({row.support_type}) and date "
                        f"({row.provided_on.isoformat()}) as support {seen[key]}",
                    }
                )
            else:
                seen[key] = row.support_id
            recorded = _recorded_on(row.recorded_at_us)
            delay = (date_in_vietnam(recorded) - row.provided_on).days
            if delay > LATE_RECORDING_DAYS:
                items.append(
                    {
                        **finding,
                        "kind": "late_recording",
                        "detail": f"provided on {row.provided_on.isoformat()}, recorded "
                        f"{delay} days later ({recorded.isoformat(timespec='seconds')})",
                    }
                )
            if row.support_type in SINGLE_USE_SUPPORT_TYPES:
                single = (row.household_id, row.support_type)
                if single in single_use_seen:
                    items.append(
                        {
                            **finding,
                            "kind": "repeated_single_use",
                            "detail": f"{row.support_type} is given once; the household "
                            f"already received support {single_use_seen[single]}",
                        }
                    )
                else:
                    single_use_seen[single] = row.support_id
        return {"fiscal_year": fiscal_year, "unit": unit, "items": items}


class _HouseholdFacts:
    """What eligibility needs, for the households in question, as now known."""

    def __init__(self) -> None:
        self.recognitions: dict[str, list[Recognition]] = defaultdict(list)
        self.surveys: dict[str, list[Any]] = defaultdict(list)
        self.birth_dates: dict[str, date] = {}

    @staticmethod
    def load(connection: Connection, household_ids: list[str]) -> _HouseholdFacts:
        loaded = _HouseholdFacts()
        for chunk in _chunks(household_ids, 500):
            for row in connection.execute(
                select(recognitions).where(recognitions.c.household_id.in_(chunk))
            ):
                loaded.recognitions[row.household_id].append(
                    Recognition(row.recognition_id, row.status, row.decided_on, row.sequence)
                )
            for row in connection.execute(
                select(surveys)
                .where(surveys.c.household_id.in_(chunk))
                .order_by(surveys.c.surveyed_on, surveys.c.sequence)
            ):
                loaded.surveys[row.household_id].append(row)
            for row in connection.execute(
                select(members.c.member_id, members.c.birth_date).where(
                    members.c.household_id.in_(chunk)
                )
            ):
                loaded.birth_dates[row.member_id] = row.birth_date
        return loaded

    def eligibility(self, support: Any) -> EligibilityFacts:
        day = support.provided_on
        latest = None
        for survey in self.surveys[support.household_id]:
            if survey.surveyed_on <= day:
                latest = survey
        return eligibility_facts(
            self.recognitions[support.household_id],
            day,
            SurveyFacts(
                surveyed_on=latest.surveyed_on,
                standard=latest.standard,
                area=latest.area,
                income_per_capita=latest.income_per_capita,
                deprivations=json.loads(latest.deprivations),
            )
            if latest is not None
            else None,
            self.birth_dates.get(support.member_id) if support.member_id else None,
        )


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
