"""The OpenAPI document names every answer: each operation's errors are problem+json with the
Problem schema, 401 and 403 wherever authentication applies, and every JSON answer a schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import is_open
from api.problems import PROBLEM_JSON
from infrastructure.container import build_container
from infrastructure.settings import Settings

CODES = [
    "not_found",
    "conflict",
    "validation_error",
    "not_eligible",
    "insufficient_funds",
    "rule_violation",
    "unauthorized",
    "forbidden",
    "method_not_allowed",
    "unavailable",
    "too_many_attempts",
    "internal_error",
]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("openapi") / "giamngheo.sqlite3"
    built = build_container(Settings(database_url=f"sqlite:///{path}"))
    try:
        yield TestClient(create_app(built)).get("/openapi.json").json()
    finally:
        built.close()


def operations(document: Any) -> list[tuple[str, str, Any]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_answer_is_a_problem(document: Any) -> None:
    assert len(operations(document)) >= 40
    for method, path, operation in operations(document):
        responses = operation["responses"]
        assert "500" in responses, (method, path)
        public = is_open(f"{method} {path}")
        assert ("401" in responses and "403" in responses) is not public, (method, path)
        for status, answer in responses.items():
            if int(status) >= 400 and not (path == "/health" and status == "503"):
                assert answer["content"] == {
                    PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)
        if "_id}" in path:
            assert "404" in responses, (method, path)
        if method == "POST" and not public and path != "/allocations":
            assert "409" in responses, (method, path)


def test_the_problem_code_is_the_contracts_list(document: Any) -> None:
    code = document["components"]["schemas"]["Problem"]["properties"]["code"]
    assert sorted(code["enum"]) == sorted(CODES)


def test_every_json_answer_has_a_schema_and_every_body_an_example(document: Any) -> None:
    schemas = document["components"]["schemas"]
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            json = answer.get("content", {}).get("application/json")
            if json is not None:
                assert json.get("schema", {}).get("$ref"), (method, path, status)
        body = operation.get("requestBody")
        if body is not None and "application/json" in body["content"]:
            reference = body["content"]["application/json"]["schema"]["$ref"]
            assert schemas[reference.rsplit("/", 1)[-1]].get("examples"), (method, path)


def test_the_document_has_no_key_twice(client: TestClient) -> None:
    """Swagger UI refuses a document with a repeated key ("duplicated mapping key")."""
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(items)

    json.loads(client.get("/openapi.json").text, object_pairs_hook=pairs)
    assert repeated == []
