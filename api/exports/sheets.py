"""The parts every workbook is laid out with: styles, titles, headers, bordered cells, A4
landscape printing, the signature block, and the HTTP answer that carries a workbook."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from api.exports.safe_text import workbook_safe

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "an XLSX workbook"}
}
NO_VALUE = "—"
DECIMAL_UNITS = ("%", "pp")

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


def title_block(sheet: Worksheet, width: int, lines: Sequence[tuple[str, Font]]) -> int:
    """Merged, centred title lines across the table's width; answers the next free row."""
    for row, (text, font) in enumerate(lines, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = sheet.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = CENTRE
    return len(lines) + 2


def header(
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


def data_cell(
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


def widths(sheet: Worksheet, widths: dict[int, float], default: float, last: int) -> None:
    for column in range(1, last + 1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(column, default)


def landscape(sheet: Worksheet, header_end: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"1:{header_end}"


def signatures(sheet: Worksheet, row: int, width: int, on: date) -> None:
    sheet.cell(row=row, column=width - 3, value=f"Ngày {on.day} tháng {on.month} năm {on.year}")
    sheet.cell(row=row, column=width - 3).font = ITALIC
    sheet.cell(row=row + 1, column=2, value="NGƯỜI LẬP BIỂU").font = BOLD
    sheet.cell(row=row + 1, column=width - 3, value="THỦ TRƯỞNG ĐƠN VỊ").font = BOLD


def xlsx_response(workbook: Workbook, filename: str) -> Response:
    """The workbook as an HTTP answer; every workbook leaves through here, so here its text
    cells are made text (``workbook_safe``)."""
    buffer = io.BytesIO()
    workbook_safe(workbook).save(buffer)
    return Response(
        content=buffer.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def vn_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")
