"""Reference data shipped with the package: read once, on first use, never at import."""

from __future__ import annotations

import csv
import json
from functools import cache
from importlib import resources
from typing import Any


def _open_text(name: str) -> str:
    return resources.files("domain").joinpath("reference_data", name).read_text("utf-8")


@cache
def standards_data() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(_open_text("standards.json"))
    return data


@cache
def support_types_data() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(_open_text("support_types.json"))
    return data


@cache
def programme_lines_data() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(_open_text("programme_lines.json"))
    return data


@cache
def admin_units_rows() -> list[dict[str, str]]:
    text = _open_text("thai_nguyen_admin_units_2023.csv")
    return list(csv.DictReader(text.splitlines()))


@cache
def indicators_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_open_text("indicators.json"))
    return data
