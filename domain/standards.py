"""Poverty standards (domain.md §3) as data, and classification under each of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from domain.errors import invalid
from domain.reference import standards_data

Area = Literal["rural", "urban"]
Status = Literal["poor", "near_poor", "average", "none"]
AREAS: tuple[Area, ...] = ("rural", "urban")
STATUSES: tuple[Status, ...] = ("poor", "near_poor", "average", "none")


@dataclass(frozen=True)
class PovertyStandard:
    id: str
    name: str
    applies_from: date | None
    applies_to: date
    # QĐ 59/2015 only: at or below this income a household is poor whatever its deprivations.
    absolute_poverty_line: Mapping[Area, int] | None
    income_line: Mapping[Area, int]
    average_ceiling: Mapping[Area, int] | None
    poor_min_deprivations: int
    indicators: tuple[str, ...]

    def applies_on(self, day: date) -> bool:
        starts_ok = self.applies_from is None or self.applies_from <= day
        return starts_ok and day <= self.applies_to

    def low_income_ceiling(self, area: Area) -> int:
        """The ceiling for 'low-income' (domain.md §5): the average band, else the income line."""
        if self.average_ceiling is not None:
            return self.average_ceiling[area]
        return self.income_line[area]

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "applies_from": self.applies_from.isoformat() if self.applies_from else None,
            "applies_to": self.applies_to.isoformat(),
            "absolute_poverty_line": dict(self.absolute_poverty_line)
            if self.absolute_poverty_line
            else None,
            "income_line": dict(self.income_line),
            "average_ceiling": dict(self.average_ceiling) if self.average_ceiling else None,
            "poor_min_deprivations": self.poor_min_deprivations,
            "indicators": list(self.indicators),
        }


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@cache
def all_standards() -> tuple[PovertyStandard, ...]:
    return tuple(
        PovertyStandard(
            id=row["id"],
            name=row["name"],
            applies_from=_parse_date(row["applies_from"]),
            applies_to=date.fromisoformat(row["applies_to"]),
            absolute_poverty_line=row["absolute_poverty_line"],
            income_line=row["income_line"],
            average_ceiling=row["average_ceiling"],
            poor_min_deprivations=row["poor_min_deprivations"],
            indicators=tuple(row["indicators"]),
        )
        for row in standards_data()
    )


def standard_by_id(standard_id: str) -> PovertyStandard:
    for standard in all_standards():
        if standard.id == standard_id:
            return standard
    raise KeyError(standard_id)


def standard_on(day: date, loc: tuple[str, ...] = ("surveyed_on",)) -> PovertyStandard:
    """The standard in force on a survey date."""
    for standard in all_standards():
        if standard.applies_on(day):
            return standard
    raise invalid(loc, f"no poverty standard applies to {day.isoformat()}")


def validate_deprivations(
    standard: PovertyStandard, deprivations: Mapping[str, bool], loc: str = "deprivations"
) -> None:
    """Every indicator of the standard must be answered, and nothing else."""
    unknown = sorted(set(deprivations) - set(standard.indicators))
    if unknown:
        raise invalid(
            (loc, unknown[0]),
            f"unknown deprivation code(s) for standard {standard.id}: {', '.join(unknown)}",
        )
    missing = [code for code in standard.indicators if code not in deprivations]
    if missing:
        raise invalid(
            (loc, missing[0]),
            f"missing deprivation code(s) for standard {standard.id}: {', '.join(missing)}",
        )
    for code, value in deprivations.items():
        if not isinstance(value, bool):
            raise invalid((loc, code), "each deprivation must be true or false")


@dataclass(frozen=True)
class Classification:
    standard: str
    status: Status
    deprivation_count: int


def classify(
    standard: PovertyStandard, area: Area, income_per_capita: int, deprivations: Mapping[str, bool]
) -> Classification:
    """domain.md §3.1: "at or below" a line includes equality."""
    if income_per_capita < 0:
        raise invalid(("income_per_capita",), "income per capita cannot be negative")
    validate_deprivations(standard, deprivations)
    count = sum(1 for code in standard.indicators if deprivations[code])
    status: Status
    absolute = standard.absolute_poverty_line
    if absolute is not None and income_per_capita <= absolute[area]:
        status = "poor"
    elif income_per_capita <= standard.income_line[area]:
        status = "poor" if count >= standard.poor_min_deprivations else "near_poor"
    elif (
        standard.average_ceiling is not None and income_per_capita <= standard.average_ceiling[area]
    ):
        status = "average"
    else:
        status = "none"
    return Classification(standard=standard.id, status=status, deprivation_count=count)
