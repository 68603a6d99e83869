"""``giamngheo users add|list|disable|passwd``: the first admin, and access managed from a shell."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from domain.access import Role
from domain.errors import DomainError
from domain.units import PROVINCE_CODE
from infrastructure.container import Container


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _password(prompt: str) -> str:
    """Asked twice at a terminal; read as one line from a pipe (never from the command line,
    where other users could read it in the process list)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("again: ") != first:
        raise SystemExit("the two passwords differ; nothing changed")
    return first


def users_command(arguments: argparse.Namespace, container_of: Callable[[], Container]) -> int:
    container = container_of()
    try:
        return _run(arguments, container)
    except DomainError as error:
        print(f"giamngheo users: {error.detail}", file=sys.stderr)
        return 1
    finally:
        container.close()


def _run(arguments: argparse.Namespace, container: Container) -> int:
    users = container.users
    action = arguments.users_command
    if action == "add":
        password = _password(f"password for {arguments.name}: ")
        user = users.add(arguments.name, password, Role(arguments.role), arguments.unit, _actor())
        print(f"user {user.username} added: role {arguments.role}, unit {user.unit_code}")
    elif action == "list":
        print(f"{'username':<28} {'role':<11} {'unit':<6} state")
        for user in users.all():
            role = user.role.value if user.role else "-"
            state = "disabled" if user.disabled else "active"
            print(f"{user.username:<28} {role:<11} {user.unit_code:<6} {state}")
    elif action == "disable":
        users.disable(arguments.name, _actor(), arguments.reason)
        print(f"user {arguments.name} disabled: their tokens no longer work")
    elif action == "passwd":
        users.change_password(
            arguments.name, _password(f"new password for {arguments.name}: "), _actor()
        )
        print(f"password of {arguments.name} changed: tokens issued before no longer work")
    return 0


def add_users_parser(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    container_of: Callable[[], Container],
) -> None:
    users = commands.add_parser("users", help="add, list, disable users or change a password")
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser(
        "add", help="add a user (the password is asked for, or read from stdin)"
    )
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--unit", default=PROVINCE_CODE, help="unit code (default the province, 19)")
    actions.add_parser("list", help="list every user")
    disable = actions.add_parser("disable", help="disable a user at once")
    disable.add_argument("name")
    disable.add_argument("--reason")
    passwd = actions.add_parser("passwd", help="change a user's password")
    passwd.add_argument("name")
    users.set_defaults(run=lambda arguments: users_command(arguments, container_of))
