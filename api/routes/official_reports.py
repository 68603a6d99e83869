"""The official reports, by unit, as JSON and as XLSX workbooks laid out as officials use them.

The figures come from ``projections.report_queries``, the layout from ``api.exports``; the
routes only wire them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api import schemas
from api.auth import ScopedArea
from api.dependencies import READS_INDICATORS, READS_REGISTERS, ContainerDep, parse_known_at, today
from api.exports.sheets import XLSX_RESPONSE, xlsx_response
from api.exports.workbooks import deprivation_workbook, indicators_workbook, movement_workbook
from api.problems import problem_responses
from api.queries import AsOfQuery, PeriodDep
from application.demo import holds_demo_data

router = APIRouter(tags=["reports"])


TodayDep = Annotated[date, Depends(today)]
KnownAtQuery = Annotated[
    str | None, Query(description="the registers as they stood at this moment (ISO 8601)")
]
YearQuery = Annotated[int | None, Query(ge=2022, le=2100, description="default this year")]


@router.get(
    "/reports/movements/by-unit",
    response_model=schemas.MovementsByUnit,
    dependencies=[READS_REGISTERS],
    responses=problem_responses(422, 503),
)
def movement_report_by_unit(
    built: ContainerDep,
    period: PeriodDep,
    area: ScopedArea,
    known_at: KnownAtQuery = None,
) -> dict[str, Any]:
    """The movement report for each unit directly under the area, and its total (default
    period: the current year so far)."""
    moment = parse_known_at(known_at)
    return built.reports.movements_by_unit(area, period.start, period.end, moment)


@router.get(
    "/reports/movements.xlsx",
    dependencies=[READS_REGISTERS],
    response_class=Response,
    responses=XLSX_RESPONSE | problem_responses(422, 503),
)
def movement_report_workbook(
    built: ContainerDep,
    on: TodayDep,
    period: PeriodDep,
    area: ScopedArea,
    known_at: KnownAtQuery = None,
) -> Response:
    """Báo cáo diễn biến hộ nghèo, hộ cận nghèo (Circular 07/2021/TT-BLĐTBXH), one row per unit
    (default period: the current year so far)."""
    moment = parse_known_at(known_at)
    report = built.reports.movements_by_unit(area, period.start, period.end, moment)
    return xlsx_response(
        movement_workbook(report, on),
        f"dien-bien-ho-ngheo-{area}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx",
    )


@router.get(
    "/reports/deprivations/by-unit",
    response_model=schemas.DeprivationsByUnit,
    dependencies=[READS_INDICATORS],
    responses=problem_responses(422, 503),
)
def deprivation_report_by_unit(
    built: ContainerDep,
    on: TodayDep,
    area: ScopedArea,
    as_of: AsOfQuery = None,
) -> dict[str, Any]:
    """The deprivation analysis added up for each unit directly under the area."""
    return built.reports.deprivations_by_unit(area, as_of or on)


@router.get(
    "/reports/deprivations.xlsx",
    dependencies=[READS_INDICATORS],
    response_class=Response,
    responses=XLSX_RESPONSE | problem_responses(422, 503),
)
def deprivation_report_workbook(
    built: ContainerDep,
    on: TodayDep,
    area: ScopedArea,
    as_of: AsOfQuery = None,
) -> Response:
    """Phân tích chỉ số thiếu hụt: poor and near-poor households deprived in each indicator."""
    day = as_of or on
    report = built.reports.deprivations_by_unit(area, day)
    return xlsx_response(
        deprivation_workbook(report, on),
        f"phan-tich-thieu-hut-{area}-{day.isoformat()}.xlsx",
    )


@router.get(
    "/indicators/by-unit",
    response_model=schemas.IndicatorsByUnit,
    dependencies=[READS_INDICATORS],
    responses=problem_responses(422, 503),
    tags=["indicators"],
)
def indicators_for_each_unit(
    built: ContainerDep,
    on: TodayDep,
    area: ScopedArea,
    year: YearQuery = None,
) -> dict[str, Any]:
    """The indicators (without their trends) for each unit directly under the area."""
    return built.reports.indicators_by_unit(area, year or on.year)


@router.get(
    "/indicators.xlsx",
    dependencies=[READS_INDICATORS],
    response_class=Response,
    responses=XLSX_RESPONSE | problem_responses(422, 503),
    tags=["indicators"],
)
def indicators_workbook_route(
    built: ContainerDep,
    on: TodayDep,
    area: ScopedArea,
    year: YearQuery = None,
) -> Response:
    """The plan's indicators against their targets: the year, each year of the period, and
    one row per unit directly under the area."""
    chosen = year or on.year
    by_year = built.reports.indicators_by_year(area, chosen)
    by_unit = built.reports.indicators_by_unit(area, chosen)
    return xlsx_response(
        indicators_workbook(by_year, by_unit, on, sample=holds_demo_data(built.case_files)),
        f"chi-tieu-giam-ngheo-{area}-{chosen}.xlsx",
    )
