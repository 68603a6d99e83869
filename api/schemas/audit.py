"""What auditors read: differences between states, re-derived surveys, a household's file and
the restatement report."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.households import HistoryItem, HouseholdPublic
from api.schemas.reference import Standard
from api.schemas.vocabulary import (
    DEPRIVATIONS,
    PROGRAMME_LINE,
    SUPPORT_TYPE,
    AreaType,
    MovementName,
    StatusName,
)


class Answer(BaseModel):
    """An answer whose fields the server may add to (contract.md: only by adding)."""

    model_config = ConfigDict(extra="allow")


def _before_and_after(schema: dict[str, Any]) -> None:
    # Present only where they apply, so not fields: an absent one would be answered as null.
    schema["properties"]["before"] = {"description": "the earlier value; absent when added"}
    schema["properties"]["after"] = {"description": "the later value; absent when removed"}


class Change(Answer):
    model_config = ConfigDict(extra="allow", json_schema_extra=_before_and_after)

    path: list[str] = Field(description="where in the recorded state, outermost first")
    change: Literal["added", "removed", "changed"]


class BeforeAfter(Answer):
    before: Any
    after: Any


class HouseholdDifference(Answer):
    from_version: int
    to_version: int
    as_of: date
    changes: list[Change]
    status_on_as_of: dict[str, BeforeAfter] = Field(
        description="`status`, `status_since`, `newly_escaped`… on `as_of`, before and after"
    )


class SurveyInputs(Answer):
    area: AreaType
    income_per_capita: int
    deprivations: dict[str, bool] = Field(json_schema_extra=DEPRIVATIONS)


class Classified(Answer):
    status: StatusName
    deprivation_count: int


class SurveyVerification(Answer):
    survey_id: str
    surveyed_on: date
    standard: Standard
    inputs: SurveyInputs
    recorded: Classified = Field(description="as recorded when surveyed")
    recomputed: Classified = Field(description="re-derived now under the recorded standard")
    matches: bool


class TimelineStep(Answer):
    recognition_id: str
    decided_on: date
    decision_no: str | None
    from_status: StatusName
    status: StatusName
    movement: MovementName | None
    status_since: date | None


class EscapeWindow(Answer):
    opened_on: date
    until: date
    closed_on: date | None


class SupportRecord(Answer):
    support_id: str
    support_type: str = Field(json_schema_extra=SUPPORT_TYPE)
    programme_line: str = Field(json_schema_extra=PROGRAMME_LINE)
    provided_on: date
    member_id: str | None
    amount: int | None
    quantity: float | None
    unit: str | None
    allocation_id: str | None
    model: str | None
    certified: bool | None
    idempotency_key: str | None
    reversed_on: date | None
    reversal_reason: str | None


class MemberRecord(Answer):
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
    left_reason: str | None


class HouseholdFile(Answer):
    household: HouseholdPublic
    facts: list[HistoryItem] = Field(description="one page of `limit` facts, oldest first")
    status_timeline: list[TimelineStep]
    escape_windows: list[EscapeWindow] = Field(description="36-month newly-escaped windows")
    surveys: list[SurveyVerification]
    supports: list[SupportRecord]
    members: list[MemberRecord] = Field(description="every member ever recorded")
    next: int | None = Field(description="the `after` of the next page; null on the last")


class RegisterCounts(Answer):
    households: int
    poor: int
    near_poor: int
    newly_escaped: int
    average: int


class UnitRestatement(Answer):
    code: str
    name: str
    as_reported: RegisterCounts
    as_known_now: RegisterCounts
    difference: RegisterCounts


class Restatement(Answer):
    area: str
    as_of: date
    reported_at: str
    as_reported: RegisterCounts
    as_known_now: RegisterCounts
    difference: RegisterCounts
    units: list[UnitRestatement]
