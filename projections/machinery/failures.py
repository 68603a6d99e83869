"""A projection's failures: which fact failed, whether the database rather than a fact is the
cause, and how long to wait before trying again."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2  # type: ignore[import-untyped]
from eventsourcing import persistence as es_persistence
from sqlalchemy import exc as sa_exc

# A failing projection retries after 0.2 s, then twice as long each time, at most 30 s apart.
RETRY_FIRST_SECONDS = 0.2
RETRY_MAX_SECONDS = 30.0
ERROR_LENGTH = 300


class WorkerAlreadyRunning(RuntimeError):
    pass


class FactFailed(Exception):
    """A fact the projection could not read, decode, fold or write."""

    def __init__(self, position: int, cause: BaseException) -> None:
        super().__init__(f"fact {position}: {describe(cause)}")
        self.position = position
        self.cause = cause


@dataclass(frozen=True)
class Failure:
    """A projection's current run of failed attempts."""

    position: int | None  # the fact it fails on, when one fact is the cause
    error: str
    since: datetime
    attempts: int

    def retry_in(self) -> float:
        """Seconds until the next attempt: doubling from the first, capped."""
        return min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2.0 ** min(self.attempts - 1, 30))

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "error": self.error,
            "since": self.since.isoformat(),
            "attempts": self.attempts,
        }


def describe(error: BaseException) -> str:
    """The error's type and the first line of its message: never the statement or its
    parameters, which may hold personal data."""
    if isinstance(error, FactFailed):
        error = error.cause
    if isinstance(error, sa_exc.StatementError) and error.orig is not None:
        error = error.orig
    lines = str(error).strip().splitlines()
    described = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return described[:ERROR_LENGTH]


_CONNECTION_PROBLEMS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    sqlite3.OperationalError,
    es_persistence.OperationalError,
    es_persistence.InterfaceError,
    ConnectionError,
    TimeoutError,
)


def is_connection_problem(error: BaseException) -> bool:
    """Whether the database, not a fact, is the cause: lost, restarted, locked, timed out."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, _CONNECTION_PROBLEMS):
            return True
        if isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
