"""The OpenAPI document's last touches: what the route signatures cannot say by themselves.

Dates and moments carry the years of contract.md "Limits" as a pattern (JSON Schema bounds only
numbers), moments are ISO 8601 timestamps with a time zone, and every `area`/`unit` parameter
names the units the server knows; the parameters many routes share are described.
"""

from __future__ import annotations

from typing import Any

from domain.limits import MAX_YEAR, MIN_YEAR
from domain.units import UnitRegistry

# 1900..2100, as the first four characters of a date or a timestamp.
YEARS = r"^(19[0-9]{2}|20[0-9]{2}|2100)-"
assert (MIN_YEAR, MAX_YEAR) == (1900, 2100), "YEARS is written for these bounds"
MOMENT_PARAMETERS = ("known_at", "reported_at", "from_known_at", "to_known_at")
UNIT_PARAMETERS = ("area", "unit")
# Parameters many routes share, described once.
DESCRIPTIONS = {
    "household_id": "the household's id",
    "member_id": "a member's id, within the household",
    "survey_id": "a survey's id, within the household",
    "recognition_id": "a recognition's id, within the household",
    "support_id": "a support's id, within the household",
    "allocation_id": "the allocation's id",
    "area": "unit code: province, district or commune (default the province)",
    "unit": "unit code: province, district or commune (default the province)",
    "format": "`csv` for a CSV export (as `Accept: text/csv` does); JSON by default",
    "accept": "`text/csv` asks for a CSV export",
    "kind": "the register",
    "version": "the household as of this version (1 up to its latest)",
    "from_version": "the earlier state: this version (default 1)",
    "to_version": "the later state: this version (default the latest)",
    "fiscal_year": "only allocations of this fiscal year (default every year)",
}
# Where an unknown unit is not refused: the dashboard shows the province instead.
UNIT_LENIENT_PATHS = ("/dashboard",)


def all_unit_codes(units: UnitRegistry) -> list[str]:
    codes: list[str] = []
    pending = units.children(None)
    while pending:
        unit = pending.pop()
        codes.append(unit.code)
        pending.extend(units.children(unit.code))
    return sorted(codes)


def _dates_within_years(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") in ("date", "date-time"):
            node.setdefault("pattern", YEARS)
        for value in node.values():
            _dates_within_years(value)
    elif isinstance(node, list):
        for value in node:
            _dates_within_years(value)


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of an optional parameter without its `null` branch."""
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            return dict(branch)
    return schema


def finish(schema: dict[str, Any], units: UnitRegistry) -> None:
    codes = all_unit_codes(units)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                name, where = parameter["name"], parameter["in"]
                if name in DESCRIPTIONS and not parameter.get("description"):
                    parameter["description"] = DESCRIPTIONS[name]
                if where != "query":
                    continue
                if name in MOMENT_PARAMETERS:
                    parameter["schema"] = {
                        **_non_null(parameter["schema"]),
                        "type": "string",
                        "format": "date-time",
                        "description": "an ISO 8601 timestamp with a time zone, years "
                        f"{MIN_YEAR}..{MAX_YEAR}",
                    }
                elif name in UNIT_PARAMETERS and path not in UNIT_LENIENT_PATHS:
                    parameter["schema"] = {**_non_null(parameter["schema"]), "enum": codes}
    _dates_within_years(schema)
