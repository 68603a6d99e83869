"""The workbooks as printed: a label that wraps inside its bordered cell must have the height
for its lines, or LibreOffice and Excel print it over the borders of the rows around it (the
movement report's "(11)=(6)+(7)+(8)-(9)-(10)" did). Lines are estimated by wrapping the words
at the cell's width (Times New Roman 11 fits about 1.3 characters per unit of column width;
measured against LibreOffice's PDF) at 14 points a line.

And the indicators workbook says "đến ngày" for a year still running, "tại ngày 31/12" after."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from api.exports.workbooks import (
    NEAR_POOR_COLUMNS,
    POOR_COLUMNS,
    indicators_workbook,
    movement_workbook,
)
from domain.indicators import plan

CHARACTERS_PER_WIDTH = 1.3
POINTS_PER_LINE = 14.0
DEFAULT_ROW_HEIGHT = 15.0
DEFAULT_COLUMN_WIDTH = 8.43


def lines_needed(text: str, width: float) -> int:
    per_line = max(1, math.floor(width * CHARACTERS_PER_WIDTH))
    lines = 0
    for paragraph in text.split("\n"):
        used = 0
        lines += 1
        for word in paragraph.split():
            if used and used + 1 + len(word) <= per_line:
                used += 1 + len(word)
                continue
            if used:
                lines += 1
            lines += (len(word) - 1) // per_line  # a word longer than a line breaks inside
            used = len(word) % per_line or per_line
    return lines


def cramped_cells(sheet: Worksheet) -> list[str]:
    spans = {(r.min_row, r.min_col): (r.max_row, r.max_col) for r in sheet.merged_cells.ranges}
    merged_away = {
        (row, column)
        for (top, left), (bottom, right) in spans.items()
        for row in range(top, bottom + 1)
        for column in range(left, right + 1)
        if (row, column) != (top, left)
    }
    cramped = []
    for row in sheet.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or (cell.row, cell.column) in merged_away:
                continue
            if not (cell.alignment.wrap_text and cell.border.top.style):
                continue  # only labels inside a table's borders
            bottom, right = spans.get((cell.row, cell.column), (cell.row, cell.column))
            width = sum(
                sheet.column_dimensions[get_column_letter(c)].width or DEFAULT_COLUMN_WIDTH
                for c in range(cell.column, right + 1)
            )
            height = sum(
                sheet.row_dimensions[r].height or DEFAULT_ROW_HEIGHT
                for r in range(cell.row, bottom + 1)
            )
            needed = lines_needed(cell.value, width) * POINTS_PER_LINE
            if needed > height:
                cramped.append(f"{cell.coordinate} {cell.value!r}: {needed} > {height} points")
    return cramped


def test_lines_needed_wraps_words_at_the_width() -> None:
    assert lines_needed("Đầu kỳ", 11) == 1
    assert lines_needed("Chuyển thành hộ nghèo", 11) == 2
    assert lines_needed("(11)=(6)+(7)+(8)-(9)-(10)", 12) == 2
    assert lines_needed("(11)=(6)+(7)+(8)-(9)-(10)", 6) == 4


def movement_report() -> dict[str, Any]:
    figures = {
        "poor": {field: 1 for field, _ in POOR_COLUMNS},
        "near_poor": {field: 1 for field, _ in NEAR_POOR_COLUMNS},
    }
    return {
        "name": "Tỉnh Thái Nguyên",
        "from": date(2025, 1, 1),
        "to": date(2025, 12, 31),
        "units": [{"name": "Huyện Võ Nhai", **figures}, {"name": "Huyện Phú Bình", **figures}],
        "total": figures,
    }


def test_the_movement_workbooks_labels_fit_inside_their_borders() -> None:
    workbook = movement_workbook(movement_report(), date(2026, 1, 5))
    for sheet in workbook.worksheets:
        assert cramped_cells(sheet) == [], sheet.title


def indicator_answers(year: int) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """The plan's real indicators (names, units, targets), each with a value."""
    items = [
        {
            "code": i.code,
            "name": i.name,
            "name_vi": i.name_vi,
            "value": 1.0,
            "target": i.target,
            "unit": i.unit,
            "comparison": i.comparison,
            "on_track": None if i.target is None else True,
        }
        for i in plan().indicators
    ]
    by_year = {y: {"year": y, "items": items} for y in range(2022, year + 1)}
    by_unit = {
        "area": "19",
        "name": "Tỉnh Thái Nguyên",
        "year": year,
        "units": [{"code": "164", "name": "Huyện Võ Nhai", "items": items}],
    }
    return by_year, by_unit


def test_the_indicators_workbooks_labels_fit_inside_their_borders() -> None:
    workbook = indicators_workbook(*indicator_answers(2025), date(2026, 1, 5), sample=True)
    for sheet in workbook.worksheets:
        assert cramped_cells(sheet) == [], sheet.title


@pytest.mark.parametrize(
    ("year", "on", "said"),
    [
        (2026, date(2026, 12, 2), "số liệu đến ngày 02/12/2026"),
        (2025, date(2026, 12, 2), "số liệu tại ngày 31/12/2025"),
        (2026, date(2026, 12, 31), "số liệu tại ngày 31/12/2026"),
    ],
)
def test_the_indicators_workbook_says_up_to_today_for_a_year_still_running(
    year: int, on: date, said: str
) -> None:
    workbook = indicators_workbook(*indicator_answers(year), on)
    for sheet in workbook.worksheets:
        texts = [str(c.value) for row in sheet.iter_rows(max_row=4) for c in row if c.value]
        assert any(said in text for text in texts), (sheet.title, texts)


def test_the_indicators_workbook_says_when_its_figures_are_a_demo_sample() -> None:
    def notes(sample: bool) -> list[str]:
        sheet = indicators_workbook(*indicator_answers(2025), date(2026, 1, 5), sample).active
        assert sheet is not None
        return [str(c.value) for row in sheet.iter_rows() for c in row if c.value]

    assert any(text.startswith("Dữ liệu mẫu (demo)") for text in notes(True))
    assert not any("Dữ liệu mẫu" in text for text in notes(False))
