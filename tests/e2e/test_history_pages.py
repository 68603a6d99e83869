"""A household's history and complete file come in pages (issue 10 §5): `limit` (1..1000,
default 1000) and `after` (a version), so that no single request reads or renders an unbounded
history; the pages put together are the whole history, in order, each fact once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bodies import household_body

ACTOR = {"X-Actor": "canbo.phucha"}
CORRECTIONS = 24  # facts: registered + these


@pytest.fixture
def long_history(client: TestClient) -> str:
    created = client.post(
        "/households",
        json=household_body("PAGES-1"),
        headers=ACTOR,
    )
    assert created.status_code == 201, created.text
    household = created.json()
    member = household["members"][0]["member_id"]
    for number in range(CORRECTIONS):
        corrected = client.post(
            f"/households/{household['id']}/members/{member}/corrections",
            json={"name": f"Hoàng Văn Chiến {number}", "reason": "spelling"},
            headers=ACTOR,
        )
        assert corrected.status_code == 200, corrected.text
    household_id: str = household["id"]
    return household_id


def pages(client: TestClient, path: str, limit: int, key: str) -> list[list[dict[str, Any]]]:
    found: list[list[dict[str, Any]]] = []
    after: int | None = 0
    while after is not None:
        answer = client.get(path, params={"limit": limit, "after": after})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body[key]) <= limit
        found.append(body[key])
        assert len(found) <= CORRECTIONS + 2, "the pages never end"
        after = body["next"]
    return found


def test_a_short_history_comes_whole_in_one_answer_as_before(
    client: TestClient, long_history: str
) -> None:
    body = client.get(f"/households/{long_history}/history").json()
    assert [i["version"] for i in body["items"]] == list(range(1, CORRECTIONS + 2))
    assert body["next"] is None
    complete = client.get(f"/households/{long_history}/file").json()
    assert [f["version"] for f in complete["facts"]] == list(range(1, CORRECTIONS + 2))
    assert complete["next"] is None


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(min_value=1, max_value=CORRECTIONS + 3))
def test_pages_put_together_are_the_whole_history_in_order_each_fact_once(
    client: TestClient, long_history: str, limit: int
) -> None:
    whole = client.get(f"/households/{long_history}/history").json()["items"]
    for path, key in (
        (f"/households/{long_history}/history", "items"),
        (f"/households/{long_history}/file", "facts"),
    ):
        found = pages(client, path, limit, key)
        joined = [item for page in found for item in page]
        assert joined == whole, (path, limit)
        # Only the last page may be short, and none is empty unless the history is.
        assert all(len(page) == limit for page in found[:-1])
        assert len(found) == -(-len(whole) // limit)


def test_the_printable_file_links_to_its_next_page(client: TestClient, long_history: str) -> None:
    first = client.get(f"/households/{long_history}/file.html", params={"limit": 10})
    assert first.status_code == 200
    assert 'href="?after=10&amp;limit=10"' in first.text
    assert "trang sau" in first.text
    last = client.get(f"/households/{long_history}/file.html", params={"limit": 10, "after": 20})
    assert "Các sự kiện sau phiên bản 20" in last.text
    assert "trang sau" not in last.text
    assert "trang sau" not in client.get(f"/households/{long_history}/file.html").text
    english = {"limit": 10, "lang": "en"}
    first = client.get(f"/households/{long_history}/file.html", params=english)
    assert 'href="?after=10&amp;limit=10&amp;lang=en">next page' in first.text
    last = client.get(f"/households/{long_history}/file.html", params={**english, "after": 20})
    assert "Facts after version 20" in last.text
    assert "next page" not in last.text
    assert (
        "next page"
        not in client.get(f"/households/{long_history}/file.html", params={"lang": "en"}).text
    )


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 1001}, {"limit": -1}, {"after": -1}, {"after": 2**63}],
)
def test_page_bounds_are_validation_errors(
    client: TestClient, long_history: str, params: dict[str, int]
) -> None:
    for path in ("history", "file", "file.html"):
        answer = client.get(f"/households/{long_history}/{path}", params=params)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["code"] == "validation_error"
        assert answer.json()["errors"][0]["loc"] == ["query", next(iter(params))]


def test_a_page_after_the_last_fact_is_empty_and_an_unknown_household_is_404(
    client: TestClient, long_history: str
) -> None:
    beyond = client.get(f"/households/{long_history}/history", params={"after": 500}).json()
    assert beyond == {"items": [], "next": None}
    unknown = "5b0c7e1e-0000-4000-8000-000000000000"
    for after in (0, 3):
        answer = client.get(f"/households/{unknown}/history", params={"after": after})
        assert answer.status_code == 404
        assert client.get(f"/households/{unknown}/file", params={"after": after}).status_code == 404
