"""Storage-touching tests run on the embedded SQLite default and on PostgreSQL.

PostgreSQL tests use a database this session creates and drops; they never touch another one.
Off CI they are skipped, with the reason, when no server answers; under CI=true that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from fastapi.testclient import TestClient
from psycopg2 import sql

from api.app import create_app
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url
from tests.logins import TEST_PASSWORD_COST, log_in

ADMIN_URL = os.environ.get(
    "GIAMNGHEO_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _admin_connection() -> psycopg2.extensions.connection:
    connection = psycopg2.connect(ADMIN_URL, connect_timeout=3)
    connection.autocommit = True
    return connection


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database for this test session, dropped at its end."""
    try:
        admin = _admin_connection()
    except psycopg2.OperationalError as error:
        message = f"no PostgreSQL server at {ADMIN_URL}: {error}".strip()
        if UNDER_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    name = f"giamngheo_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.close()


def _empty_postgres_database(url: str) -> None:
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


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'giamngheo.sqlite3'}"
        return
    url: str = request.getfixturevalue("postgres_database")
    _empty_postgres_database(url)
    yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=normalise_database_url(database_url), **TEST_PASSWORD_COST)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    built = build_container(settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    # Projections follow the log in this process, as on the embedded default.
    container.start_in_process_projections()
    with TestClient(create_app(container)) as test_client:
        # An admin of the whole province: the tests of roles and areas log in otherwise.
        yield log_in(test_client, container)
