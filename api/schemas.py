"""Request and response shapes at the HTTP edge (contract.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

Money = Annotated[StrictInt, Field(description="whole VND")]
Sex = Literal["male", "female"]
StatusName = Literal["poor", "near_poor", "average", "none"]
MovementName = Literal[
    "new_poverty", "re_poverty", "escaped_poverty", "escaped_near_poverty", "new_near_poverty"
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Written(BaseModel):
    position: int = Field(description="log position of the last event this write recorded")


class FactNotes(Request):
    reason: str | None = Field(default=None, max_length=2000)
    evidence: str | None = Field(
        default=None, max_length=500, description="e.g. a decision number or document reference"
    )


class HouseholdWrite(FactNotes):
    expected_version: int | None = Field(
        default=None, description="the household version this write was based on; 409 if stale"
    )


class MemberIn(Request):
    name: str = Field(min_length=1, max_length=200)
    birth_date: date
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
    village: str = Field(min_length=1, max_length=200)
    registered_on: date
    area: Literal["rural", "urban"] | None = None
    members: list[MemberIn] = Field(min_length=1)


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
    joined_on: date


class Departure(HouseholdWrite):
    left_on: date
    reason: str | None = Field(default=None, max_length=2000)


class MemberCorrection(HouseholdWrite):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    birth_date: date | None = None
    sex: Sex | None = None
    ethnicity: str | None = Field(default=None, pattern=r"^(0[1-9]|[1-4][0-9]|5[0-5]|99)$")
    relation: str | None = None
    national_id: str | None = Field(default=None, pattern=r"^\d{12}$")
    disability: StrictBool | None = None
    merit: StrictBool | None = None


class SurveyCreate(HouseholdWrite):
    surveyed_on: date
    review: Literal["annual", "regular"]
    income_per_capita: Annotated[Money, Field(ge=0)]
    deprivations: dict[str, StrictBool]


class SurveyRecorded(Written):
    survey_id: str
    standard: str
    proposed_status: StatusName
    deprivation_count: int


class RecognitionCreate(HouseholdWrite):
    status: StatusName
    decided_on: date
    decision_no: str = Field(min_length=1, max_length=100)


class RecognitionRecorded(Written):
    recognition_id: str
    status: StatusName
    movement: MovementName | None
    newly_escaped_until: date | None


class RecognitionRevocation(HouseholdWrite):
    revoked_on: date
    reason: str = Field(min_length=1, max_length=2000)


class RecognitionCorrection(HouseholdWrite):
    status: StatusName | None = None
    decided_on: date | None = None
    decision_no: str | None = Field(default=None, min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


class RecognitionChanged(Written):
    recognition_id: str


class SupportCreate(HouseholdWrite):
    support_type: str
    provided_on: date
    member_id: str | None = None
    amount: Annotated[Money, Field(gt=0)] | None = None
    quantity: Annotated[float, Field(gt=0)] | None = None
    unit: str | None = Field(default=None, max_length=50)
    allocation_id: UUID | None = None
    model: str | None = Field(default=None, max_length=200)
    certified: StrictBool | None = None
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)


class SupportWritten(Written):
    support_id: str


class SupportReversal(HouseholdWrite):
    reversed_on: date
    reason: str = Field(min_length=1, max_length=2000)


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
    income_per_capita: Annotated[Money, Field(ge=0)]
    deprivations: dict[str, StrictBool]
    on: date | None = None


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
    fiscal_year: StrictInt
    programme_line: str
    unit_code: str
    amount: Annotated[Money, Field(gt=0)]
    decision_no: str = Field(min_length=1, max_length=100)
    decided_on: date


class AdjustmentCreate(FactNotes):
    delta: Money
    decision_no: str = Field(min_length=1, max_length=100)
    decided_on: date
    reason: str = Field(min_length=1, max_length=2000)


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
