"""Users as facts: creation, role, unit, password and disabling, auditable like any other fact."""

from __future__ import annotations

import re
from typing import Any, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.access import Role
from domain.errors import RuleViolation, invalid, violated

USER_NAMESPACE = UUID("5b3f3f0e-8a8e-4c53-9b8e-6f1f2b7c9a10")
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


def check_username(username: str) -> str:
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise invalid(
            ("username",),
            "a username is 1-64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
        )
    return username


def check_password(password: str, loc: tuple[str, ...] = ("password",)) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise invalid(
            loc,
            f"a password is {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters",
        )
    return password


class User(Aggregate):
    """One person's access. The password is held only as a memory-hard hash; ``password_changes``
    counts changes so that tokens issued before a change stop working."""

    TOPIC = "giamngheo:User"

    class Event(Aggregate.Event):
        TOPIC = "giamngheo:User.Event"
        actor: str

    class Created(Event, Aggregate.Created):
        TOPIC = "giamngheo:User.Created"
        username: str
        role: str
        unit_code: str
        password_hash: str

        def apply(self, aggregate: Any) -> None:
            user = cast(User, aggregate)
            user.username = self.username
            user.role = Role(self.role)
            user.unit_code = self.unit_code
            user.password_hash = self.password_hash
            user.created_by = self.actor

    class RoleGranted(Event):
        TOPIC = "giamngheo:User.RoleGranted"
        role: str

        def apply(self, aggregate: Any) -> None:
            cast(User, aggregate).role = Role(self.role)

    class RoleWithdrawn(Event):
        TOPIC = "giamngheo:User.RoleWithdrawn"
        role: str

        def apply(self, aggregate: Any) -> None:
            cast(User, aggregate).role = None

    class UnitChanged(Event):
        TOPIC = "giamngheo:User.UnitChanged"
        unit_code: str

        def apply(self, aggregate: Any) -> None:
            cast(User, aggregate).unit_code = self.unit_code

    class PasswordChanged(Event):
        TOPIC = "giamngheo:User.PasswordChanged"
        password_hash: str

        def apply(self, aggregate: Any) -> None:
            user = cast(User, aggregate)
            user.password_hash = self.password_hash
            user.password_changes += 1

    class Disabled(Event):
        TOPIC = "giamngheo:User.Disabled"
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            cast(User, aggregate).disabled = True

    def __init__(self) -> None:
        self.username = ""
        self.role: Role | None = None
        self.unit_code = ""
        self.password_hash = ""
        self.password_changes = 0
        self.disabled = False
        self.created_by = ""

    @staticmethod
    def id_for(username: str) -> UUID:
        return uuid5(USER_NAMESPACE, username)

    @classmethod
    def create(
        cls, username: str, role: Role, unit_code: str, password_hash: str, actor: str
    ) -> User:
        return cls._create(
            cls.Created,
            id=cls.id_for(check_username(username)),
            username=username,
            role=role.value,
            unit_code=unit_code,
            password_hash=password_hash,
            actor=actor,
        )

    def grant_role(self, role: Role, actor: str) -> None:
        self._check_enabled()
        if self.role == role:
            raise violated(("role",), f"{self.username} already has the role {role.value}")
        self.trigger_event(self.RoleGranted, role=role.value, actor=actor)

    def withdraw_role(self, actor: str) -> None:
        self._check_enabled()
        if self.role is None:
            raise violated(("role",), f"{self.username} has no role to withdraw")
        self.trigger_event(self.RoleWithdrawn, role=self.role.value, actor=actor)

    def change_unit(self, unit_code: str, actor: str) -> None:
        self._check_enabled()
        if unit_code == self.unit_code:
            raise violated(("unit_code",), f"{self.username} is already scoped to {unit_code}")
        self.trigger_event(self.UnitChanged, unit_code=unit_code, actor=actor)

    def change_password(self, password_hash: str, actor: str) -> None:
        self._check_enabled()
        self.trigger_event(self.PasswordChanged, password_hash=password_hash, actor=actor)

    def disable(self, actor: str, reason: str | None = None) -> None:
        if self.disabled:
            raise RuleViolation(detail=f"{self.username} is already disabled")
        self.trigger_event(self.Disabled, actor=actor, reason=reason)

    def _check_enabled(self) -> None:
        if self.disabled:
            raise RuleViolation(detail=f"{self.username} is disabled")
