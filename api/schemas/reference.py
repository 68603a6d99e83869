"""Reference data, self-assessment and health at the HTTP edge."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.schemas.vocabulary import (
    DEPRIVATIONS,
    PROGRAMME_LINE,
    STANDARD_ID,
    SUPPORT_TYPE,
    AreaType,
    Day,
    Income,
    StatusName,
    schema_rules,
)


class Answer(BaseModel):
    """An answer whose fields the server may add to (contract.md: only by adding)."""

    model_config = ConfigDict(extra="allow")


class Unit(Answer):
    code: str
    name: str
    level: Literal["province", "district", "commune"]
    unit_type: str = Field(description="province, city, rural_district, commune, ward, township")
    parent_code: str | None
    area: AreaType | None = Field(description="communes only: xã rural; phường, thị trấn urban")


class Units(Answer):
    items: list[Unit]


class SupportType(Answer):
    code: str = Field(json_schema_extra=SUPPORT_TYPE)
    name: str
    name_vi: str
    programme_line: str = Field(json_schema_extra=PROGRAMME_LINE)
    plan_item: str | None
    eligible_statuses: list[StatusName]
    newly_escaped_eligible: bool
    low_income_eligible: bool
    member: Literal["required", "optional"]
    member_min_age: int | None
    member_max_age_exclusive: int | None
    requires_latest_survey_deprived_in_any: list[str]
    requires_model: bool
    records_certificate: bool


class SupportTypes(Answer):
    items: list[SupportType]


class ProgrammeLine(Answer):
    code: str = Field(json_schema_extra=PROGRAMME_LINE)
    plan_item: str | None
    name: str
    household_supports: bool


class ProgrammeLines(Answer):
    items: list[ProgrammeLine]


class Standard(Answer):
    id: str = Field(json_schema_extra=STANDARD_ID)
    name: str
    applies_from: date | None
    applies_to: date
    absolute_poverty_line: dict[str, int] | None
    income_line: dict[str, int] = Field(description="monthly VND per person, rural and urban")
    average_ceiling: dict[str, int] | None
    poor_min_deprivations: int
    indicators: list[str] = Field(description="the deprivation codes a survey answers")


class Standards(Answer):
    items: list[Standard]


SELF_ASSESSMENT_EXAMPLE: dict[str, Any] = {
    "area": "rural",
    "income_per_capita": 1_400_000,
    "deprivations": {
        "employment": False,
        "dependants": False,
        "nutrition": False,
        "health_insurance": True,
        "adult_education": False,
        "child_school_attendance": False,
        "housing_quality": True,
        "housing_area": False,
        "domestic_water": False,
        "sanitation": True,
        "telecommunication": False,
        "information_access": False,
    },
    "on": "2024-06-01",
}


class SelfAssessmentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=schema_rules(
            not_null=("on",), standard_by="on", example=SELF_ASSESSMENT_EXAMPLE
        ),
    )

    area: AreaType
    income_per_capita: Income = Field(description="monthly, whole VND")
    deprivations: dict[str, StrictBool] = Field(json_schema_extra=DEPRIVATIONS)
    on: Day | None = Field(default=None, description="the standard in force then; default today")


class SelfAssessmentOut(BaseModel):
    standard: str = Field(json_schema_extra=STANDARD_ID)
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


class HealthDown(BaseModel):
    status: Literal["degraded"]
    database: str
    position: int
    projections: dict[str, ProjectionHealth]
    detail: str = Field(description="why the database cannot be used")
