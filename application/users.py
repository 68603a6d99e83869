"""The user directory: one command per change of access, each saved as a fact of its own log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from domain.access import Role
from domain.errors import Conflict, NotFound, violated
from domain.units import UnitRegistry
from domain.users import User, check_password, check_username


class PasswordHashing(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class UserDirectory(Application[UUID]):
    """Users live in a log of their own (``users_events``): projections of households never see
    them, and the directory can be listed without reading the households' log."""

    name = "users"

    def __init__(
        self,
        env: dict[str, str],
        *,
        units: UnitRegistry,
        passwords: PasswordHashing,
    ) -> None:
        super().__init__(env=env)
        self.units = units
        self.passwords = passwords
        self._current: dict[str, tuple[int, User | None]] = {}
        self._unusable: str | None = None

    def add(self, username: str, password: str, role: Role, unit_code: str, actor: str) -> User:
        check_username(username)
        check_password(password)
        self._check_unit(unit_code)
        user = User.create(username, role, unit_code, self.passwords.hash(password), actor)
        try:
            self.save(user)
        except IntegrityError:
            raise Conflict(detail=f"a user named {username} already exists") from None
        return user

    def get(self, username: str) -> User | None:
        try:
            user: User = self.repository.get(User.id_for(username))
        except AggregateNotFoundError:
            return None
        return user

    def existing(self, username: str) -> User:
        user = self.get(username)
        if user is None:
            raise NotFound(detail=f"no user named {username}")
        return user

    def current(self, username: str) -> User | None:
        """The user as the directory holds them now, for each authenticated request: kept in
        memory and read again only when the users' log has grown (one indexed query), so that
        a user disabled or changed through any process loses their old access at once."""
        head = self.recorder.max_notification_id() or 0
        known = self._current.get(username)
        if known is not None and known[0] == head:
            return known[1]
        user = self.get(username)
        if len(self._current) >= 10_000:
            self._current.clear()
        self._current[username] = (head, user)
        return user

    def authenticate(self, username: str, password: str) -> User | None:
        """The enabled user these credentials name, else None (not saying which part failed)."""
        user = self.get(username)
        if user is None:
            # Spend the same time as a real check, so timing does not tell who exists.
            self.passwords.verify(self._unusable_hash(), password)
            return None
        if not self.passwords.verify(user.password_hash, password) or user.disabled:
            return None
        return user

    def _unusable_hash(self) -> str:
        """A hash of a password no account has, made on first need, for unknown usernames."""
        if self._unusable is None:
            self._unusable = self.passwords.hash("unusable: no account has this password")
        return self._unusable

    def disable(self, username: str, actor: str, reason: str | None = None) -> User:
        user = self.existing(username)
        user.disable(actor, reason)
        self._save(user)
        return user

    def change_password(self, username: str, password: str, actor: str) -> User:
        check_password(password)
        user = self.existing(username)
        user.change_password(self.passwords.hash(password), actor)
        self._save(user)
        return user

    def grant_role(self, username: str, role: Role, actor: str) -> User:
        user = self.existing(username)
        user.grant_role(role, actor)
        self._save(user)
        return user

    def change_unit(self, username: str, unit_code: str, actor: str) -> User:
        self._check_unit(unit_code)
        user = self.existing(username)
        user.change_unit(unit_code, actor)
        self._save(user)
        return user

    def _save(self, user: User) -> None:
        try:
            self.save(user)
        except IntegrityError:
            raise Conflict(
                detail=f"{user.username} was changed at the same moment; ask again"
            ) from None

    def all(self) -> list[User]:
        return sorted((self.repository.get(i) for i in self._user_ids()), key=_username)

    def exist(self) -> bool:
        return bool(self.recorder.select_notifications(start=1, limit=1))

    def history(self, username: str) -> list[User.Event]:
        user = self.existing(username)
        return [cast(User.Event, event) for event in self.repository.event_store.get(user.id)]

    def _user_ids(self) -> Iterator[UUID]:
        start = 1
        while True:
            page = self.recorder.select_notifications(
                start=start, limit=500, topics=[User.Created.TOPIC]
            )
            yield from (UUID(str(notification.originator_id)) for notification in page)
            if len(page) < 500:
                return
            start = page[-1].id + 1

    def _check_unit(self, unit_code: str) -> None:
        if self.units.get(unit_code) is None:
            raise violated(("unit_code",), f"no administrative unit has the code {unit_code}")


def _username(user: Any) -> str:
    return str(user.username)
