"""The official reports as XLSX workbooks, laid out as officials use them (A4 landscape).

- the movement report (diễn biến hộ nghèo, hộ cận nghèo, Circular 07/2021/TT-BLĐTBXH);
- the deprivation analysis (phân tích chỉ số thiếu hụt), one sheet per status;
- the plan's indicators with their targets, the years of the period and one row per unit.

Each is laid out from the dictionaries of ``projections.report_queries`` that the JSON
endpoints answer with, so the numbers agree by construction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from api.exports.sheets import (
    BOLD,
    BORDER,
    CENTRE,
    ITALIC,
    NO_VALUE,
    OFF_TRACK_FILL,
    ON_TRACK_FILL,
    TITLE,
    data_cell,
    header,
    landscape,
    signatures,
    title_block,
    vn_date,
    widths,
)
from domain.indicators import plan
from domain.labels_vi import (
    DEPRIVATION_NAMES_VI,
    NEAR_POOR_COLUMNS,
    POOR_COLUMNS,
    STATUS_GROUPS,
    UNITS_VI,
)
from domain.units import PROVINCE_CODE
from projections.report_queries import dimensions, unit_items

__all__ = [
    "NEAR_POOR_COLUMNS",
    "POOR_COLUMNS",
    "deprivation_workbook",
    "indicators_workbook",
    "movement_workbook",
]

MOVEMENT_TITLE = "BÁO CÁO DIỄN BIẾN HỘ NGHÈO, HỘ CẬN NGHÈO"
DEPRIVATION_TITLE = "PHÂN TÍCH CHỈ SỐ THIẾU HỤT"
INDICATORS_TITLE = "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU GIẢM NGHÈO BỀN VỮNG"
TOTAL_LABEL = "Tổng cộng"


def _figures_when(year: int, on: date) -> str:
    """A year still running is reported up to today, not as if it had ended."""
    end = date(year, 12, 31)
    return f"số liệu đến ngày {vn_date(on)}" if on < end else f"số liệu tại ngày {vn_date(end)}"


SAMPLE_NOTE = (
    "Dữ liệu mẫu (demo): các hộ do chương trình tạo ngẫu nhiên ở các xã thật của tỉnh, không "
    "phải hồ sơ thật. Chỉ tiêu số lượng giao cho toàn tỉnh nên chỉ so sánh được khi mẫu có quy mô "
    "toàn tỉnh; các tỷ lệ là tỷ lệ của mẫu."
)


# The movement report -----------------------------------------------------------------------


def movement_workbook(report: dict[str, Any], on: date) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Diễn biến"
    width = 2 + len(POOR_COLUMNS) + len(NEAR_POOR_COLUMNS)
    row = title_block(
        sheet,
        width,
        [
            (MOVEMENT_TITLE, TITLE),
            (f"Đơn vị: {report['name']}", BOLD),
            (
                f"Kỳ báo cáo: từ ngày {vn_date(report['from'])} đến ngày {vn_date(report['to'])}",
                ITALIC,
            ),
        ],
    )
    sheet.cell(row=row - 1, column=width, value="Đơn vị tính: hộ").font = ITALIC
    sheet.cell(row=row - 1, column=width).alignment = Alignment(horizontal="right")
    header(sheet, row, 1, "STT", rows=2)
    header(sheet, row, 2, "Đơn vị", rows=2)
    column = 3
    for _, heading, columns in STATUS_GROUPS:
        header(sheet, row, column, heading, columns=len(columns))
        for offset, (_, sub) in enumerate(columns):
            header(sheet, row + 1, column + offset, sub)
        column += len(columns)
    # The column numbers, with how the end of the period follows from the rest.
    numbers = ["A", "B", "(1)", "(2)", "(3)", "(4)", "(5)=(1)+(2)+(3)-(4)"]
    numbers += ["(6)", "(7)", "(8)", "(9)", "(10)", "(11)=(6)+(7)+(8)-(9)-(10)"]
    for offset, text in enumerate(numbers, start=1):
        cell = sheet.cell(row=row + 2, column=offset, value=text)
        cell.font = ITALIC
        cell.alignment = CENTRE
        cell.border = BORDER
    first = row + 3
    lines: list[tuple[int | None, str, Any]] = [
        (i, unit["name"], unit) for i, unit in enumerate(report["units"], start=1)
    ]
    lines.append((None, TOTAL_LABEL, report["total"]))
    for index, (number, name, figures) in enumerate(lines):
        r = first + index
        total = name == TOTAL_LABEL and index == len(lines) - 1
        data_cell(sheet, r, 1, "" if number is None else number, total=total).alignment = CENTRE
        data_cell(sheet, r, 2, name, total=total)
        column = 3
        for status, _, columns in STATUS_GROUPS:
            for field, _ in columns:
                data_cell(sheet, r, column, figures[status][field], total=total)
                column += 1
    last = first + len(lines) - 1
    sheet.freeze_panes = f"{get_column_letter(3)}{first}"
    widths(sheet, {1: 6, 2: 30, 7: 13, 13: 13}, 11, width)
    sheet.row_dimensions[row + 1].height = 45
    # The end columns' formulas take two lines: a row that fits them keeps them in their borders.
    sheet.row_dimensions[row + 2].height = 30
    landscape(sheet, row + 2)
    signatures(sheet, last + 2, width, on)
    return workbook


# The deprivation analysis ------------------------------------------------------------------


def deprivation_workbook(report: dict[str, Any], on: date) -> Workbook:
    workbook = Workbook()
    first_sheet = workbook.active
    assert first_sheet is not None
    workbook.remove(first_sheet)
    groups = dimensions()
    codes = [code for _, group in groups for code in group]
    width = 3 + len(codes)
    for status, heading in (("poor", "Hộ nghèo"), ("near_poor", "Hộ cận nghèo")):
        sheet = workbook.create_sheet(heading)
        row = title_block(
            sheet,
            width,
            [
                (DEPRIVATION_TITLE, TITLE),
                (f"{heading.upper()} THEO MỨC ĐỘ THIẾU HỤT CÁC DỊCH VỤ XÃ HỘI CƠ BẢN", BOLD),
                (
                    f"Đơn vị: {report['name']} — số liệu tại ngày {vn_date(report['as_of'])}",
                    ITALIC,
                ),
            ],
        )
        sheet.cell(row=row - 1, column=width, value="Đơn vị tính: hộ").font = ITALIC
        sheet.cell(row=row - 1, column=width).alignment = Alignment(horizontal="right")
        header(sheet, row, 1, "STT", rows=3)
        header(sheet, row, 2, "Đơn vị", rows=3)
        header(sheet, row, 3, f"Tổng số {heading.lower()} (có phiếu khảo sát)", rows=3)
        header(sheet, row, 4, "Số hộ thiếu hụt theo chỉ số", columns=len(codes))
        column = 4
        for dimension, group in groups:
            header(sheet, row + 1, column, dimension, columns=len(group))
            for offset, code in enumerate(group):
                header(sheet, row + 2, column + offset, DEPRIVATION_NAMES_VI.get(code, code))
            column += len(group)
        first = row + 3
        lines: list[tuple[int | None, str, Any]] = [
            (i, u["name"], u[status]) for i, u in enumerate(report["units"], start=1)
        ]
        lines.append((None, TOTAL_LABEL, report["total"][status]))
        for index, (number, name, counts) in enumerate(lines):
            r = first + index
            total = index == len(lines) - 1
            data_cell(sheet, r, 1, "" if number is None else number, total=total).alignment = CENTRE
            data_cell(sheet, r, 2, name, total=total)
            data_cell(sheet, r, 3, counts["households_surveyed"], total=total)
            for offset, code in enumerate(codes):
                data_cell(sheet, r, 4 + offset, counts[code], total=total)
        last = first + len(lines) - 1
        note = sheet.cell(
            row=last + 2,
            column=1,
            value="Ghi chú: tính trên phiếu khảo sát gần nhất của mỗi hộ đến ngày báo cáo; "
            "chỉ số không có trong chuẩn nghèo của phiếu đó không được tính là thiếu hụt.",
        )
        note.font = ITALIC
        sheet.freeze_panes = f"{get_column_letter(4)}{first}"
        widths(sheet, {1: 6, 2: 30, 3: 14}, 13, width)
        sheet.row_dimensions[row + 2].height = 75
        landscape(sheet, row + 2)
        signatures(sheet, last + 4, width, on)
    return workbook


# The indicators ----------------------------------------------------------------------------


def _judgement(on_track: bool | None) -> str:
    return NO_VALUE if on_track is None else ("Đạt" if on_track else "Chưa đạt")


def _mark(cell: Any, on_track: bool | None) -> None:
    if on_track is True:
        cell.fill = ON_TRACK_FILL
    elif on_track is False:
        cell.fill = OFF_TRACK_FILL


def _number_vi(value: float) -> str:
    """A number as Vietnamese write it: 13.200 and -1,0."""
    if float(value).is_integer():
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _target_heading(item: dict[str, Any], full: float | None, province_only: bool) -> str:
    unit = UNITS_VI.get(str(item["unit"]), str(item["unit"]))
    sign = {">=": "≥", "<=": "≤"}.get(item.get("comparison") or "")
    if full is None or sign is None:
        return unit
    where = "toàn tỉnh " if province_only else ""
    return f"{unit}; chỉ tiêu {where}{sign} {_number_vi(full)}"


def indicators_workbook(
    by_year: dict[int, dict[str, Any]], by_unit: dict[str, Any], on: date, sample: bool = False
) -> Workbook:
    year = by_unit["year"]
    current = by_year[year]
    the_plan = plan()
    full_targets = {i.code: i.target for i in the_plan.indicators}
    count_targets = {i.code for i in the_plan.indicators if i.count_target}
    is_province = by_unit["area"] == PROVINCE_CODE
    years = sorted(by_year)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Chỉ tiêu"
    headings = [
        "STT",
        "Chỉ tiêu",
        "Indicator",
        "Mã",
        "Đơn vị tính",
        f"Mục tiêu đến năm {the_plan.last_year}",
        f"Chỉ tiêu năm {year}",
        f"Thực hiện năm {year}",
        "Đánh giá",
    ]
    width = len(headings) + len(years)
    row = title_block(
        sheet,
        width,
        [
            (INDICATORS_TITLE, TITLE),
            (f"Kế hoạch {the_plan.name} — năm {year}", BOLD),
            (
                f"Đơn vị: {by_unit['name']} — {_figures_when(year, on)}",
                ITALIC,
            ),
        ],
    )
    for column, text in enumerate(headings, start=1):
        header(sheet, row, column, text, rows=2)
    header(sheet, row, len(headings) + 1, "Thực hiện qua các năm", columns=len(years))
    for offset, y in enumerate(years):
        header(sheet, row + 1, len(headings) + 1 + offset, str(y))
    first = row + 2
    for index, item in enumerate(current["items"]):
        r = first + index
        full = full_targets.get(item["code"])
        province_only = item["code"] in count_targets
        plan_target = None if (province_only and not is_province) else full
        data_cell(sheet, r, 1, index + 1).alignment = CENTRE
        data_cell(sheet, r, 2, item["name_vi"])
        data_cell(sheet, r, 3, item["name"])
        data_cell(sheet, r, 4, item["code"])
        unit = item["unit"]
        data_cell(sheet, r, 5, UNITS_VI.get(unit, unit))
        data_cell(sheet, r, 6, plan_target, unit=unit)
        data_cell(sheet, r, 7, item["target"], unit=unit)
        _mark(data_cell(sheet, r, 8, item["value"], unit=unit), item["on_track"])
        _mark(data_cell(sheet, r, 9, _judgement(item["on_track"])), item["on_track"])
        for offset, y in enumerate(years):
            past = next(i for i in by_year[y]["items"] if i["code"] == item["code"])
            cell = data_cell(sheet, r, len(headings) + 1 + offset, past["value"], unit=unit)
            _mark(cell, past["on_track"])
    last = first + len(current["items"]) - 1
    legend = sheet.cell(
        row=last + 2,
        column=2,
        value="Xanh: đạt chỉ tiêu của năm; đỏ: chưa đạt. Chỉ tiêu về số lượng chỉ giao cho "
        "toàn tỉnh, tính theo tiến độ (năm Y: mục tiêu × (Y − 2021) / 4).",
    )
    legend.font = ITALIC
    if sample:
        sheet.cell(row=last + 3, column=2, value=SAMPLE_NOTE).font = ITALIC
    sheet.freeze_panes = f"{get_column_letter(3)}{first}"
    widths(sheet, {1: 5, 2: 42, 3: 40, 4: 30, 5: 11, 6: 13, 7: 12, 8: 12, 9: 11}, 9, width)
    landscape(sheet, row + 1)

    _indicators_by_unit_sheet(workbook, by_unit, current, on)
    signatures(sheet, last + 5, width, on)
    return workbook


def _indicators_by_unit_sheet(
    workbook: Workbook, by_unit: dict[str, Any], current: dict[str, Any], on: date
) -> None:
    year = by_unit["year"]
    sheet = workbook.create_sheet("Theo đơn vị")
    definitions = {i.code: i for i in plan().indicators}
    items = current["items"]
    width = 3 + len(items)
    row = title_block(
        sheet,
        width,
        [
            (f"CHỈ TIÊU GIẢM NGHÈO THEO ĐƠN VỊ NĂM {year}", TITLE),
            (f"Đơn vị: {by_unit['name']} — {_figures_when(year, on)}", ITALIC),
        ],
    )
    header(sheet, row, 1, "STT", rows=2)
    header(sheet, row, 2, "Đơn vị", rows=2)
    header(sheet, row, 3, "Số chỉ tiêu đạt / có chỉ tiêu", rows=2)
    for offset, item in enumerate(items):
        header(sheet, row, 4 + offset, item["name_vi"])
        definition = definitions[item["code"]]
        full = definition.target
        header(sheet, row + 1, 4 + offset, _target_heading(item, full, definition.count_target))
    first = row + 2
    lines: list[tuple[int | None, str, Any]] = [
        (i, u["name"], u["items"]) for i, u in enumerate(by_unit["units"], start=1)
    ]
    lines.append((None, f"Chung: {by_unit['name']}", unit_items(current)))
    for index, (number, name, row_items) in enumerate(lines):
        r = first + index
        total = index == len(lines) - 1
        judged = [i["on_track"] for i in row_items if i["on_track"] is not None]
        data_cell(sheet, r, 1, "" if number is None else number, total=total).alignment = CENTRE
        data_cell(sheet, r, 2, name, total=total)
        data_cell(sheet, r, 3, f"{sum(judged)}/{len(judged)}", total=total)
        for offset, item in enumerate(row_items):
            cell = data_cell(sheet, r, 4 + offset, item["value"], total=total, unit=item["unit"])
            _mark(cell, item["on_track"])
    sheet.freeze_panes = f"{get_column_letter(3)}{first}"
    widths(sheet, {1: 5, 2: 30, 3: 12}, 13, width)
    sheet.row_dimensions[row].height = 90
    sheet.row_dimensions[row + 1].height = 45  # "hộ; chỉ tiêu toàn tỉnh ≥ 13.200": three lines
    landscape(sheet, row + 1)
