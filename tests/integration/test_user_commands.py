"""``giamngheo users`` on each database, and the demo's logins."""

from __future__ import annotations

import io
import sys

import pytest

from api import cli
from application.demo_logins import ensure_demo_logins, logins_table
from domain.access import Role
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str,
        stdin: str = "") -> tuple[int, str, str]:  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_first_admin_is_made_from_the_command_line_and_can_log_in(
    database_url: str,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GIAMNGHEO_DATABASE_URL", database_url)
    monkeypatch.setenv("GIAMNGHEO_KEYS_DIR", str(tmp_path))
    code, out, _ = run(monkeypatch, capsys, "users", "add", "quantri", "--role", "admin",
                       stdin="mat-khau-quan-tri\n")  # fmt: skip
    assert code == 0 and "user quantri added: role admin, unit 19" in out
    code, _, err = run(monkeypatch, capsys, "users", "add", "quantri", "--role", "admin",
                       stdin="mat-khau-quan-tri\n")  # fmt: skip
    assert code == 1 and "already exists" in err
    code, _, err = run(monkeypatch, capsys, "users", "add", "canbo", "--role", "caseworker",
                       "--unit", "99999", stdin="mat-khau-can-bo\n")  # fmt: skip
    assert code == 1 and "99999" in err

    code, out, _ = run(monkeypatch, capsys, "users", "passwd", "quantri", stdin="mat-khau-moi-1\n")
    assert code == 0
    code, out, _ = run(monkeypatch, capsys, "users", "list")
    assert "quantri" in out and "admin" in out and "active" in out

    container = build_container(Settings.from_environment())
    try:
        assert container.users.authenticate("quantri", "mat-khau-moi-1") is not None
        assert container.users.authenticate("quantri", "mat-khau-quan-tri") is None
    finally:
        container.close()
    code, out, _ = run(monkeypatch, capsys, "users", "disable", "quantri", "--reason", "left")
    assert code == 0
    code, out, _ = run(monkeypatch, capsys, "users", "list")
    assert "disabled" in out
    assert "mat-khau" not in out


def test_demo_logins_are_made_once_and_get_new_passwords_at_each_start(
    container: Container,
) -> None:
    first = ensure_demo_logins(container.users, "05485")
    assert len(first) == 2 * len(Role)
    assert {(x.role, x.unit_code) for x in first} == {
        (role, unit) for role in Role for unit in ("19", "05485")
    }
    again = ensure_demo_logins(container.users, "05485")
    assert [x.username for x in again] == [x.username for x in first]
    for old, new in zip(first, again, strict=True):
        assert container.users.authenticate(old.username, old.password) is None
        assert container.users.authenticate(new.username, new.password) is not None
    table = logins_table(again)
    assert all(x.username in table and x.password in table for x in again)


def test_a_real_user_named_like_a_demo_login_is_left_alone(container: Container) -> None:
    container.users.add("admin", "a-real-password", Role.ADMIN, "19", "cli:root")
    logins = ensure_demo_logins(container.users, "05485")
    assert "admin" not in [x.username for x in logins]
    assert container.users.authenticate("admin", "a-real-password") is not None
