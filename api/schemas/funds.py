"""Funds at the HTTP edge: allocations and adjustments, traces both ways, totals and findings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from api.schemas.households import FactNotes, Written
from api.schemas.vocabulary import (
    FINDING_KINDS,
    PROGRAMME_LINE,
    SUPPORT_TYPE,
    UNIT,
    DecisionNo,
    Delta,
    Money,
    PastDay,
    RequiredText,
    Source,
)
from domain.limits import MAX_DATE, MAX_NAME_LENGTH

# Ids read back from the read models, whatever type the database hands them in.
Id = Annotated[str, BeforeValidator(str)]
FindingKind = Literal[
    "ineligible_support", "duplicate_support", "late_recording", "repeated_single_use"
]
assert set(FINDING_KINDS) == set(FindingKind.__args__)  # type: ignore[attr-defined]


class Answer(BaseModel):
    """An answer whose fields the server may add to (contract.md: only by adding)."""

    model_config = ConfigDict(extra="allow")


class AllocationCreate(FactNotes):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source": "central_recurrent",
                    "fiscal_year": 2024,
                    "programme_line": "DA3.TDA1",
                    "unit_code": "05485",
                    "amount": 50_000_000,
                    "decision_no": "12/QĐ-UBND",
                    "decided_on": "2024-01-10",
                }
            ]
        }
    )

    source: Source
    fiscal_year: Annotated[StrictInt, Field(ge=2000, le=MAX_DATE.year)]
    programme_line: str = Field(max_length=MAX_NAME_LENGTH, json_schema_extra=PROGRAMME_LINE)
    unit_code: str = Field(max_length=MAX_NAME_LENGTH, json_schema_extra=UNIT)
    amount: Money
    decision_no: DecisionNo
    decided_on: PastDay


class AdjustmentCreate(FactNotes):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "delta": -5_000_000,
                    "decision_no": "31/QĐ-UBND",
                    "decided_on": "2024-06-01",
                    "reason": "reallocated to another commune",
                }
            ]
        }
    )

    delta: Delta = Field(description="never below what has been spent")
    decision_no: DecisionNo
    decided_on: PastDay = Field(description="not before the allocation's decision")
    reason: RequiredText


class AllocationPublic(BaseModel):
    allocation_id: UUID
    source: Source
    fiscal_year: int
    programme_line: str = Field(json_schema_extra=PROGRAMME_LINE)
    unit_code: str
    decision_no: str
    decided_on: date
    allocated: int
    spent: int
    remaining: int


class AllocationWritten(AllocationPublic, Written):
    pass


class TracedSupport(Answer):
    support_id: Id
    household_id: Id
    household_code: str
    commune_code: str
    support_type: str = Field(json_schema_extra=SUPPORT_TYPE)
    provided_on: date
    amount: int | None
    reversed: bool


class AllocationTrace(Answer):
    allocation_id: Id
    source: Source
    fiscal_year: int
    programme_line: str = Field(json_schema_extra=PROGRAMME_LINE)
    unit_code: str
    allocated: int
    spent: int
    remaining: int
    supports: list[TracedSupport]


class ReceivedSupport(Answer):
    support_id: Id
    support_type: str = Field(json_schema_extra=SUPPORT_TYPE)
    programme_line: str = Field(json_schema_extra=PROGRAMME_LINE)
    provided_on: date
    member_id: Id | None
    amount: int | None
    quantity: float | None
    unit: str | None
    allocation_id: Id | None
    source: Source | None
    fiscal_year: int | None
    reversed: bool


class HouseholdFunds(Answer):
    household_id: Id
    household_code: str
    commune_code: str
    supports: list[ReceivedSupport]
    received_by_source: dict[str, int] = Field(description="whole VND by source of funds")


class SummaryLine(Answer):
    source: Source
    programme_line: str = Field(json_schema_extra=PROGRAMME_LINE)
    allocated: int
    spent: int
    remaining: int


class FundsSummary(Answer):
    fiscal_year: int | None
    unit: str
    items: list[SummaryLine]


class Finding(Answer):
    household_id: Id
    support_id: Id
    kind: FindingKind
    detail: str


class Findings(Answer):
    fiscal_year: int | None
    unit: str
    items: list[Finding]
