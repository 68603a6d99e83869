"""Registers, reports and indicators at the HTTP edge: what officials and dashboards read."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.schemas.audit import RegisterCounts
from api.schemas.vocabulary import DEPRIVATION_CODES, Kind

Id = Annotated[str, BeforeValidator(str)]
DEPRIVATION_COUNTS = {
    "description": "`households_surveyed`, and for each deprivation code how many of them are "
    "deprived in it",
    "propertyNames": {"enum": ["households_surveyed", *DEPRIVATION_CODES]},
}


class Answer(BaseModel):
    """An answer whose fields the server may add to (contract.md: only by adding)."""

    model_config = ConfigDict(extra="allow")


class UnitCounts(RegisterCounts):
    code: str
    name: str


class RegisterSummary(RegisterCounts):
    area: str
    as_of: date
    units: list[UnitCounts] = Field(description="each unit directly under the area")


class RegisterEntry(Answer):
    household_id: Id
    code: str
    commune_code: str
    since: date | None
    until: date | None


class Register(Answer):
    kind: Kind
    area: str
    as_of: date
    total: int
    items: list[RegisterEntry]
    limit: int | None
    offset: int


class PoorMovements(Answer):
    start: int
    new_poverty: int
    re_poverty: int
    escaped: int
    end: int


class NearPoorMovements(Answer):
    start: int
    new_near_poverty: int
    from_poverty: int
    escaped: int
    to_poverty: int
    end: int


class Movements(Answer):
    poor: PoorMovements
    near_poor: NearPoorMovements


class MovementReport(Movements):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    area: str
    start: date = Field(alias="from")
    to: date


class UnitMovements(Movements):
    code: str
    name: str


class MovementsByUnit(Answer):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    area: str
    name: str
    start: date = Field(alias="from")
    to: date
    units: list[UnitMovements]
    total: Movements


Counts = Annotated[dict[str, int], Field(json_schema_extra=DEPRIVATION_COUNTS)]


class DeprivationAnalysis(Answer):
    area: str
    as_of: date
    indicators: list[str]
    communes: dict[str, dict[str, Counts]] = Field(
        description="by commune code, then `poor` and `near_poor`"
    )


class UnitDeprivations(Answer):
    code: str
    name: str
    poor: Counts
    near_poor: Counts


class DeprivationTotals(Answer):
    poor: Counts
    near_poor: Counts


class DeprivationsByUnit(Answer):
    area: str
    name: str
    as_of: date
    indicators: list[str]
    names: dict[str, str] = Field(description="each deprivation code's name in Vietnamese")
    units: list[UnitDeprivations]
    total: DeprivationTotals


# int | float: a count stays a whole number in the answer.
Figure = int | float | None


class TrendPoint(Answer):
    year: int
    value: Figure


class Indicator(Answer):
    code: str
    name: str
    name_vi: str
    value: Figure
    target: Figure
    unit: str
    comparison: Literal["<=", ">="] | None
    on_track: bool | None


class IndicatorWithTrend(Indicator):
    # Answered with `response_model_exclude_unset`: absent where the plan follows no trend.
    trend: list[TrendPoint] = Field(
        default_factory=list,
        description="the value each year since the baseline, for the indicators that have one",
    )


class Indicators(Answer):
    area: str
    year: int
    as_of: date
    baseline: date
    plan: str
    figures: dict[str, int] = Field(description="the counts the indicators are computed from")
    items: list[IndicatorWithTrend]


class UnitIndicators(Answer):
    code: str
    name: str
    figures: dict[str, int]
    items: list[Indicator]


class IndicatorsByUnit(Answer):
    area: str
    name: str
    year: int
    as_of: date
    units: list[UnitIndicators]
