"""The role table, the login throttle, tokens and the user aggregate, without a server."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.logins import LoginThrottle
from domain.access import PERMISSIONS, Permission, Role, may, roles_that_may
from domain.errors import RuleViolation, TooManyAttempts
from domain.users import User
from infrastructure.credentials import InvalidToken, Passwords, Tokens

KEY = b"k" * 32


def test_admins_may_do_everything_and_every_permission_has_a_role_besides_admin() -> None:
    assert PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    for permission in Permission:
        if permission is not Permission.MANAGE_USERS:
            assert set(roles_that_may(permission)) - {Role.ADMIN}, permission
    assert not may(None, Permission.READ_HOUSEHOLDS)


def test_the_contract_role_table() -> None:
    assert may(Role.CASEWORKER, Permission.RECORD_HOUSEHOLD_FACTS)
    assert not may(Role.CASEWORKER, Permission.DECIDE_RECOGNITIONS)
    assert may(Role.APPROVER, Permission.DECIDE_RECOGNITIONS)
    assert not may(Role.ANALYST, Permission.READ_HOUSEHOLDS)
    assert may(Role.INSPECTOR, Permission.TRACE_FUNDS)
    assert not may(Role.INSPECTOR, Permission.MANAGE_ALLOCATIONS)
    assert may(Role.FINANCE, Permission.MANAGE_ALLOCATIONS)
    auditor = PERMISSIONS[Role.AUDITOR]
    assert Permission.READ_HISTORY in auditor and all("read" in p or "trace" in p or "restate" in p
                                                      for p in auditor)  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.floats(0, 400)), max_size=40))
def test_no_more_failures_are_let_through_a_window_than_the_limit(
    attempts: list[tuple[str, float]],
) -> None:
    clock = Clock()
    throttle = LoginThrottle(per_username=3, per_address=100, window_seconds=900, clock=clock)
    let_through: dict[str, list[float]] = {"a": [], "b": []}
    for username, pause in attempts:
        clock.now += pause
        try:
            throttle.check(username, "10.0.0.1")
        except TooManyAttempts as refused:
            assert refused.retry_after > 0
            continue
        throttle.failed(username, "10.0.0.1")
        let_through[username].append(clock.now)
    for times in let_through.values():
        for i, moment in enumerate(times):
            assert len([t for t in times[: i + 1] if t > moment - 900]) <= 3


def test_a_success_clears_the_username_but_not_the_address() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_username=2, per_address=3, window_seconds=60, clock=clock)
    throttle.failed("a", "x")
    throttle.failed("a", "x")
    with pytest.raises(TooManyAttempts):
        throttle.check("a", "y")
    throttle.succeeded("a")
    throttle.check("a", "y")
    throttle.failed("b", "x")
    with pytest.raises(TooManyAttempts):
        throttle.check("c", "x")
    clock.now += 61
    throttle.check("c", "x")


def test_tokens_are_refused_when_expired_forged_or_altered() -> None:
    tokens = Tokens(KEY, lifetime_seconds=60)
    claims = tokens.read(tokens.issue("canbo.a", 2))
    assert (claims.username, claims.password_changes) == ("canbo.a", 2)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.read(Tokens(KEY, lifetime_seconds=-1).issue("canbo.a", 0))
    with pytest.raises(InvalidToken):
        tokens.read(Tokens(b"o" * 32).issue("canbo.a", 0))
    header, payload, signature = tokens.issue("canbo.a", 0).split(".")
    with pytest.raises(InvalidToken):
        tokens.read(f"{header}.{payload}.{signature[::-1]}")
    with pytest.raises(ValueError):
        Tokens(b"short")


def test_passwords_are_stored_as_argon2id_hashes_only() -> None:
    passwords = Passwords(memory_kib=1024, passes=1)
    stored = passwords.hash("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse batterz")
    assert not passwords.verify("not a hash", "x")


def test_a_disabled_user_changes_no_more_and_rules_are_checked_before_the_event() -> None:
    user = User.create("canbo.a", Role.CASEWORKER, "05485", "$argon2id$x", "admin")
    user.change_password("$argon2id$y", "canbo.a")
    assert user.password_changes == 1
    with pytest.raises(RuleViolation):
        user.grant_role(Role.CASEWORKER, "admin")
    user.disable("admin")
    version = user.version
    for change in (lambda: user.disable("admin"), lambda: user.change_unit("19", "admin"),
                   lambda: user.change_password("$argon2id$z", "admin")):  # fmt: skip
        with pytest.raises(RuleViolation):
            change()
    assert user.version == version
    assert user.id == User.id_for("canbo.a")
