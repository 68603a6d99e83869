"""Registers, their summary and the movement report, from the registers read model."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request

from api import schemas
from api.auth import ScopedArea
from api.dependencies import READS_REGISTERS, ContainerDep, parse_known_at, today
from api.exports.csv_files import LanguageQuery, register_csv, wants_csv
from api.problems import problem_responses
from api.queries import AsOfQuery, LimitQuery, OffsetQuery, PeriodDep
from projections.register_queries import RegisterKind

router = APIRouter(tags=["registers"])

TodayDep = Annotated[date, Depends(today)]
KnownAtQuery = Annotated[
    str | None, Query(description="the register as it stood at this moment (ISO 8601)")
]


@router.get(
    "/registers/summary",
    response_model=schemas.RegisterSummary,
    dependencies=[READS_REGISTERS],
    responses=problem_responses(422, 503),
    description=(
        "How many households are in each register on `as_of`, for the area and each unit "
        "directly under it."
    ),
)
def register_summary(
    built: ContainerDep,
    on: TodayDep,
    area: ScopedArea,
    as_of: AsOfQuery = None,
    known_at: KnownAtQuery = None,
) -> dict[str, Any]:
    return built.registers.summary(area, as_of or on, parse_known_at(known_at))


@router.get(
    "/registers/{kind}",
    response_model=schemas.Register,
    dependencies=[READS_REGISTERS],
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(422, 503)},
    description=(
        "The households in a register on `as_of`, in pages of `limit` (default 100; a CSV "
        "export is whole)."
    ),
)
def register(
    kind: RegisterKind,
    built: ContainerDep,
    on: TodayDep,
    request: Request,
    area: ScopedArea,
    as_of: AsOfQuery = None,
    known_at: KnownAtQuery = None,
    limit: LimitQuery = None,
    offset: OffsetQuery = 0,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,  # noqa: A002
    accept: Annotated[str | None, Header()] = None,
    lang: LanguageQuery = "vi",
) -> Any:
    as_csv = wants_csv(format, accept)
    # A JSON page defaults to 100 items; an export is the whole list unless asked otherwise.
    page = limit if limit is not None else (None if as_csv else 100)
    result = built.registers.register(
        kind, area, as_of or on, parse_known_at(known_at), page, offset
    )
    if as_csv:
        return register_csv(result, built.units, lang)
    for item in result["items"]:
        del item["village"], item["head_name"]
    result["limit"] = page
    result["offset"] = offset
    return result


@router.get(
    "/reports/movements",
    response_model=schemas.MovementReport,
    dependencies=[READS_REGISTERS],
    responses=problem_responses(422, 503),
    tags=["reports"],
)
def movement_report(
    built: ContainerDep,
    period: PeriodDep,
    area: ScopedArea,
    known_at: KnownAtQuery = None,
) -> dict[str, Any]:
    """Movements in and out of the poor and near-poor lists between two dates (default the
    current year so far)."""
    return built.registers.movements(area, period.start, period.end, parse_known_at(known_at))
