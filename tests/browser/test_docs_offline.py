"""The API's documentation pages with no internet, as in a provincial office on an intranet: every
request to a host other than the server is refused, yet /docs (Swagger UI) lists the operations
and "Try it out" → "Execute" answers a read and records a write (with its X-Actor header), and
/redoc renders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Server

pytestmark = pytest.mark.slow

READY = 60_000  # milliseconds, as Playwright counts
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class OfflineTab:
    def __init__(self, page: Any, refused: list[str]) -> None:
        self.page = page
        self.refused = refused


@pytest.fixture
def offline(browser: Any, server: Server) -> Iterator[OfflineTab]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    refused: list[str] = []

    def only_local(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            refused.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    try:
        yield OfflineTab(context.new_page(), refused)
    finally:
        context.close()


def test_swagger_ui_lists_the_operations_and_executes_a_request_offline(
    offline: OfflineTab, server: Server
) -> None:
    page = offline.page
    page.goto(server.base_url + "/docs", wait_until="load")
    page.wait_for_selector(".opblock", timeout=READY)
    operations = page.locator(".opblock").count()
    paths = server.json("/openapi.json")["paths"]
    # Swagger UI lists an operation once under each of its tags.
    listed = [len(op.get("tags", ["default"])) for ops in paths.values() for op in ops.values()]
    assert operations == sum(listed) > 40

    standards = page.locator("#operations-reference-standards_reference_standards_get")
    standards.locator(".opblock-summary").click()
    standards.get_by_role("button", name="Try it out").click()
    standards.get_by_role("button", name="Execute").click()
    status = standards.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=READY)
    assert status.inner_text().strip() == "200"
    body = standards.locator(".live-responses-table .response-col_description pre").first
    assert "nd-07-2021" in body.inner_text()
    assert offline.refused == []


def test_swagger_ui_records_a_write_with_the_x_actor_header_offline(
    offline: OfflineTab, server: Server
) -> None:
    page = offline.page
    page.goto(server.base_url + "/docs", wait_until="load")
    write = page.locator(".opblock-post").filter(
        has=page.locator('.opblock-summary-path[data-path="/allocations"]')
    )
    write.locator(".opblock-summary").click()
    write.get_by_role("button", name="Try it out").click()
    write.locator('tr[data-param-name="X-Actor"] input').fill("kiemthu.tailieu")
    body = {
        "source": "local",
        "fiscal_year": 2025,
        "programme_line": "DA7.TDA2",
        "unit_code": "19",
        "amount": 1_000_000,
        "decision_no": "01/QĐ-KT",
        "decided_on": "2025-01-02",
    }
    write.locator("textarea.body-param__text").fill(json.dumps(body))
    write.get_by_role("button", name="Execute").click()
    status = write.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=READY)
    assert status.inner_text().strip() == "201"
    answer = json.loads(
        write.locator(".live-responses-table .response-col_description pre").first.inner_text()
    )
    assert answer["allocated"] == 1_000_000 and answer["position"] > 0
    assert offline.refused == []


def test_redoc_renders_the_operations_offline(offline: OfflineTab, server: Server) -> None:
    page = offline.page
    page.goto(server.base_url + "/redoc", wait_until="load")
    page.wait_for_selector("[data-section-id^='tag/']", timeout=READY)
    assert page.get_by_text("/reference/standards").count() > 0
    # ReDoc's bundle draws its maker's logo in the sidebar from their site; refused, it is only
    # a missing picture. Nothing else is fetched from elsewhere.
    assert set(offline.refused) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
