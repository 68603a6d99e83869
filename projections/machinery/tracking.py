"""Where each projection stands in the log (its tracking row), its failures, and the locks and
transactions that change read-model tables safely beside the event store's writers."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    text,
)
from sqlalchemy.engine import Connection, Engine

TRACKING = MetaData()
tracking_table = Table(
    "projection_tracking",
    TRACKING,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("code_version", Integer, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
)
# A table of its own (not columns on the tracking table), so that databases made before it
# gain it by a plain CREATE TABLE. A row exists while its projection is failing.
failures_table = Table(
    "projection_failures",
    TRACKING,
    Column("name", String(64), primary_key=True),
    # The fact the projection fails on; NULL when no one fact is the cause (database gone).
    Column("position", BigInteger, nullable=True),
    Column("error", String(300), nullable=False),
    Column("since_us", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_attempt_us", BigInteger, nullable=False),
)


SCHEMA_LOCK_KEY = zlib.crc32(b"giamngheo-schema") & 0x7FFFFFFF
# SQLite is one process; its threads take turns here. (PostgreSQL: the advisory lock.)
_schema_threads = threading.Lock()


@contextmanager
def schema_change(
    engine: Engine, write_lock: threading.Semaphore | None = None
) -> Iterator[Connection]:
    """A transaction for creating or dropping read-model tables and indexes, one at a time
    across every process: two starting at once would otherwise race on the catalogue (each
    sees no table, both create it, one fails). PostgreSQL: a transaction-level advisory lock,
    released by the commit that makes the new tables visible."""
    with _schema_threads, Transaction(engine, write_lock) as connection:
        if connection.dialect.name == "postgresql":
            # Wait as long as the holder takes (the URL's lock_timeout would fail a start);
            # the statements after it keep that timeout.
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            connection.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")
        yield connection


class Transaction:
    def __init__(self, engine: Engine, lock: threading.Semaphore | None) -> None:
        self._engine = engine
        self._lock = lock
        self._context: object = None

    def __enter__(self) -> Connection:
        if self._lock is not None:
            self._lock.acquire()
        try:
            self._begin = self._engine.begin()
            return self._begin.__enter__()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            self._begin.__exit__(*exc)  # type: ignore[arg-type]
        finally:
            if self._lock is not None:
                self._lock.release()
