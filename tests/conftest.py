"""Storage-touching tests run on the embedded SQLite default and on PostgreSQL.

PostgreSQL tests use a database this session creates and drops; they never touch another one.
Off CI they are skipped, with the reason, when no server answers; under CI=true that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import fastapi.dependencies.models as fastapi_models
import psycopg2
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url
from tests.logins import TEST_PASSWORD_COST, log_in
from tests.support import (
    ADMIN_URL,
    admin_connection,
    created_postgres_database,
    empty_postgres_database,
)

UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def forget_finished_apps() -> Iterator[None]:
    """FastAPI remembers, in module-level caches of up to 4,096 entries, how to call each
    endpoint and dependency; every app's own (its docs pages') close over the app, so each app a
    test built, and its container, would stay in memory for the whole run (1.5 MB a test, 2 GB
    by the end, and a garbage collector slowing everything down). A server builds one app."""
    yield
    for cached in (
        fastapi_models._is_gen_callable_cached,
        fastapi_models._is_async_gen_callable_cached,
        fastapi_models._is_coroutine_callable_cached,
    ):
        cached.cache_clear()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database for this test session, dropped at its end."""
    try:
        admin = admin_connection()
    except psycopg2.OperationalError as error:
        message = f"no PostgreSQL server at {ADMIN_URL}: {error}".strip()
        if UNDER_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    try:
        with created_postgres_database(admin, ADMIN_URL, "giamngheo_test") as url:
            yield url
    finally:
        admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'giamngheo.sqlite3'}"
        return
    url: str = request.getfixturevalue("postgres_database")
    empty_postgres_database(url)
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
