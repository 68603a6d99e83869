"""Funds and inspection: allocations, spending traced both ways, totals and findings."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, status

from api import schemas
from api.csv_export import csv_response, wants_csv
from api.dependencies import ActorDep, CaseFilesDep, ContainerDep, context
from api.problems import Unavailable
from application.commands import AdjustAllocation, MakeAllocation
from domain.funds import FundAllocation
from domain.units import PROVINCE_CODE
from projections.machinery import wait_for_position

router = APIRouter(tags=["funds and inspection"])
MIN_POSITION_WAIT_SECONDS = 5.0
FormatQuery = Annotated[Literal["json", "csv"] | None, Query()]
AcceptHeader = Annotated[str | None, Header()]
OR_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


def funds_caught_up(
    built: ContainerDep,
    min_position: Annotated[
        int | None, Query(ge=0, description="answer only once the funds reflect this position")
    ] = None,
) -> None:
    if min_position is None:
        return
    if not wait_for_position(built.projectors["funds"], min_position, MIN_POSITION_WAIT_SECONDS):
        raise Unavailable(f"the funds read model has not reached position {min_position} yet")


def _allocation_view(allocation: FundAllocation) -> dict[str, Any]:
    return {
        "allocation_id": allocation.id,
        "source": allocation.source,
        "fiscal_year": allocation.fiscal_year,
        "programme_line": allocation.programme_line,
        "unit_code": allocation.unit_code,
        "decision_no": allocation.decision_no,
        "decided_on": allocation.decided_on,
        "allocated": allocation.allocated,
        "spent": allocation.spent,
        "remaining": allocation.remaining,
    }


@router.post(
    "/allocations", status_code=status.HTTP_201_CREATED, response_model=schemas.AllocationWritten
)
def make_allocation(
    body: schemas.AllocationCreate, acting: ActorDep, files: CaseFilesDep
) -> dict[str, Any]:
    allocation, written = files.make_allocation(
        MakeAllocation(
            source=body.source,
            fiscal_year=body.fiscal_year,
            programme_line=body.programme_line,
            unit_code=body.unit_code,
            amount=body.amount,
            decision_no=body.decision_no,
            decided_on=body.decided_on,
            context=context(acting, body.reason, body.evidence or body.decision_no),
        )
    )
    return {**_allocation_view(allocation), "position": written.position}


@router.post("/allocations/{allocation_id}/adjustments", response_model=schemas.AllocationWritten)
def adjust_allocation(
    allocation_id: UUID, body: schemas.AdjustmentCreate, acting: ActorDep, files: CaseFilesDep
) -> dict[str, Any]:
    """Adjusts the amount by a later decision, never below what has been spent."""
    allocation, written = files.adjust_allocation(
        AdjustAllocation(
            allocation_id=allocation_id,
            delta=body.delta,
            decision_no=body.decision_no,
            decided_on=body.decided_on,
            context=context(acting, body.reason, body.evidence or body.decision_no),
        )
    )
    return {**_allocation_view(allocation), "position": written.position}


@router.get("/allocations/{allocation_id}", response_model=schemas.AllocationPublic)
def get_allocation(allocation_id: UUID, files: CaseFilesDep) -> dict[str, Any]:
    return _allocation_view(files.allocation(allocation_id))


@router.get(
    "/allocations/{allocation_id}/trace",
    dependencies=[Depends(funds_caught_up)],
    responses=OR_CSV,
)
def allocation_trace(
    allocation_id: UUID,
    built: ContainerDep,
    format: FormatQuery = None,  # noqa: A002
    accept: AcceptHeader = None,
) -> Any:
    """Allocation → supports → households."""
    built.case_files.allocation(allocation_id)  # 404 for an id that names no allocation
    trace = built.funds.allocation_trace(str(allocation_id))
    if wants_csv(format, accept):
        columns = (
            "support_id",
            "household_id",
            "household_code",
            "commune_code",
            "support_type",
            "provided_on",
            "amount",
            "reversed",
        )
        return csv_response(
            columns,
            ([item[c] for c in columns] for item in trace["supports"]),
            f"allocation-{allocation_id}-trace.csv",
        )
    return trace


@router.get("/households/{household_id}/funds", dependencies=[Depends(funds_caught_up)])
def household_trace(household_id: UUID, built: ContainerDep) -> dict[str, Any]:
    """Household → supports → allocations → sources."""
    built.case_files.household(household_id)
    return built.funds.household_trace(str(household_id))


@router.get("/funds/summary", dependencies=[Depends(funds_caught_up)], responses=OR_CSV)
def funds_summary(
    built: ContainerDep,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    unit: str = PROVINCE_CODE,
    format: FormatQuery = None,  # noqa: A002
    accept: AcceptHeader = None,
) -> Any:
    """Allocated, spent and remaining by source and programme line, over the allocations made
    to the unit and to every unit inside it."""
    summary = built.funds.summary(fiscal_year, unit)
    if wants_csv(format, accept):
        columns = ("source", "programme_line", "allocated", "spent", "remaining")
        return csv_response(
            columns,
            ([item[c] for c in columns] for item in summary["items"]),
            f"funds-{unit}-{fiscal_year or 'all'}.csv",
        )
    return summary


@router.get("/inspections/findings", dependencies=[Depends(funds_caught_up)])
def findings(
    built: ContainerDep,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    unit: str = PROVINCE_CODE,
) -> dict[str, Any]:
    """Supports that break the rules, as now known: ineligible_support, duplicate_support,
    late_recording, repeated_single_use."""
    return built.funds.findings(fiscal_year, unit)
