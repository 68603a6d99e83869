"""Households at the HTTP edge: the bodies of their writes and the answers, histories included."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.schemas.vocabulary import (
    COMMUNE,
    DEPRIVATIONS,
    ETHNICITY,
    NOT_BLANK,
    RELATION,
    AreaType,
    DecisionNo,
    Income,
    MovementName,
    Name,
    PastDay,
    RequiredText,
    Review,
    Sex,
    StatusName,
    Text,
    schema_rules,
)
from domain.household_inputs import HOUSEHOLD_CODE
from domain.limits import (
    MAX_MEMBERS,
    NO_CONTROL_CHARACTERS,
)

ETHNICITY_PATTERN = r"^(0[1-9]|[1-4][0-9]|5[0-5]|99)$"
# The server strips the code before checking it (application.case_files.HOUSEHOLD_CODE).
CODE_PATTERN = r"^\s*" + HOUSEHOLD_CODE.pattern.strip("^$") + r"\s*$"
# A name or village of spaces only is refused by the server's own check.
Named = Annotated[Name, Field(json_schema_extra={"pattern": NOT_BLANK})]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Written(BaseModel):
    position: int = Field(description="log position of the last event this write recorded")


class FactNotes(Request):
    reason: Text | None = Field(default=None, description="why the fact is recorded")
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
    name: Named
    birth_date: PastDay = Field(description="not after the day the member joins")
    sex: Sex
    ethnicity: str = Field(pattern=ETHNICITY_PATTERN, json_schema_extra=ETHNICITY)
    relation: str = Field(json_schema_extra=RELATION)
    national_id: str | None = Field(
        default=None, pattern=r"^\d{12}$", description="the 12-digit citizen identity number"
    )
    disability: StrictBool = False
    merit: StrictBool = Field(default=False, description="a family of merit (người có công)")


class MemberPublic(BaseModel):
    member_id: str
    name: str
    birth_date: date
    sex: Sex
    ethnicity: str = Field(json_schema_extra=ETHNICITY)
    relation: str = Field(json_schema_extra=RELATION)
    national_id: str | None
    disability: bool
    merit: bool
    joined_on: date
    left_on: date | None


class MemberCreated(MemberPublic, Written):
    pass


HEAD_EXAMPLE: dict[str, Any] = {
    "name": "Triệu Văn Sơn",
    "birth_date": "1976-02-02",
    "sex": "male",
    "ethnicity": "07",
    "relation": "head",
}


class HouseholdCreate(FactNotes):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "PH-000123",
                    "commune_code": "05485",
                    "village": "Xóm Na Ri",
                    "registered_on": "2022-01-10",
                    "members": [HEAD_EXAMPLE],
                }
            ]
        }
    )

    code: str = Field(
        min_length=1,
        max_length=40,
        description="unique: 1–40 letters, digits, '.', '_', '/' or '-'",
        json_schema_extra={"pattern": CODE_PATTERN},
    )
    commune_code: str = Field(min_length=1, max_length=10, json_schema_extra=COMMUNE)
    village: Named
    registered_on: PastDay
    area: AreaType | None = Field(default=None, description="default: the commune's own area")
    members: list[MemberIn] = Field(
        min_length=1,
        max_length=MAX_MEMBERS,
        description="exactly one with relation `head`",
        json_schema_extra={
            "contains": {"properties": {"relation": {"const": "head"}}},
            "minContains": 1,
            "maxContains": 1,
        },
    )


class HouseholdPublic(BaseModel):
    id: UUID
    code: str
    commune_code: str
    village: str
    area: AreaType
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Triệu Thị Mai",
                    "birth_date": "2023-04-05",
                    "sex": "female",
                    "ethnicity": "07",
                    "relation": "grandchild",
                    "joined_on": "2023-04-05",
                }
            ]
        }
    )

    joined_on: PastDay = Field(description="not before the household's registration")


class Departure(HouseholdWrite):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"left_on": "2024-05-01", "reason": "moved away"}]}
    )

    left_on: PastDay
    reason: Text | None = None


MEMBER_DETAILS = (
    "name",
    "birth_date",
    "sex",
    "ethnicity",
    "relation",
    "national_id",
    "disability",
    "merit",
)


class MemberCorrection(HouseholdWrite):
    """At least one detail, and a reason; only `national_id` may be cleared (null)."""

    model_config = ConfigDict(
        json_schema_extra=schema_rules(
            non_empty=("reason",),
            not_null=tuple(name for name in MEMBER_DETAILS if name != "national_id"),
            one_given=MEMBER_DETAILS,
            example={"birth_date": "1976-03-02", "reason": "typed wrongly at registration"},
        )
    )

    name: Named | None = None
    birth_date: PastDay | None = None
    sex: Sex | None = None
    ethnicity: str | None = Field(
        default=None, pattern=ETHNICITY_PATTERN, json_schema_extra=ETHNICITY
    )
    relation: str | None = Field(default=None, json_schema_extra=RELATION)
    national_id: str | None = Field(default=None, pattern=r"^\d{12}$")
    disability: StrictBool | None = None
    merit: StrictBool | None = None


SURVEY_EXAMPLE: dict[str, Any] = {
    "surveyed_on": "2024-10-01",
    "review": "annual",
    "income_per_capita": 1_100_000,
    "deprivations": {
        "employment": True,
        "dependants": False,
        "nutrition": False,
        "health_insurance": False,
        "adult_education": False,
        "child_school_attendance": False,
        "housing_quality": False,
        "housing_area": False,
        "domestic_water": False,
        "sanitation": True,
        "telecommunication": False,
        "information_access": False,
    },
}


class SurveyCreate(HouseholdWrite):
    model_config = ConfigDict(
        json_schema_extra=schema_rules(standard_by="surveyed_on", example=SURVEY_EXAMPLE)
    )

    surveyed_on: PastDay = Field(description="picks the standard in force that day")
    review: Review
    income_per_capita: Income = Field(description="monthly, whole VND")
    deprivations: dict[str, StrictBool] = Field(json_schema_extra=DEPRIVATIONS)


class SurveyRecorded(Written):
    survey_id: str
    standard: str
    proposed_status: StatusName
    deprivation_count: int


class RecognitionCreate(HouseholdWrite):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "poor", "decided_on": "2024-12-20", "decision_no": "245/QĐ-UBND"}
            ]
        }
    )

    status: StatusName
    decided_on: PastDay
    decision_no: DecisionNo


class RecognitionRecorded(Written):
    recognition_id: str
    status: StatusName
    movement: MovementName | None
    newly_escaped_until: date | None


class RecognitionRevocation(HouseholdWrite):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"revoked_on": "2025-01-15", "reason": "decision annulled on appeal"}]
        }
    )

    revoked_on: PastDay
    reason: RequiredText


class RecognitionCorrection(HouseholdWrite):
    """At least one of status, decided_on and decision_no, and a reason."""

    model_config = ConfigDict(
        json_schema_extra=schema_rules(
            one_given=("status", "decided_on", "decision_no"),
            example={"decision_no": "254/QĐ-UBND", "reason": "number mistyped"},
        )
    )

    status: StatusName | None = None
    decided_on: PastDay | None = None
    decision_no: DecisionNo | None = None
    reason: RequiredText


class RecognitionChanged(Written):
    recognition_id: str


class HistoryItem(BaseModel):
    version: int
    summary: str
    type: str
    effective_on: date | None
    recorded_at: str = Field(description="as stored: give it back as `known_at`")
    actor: str
    reason: str | None
    evidence: str | None
    data: dict[str, Any]


class History(BaseModel):
    items: list[HistoryItem]
    next: int | None = Field(
        default=None, description="the `after` of the next page; null on the last"
    )
