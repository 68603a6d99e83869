"""Logging tests in: users made directly in the directory, tokens issued without the HTTP round
trip (the login itself has tests of its own), and the real login for servers run as processes."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from domain.access import Role
from domain.units import PROVINCE_CODE
from domain.users import User
from infrastructure.container import Container

TEST_PASSWORD = "a-test-password"
# Cheap argon2id for tests: the cost is the library's, not what is being tested.
TEST_PASSWORD_COST = {"password_memory_kib": 1024, "password_passes": 1}


def ensure_user(
    container: Container,
    role: Role = Role.ADMIN,
    unit_code: str = PROVINCE_CODE,
    username: str | None = None,
) -> User:
    """The user of that name (by default the role's, with the unit's code after a dot when it is
    not the province), made with ``TEST_PASSWORD`` if it does not exist yet."""
    name = username or (role.value if unit_code == PROVINCE_CODE else f"{role.value}.{unit_code}")
    user = container.users.get(name)
    if user is None:
        user = container.users.add(name, TEST_PASSWORD, role, unit_code, "tests")
    return user


def user_token(
    container: Container,
    role: Role = Role.ADMIN,
    unit_code: str = PROVINCE_CODE,
    username: str | None = None,
) -> str:
    user = ensure_user(container, role, unit_code, username)
    return container.tokens.issue(user.username, user.password_changes)


def bearer(
    container: Container,
    role: Role = Role.ADMIN,
    unit_code: str = PROVINCE_CODE,
    username: str | None = None,
) -> dict[str, str]:
    return {"Authorization": f"Bearer {user_token(container, role, unit_code, username)}"}


def log_in(
    client: TestClient,
    container: Container,
    role: Role = Role.ADMIN,
    unit_code: str = PROVINCE_CODE,
    username: str | None = None,
) -> TestClient:
    """Every later request of ``client`` carries the token of that user."""
    client.headers.update(bearer(container, role, unit_code, username))
    return client


def acting_as(client: TestClient, username: str, role: Role = Role.ADMIN) -> dict[str, str]:
    """Headers that make ``username`` (a province-wide user of ``role``) the acting user."""
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return bearer(container, role, PROVINCE_CODE, username)


def log_in_over_http(base_url: str, username: str, password: str = TEST_PASSWORD) -> dict[str, str]:
    """A server running as a process: log in at ``POST /auth/token`` as any client does; the
    header that carries the token it answers."""
    answer = httpx.post(
        f"{base_url}/auth/token",
        data={"username": username, "password": password},
        timeout=30,
    )
    assert answer.status_code == 200, (
        f"logging in as {username}: {answer.status_code} {answer.text}"
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}
