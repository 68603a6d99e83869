"""Logging tests in: users made directly in the directory, tokens issued without the HTTP round
trip (the login itself has tests of its own)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from domain.access import Role
from domain.units import PROVINCE_CODE
from infrastructure.container import Container

TEST_PASSWORD = "a-test-password"
# Cheap argon2id for tests: the cost is the library's, not what is being tested.
TEST_PASSWORD_COST = {"password_memory_kib": 1024, "password_passes": 1}


def user_token(
    container: Container,
    role: Role = Role.ADMIN,
    unit_code: str = PROVINCE_CODE,
    username: str | None = None,
) -> str:
    name = username or (role.value if unit_code == PROVINCE_CODE else f"{role.value}.{unit_code}")
    user = container.users.get(name)
    if user is None:
        user = container.users.add(name, TEST_PASSWORD, role, unit_code, "tests")
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
