"""The official reports as XLSX workbooks, through the HTTP API only: they open with openpyxl,
carry the Vietnamese headings officials expect, and every number in them equals the JSON
endpoints' (``/reports/movements`` for each unit, ``/reports/deprivations`` added up through the
units, ``/indicators`` for the area, each year and each unit): "the numbers agree". Every test
runs on SQLite and on PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from application.demo import DemoParameters, load_demo
from infrastructure.container import Container

PROVINCE = "19"
YEAR = 2025
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_VALUE = "—"
POOR_HEADINGS = ["Đầu kỳ", "Phát sinh mới", "Tái nghèo", "Thoát nghèo", "Cuối kỳ"]
NEAR_POOR_HEADINGS = [
    "Đầu kỳ",
    "Phát sinh mới",
    "Từ hộ nghèo",
    "Thoát cận nghèo",
    "Chuyển thành hộ nghèo",
    "Cuối kỳ",
]
POOR_FIELDS = ["start", "new_poverty", "re_poverty", "escaped", "end"]
NEAR_POOR_FIELDS = ["start", "new_near_poverty", "from_poverty", "escaped", "to_poverty", "end"]
DEPRIVATION_HEADINGS = {
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


@pytest.fixture
def position(client: TestClient, container: Container) -> Iterator[int]:
    """Demo data in the database; the log position every read must reflect."""
    summary = load_demo(container.case_files, DemoParameters(households=90, seed=2025))
    yield summary.position


class Api:
    def __init__(self, client: TestClient, position: int) -> None:
        self.client = client
        self.position = position

    def json(self, path: str, **params: Any) -> Any:
        answer = self.client.get(path, params={**params, "min_position": self.position})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def workbook(self, path: str, filename: str, **params: Any) -> Workbook:
        answer = self.client.get(path, params={**params, "min_position": self.position})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == XLSX
        assert answer.headers["content-disposition"] == f'attachment; filename="{filename}"'
        return load_workbook(io.BytesIO(answer.content))

    def units(self, parent: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.json("/reference/units", parent=parent)["items"]
        return sorted(items, key=lambda u: u["code"])

    def communes_within(self, unit: dict[str, Any]) -> list[str]:
        if unit["level"] == "commune":
            return [unit["code"]]
        return [c for child in self.units(unit["code"]) for c in self.communes_within(child)]

    def busiest_district(self) -> dict[str, Any]:
        summary = self.json("/registers/summary", area=PROVINCE, as_of=f"{YEAR}-12-31")
        code = max(summary["units"], key=lambda u: (u["poor"] + u["near_poor"], u["households"]))
        return next(u for u in self.units(PROVINCE) if u["code"] == code["code"])


@pytest.fixture
def api(client: TestClient, position: int) -> Api:
    return Api(client, position)


def texts(sheet: Worksheet) -> list[str]:
    return [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]


def header_row(sheet: Worksheet) -> int:
    """The first row of the table: the one whose first cell reads STT."""
    return next(row[0].row for row in sheet.iter_rows() if row[0].value == "STT")


def merged_width(sheet: Worksheet, text: str) -> int:
    """How many columns the merged cell holding ``text`` spans (1 when not merged)."""
    for cells in sheet.merged_cells.ranges:
        if sheet.cell(row=cells.min_row, column=cells.min_col).value == text:
            return int(cells.max_col - cells.min_col + 1)
    return 1


def rows_by_name(sheet: Worksheet, first_row: int) -> dict[str, list[Any]]:
    """The table's rows by the name in column B, each with its cells from column C on."""
    rows: dict[str, list[Any]] = {}
    for row in sheet.iter_rows(min_row=first_row, values_only=True):
        if row[1] is None or row[1] in ("NGƯỜI LẬP BIỂU",):
            continue
        if isinstance(row[0], str) and row[0].startswith("Ghi chú"):
            continue
        rows[str(row[1])] = [None if v == NO_VALUE else v for v in row[2:]]
    return rows


def movement_numbers(figures: dict[str, Any]) -> list[int]:
    return [figures["poor"][f] for f in POOR_FIELDS] + [
        figures["near_poor"][f] for f in NEAR_POOR_FIELDS
    ]


# The movement report ------------------------------------------------------------------------


@pytest.mark.parametrize("period", [("2022-01-01", "2025-12-31"), ("2025-01-01", "2025-12-31")])
def test_movement_workbook_has_the_circular_layout_and_the_numbers_of_the_json(
    api: Api, period: tuple[str, str]
) -> None:
    start, end = period
    for area in (PROVINCE, api.busiest_district()["code"]):
        book = api.workbook(
            "/reports/movements.xlsx",
            f"dien-bien-ho-ngheo-{area}-{start}-{end}.xlsx",
            area=area,
            **{"from": start, "to": end},
        )
        sheet = book.worksheets[0]
        assert sheet["A1"].value == "BÁO CÁO DIỄN BIẾN HỘ NGHÈO, HỘ CẬN NGHÈO"
        y, m, d = start.split("-")
        y2, m2, d2 = end.split("-")
        assert f"từ ngày {d}/{m}/{y} đến ngày {d2}/{m2}/{y2}" in " ".join(texts(sheet))
        top = header_row(sheet)
        assert merged_width(sheet, "Hộ nghèo") == 5
        assert merged_width(sheet, "Hộ cận nghèo") == 6
        header = [c.value for c in sheet[top + 1]][2:13]
        assert header == POOR_HEADINGS + NEAR_POOR_HEADINGS

        rows = rows_by_name(sheet, top + 3)
        units = api.units(area)
        by_unit = api.json("/reports/movements/by-unit", area=area, **{"from": start, "to": end})
        assert [u["code"] for u in by_unit["units"]] == [u["code"] for u in units]
        sums: Counter[int] = Counter()
        for unit, from_json in zip(units, by_unit["units"], strict=True):
            one = api.json("/reports/movements", area=unit["code"], **{"from": start, "to": end})
            expected = movement_numbers(one)
            assert rows[unit["name"]][:11] == expected, unit["name"]
            assert movement_numbers(from_json) == expected
            sums.update(dict(enumerate(expected)))
        whole = api.json("/reports/movements", area=area, **{"from": start, "to": end})
        assert rows["Tổng cộng"][:11] == movement_numbers(whole)
        assert [sums[i] for i in range(11)] == movement_numbers(whole)
        assert movement_numbers(by_unit["total"]) == movement_numbers(whole)
    assert sum(movement_numbers(whole)) > 0, "the demo data should move"


def test_a_communes_movement_workbook_has_the_commune_as_its_row(api: Api) -> None:
    district = api.busiest_district()
    summary = api.json("/registers/summary", area=district["code"], as_of=f"{YEAR}-12-31")
    commune = max(summary["units"], key=lambda u: (u["poor"] + u["near_poor"], u["households"]))
    period = {"from": "2022-01-01", "to": "2025-12-31"}
    book = api.workbook(
        "/reports/movements.xlsx",
        f"dien-bien-ho-ngheo-{commune['code']}-2022-01-01-2025-12-31.xlsx",
        area=commune["code"],
        **period,
    )
    sheet = book.worksheets[0]
    rows = rows_by_name(sheet, header_row(sheet) + 3)
    expected = movement_numbers(api.json("/reports/movements", area=commune["code"], **period))
    assert rows == {commune["name"]: expected, "Tổng cộng": expected}


# The deprivation analysis ------------------------------------------------------------------


def test_deprivation_workbook_adds_the_communes_of_the_json_up_by_unit(api: Api) -> None:
    as_of = f"{YEAR}-12-31"
    for area in (PROVINCE, api.busiest_district()["code"]):
        analysis = api.json("/reports/deprivations", area=area, as_of=as_of)
        codes = analysis["indicators"]
        assert set(DEPRIVATION_HEADINGS) == set(codes)
        book = api.workbook(
            "/reports/deprivations.xlsx",
            f"phan-tich-thieu-hut-{area}-{as_of}.xlsx",
            area=area,
            as_of=as_of,
        )
        assert book.sheetnames == ["Hộ nghèo", "Hộ cận nghèo"]
        by_unit = api.json("/reports/deprivations/by-unit", area=area, as_of=as_of)
        grand: dict[str, Counter[str]] = {"poor": Counter(), "near_poor": Counter()}
        for status, sheet in zip(("poor", "near_poor"), book.worksheets, strict=True):
            assert sheet["A1"].value == "PHÂN TÍCH CHỈ SỐ THIẾU HỤT"
            top = header_row(sheet)
            headings = [c.value for c in sheet[top + 2]]
            columns = {code: headings.index(DEPRIVATION_HEADINGS[code]) - 2 for code in codes}
            rows = rows_by_name(sheet, top + 3)
            for index, unit in enumerate(api.units(area)):
                expected: Counter[str] = Counter()
                for commune in api.communes_within(unit):
                    expected.update(analysis["communes"].get(commune, {}).get(status, {}))
                row = rows[unit["name"]]
                assert row[0] == expected["households_surveyed"], unit["name"]
                assert {c: row[columns[c]] for c in codes} == {c: expected[c] for c in codes}
                assert by_unit["units"][index][status] == {
                    "households_surveyed": expected["households_surveyed"],
                    **{c: expected[c] for c in codes},
                }
                grand[status].update(expected)
            total = rows["Tổng cộng"]
            assert total[0] == grand[status]["households_surveyed"]
            assert {c: total[columns[c]] for c in codes} == {c: grand[status][c] for c in codes}
        assert sum(grand["poor"].values()) + sum(grand["near_poor"].values()) > 0


# The indicators ----------------------------------------------------------------------------


@pytest.mark.slow
def test_indicators_workbook_answers_on_track_this_year_over_the_period_and_by_unit(
    api: Api,
) -> None:
    # The province, one row per district; and a commune, its own only row. (A district's
    # communes work the same way, at a few dozen queries a commune.)
    district = api.busiest_district()
    summary = api.json("/registers/summary", area=district["code"], as_of=f"{YEAR}-12-31")
    commune = max(summary["units"], key=lambda u: (u["poor"] + u["near_poor"], u["households"]))
    province = api.json("/reference/units")["items"][0]
    for area, name in ((PROVINCE, province["name"]), (commune["code"], commune["name"])):
        book = api.workbook(
            "/indicators.xlsx", f"chi-tieu-giam-ngheo-{area}-{YEAR}.xlsx", area=area, year=YEAR
        )
        assert book.sheetnames == ["Chỉ tiêu", "Theo đơn vị"]
        current = api.json("/indicators", area=area, year=YEAR)
        by_year = {y: api.json("/indicators", area=area, year=y) for y in range(2022, YEAR + 1)}

        sheet = book["Chỉ tiêu"]
        assert sheet["A1"].value == "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU GIẢM NGHÈO BỀN VỮNG"
        top = header_row(sheet)
        headings = [c.value for c in sheet[top]]
        years = [c.value for c in sheet[top + 1]]
        value_column = headings.index(f"Thực hiện năm {YEAR}")
        target_column = headings.index(f"Chỉ tiêu năm {YEAR}")
        judgement_column = headings.index("Đánh giá")
        year_columns = {int(str(v)): i for i, v in enumerate(years) if str(v).isdigit()}
        assert sorted(year_columns) == list(range(2022, YEAR + 1))
        by_code = {
            row[3]: [None if v == NO_VALUE else v for v in row]
            for row in sheet.iter_rows(min_row=top + 2, values_only=True)
            if row[3] is not None
        }
        assert list(by_code) == [item["code"] for item in current["items"]]
        for item in current["items"]:
            row = by_code[item["code"]]
            assert row[1] == item["name_vi"]
            assert row[value_column] == item["value"], item["code"]
            assert row[target_column] == item["target"], item["code"]
            judgement = {True: "Đạt", False: "Chưa đạt", None: None}[item["on_track"]]
            assert row[judgement_column] == judgement, item["code"]
            for y, column in year_columns.items():
                past = next(i for i in by_year[y]["items"] if i["code"] == item["code"])
                assert row[column] == past["value"], (item["code"], y)

        units_sheet = book["Theo đơn vị"]
        top = header_row(units_sheet)
        names = [c.value for c in units_sheet[top]][3:]
        assert names == [item["name_vi"] for item in current["items"]]
        rows = rows_by_name(units_sheet, top + 2)
        by_unit = api.json("/indicators/by-unit", area=area, year=YEAR)
        units = api.units(area) or [{"code": area, "name": name}]
        assert [u["code"] for u in by_unit["units"]] == [u["code"] for u in units]
        for unit, from_json in zip(units, by_unit["units"], strict=True):
            answer = api.json("/indicators", area=unit["code"], year=YEAR)
            row = rows[unit["name"]]
            values = [item["value"] for item in answer["items"]]
            assert row[1 : 1 + len(values)] == values, unit["name"]
            judged = [item["on_track"] for item in answer["items"] if item["on_track"] is not None]
            assert row[0] == f"{sum(judged)}/{len(judged)}"
            assert [i["value"] for i in from_json["items"]] == values
            assert [i["on_track"] for i in from_json["items"]] == [
                i["on_track"] for i in answer["items"]
            ]
        own = rows[f"Chung: {name}"]
        assert own[1 : 1 + len(current["items"])] == [i["value"] for i in current["items"]]


def test_the_dashboard_is_a_self_contained_page(api: Api) -> None:
    answer = api.client.get("/dashboard", params={"area": api.busiest_district()["code"]})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "Theo dõi giảm nghèo bền vững" in page
    # Its style and scripts come from this backend; nothing, in them either, from elsewhere.
    assert re.findall(r'<link rel="stylesheet"[^>]*>', page) == [
        '<link rel="stylesheet" href="/static/dashboard.css">'
    ]
    assert re.findall(r"<script[^>]* src=[^>]*>", page) == [
        '<script src="/static/login.js">',
        '<script src="/static/draw.js">',
        '<script src="/static/dashboard.js">',
    ]
    assets = {"page": page}
    for path, media_type in (
        ("/static/dashboard.css", "text/css"),
        ("/static/login.js", "text/javascript"),
        ("/static/draw.js", "text/javascript"),
        ("/static/dashboard.js", "text/javascript"),
    ):
        asset = api.client.get(path)
        assert asset.status_code == 200, path
        assert asset.headers["content-type"].startswith(media_type), path
        assets[path] = asset.text
    for name, text in assets.items():
        for outside in ("http://", "https://", "//cdn", "@import", "url("):
            assert outside not in text.replace("http://www.w3.org/2000/svg", ""), (name, outside)


def test_an_unknown_area_is_a_validation_problem(api: Api) -> None:
    for path, params in (
        ("/reports/movements.xlsx", {"from": "2025-01-01", "to": "2025-12-31"}),
        ("/reports/movements/by-unit", {"from": "2025-01-01", "to": "2025-12-31"}),
        ("/reports/deprivations.xlsx", {}),
        ("/indicators.xlsx", {"year": YEAR}),
    ):
        answer = api.client.get(path, params={**params, "area": "99999"})
        assert answer.status_code == 422, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "validation_error"
    answer = api.client.get(
        "/reports/movements.xlsx", params={"from": "2025-12-31", "to": "2025-01-01"}
    )
    assert answer.status_code == 422
