"""What tests and benchmarks share: PostgreSQL databases made and emptied, and the check of an
RFC 9457 problem answer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2  # type: ignore[import-untyped]
from psycopg2 import sql

ADMIN_URL = os.environ.get(
    "GIAMNGHEO_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def admin_connection(admin_url: str = ADMIN_URL, timeout: int = 3) -> Any:
    connection = psycopg2.connect(admin_url, connect_timeout=timeout)
    connection.autocommit = True
    return connection


@contextmanager
def created_postgres_database(admin: Any, admin_url: str, prefix: str) -> Iterator[str]:
    """A new database on ``admin``'s server, named from ``prefix``; dropped afterwards, with
    whatever is still connected to it."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def empty_postgres_database(url: str) -> None:
    """Every table of the database emptied, its sequences restarted."""
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        if tables:
            cursor.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in tables)
                )
            )
    connection.close()


def assert_problem(answer: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem of this status and code; with ``field``, one of its errors names it."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["code"] == code, body
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert body.get("errors"), body
        for error in body["errors"]:
            assert set(error) == {"loc", "msg"}
            assert isinstance(error["loc"], list) and error["msg"]
        assert any(field in error["loc"] for error in body["errors"]), body["errors"]
    return body
