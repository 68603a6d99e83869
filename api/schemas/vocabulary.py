"""The bounds of contract.md "Limits" and the closed vocabularies, as the schema shows them.

Vocabularies come from the reference data in domain/ and the checks in application/; where the
server's own check words the refusal (unknown support type, relation…), the enum is shown in the
schema only, so that the answer to a wrong value stays the same.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, StrictInt

from application.case_files import ETHNICITIES, RELATIONS, REVIEWS
from domain.funds import SOURCES
from domain.limits import (
    MAX_DATE,
    MAX_DECISION_NO_LENGTH,
    MAX_MONEY,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    MIN_DATE,
    NO_CONTROL_CHARACTERS,
)
from domain.standards import Area, Status, all_standards
from domain.status import Movement
from domain.supports import programme_lines, support_catalogue
from projections.register_queries import RegisterKind


def enum(values: Any, description: str | None = None) -> dict[str, Any]:
    """`json_schema_extra` of a field whose values the server checks itself."""
    extra: dict[str, Any] = {"enum": sorted(values)}
    if description is not None:
        extra["description"] = description
    return extra


SUPPORT_TYPES = tuple(support_catalogue())
PROGRAMME_LINES = tuple(str(line["code"]) for line in programme_lines())
STANDARD_IDS = tuple(standard.id for standard in all_standards())
# Every deprivation code of every standard; which ones a survey answers depends on its date.
DEPRIVATION_CODES = tuple(
    sorted({code for standard in all_standards() for code in standard.indicators})
)
FINDING_KINDS = ("ineligible_support", "duplicate_support", "late_recording", "repeated_single_use")
SEXES = ("male", "female")

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
PastDay = Annotated[
    date,
    Field(
        ge=MIN_DATE,
        le=MAX_DATE,
        description=f"a date from {MIN_DATE.isoformat()}, not after today (a later one is 422)",
    ),
]
Name = Annotated[
    str, Field(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NO_CONTROL_CHARACTERS)
]
Text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH, pattern=NO_CONTROL_CHARACTERS)]
# Free text that must say something; the server refuses one of spaces only in its own words.
NOT_BLANK = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
RequiredText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TEXT_LENGTH,
        pattern=NO_CONTROL_CHARACTERS,
        json_schema_extra={"pattern": NOT_BLANK},
    ),
]
DecisionNo = Annotated[
    str, Field(min_length=1, max_length=MAX_DECISION_NO_LENGTH, pattern=NO_CONTROL_CHARACTERS)
]
Sex = Literal["male", "female"]
StatusName = Status
MovementName = Movement
AreaType = Area
Kind = RegisterKind
Source = Literal["central_investment", "central_recurrent", "local", "mobilized"]
Review = Literal["annual", "regular"]

ETHNICITY = enum(ETHNICITIES, "ethnicity code of the General Statistics Office: 01 (Kinh)..55, 99")
RELATION = enum(RELATIONS, "relation to the head of the household")
SUPPORT_TYPE = enum(SUPPORT_TYPES, "a code of GET /reference/support-types")
PROGRAMME_LINE = enum(PROGRAMME_LINES, "a code of GET /reference/programme-lines")
STANDARD_ID = enum(STANDARD_IDS, "a poverty standard of GET /reference/standards")
DEPRIVATIONS: dict[str, Any] = {
    "propertyNames": {"enum": list(DEPRIVATION_CODES)},
    "description": "true where the household is deprived, for every indicator of the standard "
    "in force on the date (GET /reference/standards) and no other",
}

# The Literal types above are the domain's own vocabularies, restated for the type checker.
assert set(get_args(Source)) == set(SOURCES)
assert set(get_args(Review)) == set(REVIEWS)
assert set(get_args(Sex)) == set(SEXES)
