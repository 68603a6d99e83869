"""The API's documentation pages with no internet, as in a provincial office on an intranet: every
request to a host other than the server is refused, yet /docs (Swagger UI) lists the operations
and "Try it out" → "Execute" answers a read; logged in through "Authorize" (the OAuth2 password
flow), it answers a read that needs the token and records writes whose actor is that user; and
/redoc renders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.bodies import household_body
from tests.browser.conftest import Server
from tests.logins import TEST_PASSWORD

pytestmark = pytest.mark.slow

READY = 60_000  # milliseconds, as Playwright counts
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
USERNAME = "kiemthu.tailieu"  # who logs in through the Authorize button


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
    # Swagger UI lists an operation once under each of its tags (a tag named twice, once).
    listed = [
        len(set(op.get("tags", ["default"]))) for ops in paths.values() for op in ops.values()
    ]
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


def operation(page: Any, method: str, path: str) -> Any:
    """An operation's block (the first, if it is listed under more than one tag)."""
    return (
        page.locator(f".opblock-{method}")
        .filter(has=page.locator(f'.opblock-summary-path[data-path="{path}"]'))
        .first
    )


def execute(block: Any, body: dict[str, Any] | None = None, **path: str) -> tuple[str, Any]:
    """Opens the block, "Try it out", fills in the path parameters and the body, "Execute";
    the status shown and the body answered."""
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    for name, value in path.items():
        block.locator(f'tr[data-param-name="{name}"] input').fill(value)
    if body is not None:
        block.locator("textarea.body-param__text").fill(json.dumps(body))
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=READY)
    answer = block.locator(".live-responses-table .response-col_description pre").first
    return status.inner_text().strip(), json.loads(answer.inner_text())


def test_swagger_ui_logs_in_with_authorize_and_records_a_write_as_that_user_offline(
    offline: OfflineTab, server: Server
) -> None:
    server.add_user(USERNAME, "admin", TEST_PASSWORD)
    page = offline.page
    page.goto(server.base_url + "/docs", wait_until="load")
    page.wait_for_selector(".opblock", timeout=READY)

    # The OAuth2 password flow of the Authorize button: username and password, then every
    # "Try it out" carries the token.
    page.locator(".auth-wrapper .btn.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#oauth_username").fill(USERNAME)
    dialog.locator("#oauth_password").fill(TEST_PASSWORD)
    buttons = dialog.locator(".auth-btn-wrapper")
    buttons.locator("button.authorize").click()
    # Logged in, the form shows the user and offers to log out.
    buttons.get_by_text("Logout").wait_for(timeout=READY)
    buttons.locator("button.btn-done").click()  # Close

    status, me = execute(operation(page, "get", "/users/me"))
    assert status == "200", me
    assert (me["username"], me["role"]) == (USERNAME, "admin")

    allocation = {
        "source": "local",
        "fiscal_year": 2025,
        "programme_line": "DA7.TDA2",
        "unit_code": "19",
        "amount": 1_000_000,
        "decision_no": "01/QĐ-KT",
        "decided_on": "2025-01-02",
    }
    status, answer = execute(operation(page, "post", "/allocations"), allocation)
    assert status == "201", answer
    assert answer["allocated"] == 1_000_000 and answer["position"] > 0

    status, household = execute(operation(page, "post", "/households"), household_body("TAILIEU-1"))
    assert status == "201", household
    status, history = execute(
        operation(page, "get", "/households/{household_id}/history"),
        household_id=household["id"],
    )
    assert status == "200", history
    assert [item["actor"] for item in history["items"]] == [USERNAME]
    assert offline.refused == []


def test_redoc_renders_the_operations_offline(offline: OfflineTab, server: Server) -> None:
    page = offline.page
    page.goto(server.base_url + "/redoc", wait_until="load")
    page.wait_for_selector("[data-section-id^='tag/']", timeout=READY)
    assert page.get_by_text("/reference/standards").count() > 0
    # ReDoc's bundle draws its maker's logo in the sidebar from their site; refused, it is only
    # a missing picture. Nothing else is fetched from elsewhere.
    assert set(offline.refused) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
