"""A household's complete file as a page to print: Vietnamese for officials by default
(labels, dates dd/mm/yyyy, Có/Không), `lang=en` for the same page in English with ISO dates."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from api.csv_export import STATUS_VI, Language
from domain.calendar import VIETNAM
from domain.supports import support_catalogue

MOVEMENT_VI = {
    "new_poverty": "Phát sinh hộ nghèo mới",
    "re_poverty": "Tái nghèo",
    "escaped_poverty": "Thoát nghèo",
    "escaped_near_poverty": "Thoát cận nghèo",
    "new_near_poverty": "Phát sinh hộ cận nghèo mới",
}
SEX_VI = {"male": "Nam", "female": "Nữ"}
AREA_VI = {"rural": "Nông thôn", "urban": "Thành thị"}
RELATION_VI = {
    "head": "Chủ hộ",
    "spouse": "Vợ/chồng",
    "child": "Con",
    "child_in_law": "Con dâu/con rể",
    "grandchild": "Cháu",
    "parent": "Cha/mẹ",
    "parent_in_law": "Cha/mẹ vợ (chồng)",
    "grandparent": "Ông/bà",
    "sibling": "Anh/chị/em",
    "other": "Khác",
}
DATE_COLUMNS = frozenset(
    {
        "birth_date",
        "joined_on",
        "left_on",
        "decided_on",
        "opened_on",
        "until",
        "closed_on",
        "surveyed_on",
        "provided_on",
        "reversed_on",
        "effective_on",
        "registered_on",
        "status_since",
        "newly_escaped_until",
    }
)

# (section heading in Vietnamese, in English, the file's key, its columns)
FILE_SECTIONS = (
    ("Thành viên hộ", "Members", "members",
     ("name", "birth_date", "sex", "ethnicity", "relation", "joined_on", "left_on")),
    ("Diễn biến phân loại hộ", "Status timeline", "status_timeline",
     ("decided_on", "decision_no", "from_status", "status", "movement")),
    ("Thời hạn hộ mới thoát nghèo (36 tháng)", "Escape windows (36 months)", "escape_windows",
     ("opened_on", "until", "closed_on")),
    ("Phiếu khảo sát, tính lại", "Surveys, re-derived", "surveys",
     ("surveyed_on", "standard", "area", "income_per_capita", "recorded", "recomputed",
      "matches")),
    ("Các khoản hỗ trợ", "Supports", "supports",
     ("provided_on", "support_type", "programme_line", "amount", "quantity", "unit", "model",
      "reversed_on", "reversal_reason")),
    ("Toàn bộ sự kiện, theo thứ tự ghi nhận", "Every fact, in the order recorded", "facts",
     ("version", "effective_on", "recorded_at", "actor", "summary", "reason", "evidence")),
)  # fmt: skip
COLUMNS_VI = {
    "name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "sex": "Giới tính",
    "ethnicity": "Mã dân tộc",
    "relation": "Quan hệ với chủ hộ",
    "joined_on": "Ngày vào hộ",
    "left_on": "Ngày rời hộ",
    "decided_on": "Ngày quyết định",
    "decision_no": "Số quyết định",
    "from_status": "Phân loại trước",
    "status": "Phân loại",
    "movement": "Diễn biến",
    "opened_on": "Từ ngày",
    "until": "Đến ngày",
    "closed_on": "Chấm dứt ngày",
    "surveyed_on": "Ngày khảo sát",
    "standard": "Chuẩn nghèo",
    "area": "Khu vực",
    "income_per_capita": "Thu nhập bình quân (đồng/người/tháng)",
    "recorded": "Kết quả đã ghi",
    "recomputed": "Kết quả tính lại",
    "matches": "Khớp",
    "provided_on": "Ngày hỗ trợ",
    "support_type": "Loại hỗ trợ",
    "programme_line": "Dự án, tiểu dự án",
    "amount": "Số tiền (đồng)",
    "quantity": "Số lượng",
    "unit": "Đơn vị tính",
    "model": "Mô hình",
    "reversed_on": "Ngày hủy",
    "reversal_reason": "Lý do hủy",
    "version": "Phiên bản",
    "effective_on": "Ngày hiệu lực",
    "recorded_at": "Thời điểm ghi nhận",
    "actor": "Người ghi",
    "summary": "Nội dung",
    "reason": "Lý do",
    "evidence": "Căn cứ",
}

PAGE_STYLE = """
body { font-family: sans-serif; margin: 2em; font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } }
"""


def _vi_date(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def _vi_moment(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S")


def _vi_classified(value: dict[str, Any]) -> str:
    status = STATUS_VI.get(value["status"], value["status"])
    return f"{status}, {value['deprivation_count']} chỉ số thiếu hụt"


def _vi_labels() -> dict[str, Callable[[Any], str]]:
    types_vi = {code: kind.name_vi for code, kind in support_catalogue().items()}

    def label(names: dict[str, str]) -> Callable[[Any], str]:
        return lambda value: names.get(value, str(value))

    return {
        "sex": label(SEX_VI),
        "relation": label(RELATION_VI),
        "status": label(STATUS_VI),
        "from_status": label(STATUS_VI),
        "movement": label(MOVEMENT_VI),
        "area": label(AREA_VI),
        "support_type": label(types_vi),
        "recorded": _vi_classified,
        "recomputed": _vi_classified,
        "recorded_at": _vi_moment,
    }


def _cell(value: Any, column: str, lang: Language, labels: dict[str, Callable[[Any], str]]) -> str:
    if value is None:
        return ""
    if lang == "vi":
        if isinstance(value, bool):
            return "Có" if value else "Không"
        if column in DATE_COLUMNS:
            return html.escape(_vi_date(value))
        if column in labels:
            return html.escape(labels[column](value))
    if isinstance(value, dict):
        return html.escape(", ".join(f"{k}: {v}" for k, v in value.items()))
    return html.escape(str(value))


def _table(
    rows: list[dict[str, Any]],
    columns: tuple[str, ...],
    lang: Language,
    labels: dict[str, Callable[[Any], str]],
) -> str:
    head = "".join(f"<th>{html.escape(COLUMNS_VI[c] if lang == 'vi' else c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{_cell(row.get(c), c, lang, labels)}</td>" for c in columns)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_file(
    content: dict[str, Any], limit: int = 1000, after: int = 0, lang: Language = "vi"
) -> str:
    """The page of a file as `jsonable_encoder` gives it (dates as ISO strings)."""
    vi = lang == "vi"
    labels = _vi_labels() if vi else {}
    household = content["household"]
    title = f"Hồ sơ hộ {household['code']}" if vi else f"Household file {household['code']}"
    surveys = [
        {**survey, **survey["inputs"], "standard": survey["standard"]["id"]}
        for survey in content["surveys"]
    ]
    rows = {**content, "surveys": surveys}
    facts = [
        ("Xã, phường" if vi else "commune", "commune_code", household["commune_code"]),
        ("Thôn, tổ dân phố" if vi else "village", "village", household["village"]),
        ("Khu vực" if vi else "area", "area", household["area"]),
        ("Ngày đăng ký" if vi else "registered", "registered_on", household["registered_on"]),
        ("Phân loại" if vi else "status", "status", household["status"]),
        ("từ ngày" if vi else "since", "status_since", household["status_since"]),
        ("Hộ mới thoát nghèo" if vi else "newly escaped", "newly_escaped",
         household["newly_escaped"]),
        ("đến ngày" if vi else "until", "newly_escaped_until", household["newly_escaped_until"]),
    ]  # fmt: skip
    summary = "; ".join(
        f"{html.escape(name)}{':' if vi else ''} {_cell(value, column, lang, labels)}"
        for name, column, value in facts
    )
    sections = "\n".join(
        f"<h2>{html.escape(heading_vi if vi else heading)}</h2>\n"
        f"{_table(rows[key], columns, lang, labels)}"
        for heading_vi, heading, key, columns in FILE_SECTIONS
    )
    pages = ""
    following = content.get("next")
    if after:
        pages += (
            f"<p>Các sự kiện sau phiên bản {after}.</p>\n"
            if vi
            else f"<p>Facts after version {after}.</p>\n"
        )
    if following is not None:
        query = f"?after={following}&limit={limit}" + ("" if vi else "&lang=en")
        link = html.escape(query)
        pages += (
            f'<p class="next">Còn tiếp sau phiên bản {following}: '
            f'<a href="{link}">trang sau</a>.</p>\n'
            if vi
            else f'<p class="next">Facts continue after version {following}: '
            f'<a href="{link}">next page</a>.</p>\n'
        )
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n<p>{summary}</p>\n{sections}\n{pages}</body></html>"
    )
