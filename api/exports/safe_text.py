"""Text that spreadsheet programs show as text: a cell that begins like a formula is never run.

A village or a name such as ``=HYPERLINK(...)`` would otherwise become a live formula when an
official opens an export (OWASP "CSV Injection"). Only text is neutralised: numbers stay numbers.
"""

from __future__ import annotations

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet program read a cell as a formula (or strip its way to one)."""

TEXT_PREFIX = "'"
"""The quote a spreadsheet program takes as "what follows is text" and does not show."""


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def spreadsheet_safe(text: str) -> str:
    """A CSV cell's text: one that begins like a formula gets the text prefix, others stay."""
    return TEXT_PREFIX + text if looks_like_formula(text) else text


def workbook_safe(workbook: Workbook) -> Workbook:
    """Every text cell of the workbook stored as text, whichever helper wrote it.

    openpyxl stores a string beginning with ``=`` as a formula; here it becomes a string cell
    again, and a cell that begins like a formula is marked with the quote prefix, as a spreadsheet
    program marks text typed after a quote, so that editing it does not make it a formula either.
    The text itself is kept as it is.
    """
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if looks_like_formula(cell.value):
                        cell.quotePrefix = True
    return workbook
