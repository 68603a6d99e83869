"""Registers, their summary and the movement report, from the registers read model."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from api.csv_export import csv_response, wants_csv
from api.dependencies import ContainerDep, parse_known_at, today
from api.problems import Unavailable
from api.queries import AsOfQuery, LimitQuery, OffsetQuery, PeriodDep
from domain.units import PROVINCE_CODE
from projections.machinery import wait_for_position
from projections.register_queries import RegisterKind

router = APIRouter(tags=["registers"])

TodayDep = Annotated[date, Depends(today)]
AreaQuery = Annotated[
    str, Query(description="unit code: province, district or commune (default the province)")
]
KnownAtQuery = Annotated[
    str | None, Query(description="the register as it stood at this moment (ISO 8601)")
]
CSV_COLUMNS = ("household code", "head's name", "commune", "village", "status", "since", "until")
MIN_POSITION_WAIT_SECONDS = 5.0


def registers_caught_up(
    built: ContainerDep,
    min_position: Annotated[
        int | None, Query(ge=0, description="answer only once the registers reflect this position")
    ] = None,
) -> None:
    if min_position is None:
        return
    projector = built.projectors["registers"]
    if not wait_for_position(projector, min_position, MIN_POSITION_WAIT_SECONDS):
        raise Unavailable(f"the registers have not reached position {min_position} yet")


def _register_csv(result: dict[str, Any], built: ContainerDep) -> Response:
    def names(item: dict[str, Any]) -> str:
        unit = built.units.get(item["commune_code"])
        return unit.name if unit else str(item["commune_code"])

    return csv_response(
        CSV_COLUMNS,
        (
            [
                item["code"],
                item["head_name"],
                names(item),
                item["village"],
                result["kind"],
                item["since"],
                item["until"],
            ]
            for item in result["items"]
        ),
        f"register-{result['kind']}-{result['area']}-{result['as_of'].isoformat()}.csv",
    )


@router.get("/registers/summary", dependencies=[Depends(registers_caught_up)])
def register_summary(
    built: ContainerDep,
    on: TodayDep,
    area: AreaQuery = PROVINCE_CODE,
    as_of: AsOfQuery = None,
    known_at: KnownAtQuery = None,
) -> dict[str, Any]:
    return built.registers.summary(area, as_of or on, parse_known_at(known_at))


@router.get(
    "/registers/{kind}",
    dependencies=[Depends(registers_caught_up)],
    responses={200: {"content": {"text/csv": {}}}},
)
def register(
    kind: RegisterKind,
    built: ContainerDep,
    on: TodayDep,
    request: Request,
    area: AreaQuery = PROVINCE_CODE,
    as_of: AsOfQuery = None,
    known_at: KnownAtQuery = None,
    limit: LimitQuery = None,
    offset: OffsetQuery = 0,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,  # noqa: A002
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    as_csv = wants_csv(format, accept)
    # A JSON page defaults to 100 items; an export is the whole list unless asked otherwise.
    page = limit if limit is not None else (None if as_csv else 100)
    result = built.registers.register(
        kind, area, as_of or on, parse_known_at(known_at), page, offset
    )
    if as_csv:
        return _register_csv(result, built)
    for item in result["items"]:
        del item["village"], item["head_name"]
    result["limit"] = page
    result["offset"] = offset
    return result


@router.get("/reports/movements", dependencies=[Depends(registers_caught_up)], tags=["reports"])
def movement_report(
    built: ContainerDep,
    period: PeriodDep,
    area: AreaQuery = PROVINCE_CODE,
    known_at: KnownAtQuery = None,
) -> dict[str, Any]:
    """Movements in and out of the poor and near-poor lists between two dates (default the
    current year so far)."""
    return built.registers.movements(area, period.start, period.end, parse_known_at(known_at))
