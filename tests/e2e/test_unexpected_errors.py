"""An unexpected failure answers problem+json 500 with a correlation id that the server log
records with the traceback; the client sees no stack trace and the log line no personal data.
The OpenAPI document describes those answers as they are."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infrastructure.container import Container

PERSONAL = "Hoàng Thị Nụ 019075001234"


def fail(*_: Any, **__: Any) -> Any:
    message = "failed on " + PERSONAL  # the traceback shows this line, not the value
    raise RuntimeError(message)


def test_an_unexpected_error_is_a_problem_with_a_correlation_id_in_the_log(
    client: TestClient,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(container.registers, "summary", fail)
    caplog.set_level(logging.ERROR, logger="giamngheo.api")

    answer = client.get("/registers/summary", params={"area": "19", "as_of": "2024-01-01"})

    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "internal_error" and body["status"] == 500
    assert {"type", "title", "detail", "correlation_id"} <= set(body)
    correlation_id = body["correlation_id"]
    assert answer.headers["x-correlation-id"] == correlation_id
    for leaked in ("Traceback", "RuntimeError", "failed on", PERSONAL, ".py"):
        assert leaked not in answer.text
    logged = [r.getMessage() for r in caplog.records if correlation_id in r.getMessage()]
    assert len(logged) == 1
    line = logged[0]
    assert "GET /registers/summary" in line
    assert "Traceback" in line and "builtins.RuntimeError" in line
    assert "def fail" in line or "in fail" in line
    assert PERSONAL not in line
    assert "2024-01-01" not in line  # no query string either
    assert all(r.exc_info is None for r in caplog.records)  # nothing else prints the message


def test_every_error_answer_is_documented_as_problem_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) >= {"type", "title", "status", "detail", "code"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert len(operations) > 30
    for operation in operations:
        for status in ("422", "500"):
            if status not in operation["responses"]:
                assert status == "422", operation["operationId"]
                continue
            content = operation["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], operation["operationId"]
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
