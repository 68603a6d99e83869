"""The province's targets (domain.md §7) as data, and how a value is judged against them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from domain.reference import indicators_data

# Ethnicity codes that do not make a household an ethnic-minority one (domain.md §2).
NOT_MINORITY_ETHNICITIES = frozenset({"01", "55", "99"})
WORKING_AGE = (15, 60)


@dataclass(frozen=True)
class IndicatorDefinition:
    code: str
    name: str
    name_vi: str
    unit: str
    target: float | None
    comparison: str | None  # ">=" or "<=", None where there is no target
    count_target: bool  # a province count judged pro rata over the plan's years
    trend: bool
    deprivation: str | None = None


@dataclass(frozen=True)
class Plan:
    name: str
    baseline: date
    first_year: int
    last_year: int
    indicators: tuple[IndicatorDefinition, ...]

    def target_for(
        self, indicator: IndicatorDefinition, year: int, is_province: bool
    ) -> float | None:
        """Count targets: province only, pro rata (year − baseline year + 1) / plan years."""
        if indicator.target is None:
            return None
        if not indicator.count_target:
            return indicator.target
        if not is_province:
            return None
        years = self.last_year - self.first_year + 1
        elapsed = min(max(year - self.first_year + 1, 0), years)
        return indicator.target * elapsed / years

    @staticmethod
    def on_track(
        indicator: IndicatorDefinition, value: float | None, target: float | None
    ) -> bool | None:
        if value is None or target is None or indicator.comparison is None:
            return None
        if indicator.comparison == ">=":
            return value >= target
        return value <= target


@cache
def plan() -> Plan:
    data: dict[str, Any] = indicators_data()
    return Plan(
        name=data["plan"],
        baseline=date.fromisoformat(data["baseline"]),
        first_year=data["first_year"],
        last_year=data["last_year"],
        indicators=tuple(IndicatorDefinition(**row) for row in data["indicators"]),
    )


def one_decimal(value: float | None) -> float | None:
    """Percentages have one decimal, rounded half up (as officials round by hand)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percentage(part: int, whole: int) -> float | None:
    return None if whole == 0 else part * 100.0 / whole


def is_minority_ethnicity(code: str | None) -> bool:
    return code is not None and code not in NOT_MINORITY_ETHNICITIES
