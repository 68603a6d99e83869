"""Demo data says it is a sample, on the dashboard and in the indicators workbook: the province's
count targets (13,200 households, …) cannot be met by a few hundred generated households. Real
case files say nothing of the kind."""

from __future__ import annotations

import io
import json
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from application.demo import DemoParameters, holds_demo_data, load_demo
from infrastructure.container import Container
from tests.e2e.test_caseworker_journey import register

SAMPLE_NOTE = "Dữ liệu mẫu (demo)"


def dashboard_says_sample(client: TestClient) -> bool:
    page = client.get("/dashboard").text
    found = re.search(r'<script type="application/json" id="dashboard-config">(.*?)</script>', page)
    assert found is not None
    sample: bool = json.loads(found.group(1))["sample"]
    return sample


def workbook_says_sample(client: TestClient) -> bool:
    answer = client.get("/indicators.xlsx", params={"year": 2025})
    assert answer.status_code == 200, answer.text
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    return any(str(c.value).startswith(SAMPLE_NOTE) for row in sheet.iter_rows() for c in row)


def test_an_empty_log_and_real_case_files_are_not_called_a_sample(
    client: TestClient, container: Container
) -> None:
    assert not holds_demo_data(container.case_files)
    register(client)
    assert not holds_demo_data(container.case_files)
    assert not dashboard_says_sample(client)
    assert not workbook_says_sample(client)


def test_demo_data_is_called_a_sample_on_the_dashboard_and_in_the_workbook(
    client: TestClient, container: Container
) -> None:
    load_demo(container.case_files, DemoParameters(households=3, seed=7))
    assert holds_demo_data(container.case_files)
    assert dashboard_says_sample(client)
    assert workbook_says_sample(client)
