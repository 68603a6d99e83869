"""The official reports, by unit, as JSON and as XLSX workbooks laid out as officials use them.

- the movement report (diễn biến hộ nghèo, hộ cận nghèo, Circular 07/2021/TT-BLĐTBXH): one row
  per unit directly under the area, the numbers of ``RegisterQueries.movements`` for each;
- the deprivation analysis (phân tích chỉ số thiếu hụt): the communes of
  ``IndicatorQueries.deprivation_analysis`` added up through the unit registry;
- the plan's indicators with their targets, the years of the period and one row per unit, so
  one workbook answers "are we on track against each target, in each district, this year and
  over the period".

Every workbook is built from the same dictionaries the JSON endpoints answer with, so the
numbers agree by construction; the end-to-end tests check it anyway.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from api import schemas
from api.dependencies import READS_INDICATORS, READS_REGISTERS, ContainerDep, parse_known_at, today
from api.problems import problem_responses
from api.queries import AsOfQuery, PeriodDep
from application.demo import holds_demo_data
from domain.errors import invalid
from domain.indicators import plan
from domain.units import PROVINCE_CODE, AdminUnit
from infrastructure.container import Container
from projections.indicators import DEPRIVATION_CODES

router = APIRouter(tags=["reports"])

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "an XLSX workbook"}
}
NO_VALUE = "—"
DECIMAL_UNITS = ("%", "pp")
UNITS_VI = {"%": "%", "pp": "điểm %", "households": "hộ", "models": "mô hình"}

MOVEMENT_TITLE = "BÁO CÁO DIỄN BIẾN HỘ NGHÈO, HỘ CẬN NGHÈO"
DEPRIVATION_TITLE = "PHÂN TÍCH CHỈ SỐ THIẾU HỤT"
INDICATORS_TITLE = "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU GIẢM NGHÈO BỀN VỮNG"
TOTAL_LABEL = "Tổng cộng"

# Columns of the movement report: (JSON field, Vietnamese heading).
POOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("start", "Đầu kỳ"),
    ("new_poverty", "Phát sinh mới"),
    ("re_poverty", "Tái nghèo"),
    ("escaped", "Thoát nghèo"),
    ("end", "Cuối kỳ"),
)
NEAR_POOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("start", "Đầu kỳ"),
    ("new_near_poverty", "Phát sinh mới"),
    ("from_poverty", "Từ hộ nghèo"),
    ("escaped", "Thoát cận nghèo"),
    ("to_poverty", "Chuyển thành hộ nghèo"),
    ("end", "Cuối kỳ"),
)
STATUS_GROUPS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("poor", "Hộ nghèo", POOR_COLUMNS),
    ("near_poor", "Hộ cận nghèo", NEAR_POOR_COLUMNS),
)

DEPRIVATION_NAMES_VI: dict[str, str] = {
    "employment": "Việc làm",
    "dependants": "Người phụ thuộc",
    "nutrition": "Dinh dưỡng",
    "health_insurance": "Bảo hiểm y tế",
    "health_access": "Tiếp cận dịch vụ y tế",
    "adult_education": "Trình độ giáo dục người lớn",
    "child_school_attendance": "Tình trạng đi học của trẻ em",
    "housing_quality": "Chất lượng nhà ở",
    "housing_area": "Diện tích nhà ở bình quân đầu người",
    "domestic_water": "Nguồn nước sinh hoạt",
    "sanitation": "Nhà tiêu hợp vệ sinh",
    "telecommunication": "Sử dụng dịch vụ viễn thông",
    "information_access": "Phương tiện phục vụ tiếp cận thông tin",
}
# The dimensions of Decree 07/2021 (QĐ 59/2015's "access to health services" under health).
DIMENSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Việc làm", ("employment", "dependants")),
    ("Y tế", ("nutrition", "health_insurance", "health_access")),
    ("Giáo dục", ("adult_education", "child_school_attendance")),
    ("Nhà ở", ("housing_quality", "housing_area")),
    ("Nước sinh hoạt và vệ sinh", ("domestic_water", "sanitation")),
    ("Thông tin", ("telecommunication", "information_access")),
)


def _dimensions() -> list[tuple[str, tuple[str, ...]]]:
    """The dimensions over the codes the read model knows; any code not placed goes last."""
    known = set(DEPRIVATION_CODES)
    groups = [(name, tuple(c for c in codes if c in known)) for name, codes in DIMENSIONS]
    placed = {code for _, codes in groups for code in codes}
    others = tuple(code for code in DEPRIVATION_CODES if code not in placed)
    if others:
        groups.append(("Khác", others))
    return [(name, codes) for name, codes in groups if codes]


def deprivation_order() -> list[str]:
    return [code for _, codes in _dimensions() for code in codes]


# Areas -------------------------------------------------------------------------------------


def _unit(built: Container, code: str) -> AdminUnit:
    unit = built.units.get(code)
    if unit is None:
        raise invalid(("query", "area"), f"unknown administrative unit {code!r}")
    return unit


def report_units(built: Container, area: str) -> list[AdminUnit]:
    """The rows of a report: the units directly under the area, or the area itself (a commune)."""
    unit = _unit(built, area)
    children = sorted(built.units.children(area), key=lambda u: u.code)
    return children or [unit]


def _communes_of(built: Container, unit: AdminUnit) -> list[str]:
    return [unit.code] if unit.level == "commune" else built.units.communes_within(unit.code)


def _vn_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _figures_when(year: int, on: date) -> str:
    """A year still running is reported up to today, not as if it had ended."""
    end = date(year, 12, 31)
    return f"số liệu đến ngày {_vn_date(on)}" if on < end else f"số liệu tại ngày {_vn_date(end)}"


SAMPLE_NOTE = (
    "Dữ liệu mẫu (demo): các hộ do chương trình tạo ngẫu nhiên ở các xã thật của tỉnh, không "
    "phải hồ sơ thật. Chỉ tiêu số lượng giao cho toàn tỉnh nên chỉ so sánh được khi mẫu có quy mô "
    "toàn tỉnh; các tỷ lệ là tỷ lệ của mẫu."
)


# JSON by unit ------------------------------------------------------------------------------


def movements_by_unit(
    built: Container, area: str, start: date, end: date, known_at: str | None = None
) -> dict[str, Any]:
    moment = parse_known_at(known_at)
    unit = _unit(built, area)
    total = built.registers.movements(area, start, end, moment)
    rows = []
    for child in report_units(built, area):
        answer = built.registers.movements(child.code, start, end, moment)
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "poor": answer["poor"],
                "near_poor": answer["near_poor"],
            }
        )
    return {
        "area": area,
        "name": unit.name,
        "from": start,
        "to": end,
        "units": rows,
        "total": {"poor": total["poor"], "near_poor": total["near_poor"]},
    }


def deprivations_by_unit(built: Container, area: str, as_of: date) -> dict[str, Any]:
    unit = _unit(built, area)
    analysis = built.indicators.deprivation_analysis(area, as_of)
    by_commune: dict[str, dict[str, dict[str, int]]] = analysis["communes"]
    fields = ("households_surveyed", *DEPRIVATION_CODES)

    def added(communes: Iterable[str]) -> dict[str, dict[str, int]]:
        sums: dict[str, Counter[str]] = {"poor": Counter(), "near_poor": Counter()}
        for commune in communes:
            for status, counts in by_commune.get(commune, {}).items():
                if status in sums:
                    sums[status].update(counts)
        return {status: {f: sums[status][f] for f in fields} for status in sums}

    rows = [
        {"code": child.code, "name": child.name, **added(_communes_of(built, child))}
        for child in report_units(built, area)
    ]
    return {
        "area": area,
        "name": unit.name,
        "as_of": as_of,
        "indicators": deprivation_order(),
        "names": {code: DEPRIVATION_NAMES_VI.get(code, code) for code in DEPRIVATION_CODES},
        "units": rows,
        "total": added(by_commune),
    }


def _unit_items(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "trend"} for item in answer["items"]]


def indicators_by_unit(built: Container, area: str, year: int) -> dict[str, Any]:
    unit = _unit(built, area)
    rows = []
    for child in report_units(built, area):
        answer = built.indicators.indicators(child.code, year)
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "figures": answer["figures"],
                "items": _unit_items(answer),
            }
        )
    return {
        "area": area,
        "name": unit.name,
        "year": year,
        "as_of": date(year, 12, 31),
        "units": rows,
    }


# Workbook helpers --------------------------------------------------------------------------

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
ON_TRACK_FILL = PatternFill("solid", fgColor="C6EFCE")
OFF_TRACK_FILL = PatternFill("solid", fgColor="FFC7CE")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
BOLD = Font(name="Times New Roman", bold=True, size=11)
PLAIN = Font(name="Times New Roman", size=11)
ITALIC = Font(name="Times New Roman", italic=True, size=11)
TITLE = Font(name="Times New Roman", bold=True, size=14)


def _title_block(sheet: Worksheet, width: int, lines: Sequence[tuple[str, Font]]) -> int:
    """Merged, centred title lines across the table's width; answers the next free row."""
    for row, (text, font) in enumerate(lines, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = sheet.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = CENTRE
    return len(lines) + 2


def _header(
    sheet: Worksheet,
    row: int,
    column: int,
    text: str,
    *,
    rows: int = 1,
    columns: int = 1,
) -> None:
    if rows > 1 or columns > 1:
        sheet.merge_cells(
            start_row=row,
            start_column=column,
            end_row=row + rows - 1,
            end_column=column + columns - 1,
        )
    for r in range(row, row + rows):
        for c in range(column, column + columns):
            cell = sheet.cell(row=r, column=c)
            cell.border = BORDER
            cell.fill = HEADER_FILL
            cell.font = BOLD
            cell.alignment = CENTRE
    sheet.cell(row=row, column=column, value=text)


def _data_cell(
    sheet: Worksheet,
    row: int,
    column: int,
    value: Any,
    *,
    total: bool = False,
    unit: str | None = None,
) -> Any:
    """A bordered cell; numbers formatted by their unit (percentages with one decimal)."""
    shown = NO_VALUE if value is None else value
    cell = sheet.cell(row=row, column=column, value=shown)
    cell.border = BORDER
    cell.font = BOLD if total else PLAIN
    if total:
        cell.fill = TOTAL_FILL
    if isinstance(shown, bool) or not isinstance(shown, int | float):
        cell.alignment = CENTRE if column > 2 else LEFT
    elif unit in DECIMAL_UNITS or (unit is None and isinstance(shown, float)):
        cell.number_format = "0.0"
    else:
        cell.number_format = "#,##0"
    return cell


def _widths(sheet: Worksheet, widths: dict[int, float], default: float, last: int) -> None:
    for column in range(1, last + 1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(column, default)


def _landscape(sheet: Worksheet, header_end: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"1:{header_end}"


def _signatures(sheet: Worksheet, row: int, width: int, on: date) -> None:
    sheet.cell(row=row, column=width - 3, value=f"Ngày {on.day} tháng {on.month} năm {on.year}")
    sheet.cell(row=row, column=width - 3).font = ITALIC
    sheet.cell(row=row + 1, column=2, value="NGƯỜI LẬP BIỂU").font = BOLD
    sheet.cell(row=row + 1, column=width - 3, value="THỦ TRƯỞNG ĐƠN VỊ").font = BOLD


def _xlsx(workbook: Workbook, filename: str) -> Response:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        content=buffer.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# The movement report -----------------------------------------------------------------------


def movement_workbook(report: dict[str, Any], on: date) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Diễn biến"
    width = 2 + len(POOR_COLUMNS) + len(NEAR_POOR_COLUMNS)
    row = _title_block(
        sheet,
        width,
        [
            (MOVEMENT_TITLE, TITLE),
            (f"Đơn vị: {report['name']}", BOLD),
            (
                f"Kỳ báo cáo: từ ngày {_vn_date(report['from'])} đến ngày {_vn_date(report['to'])}",
                ITALIC,
            ),
        ],
    )
    sheet.cell(row=row - 1, column=width, value="Đơn vị tính: hộ").font = ITALIC
    sheet.cell(row=row - 1, column=width).alignment = Alignment(horizontal="right")
    _header(sheet, row, 1, "STT", rows=2)
    _header(sheet, row, 2, "Đơn vị", rows=2)
    column = 3
    for _, heading, columns in STATUS_GROUPS:
        _header(sheet, row, column, heading, columns=len(columns))
        for offset, (_, sub) in enumerate(columns):
            _header(sheet, row + 1, column + offset, sub)
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
        _data_cell(sheet, r, 1, "" if number is None else number, total=total).alignment = CENTRE
        _data_cell(sheet, r, 2, name, total=total)
        column = 3
        for status, _, columns in STATUS_GROUPS:
            for field, _ in columns:
                _data_cell(sheet, r, column, figures[status][field], total=total)
                column += 1
    last = first + len(lines) - 1
    sheet.freeze_panes = f"{get_column_letter(3)}{first}"
    _widths(sheet, {1: 6, 2: 30, 7: 13, 13: 13}, 11, width)
    sheet.row_dimensions[row + 1].height = 45
    # The end columns' formulas take two lines: a row that fits them keeps them in their borders.
    sheet.row_dimensions[row + 2].height = 30
    _landscape(sheet, row + 2)
    _signatures(sheet, last + 2, width, on)
    return workbook


# The deprivation analysis ------------------------------------------------------------------


def deprivation_workbook(report: dict[str, Any], on: date) -> Workbook:
    workbook = Workbook()
    first_sheet = workbook.active
    assert first_sheet is not None
    workbook.remove(first_sheet)
    dimensions = _dimensions()
    codes = [code for _, group in dimensions for code in group]
    width = 3 + len(codes)
    for status, heading in (("poor", "Hộ nghèo"), ("near_poor", "Hộ cận nghèo")):
        sheet = workbook.create_sheet(heading)
        row = _title_block(
            sheet,
            width,
            [
                (DEPRIVATION_TITLE, TITLE),
                (f"{heading.upper()} THEO MỨC ĐỘ THIẾU HỤT CÁC DỊCH VỤ XÃ HỘI CƠ BẢN", BOLD),
                (
                    f"Đơn vị: {report['name']} — số liệu tại ngày {_vn_date(report['as_of'])}",
                    ITALIC,
                ),
            ],
        )
        sheet.cell(row=row - 1, column=width, value="Đơn vị tính: hộ").font = ITALIC
        sheet.cell(row=row - 1, column=width).alignment = Alignment(horizontal="right")
        _header(sheet, row, 1, "STT", rows=3)
        _header(sheet, row, 2, "Đơn vị", rows=3)
        _header(sheet, row, 3, f"Tổng số {heading.lower()} (có phiếu khảo sát)", rows=3)
        _header(sheet, row, 4, "Số hộ thiếu hụt theo chỉ số", columns=len(codes))
        column = 4
        for dimension, group in dimensions:
            _header(sheet, row + 1, column, dimension, columns=len(group))
            for offset, code in enumerate(group):
                _header(sheet, row + 2, column + offset, DEPRIVATION_NAMES_VI.get(code, code))
            column += len(group)
        first = row + 3
        lines: list[tuple[int | None, str, Any]] = [
            (i, u["name"], u[status]) for i, u in enumerate(report["units"], start=1)
        ]
        lines.append((None, TOTAL_LABEL, report["total"][status]))
        for index, (number, name, counts) in enumerate(lines):
            r = first + index
            total = index == len(lines) - 1
            _data_cell(
                sheet, r, 1, "" if number is None else number, total=total
            ).alignment = CENTRE
            _data_cell(sheet, r, 2, name, total=total)
            _data_cell(sheet, r, 3, counts["households_surveyed"], total=total)
            for offset, code in enumerate(codes):
                _data_cell(sheet, r, 4 + offset, counts[code], total=total)
        last = first + len(lines) - 1
        note = sheet.cell(
            row=last + 2,
            column=1,
            value="Ghi chú: tính trên phiếu khảo sát gần nhất của mỗi hộ đến ngày báo cáo; "
            "chỉ số không có trong chuẩn nghèo của phiếu đó không được tính là thiếu hụt.",
        )
        note.font = ITALIC
        sheet.freeze_panes = f"{get_column_letter(4)}{first}"
        _widths(sheet, {1: 6, 2: 30, 3: 14}, 13, width)
        sheet.row_dimensions[row + 2].height = 75
        _landscape(sheet, row + 2)
        _signatures(sheet, last + 4, width, on)
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
    row = _title_block(
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
        _header(sheet, row, column, text, rows=2)
    _header(sheet, row, len(headings) + 1, "Thực hiện qua các năm", columns=len(years))
    for offset, y in enumerate(years):
        _header(sheet, row + 1, len(headings) + 1 + offset, str(y))
    first = row + 2
    for index, item in enumerate(current["items"]):
        r = first + index
        full = full_targets.get(item["code"])
        province_only = item["code"] in count_targets
        plan_target = None if (province_only and not is_province) else full
        _data_cell(sheet, r, 1, index + 1).alignment = CENTRE
        _data_cell(sheet, r, 2, item["name_vi"])
        _data_cell(sheet, r, 3, item["name"])
        _data_cell(sheet, r, 4, item["code"])
        unit = item["unit"]
        _data_cell(sheet, r, 5, UNITS_VI.get(unit, unit))
        _data_cell(sheet, r, 6, plan_target, unit=unit)
        _data_cell(sheet, r, 7, item["target"], unit=unit)
        _mark(_data_cell(sheet, r, 8, item["value"], unit=unit), item["on_track"])
        _mark(_data_cell(sheet, r, 9, _judgement(item["on_track"])), item["on_track"])
        for offset, y in enumerate(years):
            past = next(i for i in by_year[y]["items"] if i["code"] == item["code"])
            cell = _data_cell(sheet, r, len(headings) + 1 + offset, past["value"], unit=unit)
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
    _widths(sheet, {1: 5, 2: 42, 3: 40, 4: 30, 5: 11, 6: 13, 7: 12, 8: 12, 9: 11}, 9, width)
    _landscape(sheet, row + 1)

    _indicators_by_unit_sheet(workbook, by_unit, current, on)
    _signatures(sheet, last + 5, width, on)
    return workbook


def _indicators_by_unit_sheet(
    workbook: Workbook, by_unit: dict[str, Any], current: dict[str, Any], on: date
) -> None:
    year = by_unit["year"]
    sheet = workbook.create_sheet("Theo đơn vị")
    definitions = {i.code: i for i in plan().indicators}
    items = current["items"]
    width = 3 + len(items)
    row = _title_block(
        sheet,
        width,
        [
            (f"CHỈ TIÊU GIẢM NGHÈO THEO ĐƠN VỊ NĂM {year}", TITLE),
            (f"Đơn vị: {by_unit['name']} — {_figures_when(year, on)}", ITALIC),
        ],
    )
    _header(sheet, row, 1, "STT", rows=2)
    _header(sheet, row, 2, "Đơn vị", rows=2)
    _header(sheet, row, 3, "Số chỉ tiêu đạt / có chỉ tiêu", rows=2)
    for offset, item in enumerate(items):
        _header(sheet, row, 4 + offset, item["name_vi"])
        definition = definitions[item["code"]]
        full = definition.target
        _header(sheet, row + 1, 4 + offset, _target_heading(item, full, definition.count_target))
    first = row + 2
    lines: list[tuple[int | None, str, Any]] = [
        (i, u["name"], u["items"]) for i, u in enumerate(by_unit["units"], start=1)
    ]
    lines.append((None, f"Chung: {by_unit['name']}", _unit_items(current)))
    for index, (number, name, unit_items) in enumerate(lines):
        r = first + index
        total = index == len(lines) - 1
        judged = [i["on_track"] for i in unit_items if i["on_track"] is not None]
        _data_cell(sheet, r, 1, "" if number is None else number, total=total).alignment = CENTRE
        _data_cell(sheet, r, 2, name, total=total)
        _data_cell(sheet, r, 3, f"{sum(judged)}/{len(judged)}", total=total)
        for offset, item in enumerate(unit_items):
            cell = _data_cell(sheet, r, 4 + offset, item["value"], total=total, unit=item["unit"])
            _mark(cell, item["on_track"])
    sheet.freeze_panes = f"{get_column_letter(3)}{first}"
    _widths(sheet, {1: 5, 2: 30, 3: 12}, 13, width)
    sheet.row_dimensions[row].height = 90
    sheet.row_dimensions[row + 1].height = 45  # "hộ; chỉ tiêu toàn tỉnh ≥ 13.200": three lines
    _landscape(sheet, row + 1)


# Routes ------------------------------------------------------------------------------------

TodayDep = Annotated[date, Depends(today)]
AreaQuery = Annotated[
    str, Query(description="unit code: province, district or commune (default the province)")
]
KnownAtQuery = Annotated[
    str | None, Query(description="the registers as they stood at this moment (ISO 8601)")
]
YearQuery = Annotated[int | None, Query(ge=2022, le=2100, description="default this year")]


@router.get(
    "/reports/movements/by-unit",
    response_model=schemas.MovementsByUnit,
    dependencies=[READS_REGISTERS],
    responses=problem_responses(422, 503),
)
def movement_report_by_unit(
    built: ContainerDep,
    period: PeriodDep,
    area: AreaQuery = PROVINCE_CODE,
    known_at: KnownAtQuery = None,
) -> dict[str, Any]:
    """The movement report for each unit directly under the area, and its total (default
    period: the current year so far)."""
    return movements_by_unit(built, area, period.start, period.end, known_at)


@router.get(
    "/reports/movements.xlsx",
    dependencies=[READS_REGISTERS],
    response_class=Response,
    responses=XLSX_RESPONSE | problem_responses(422, 503),
)
def movement_report_workbook(
    built: ContainerDep,
    on: TodayDep,
    period: PeriodDep,
    area: AreaQuery = PROVINCE_CODE,
    known_at: KnownAtQuery = None,
) -> Response:
    """Báo cáo diễn biến hộ nghèo, hộ cận nghèo (Circular 07/2021/TT-BLĐTBXH), one row per unit
    (default period: the current year so far)."""
    report = movements_by_unit(built, area, period.start, period.end, known_at)
    return _xlsx(
        movement_workbook(report, on),
        f"dien-bien-ho-ngheo-{area}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx",
    )


@router.get(
    "/reports/deprivations/by-unit",
    response_model=schemas.DeprivationsByUnit,
    dependencies=[READS_INDICATORS],
    responses=problem_responses(422, 503),
)
def deprivation_report_by_unit(
    built: ContainerDep,
    on: TodayDep,
    area: AreaQuery = PROVINCE_CODE,
    as_of: AsOfQuery = None,
) -> dict[str, Any]:
    """The deprivation analysis added up for each unit directly under the area."""
    return deprivations_by_unit(built, area, as_of or on)


@router.get(
    "/reports/deprivations.xlsx",
    dependencies=[READS_INDICATORS],
    response_class=Response,
    responses=XLSX_RESPONSE | problem_responses(422, 503),
)
def deprivation_report_workbook(
    built: ContainerDep,
    on: TodayDep,
    area: AreaQuery = PROVINCE_CODE,
    as_of: AsOfQuery = None,
) -> Response:
    """Phân tích chỉ số thiếu hụt: poor and near-poor households deprived in each indicator."""
    day = as_of or on
    report = deprivations_by_unit(built, area, day)
    return _xlsx(
        deprivation_workbook(report, on),
        f"phan-tich-thieu-hut-{area}-{day.isoformat()}.xlsx",
    )


@router.get(
    "/indicators/by-unit",
    response_model=schemas.IndicatorsByUnit,
    dependencies=[READS_INDICATORS],
    responses=problem_responses(422, 503),
    tags=["indicators"],
)
def indicators_for_each_unit(
    built: ContainerDep,
    on: TodayDep,
    area: AreaQuery = PROVINCE_CODE,
    year: YearQuery = None,
) -> dict[str, Any]:
    """The indicators (without their trends) for each unit directly under the area."""
    return indicators_by_unit(built, area, year or on.year)


@router.get(
    "/indicators.xlsx",
    dependencies=[READS_INDICATORS],
    response_class=Response,
    responses=XLSX_RESPONSE | problem_responses(422, 503),
    tags=["indicators"],
)
def indicators_workbook_route(
    built: ContainerDep,
    on: TodayDep,
    area: AreaQuery = PROVINCE_CODE,
    year: YearQuery = None,
) -> Response:
    """The plan's indicators against their targets: the year, each year of the period, and
    one row per unit directly under the area."""
    chosen = year or on.year
    _unit(built, area)
    first = min(plan().first_year, chosen)
    by_year = {y: built.indicators.indicators(area, y) for y in range(first, chosen + 1)}
    by_unit = indicators_by_unit(built, area, chosen)
    return _xlsx(
        indicators_workbook(by_year, by_unit, on, sample=holds_demo_data(built.case_files)),
        f"chi-tieu-giam-ngheo-{area}-{chosen}.xlsx",
    )
