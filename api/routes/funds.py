"""Funds and inspection: allocations, spending traced both ways, totals and findings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Header, Query, status

from api import schemas
from api.auth import PrincipalDep, ScopedUnit, check_within
from api.csv_export import SOURCE_VI, Column, LanguageQuery, csv_response, wants_csv
from api.dependencies import (
    READS_FUNDS,
    READS_LOG,
    ActorDep,
    CaseFilesDep,
    ContainerDep,
    context,
    reflect,
)
from api.problems import Unavailable, problem_responses
from application.commands import AdjustAllocation, MakeAllocation
from domain.errors import NotFound
from domain.funds import FundAllocation
from domain.supports import support_catalogue
from infrastructure.container import Container

router = APIRouter(tags=["funds and inspection"])
T = TypeVar("T")
FormatQuery = Annotated[Literal["json", "csv"] | None, Query()]
AcceptHeader = Annotated[str | None, Header()]
OR_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


def _trace_columns() -> dict[str, Column]:
    # Built per export: the support types' names are reference data, read on first use.
    types_vi = {code: kind.name_vi for code, kind in support_catalogue().items()}
    return {
        "support_id": Column("support_id", "Mã khoản hỗ trợ"),
        "household_id": Column("household_id", "Mã định danh hộ"),
        "household_code": Column("household_code", "Mã hộ"),
        "commune_code": Column("commune_code", "Mã xã, phường"),
        "support_type": Column("support_type", "Loại hỗ trợ", types_vi),
        "provided_on": Column("provided_on", "Ngày hỗ trợ"),
        "amount": Column("amount", "Số tiền (đồng)"),
        "reversed": Column("reversed", "Đã hủy"),
    }


SUMMARY_COLUMNS = {
    "source": Column("source", "Nguồn vốn", SOURCE_VI),
    "programme_line": Column("programme_line", "Dự án, tiểu dự án"),
    "allocated": Column("allocated", "Đã phân bổ (đồng)"),
    "spent": Column("spent", "Đã sử dụng (đồng)"),
    "remaining": Column("remaining", "Còn lại (đồng)"),
}


def _from_read_model(built: Container, created: UUID, read: Callable[[], T]) -> T:
    """A read of something the log holds (``created``, its first fact) that the funds read
    model may not have yet, when another server wrote it: wait for the fact, never 404."""
    try:
        return read()
    except NotFound:
        position = built.event_log.position_of(created, 1)
        if position is None:
            raise
        reflect(built, ("funds",), position)
        try:
            return read()
        except NotFound:
            raise Unavailable(
                f"the funds read model lacks {created}, recorded at {position}"
            ) from None


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
    "/allocations",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AllocationWritten,
    responses=problem_responses(409, 422),
    description=(
        "Records a decision allocating money from a source to a unit for a programme line and"
        " fiscal year."
    ),
)
def make_allocation(
    body: schemas.AllocationCreate,
    acting: ActorDep,
    files: CaseFilesDep,
    built: ContainerDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    check_within(built, principal, body.unit_code, ("body", "unit_code"))
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


@router.post(
    "/allocations/{allocation_id}/adjustments",
    response_model=schemas.AllocationWritten,
    responses=problem_responses(404, 409, 422),
)
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


@router.get(
    "/allocations/{allocation_id}",
    response_model=schemas.AllocationPublic,
    dependencies=[READS_LOG],
    responses=problem_responses(404, 422, 503),
    description="The allocation: allocated, spent and remaining.",
)
def get_allocation(allocation_id: UUID, files: CaseFilesDep) -> dict[str, Any]:
    return _allocation_view(files.allocation(allocation_id))


@router.get(
    "/allocations/{allocation_id}/trace",
    response_model=schemas.AllocationTrace,
    dependencies=[READS_FUNDS],
    responses=OR_CSV | problem_responses(404, 422, 503),
)
def allocation_trace(
    allocation_id: UUID,
    built: ContainerDep,
    format: FormatQuery = None,  # noqa: A002
    accept: AcceptHeader = None,
    lang: LanguageQuery = "vi",
) -> Any:
    """Allocation → supports → households."""
    built.case_files.allocation(allocation_id)  # 404 for an id that names no allocation
    trace = _from_read_model(
        built, allocation_id, lambda: built.funds.allocation_trace(str(allocation_id))
    )
    if wants_csv(format, accept):
        columns = _trace_columns()
        return csv_response(
            list(columns.values()),
            ([item[c] for c in columns] for item in trace["supports"]),
            f"allocation-{allocation_id}-trace.csv",
            lang,
        )
    return trace


@router.get(
    "/households/{household_id}/funds",
    response_model=schemas.HouseholdFunds,
    dependencies=[READS_FUNDS],
    responses=problem_responses(404, 422, 503),
)
def household_trace(household_id: UUID, built: ContainerDep) -> dict[str, Any]:
    """Household → supports → allocations → sources."""
    built.case_files.household(household_id)
    return _from_read_model(
        built, household_id, lambda: built.funds.household_trace(str(household_id))
    )


@router.get(
    "/funds/summary",
    response_model=schemas.FundsSummary,
    dependencies=[READS_FUNDS],
    responses=OR_CSV | problem_responses(422, 503),
)
def funds_summary(
    built: ContainerDep,
    unit: ScopedUnit,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    format: FormatQuery = None,  # noqa: A002
    accept: AcceptHeader = None,
    lang: LanguageQuery = "vi",
) -> Any:
    """Allocated, spent and remaining by source and programme line, over the allocations made
    to the unit and to every unit inside it."""
    summary = built.funds.summary(fiscal_year, unit)
    if wants_csv(format, accept):
        return csv_response(
            list(SUMMARY_COLUMNS.values()),
            ([item[c] for c in SUMMARY_COLUMNS] for item in summary["items"]),
            f"funds-{unit}-{fiscal_year or 'all'}.csv",
            lang,
        )
    return summary


@router.get(
    "/inspections/findings",
    response_model=schemas.Findings,
    dependencies=[READS_FUNDS],
    responses=problem_responses(422, 503),
)
def findings(
    built: ContainerDep,
    unit: ScopedUnit,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> dict[str, Any]:
    """Supports that break the rules, as now known: ineligible_support, duplicate_support,
    late_recording, repeated_single_use."""
    return built.funds.findings(fiscal_year, unit)
