"""The dashboard in a real headless browser (Debian's Chromium under Playwright), served by the
real server: at laptop and phone sizes the page loads, its charts render, and every number it
draws (read back from the charts' data attributes) equals the JSON endpoints fetched directly.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from infrastructure.clock import today_in_vietnam
from tests.browser.conftest import ANALYST_PASSWORD, Server

pytestmark = pytest.mark.slow

YEAR = 2025
VIEWPORTS = {
    "laptop": {"viewport": {"width": 1366, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
READY_SECONDS = 60_000  # milliseconds, as Playwright counts

# What the page draws, read from its data attributes.
DRAWN = """() => {
  const all = (selector, read) => Array.from(document.querySelectorAll(selector)).map(read);
  return {
    charts: all("figure.chart", (e) => ({
      code: e.dataset.code, value: e.dataset.value, target: e.dataset.target,
      on_track: e.dataset.onTrack,
      svg: (() => { const r = e.querySelector("svg").getBoundingClientRect();
                    return [r.width, r.height]; })(),
      lines: e.querySelectorAll("svg path.line").length,
    })),
    points: all("figure.chart circle.point", (e) => ({
      code: e.dataset.code, year: e.dataset.year, value: e.dataset.value,
      r: Number(e.getAttribute("r")),
    })),
    progress: all("div.progress", (e) => ({
      code: e.dataset.code, value: e.dataset.value, target: e.dataset.target,
      plan_target: e.dataset.planTarget, on_track: e.dataset.onTrack,
      bar: e.querySelector("rect.fill") ? Number(e.querySelector("rect.fill").getAttribute("width"))
        : null,
    })),
    cards: all(".card", (e) => ({kind: e.dataset.kind, value: e.dataset.value})),
    registers: all("rect[data-unit]", (e) => ({
      unit: e.dataset.unit, kind: e.dataset.kind, value: e.dataset.value,
    })),
    movements: all("td[data-field]", (e) => ({
      status: e.dataset.status, field: e.dataset.field, value: e.dataset.value,
    })),
    units: all("table.units tbody tr td[data-code]", (e) => ({
      unit: e.parentElement.dataset.unit, code: e.dataset.code, value: e.dataset.value,
    })),
    own: all("table.units tfoot td[data-code]", (e) => ({code: e.dataset.code,
      value: e.dataset.value})),
    width: document.documentElement.scrollWidth,
    end: document.body.dataset.end,
    status: document.getElementById("status").textContent,
    sample: !document.getElementById("sample").hidden,
    table: (() => { const w = document.getElementById("unit-table");
                    return {scroll: w.scrollWidth, client: w.clientWidth,
                            right: w.getBoundingClientRect().right}; })(),
    hint: document.getElementById("unit-table-hint").classList.contains("shown"),
  };
}"""


def number(text: str | None) -> float | None:
    return None if text in (None, "") else float(str(text))


def same(drawn: str | None, answered: Any) -> bool:
    value = number(drawn)
    return value is None if answered is None else value == float(answered)


def flag(drawn: str | None) -> bool | None:
    return {"true": True, "false": False}.get(drawn or "")


@dataclass
class Tab:
    """A browser page at one size, with whatever errors or warnings it logged."""

    page: Any
    size: str
    problems: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return int(self.page.viewport_size["width"])


@pytest.fixture(params=list(VIEWPORTS))
def tab(request: pytest.FixtureRequest, browser: Any) -> Iterator[Tab]:
    context = browser.new_context(**VIEWPORTS[request.param], locale="vi-VN")
    opened = Tab(context.new_page(), request.param)

    def console(message: Any) -> None:
        if message.type in ("error", "warning"):
            opened.problems.append(f"console {message.type}: {message.text}")

    opened.page.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
    opened.page.on("console", console)
    try:
        yield opened
    finally:
        context.close()


def log_in(tab: Tab, username: str = "analyst", password: str = ANALYST_PASSWORD) -> None:
    """The page asks for a login before it reads anything."""
    tab.page.wait_for_selector("body[data-state=login]", timeout=READY_SECONDS)
    tab.page.fill("#login-username", username)
    tab.page.fill("#login-password", password)
    tab.page.click("#login button[type=submit]")


def open_dashboard(
    tab: Tab, server: Server, query: str, username: str = "analyst"
) -> dict[str, Any]:
    tab.page.goto(f"{server.base_url}/dashboard{query}")
    log_in(tab, username)
    drawn = wait_for(tab)
    assert not tab.page.is_visible("#login")  # the form gives way to the figures
    assert tab.page.is_visible("#who")
    return drawn


def wait_for(tab: Tab, area: str | None = None) -> dict[str, Any]:
    selector = "body[data-state=ready][data-units=ready]"
    if area is not None:
        selector = f"body[data-area='{area}'][data-state=ready][data-units=ready]"
    tab.page.wait_for_selector(selector, timeout=READY_SECONDS)
    drawn: dict[str, Any] = tab.page.evaluate(DRAWN)
    return drawn


def check_against_the_api(drawn: dict[str, Any], server: Server, area: str, year: int) -> None:
    indicators = server.json(f"/indicators?area={area}&year={year}")
    items = {item["code"]: item for item in indicators["items"]}
    trend_codes = [code for code, item in items.items() if "trend" in item]
    count_codes = [code for code, item in items.items() if "trend" not in item]

    # A line chart for each rate, its points the yearly values, its verdict the API's.
    assert [c["code"] for c in drawn["charts"]] == trend_codes
    for chart in drawn["charts"]:
        item = items[chart["code"]]
        assert same(chart["value"], item["value"]), chart
        assert same(chart["target"], item["target"]), chart
        assert flag(chart["on_track"]) == item["on_track"], chart
        width, height = chart["svg"]
        assert width > 200 and height > 100, f"chart {chart['code']} not drawn: {chart['svg']}"
        assert chart["lines"] == 1, chart
    points = {(p["code"], int(p["year"])): p for p in drawn["points"]}
    expected = {(c, t["year"]): t["value"] for c in trend_codes for t in items[c]["trend"]}
    assert set(points) == set(expected)
    for key, value in expected.items():
        assert same(points[key]["value"], value), (key, points[key], value)
        assert (points[key]["r"] > 0) == (value is not None), key

    # A progress bar for each count target (targets at the province only).
    assert [p["code"] for p in drawn["progress"]] == count_codes
    for bar in drawn["progress"]:
        item = items[bar["code"]]
        assert same(bar["value"], item["value"]), bar
        assert same(bar["target"], item["target"]), bar
        assert flag(bar["on_track"]) == item["on_track"], bar
        if item["target"] is None:
            assert bar["bar"] is None, f"a bar without a target: {bar}"
        elif item["target"]:
            assert (bar["bar"] > 0) == (item["value"] > 0), bar

    # The registers' sizes on 31 December (today for the year still running), in all and by unit.
    end = drawn["end"]
    today = today_in_vietnam()
    assert end == (today.isoformat() if year == today.year else f"{year}-12-31"), end
    assert ("đến ngày" in drawn["status"]) == (year == today.year), drawn["status"]
    summary = server.json(f"/registers/summary?area={area}&as_of={end}")
    cards = {c["kind"]: c["value"] for c in drawn["cards"]}
    for kind in ("households", "poor", "near_poor", "newly_escaped"):
        assert same(cards[kind], summary[kind]), kind
    assert same(cards["baseline"], indicators["figures"]["baseline_poor"])
    units = summary["units"] or [{**summary, "code": area}]
    bars = {(r["unit"], r["kind"]): r["value"] for r in drawn["registers"]}
    assert bars == {
        (u["code"], kind): str(u[kind])
        for u in units
        for kind in ("poor", "near_poor", "newly_escaped")
    }

    # The year's movement report.
    movements = server.json(f"/reports/movements?area={area}&from={year}-01-01&to={end}")
    drawn_movements = {(m["status"], m["field"]): m["value"] for m in drawn["movements"]}
    assert drawn_movements == {
        (status, field): str(value)
        for status in ("poor", "near_poor")
        for field, value in movements[status].items()
    }

    # Each unit's indicators in the table.
    by_unit = server.json(f"/indicators/by-unit?area={area}&year={year}")
    table = {(c["unit"], c["code"]): c["value"] for c in drawn["units"]}
    expected_table = {
        (u["code"], i["code"]): i["value"] for u in by_unit["units"] for i in u["items"]
    }
    assert set(table) == set(expected_table)
    for key, value in expected_table.items():
        assert same(table[key], value), key
    if len(by_unit["units"]) <= 10:  # the province's districts, straight from /indicators
        for unit in by_unit["units"]:
            answer = server.json(f"/indicators?area={unit['code']}&year={year}")
            for item in answer["items"]:
                assert same(table[(unit["code"], item["code"])], item["value"]), unit["code"]
    own = {c["code"]: c["value"] for c in drawn["own"]}
    assert set(own) == set(items)
    for code, item in items.items():
        assert same(own[code], item["value"]), code


def screenshot(tab: Tab, artifacts: Path, name: str) -> Path:
    path = artifacts / f"dashboard-{name}-{tab.size}.png"
    tab.page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_the_province_dashboard_draws_the_numbers_of_the_api(
    tab: Tab, server: Server, artifacts: Path
) -> None:
    drawn = open_dashboard(tab, server, f"?year={YEAR}")
    assert tab.page.title().startswith("Theo dõi giảm nghèo bền vững")
    check_against_the_api(drawn, server, "19", YEAR)
    # The page itself never scrolls sideways (wide tables scroll inside their frame).
    assert drawn["width"] <= tab.width, drawn["width"]
    # The per-unit table's box ends inside the page; wider than it, it says it scrolls.
    assert drawn["table"]["right"] <= tab.width, drawn["table"]
    assert drawn["hint"] == (drawn["table"]["scroll"] > drawn["table"]["client"]), drawn["table"]
    # Demo data says it is a sample (the count targets are the whole province's).
    assert drawn["sample"] is True
    screenshot(tab, artifacts, "province")
    assert tab.problems == []


def test_the_dashboard_opens_on_this_year(tab: Tab, server: Server) -> None:
    drawn = open_dashboard(tab, server, "")
    year = int(tab.page.evaluate("() => document.body.dataset.year"))
    assert tab.page.evaluate("() => document.getElementById('year').value") == str(year)
    assert year >= YEAR
    check_against_the_api(drawn, server, "19", year)
    assert tab.problems == []


def test_choosing_a_district_then_a_commune_redraws_their_numbers(
    tab: Tab, server: Server, artifacts: Path
) -> None:
    open_dashboard(tab, server, f"?year={YEAR}")
    summary = server.json(f"/registers/summary?area=19&as_of={YEAR}-12-31")
    district = max(summary["units"], key=lambda u: (u["poor"] + u["near_poor"], u["households"]))
    tab.page.select_option("#district", district["code"])
    drawn = wait_for(tab, district["code"])
    check_against_the_api(drawn, server, district["code"], YEAR)
    assert drawn["width"] <= tab.width, drawn["width"]
    screenshot(tab, artifacts, "district")

    communes = server.json(f"/registers/summary?area={district['code']}&as_of={YEAR}-12-31")
    commune = max(communes["units"], key=lambda u: (u["poor"] + u["near_poor"], u["households"]))
    tab.page.wait_for_selector("#commune:not([disabled])")
    tab.page.select_option("#commune", commune["code"])
    drawn = wait_for(tab, commune["code"])
    check_against_the_api(drawn, server, commune["code"], YEAR)
    # The page's address names the choice, so it can be shared and reopened as it is.
    assert f"area={commune['code']}" in tab.page.url and f"year={YEAR}" in tab.page.url
    tab.page.reload()
    drawn = wait_for(tab, commune["code"])
    assert tab.page.evaluate("() => document.getElementById('district').value") == district["code"]
    check_against_the_api(drawn, server, commune["code"], YEAR)
    assert tab.problems == []


def test_the_download_links_answer_workbooks(tab: Tab, server: Server) -> None:
    open_dashboard(tab, server, f"?year={YEAR}")
    for link in ("#dl-indicators", "#dl-movements", "#dl-deprivations"):
        href = tab.page.get_attribute(link, "href")
        assert tab.page.request.get(server.base_url + href).status == 401  # a link alone: no
        answer = tab.page.request.get(server.base_url + href, headers=server.headers)
        assert answer.ok, (href, answer.status)
        with tab.page.expect_download() as clicked:  # the page's own download carries the token
            tab.page.click(link)
        assert clicked.value.suggested_filename.endswith(".xlsx"), href
        assert clicked.value.failure() is None
        assert answer.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ), href


def test_nothing_is_read_before_a_login_and_a_wrong_password_is_told(
    tab: Tab, server: Server
) -> None:
    tab.page.goto(f"{server.base_url}/dashboard")
    log_in(tab, password="not-the-password")
    tab.page.wait_for_function(
        "() => document.getElementById('login-message').textContent.length > 0"
    )
    assert "Sai tên đăng nhập" in tab.page.inner_text("#login-message")
    assert tab.page.evaluate("() => document.body.dataset.state") == "login"
    assert tab.page.inner_text("#cards") == ""


def test_a_commune_analyst_opens_on_the_commune(tab: Tab, server: Server) -> None:
    tab.page.goto(f"{server.base_url}/dashboard?year={YEAR}")
    log_in(tab, "analyst.05950")
    drawn = wait_for(tab, "05950")
    assert tab.page.evaluate("() => document.body.dataset.area") == "05950"
    assert "analyst.05950" in tab.page.inner_text("#who")
    assert drawn is not None
