"""The API guide in docs/ keeps in step with the server: every `METHOD /path` it writes names an
operation of the app's OpenAPI document, and every operation of that document is in the guide."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

DOCS = Path(__file__).resolve().parents[2] / "docs"
README = DOCS.parent / "README.md"
MENTION = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[^\s`'\")\]<>]*)")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    # The OpenAPI document is the same on either database: SQLite alone.
    yield f"sqlite:///{tmp_path / 'giamngheo.sqlite3'}"


def documented(text: str) -> set[tuple[str, str]]:
    """(method, path) written in the text, the path without its query and final punctuation."""
    found = set()
    for method, path in MENTION.findall(text):
        path = path.split("?")[0].split("#")[0].rstrip(".,;:")
        found.add((method, path))
    return found


def template(path: str) -> re.Pattern[str]:
    """An OpenAPI path as a pattern: a {parameter} stands for any one segment, written as a
    {name} of its own or as a concrete value (an id, possibly shortened "a2903f9b-…")."""
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile(
        "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + "$"
    )


def operations(client: TestClient) -> set[tuple[str, str]]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return {(m.upper(), p) for p, methods in document["paths"].items() for m in methods}


def guide_text() -> str:
    files = sorted(DOCS.glob("**/*.md"))
    assert files, f"no guide in {DOCS}"
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def test_documented_mentions_are_read_with_their_parameters_and_without_queries() -> None:
    text = "`GET /households/{household_id}` and `GET /registers/poor?area=164`, then POST /x."
    assert documented(text) == {
        ("GET", "/households/{household_id}"),
        ("GET", "/registers/poor"),
        ("POST", "/x"),
    }
    assert template("/households/{household_id}/funds").match("/households/a2903f9b-…/funds")
    assert not template("/households/{household_id}").match("/households/a/funds")


def test_every_operation_the_guide_names_exists(client: TestClient) -> None:
    known = operations(client)
    patterns = [(method, template(path)) for method, path in known]
    unknown = sorted(
        (method, path)
        for method, path in documented(guide_text())
        if not any(m == method and p.match(path) for m, p in patterns)
    )
    assert unknown == [], "documented in docs/ but not in the OpenAPI document"


def test_every_operation_is_in_the_guide(client: TestClient) -> None:
    mentioned = documented(guide_text())
    missing = sorted(
        (method, path)
        for method, path in operations(client)
        if not any(m == method and template(path).match(p) for m, p in mentioned)
    )
    assert missing == [], "in the OpenAPI document but not in docs/"


def test_the_readme_points_to_the_guide_inside_the_repository() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "docs/api.md" in readme
    assert "../shared" not in readme
