"""The bounds of contract.md "Limits" and the closed vocabularies, as the schema shows them.

Vocabularies come from the reference data in domain/ and the checks in application/; where the
server's own check words the refusal (unknown support type, relation…), the enum is shown in the
schema only, so that the answer to a wrong value stays the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, StrictInt

from api.openapi_docs import all_unit_codes
from domain.calendar import VIETNAM
from domain.funds import SOURCES
from domain.household_inputs import REVIEWS
from domain.limits import (
    MAX_DATE,
    MAX_DECISION_NO_LENGTH,
    MAX_MONEY,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    MIN_DATE,
    NO_CONTROL_CHARACTERS,
)
from domain.members import ETHNICITIES, RELATIONS
from domain.standards import Area, PovertyStandard, Status, all_standards, standard_on
from domain.status import Movement
from domain.supports import programme_lines, support_catalogue
from domain.units import thai_nguyen_units
from projections.register_queries import RegisterKind


def schema_rules(
    *,
    required: tuple[str, ...] = (),
    not_null: tuple[str, ...] = (),
    one_given: tuple[str, ...] = (),
    non_empty: tuple[str, ...] = (),
    standard_by: str | None = None,
    rules: tuple[dict[str, Any], ...] = (),
    example: dict[str, Any] | None = None,
) -> Callable[[dict[str, Any]], None]:
    """A model's `json_schema_extra` for rules its own checks word: fields it requires,
    fields that may be left out but not sent as null, fields of which one must be given, and
    `deprivations` answering the indicators of the standard in force on the date field
    ``standard_by`` (today where it is left out); ``rules`` are further schemas it meets."""

    def amend(schema: dict[str, Any]) -> None:
        if example is not None:
            schema["examples"] = [example]
        properties = schema["properties"]
        for name in (*not_null, *non_empty):
            branches = [b for b in properties[name].pop("anyOf", []) if b.get("type") != "null"]
            if branches:
                properties[name].update(branches[0])
        for name in non_empty:
            properties[name]["minLength"] = 1
        if required or non_empty:
            schema["required"] = sorted({*schema.get("required", []), *required, *non_empty})
        if one_given:
            schema["anyOf"] = [
                {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
                for name in one_given
            ]
        every = list(rules)
        if standard_by is not None:
            every.append({"anyOf": _deprivations_by_standard(standard_by, schema)})
        if every:
            schema["allOf"] = every

    return amend


def _answers(standard: PovertyStandard) -> dict[str, Any]:
    return {
        "required": list(standard.indicators),
        "propertyNames": {"enum": list(standard.indicators)},
    }


def _deprivations_by_standard(field: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    branches: list[dict[str, Any]] = []
    for standard in all_standards():
        first = standard.applies_from or MIN_DATE
        # The standards run over whole years, so the year of the date picks one.
        assert (first.month, first.day, standard.applies_to.month, standard.applies_to.day) == (
            1,
            1,
            12,
            31,
        ), standard.id
        years = "|".join(str(y) for y in range(first.year, standard.applies_to.year + 1))
        branches.append(
            {
                "required": [field],
                "properties": {
                    field: {"pattern": f"^({years})-"},
                    "deprivations": _answers(standard),
                },
            }
        )
    if field not in schema.get("required", []):
        today = datetime.now(VIETNAM).date()
        branches.append(
            {
                "not": {"required": [field]},
                "properties": {"deprivations": _answers(standard_on(today))},
            }
        )
    return branches


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
_UNITS = thai_nguyen_units()
UNIT_CODES = tuple(all_unit_codes(_UNITS))
COMMUNE_CODES = tuple(sorted(unit.code for unit in _UNITS.communes()))
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
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def written_as_a_date(value: Any) -> Any:
    """Only `YYYY-MM-DD` is a date: pydantic would also read a number (or a string of one)
    as a Unix time."""
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.match(value)):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


IsoDate = BeforeValidator(written_as_a_date)
Day = Annotated[
    date,
    Field(
        ge=MIN_DATE,
        le=MAX_DATE,
        description=f"a date from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}",
    ),
    # After the bounds, so that they are checked (and worded) as a date's.
    IsoDate,
]
PastDay = Annotated[
    date,
    Field(
        ge=MIN_DATE,
        le=MAX_DATE,
        description=f"a date from {MIN_DATE.isoformat()}, not after today (a later one is 422)",
    ),
    # After the bounds, so that they are checked (and worded) as a date's.
    IsoDate,
]
Name = Annotated[
    str, Field(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NO_CONTROL_CHARACTERS)
]
Text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH, pattern=NO_CONTROL_CHARACTERS)]
# A name that must say something; the server refuses one of spaces only, in its own words.
NOT_BLANK = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
RequiredText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TEXT_LENGTH,
        pattern=NO_CONTROL_CHARACTERS,
    ),
]
DecisionNo = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_DECISION_NO_LENGTH,
        pattern=NO_CONTROL_CHARACTERS,
        json_schema_extra={"pattern": NOT_BLANK},
    ),
]


def given(name: str) -> dict[str, Any]:
    """The schema of an object in which ``name`` is present and not null."""
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


def absent(name: str) -> dict[str, Any]:
    """The schema of an object in which ``name`` is absent or null."""
    return {"properties": {name: {"type": "null"}}}


def when(condition: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    return {"if": condition, "then": then}


def one_of_types(codes: Any) -> dict[str, Any]:
    """An object whose `support_type` is one of ``codes``."""
    return {"required": ["support_type"], "properties": {"support_type": {"enum": sorted(codes)}}}


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
COMMUNE = enum(COMMUNE_CODES, "a commune or ward (GET /reference/units)")
UNIT = enum(UNIT_CODES, "an administrative unit (GET /reference/units)")
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
