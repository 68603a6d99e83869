"""CSV answers, readable by spreadsheet programs (UTF-8 with a byte-order mark).

Officials open them, so by default (``lang=vi``) headers and the labels of closed vocabularies are
Vietnamese, dates ``dd/mm/yyyy`` and booleans ``Có``/``Không``; ``lang=en`` gives English headers,
the codes themselves, ISO dates and ``true``/``false`` for programs. Identifiers, codes and amounts
(whole VND, no separators, so spreadsheets read them as numbers) are the same in both. Text that
begins like a formula is written after a quote (``spreadsheet_safe``), so it is shown, never run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response

from api.exports.safe_text import spreadsheet_safe
from domain.labels_vi import STATUS_VI
from domain.units import UnitRegistry

Language = Literal["vi", "en"]
LanguageQuery = Annotated[
    Language,
    Query(
        description="a CSV's language: `vi` (default) Vietnamese headers and labels, dates "
        "dd/mm/yyyy, booleans Có/Không; `en` English headers, codes, ISO dates, true/false"
    ),
]


@dataclass(frozen=True)
class Column:
    """One column: its English and Vietnamese headers and, for a closed vocabulary, the
    Vietnamese label of each code (an unknown code is written as it is)."""

    en: str
    vi: str
    labels_vi: Mapping[str, str] = field(default_factory=dict)


def wants_csv(format_: str | None, accept: str | None) -> bool:
    return format_ == "csv" or (format_ is None and accept is not None and "text/csv" in accept)


def csv_response(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    filename: str,
    lang: Language = "vi",
) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [spreadsheet_safe(column.vi if lang == "vi" else column.en) for column in columns]
    )
    for row in rows:
        writer.writerow(
            [_text(value, column, lang) for column, value in zip(columns, row, strict=True)]
        )
    return Response(
        content="\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _text(value: Any, column: Column, lang: Language) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        if lang == "vi":
            return "Có" if value else "Không"
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number, also a negative one such as -5000000, stays a number
    if isinstance(value, str) and lang == "vi":
        return spreadsheet_safe(column.labels_vi.get(value, value))
    return spreadsheet_safe(str(value))


REGISTER_COLUMNS = (
    Column("household code", "Mã hộ"),
    Column("head's name", "Họ và tên chủ hộ"),
    Column("commune", "Xã, phường"),
    Column("village", "Thôn, tổ dân phố"),
    Column("status", "Phân loại", STATUS_VI),
    Column("since", "Từ ngày"),
    Column("until", "Đến ngày"),
)


def register_csv(result: dict[str, Any], units: UnitRegistry, lang: Language) -> Response:
    """A register's page as a CSV file, with each commune's name."""

    def names(item: dict[str, Any]) -> str:
        unit = units.get(item["commune_code"])
        return unit.name if unit else str(item["commune_code"])

    return csv_response(
        REGISTER_COLUMNS,
        (
            [
                item["code"],
                item["head_name"],
                names(item),
                item["village"],
                result["kind"],
                item["since"],
                item["until"],
            ]
            for item in result["items"]
        ),
        f"register-{result['kind']}-{result['area']}-{result['as_of'].isoformat()}.csv",
        lang,
    )
