"""The plan's indicators against its targets, and the deprivation analysis."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api import schemas
from api.auth import ScopedArea
from api.dependencies import READS_INDICATORS, ContainerDep, today
from api.problems import problem_responses
from api.queries import AsOfQuery

router = APIRouter(tags=["indicators"])


@router.get(
    "/indicators",
    response_model=schemas.Indicators,
    response_model_exclude_unset=True,
    dependencies=[READS_INDICATORS],
    responses=problem_responses(422, 503),
)
def indicators(
    built: ContainerDep,
    on: Annotated[date, Depends(today)],
    area: ScopedArea,
    year: Annotated[int | None, Query(ge=2022, le=2100, description="default this year")] = None,
) -> dict[str, Any]:
    """Every indicator of plan 101/KH-UBND for the area, as of 31 December of the year, with
    its target, whether it is on track, and the yearly trend since the baseline."""
    return built.indicators.indicators(area, year or on.year)


@router.get(
    "/reports/deprivations",
    response_model=schemas.DeprivationAnalysis,
    dependencies=[READS_INDICATORS],
    responses=problem_responses(422, 503),
    tags=["reports"],
)
def deprivation_analysis(
    built: ContainerDep,
    on: Annotated[date, Depends(today)],
    area: ScopedArea,
    as_of: AsOfQuery = None,
) -> dict[str, Any]:
    """How many poor and near-poor households are deprived in each indicator, by commune."""
    return built.indicators.deprivation_analysis(area, as_of or on)
