"""The raw counts behind the plan's indicators, and the indicators' values computed from them.

A commune's counts on a date (``CommuneFigures``) add up to an area's (``YearFigures``); every
field is a sum, except the livelihood models, whose union across the communes is counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.indicators import one_decimal, percentage
from projections.indicators import DEPRIVATION_CODES


@dataclass(frozen=True)
class YearFigures:
    """The raw counts behind the indicators for one area on one date."""

    on: date
    households: int
    poor: int
    near_poor: int
    minority_households: int
    minority_poor: int
    surveyed: dict[str, int]  # per deprivation code: target households with a latest survey
    not_deprived: dict[str, int]
    workers: int
    workers_trained: int
    workers_certified: int
    livelihood_models: int
    housing_supported: int


@dataclass
class CommuneFigures:
    """One commune's counts on one date; every field adds up across communes except
    ``models``, whose union is counted."""

    households: int = 0
    poor: int = 0
    near_poor: int = 0
    minority_households: int = 0
    minority_poor: int = 0
    surveyed: list[int] = field(default_factory=lambda: [0] * len(DEPRIVATION_CODES))
    not_deprived: list[int] = field(default_factory=lambda: [0] * len(DEPRIVATION_CODES))
    workers: int = 0
    workers_trained: int = 0
    workers_certified: int = 0
    models: set[str] = field(default_factory=set)
    housing_supported: int = 0


def add_up(on: date, parts: Iterable[CommuneFigures]) -> YearFigures:
    parts = list(parts)
    models: set[str] = set()
    for part in parts:
        models |= part.models

    def total(name: str) -> int:
        return sum(getattr(part, name) for part in parts)

    def per_code(name: str) -> dict[str, int]:
        return {
            code: sum(getattr(part, name)[index] for part in parts)
            for index, code in enumerate(DEPRIVATION_CODES)
        }

    return YearFigures(
        on=on,
        households=total("households"),
        poor=total("poor"),
        near_poor=total("near_poor"),
        minority_households=total("minority_households"),
        minority_poor=total("minority_poor"),
        surveyed=per_code("surveyed"),
        not_deprived=per_code("not_deprived"),
        workers=total("workers"),
        workers_trained=total("workers_trained"),
        workers_certified=total("workers_certified"),
        livelihood_models=len(models),
        housing_supported=total("housing_supported"),
    )


def indicator_values(
    figures: YearFigures, previous: YearFigures | None, baseline: YearFigures
) -> dict[str, float | int | None]:
    rate = percentage(figures.poor, figures.households)
    minority_rate = percentage(figures.minority_poor, figures.minority_households)
    previous_rate = percentage(previous.poor, previous.households) if previous else None
    previous_minority = (
        percentage(previous.minority_poor, previous.minority_households) if previous else None
    )

    def change(now: float | None, before: float | None) -> float | None:
        return None if now is None or before is None else one_decimal(now - before)

    def not_deprived(code: str) -> float | None:
        return one_decimal(percentage(figures.not_deprived[code], figures.surveyed[code]))

    return {
        "poverty_rate": one_decimal(rate),
        "poverty_rate_change": change(rate, previous_rate),
        "ethnic_minority_poverty_rate": one_decimal(minority_rate),
        "ethnic_minority_poverty_rate_change": change(minority_rate, previous_minority),
        "poor_reduction": baseline.poor - figures.poor,
        "near_poor_reduction": baseline.near_poor - figures.near_poor,
        "poor_near_poor_reduction": (baseline.poor + baseline.near_poor)
        - (figures.poor + figures.near_poor),
        "livelihood_models": figures.livelihood_models,
        "stable_employment": not_deprived("employment"),
        "health_insurance": not_deprived("health_insurance"),
        "school_attendance": not_deprived("child_school_attendance"),
        "workers_trained": one_decimal(percentage(figures.workers_trained, figures.workers)),
        "workers_certified": one_decimal(percentage(figures.workers_certified, figures.workers)),
        "housing_supported": figures.housing_supported,
        "safe_water": not_deprived("domestic_water"),
        "hygienic_latrine": not_deprived("sanitation"),
        "telecom_access": not_deprived("telecommunication"),
    }


def figures_view(figures: YearFigures, baseline: YearFigures) -> dict[str, Any]:
    return {
        "households": figures.households,
        "poor": figures.poor,
        "near_poor": figures.near_poor,
        "ethnic_minority_households": figures.minority_households,
        "ethnic_minority_poor": figures.minority_poor,
        "baseline_poor": baseline.poor,
        "baseline_near_poor": baseline.near_poor,
        "working_age_members": figures.workers,
        "workers_trained": figures.workers_trained,
        "workers_certified": figures.workers_certified,
    }
