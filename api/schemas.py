"""Request and response shapes at the HTTP edge (contract.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from domain.limits import (
    MAX_DATE,
    MAX_DECISION_NO_LENGTH,
    MAX_MEMBERS,
    MAX_MONEY,
    MAX_NAME_LENGTH,
    MAX_QUANTITY,
    MAX_TEXT_LENGTH,
    MAX_UNIT_LENGTH,
    MIN_DATE,
    NO_CONTROL_CHARACTERS,
)

# The bounds of contract.md "Limits", as the schema shows them; domain.limits enforces the same.
Money = Annotated[StrictInt, Field(gt=0, le=MAX_MONEY, description=f"whole VND, 1..{MAX_MONEY:,}")]
Income = Annotated[StrictInt, Field(ge=0, le=MAX_MONEY, description=f"whole VND, 0..{MAX_MONEY:,}")]
Delta = Annotated[
    StrictInt,
    Field(
        ge=-MAX_MONEY,
        le=MAX_MONEY,
        description=f"whole VND, not zero, at most {MAX_MONEY:,} either way",
        json_schema_extra={"not": {"const": 0}},
    ),
]
Day = Annotated[
    date,
    Field(
        ge=MIN_DATE,
        le=MAX_DATE,
        description=f"a date from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}",
    ),
]
Name = Annotated[
    str, Field(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NO_CONTROL_CHARACTERS)
]
Text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH, pattern=NO_CONTROL_CHARACTERS)]
RequiredText = Annotated[
    str, Field(min_length=1, max_length=MAX_TEXT_LENGTH, pattern=NO_CONTROL_CHARACTERS)
]
DecisionNo = Annotated[
    str, Field(min_length=1, max_length=MAX_DECISION_NO_LENGTH, pattern=NO_CONTROL_CHARACTERS)
]
Sex = Literal["male", "female"]
StatusName = Literal["poor", "near_poor", "average", "none"]
MovementName = Literal[
    "new_poverty", "re_poverty", "escaped_poverty", "escaped_near_poverty", "new_near_poverty"
]


ProblemCode = Literal[
    "not_found",
    "conflict",
    "validation_error",
    "not_eligible",
    "insufficient_funds",
    "rule_violation",
    "unauthorized",
    "forbidden",
    "method_not_allowed",
    "unavailable",
    "internal_error",
]


class ProblemFieldError(BaseModel):
    loc: list[str | int] = Field(description="where: body, query, header or path, then the field")
    msg: str


class Problem(BaseModel):
    """Every error answer (RFC 9457, `application/problem+json`).

    `code` is one of contract.md's codes, plus `method_not_allowed` (405, with an `Allow`
    header naming the methods the path accepts), `unavailable` (503: a read model has not
    reached the asked position in time) and `internal_error` (500: an unexpected failure; quote
    its `correlation_id`, which the server log also records)."""

    type: str
    title: str
    status: int
    detail: str
    code: ProblemCode
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="for invalid input: each field and what is wrong with it"
    )
    correlation_id: str | None = Field(
        default=None, description="for internal_error: the id the server log records it under"
    )


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Written(BaseModel):
    position: int = Field(description="log position of the last event this write recorded")


class FactNotes(Request):
    reason: Text | None = None
    evidence: str | None = Field(
        default=None,
        max_length=500,
        pattern=NO_CONTROL_CHARACTERS,
        description="e.g. a decision number or document reference",
    )


class HouseholdWrite(FactNotes):
    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="the household version this write was based on; 409 if stale",
    )


class MemberIn(Request):
    name: Name
    birth_date: Day
    sex: Sex
    ethnicity: str = Field(pattern=r"^(0[1-9]|[1-4][0-9]|5[0-5]|99)$", examples=["01"])
    relation: str = Field(examples=["head"])
    national_id: str | None = Field(default=None, pattern=r"^\d{12}$")
    disability: StrictBool = False
    merit: StrictBool = False


class MemberPublic(BaseModel):
    member_id: str
    name: str
    birth_date: date
    sex: str
    ethnicity: str
    relation: str
    national_id: str | None
    disability: bool
    merit: bool
    joined_on: date
    left_on: date | None


class MemberCreated(MemberPublic, Written):
    pass


class HouseholdCreate(FactNotes):
    code: str = Field(min_length=1, max_length=40)
    commune_code: str = Field(min_length=1, max_length=10)
    village: Name
    registered_on: Day
    area: Literal["rural", "urban"] | None = None
    members: list[MemberIn] = Field(min_length=1, max_length=MAX_MEMBERS)


class HouseholdPublic(BaseModel):
    id: UUID
    code: str
    commune_code: str
    village: str
    area: str
    registered_on: date
    version: int
    ethnic_minority: bool
    members: list[MemberPublic]
    status: StatusName
    status_since: date | None
    newly_escaped: bool
    newly_escaped_until: date | None


class HouseholdWritten(HouseholdPublic, Written):
    pass


class HouseholdList(BaseModel):
    items: list[HouseholdPublic]


class MemberJoin(MemberIn, HouseholdWrite):
    joined_on: Day


class Departure(HouseholdWrite):
    left_on: Day
    reason: Text | None = None


class MemberCorrection(HouseholdWrite):
    name: Name | None = None
    birth_date: Day | None = None
    sex: Sex | None = None
    ethnicity: str | None = Field(default=None, pattern=r"^(0[1-9]|[1-4][0-9]|5[0-5]|99)$")
    relation: str | None = None
    national_id: str | None = Field(default=None, pattern=r"^\d{12}$")
    disability: StrictBool | None = None
    merit: StrictBool | None = None


class SurveyCreate(HouseholdWrite):
    surveyed_on: Day
    review: Literal["annual", "regular"]
    income_per_capita: Income
    deprivations: dict[str, StrictBool]


class SurveyRecorded(Written):
    survey_id: str
    standard: str
    proposed_status: StatusName
    deprivation_count: int


class RecognitionCreate(HouseholdWrite):
    status: StatusName
    decided_on: Day
    decision_no: DecisionNo


class RecognitionRecorded(Written):
    recognition_id: str
    status: StatusName
    movement: MovementName | None
    newly_escaped_until: date | None


class RecognitionRevocation(HouseholdWrite):
    revoked_on: Day
    reason: RequiredText


class RecognitionCorrection(HouseholdWrite):
    status: StatusName | None = None
    decided_on: Day | None = None
    decision_no: DecisionNo | None = None
    reason: RequiredText


class RecognitionChanged(Written):
    recognition_id: str


class SupportCreate(HouseholdWrite):
    support_type: str = Field(max_length=MAX_NAME_LENGTH)
    provided_on: Day
    member_id: str | None = Field(default=None, max_length=MAX_NAME_LENGTH)
    amount: Money | None = None
    quantity: Annotated[float, Field(gt=0, le=MAX_QUANTITY, allow_inf_nan=False)] | None = None
    unit: str | None = Field(
        default=None, max_length=MAX_UNIT_LENGTH, pattern=NO_CONTROL_CHARACTERS
    )
    allocation_id: UUID | None = None
    model: str | None = Field(
        default=None, max_length=MAX_NAME_LENGTH, pattern=NO_CONTROL_CHARACTERS
    )
    certified: StrictBool | None = None
    idempotency_key: Name | None = None


class SupportWritten(Written):
    support_id: str


class SupportReversal(HouseholdWrite):
    reversed_on: Day
    reason: RequiredText


class HistoryItem(BaseModel):
    version: int
    summary: str
    type: str
    effective_on: date | None
    recorded_at: str
    actor: str
    reason: str | None
    evidence: str | None
    data: dict[str, Any]


class History(BaseModel):
    items: list[HistoryItem]
    # The `after` of the next page; null on the last.
    next: int | None = None


class SelfAssessmentIn(Request):
    area: Literal["rural", "urban"]
    income_per_capita: Income
    deprivations: dict[str, StrictBool]
    on: Day | None = None


class SelfAssessmentOut(BaseModel):
    standard: str
    status: StatusName
    deprivation_count: int


class ProjectionFailing(BaseModel):
    position: int | None = Field(
        description="the log position of the fact it fails on; null when no one fact is the "
        "cause (the database went away)"
    )
    error: str = Field(description="the error's type and message")
    since: datetime = Field(description="when this run of failures began")
    attempts: int = Field(description="attempts so far; retried with a back-off up to 30 s")


class ProjectionHealth(BaseModel):
    position: int
    behind: int
    failing: ProjectionFailing | None = Field(
        default=None, description="present while the projection is failing"
    )


class LastVerification(BaseModel):
    finished_at: str
    intact: bool
    facts: int
    problems: list[str]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    position: int
    projections: dict[str, ProjectionHealth]
    verification: LastVerification | None = Field(
        default=None, description="the last run of `giamngheo verify`"
    )


class AllocationCreate(FactNotes):
    source: Literal["central_investment", "central_recurrent", "local", "mobilized"]
    fiscal_year: Annotated[StrictInt, Field(ge=2000, le=MAX_DATE.year)]
    programme_line: str = Field(max_length=MAX_NAME_LENGTH)
    unit_code: str = Field(max_length=MAX_NAME_LENGTH)
    amount: Money
    decision_no: DecisionNo
    decided_on: Day


class AdjustmentCreate(FactNotes):
    delta: Delta
    decision_no: DecisionNo
    decided_on: Day
    reason: RequiredText


class AllocationPublic(BaseModel):
    allocation_id: UUID
    source: str
    fiscal_year: int
    programme_line: str
    unit_code: str
    decision_no: str
    decided_on: date
    allocated: int
    spent: int
    remaining: int


class AllocationWritten(AllocationPublic, Written):
    pass
