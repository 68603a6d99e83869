"""The event store and the read-model database, built from settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, create_engine, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from application.case_files import CaseFiles
from infrastructure.recorder import CaseFilesRecorder, Factory
from projections.machinery import SCHEMA_LOCK_KEY


def event_store_env(
    database_url: str,
    cache_size: int,
    seal_key: bytes | None = None,
    application_name: str = CaseFiles.name,
) -> dict[str, str]:
    """The library's settings, prefixed with the application name so that nothing in the
    process environment can override them. With ``seal_key``, every fact is sealed."""
    prefix = application_name.upper() + "_"
    env = {
        prefix + "PERSISTENCE_MODULE": "infrastructure.recorder:Factory",
        prefix + "SQLALCHEMY_URL": database_url,
        prefix + "CREATE_TABLE": "yes",
        prefix + "AGGREGATE_CACHE_MAXSIZE": str(cache_size),
        prefix + "AGGREGATE_CACHE_FASTFORWARD": "y",
        prefix + "IS_SNAPSHOTTING_ENABLED": "n",
    }
    if seal_key is not None:
        env[prefix + Factory.SEAL_KEY] = seal_key.hex()
    return env


@contextmanager
def schema_creation(database_url: str) -> Iterator[None]:
    """Around the creation of the event store's and the server's own tables (the library
    makes its own on connections of its own): one process at a time on PostgreSQL, as two
    starting at once on a fresh database race on the catalogue and one fails. A session-level
    advisory lock, the read models' schema lock, on a connection of its own: nothing inside
    may take that lock again (``schema_change``), as it would wait for itself."""
    if not database_url.startswith("postgresql"):
        yield
        return
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("SET lock_timeout = 0")  # wait as long as it takes
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY}
                )
    finally:
        engine.dispose()


def recorder_of(application: Application[Any]) -> CaseFilesRecorder:
    """The application's recorder, which ``event_store_env`` makes a :class:`CaseFilesRecorder`."""
    recorder = application.recorder
    assert isinstance(recorder, CaseFilesRecorder)
    return recorder


class EventLog:
    """Questions about the stored log that the library's API does not answer."""

    def __init__(self, recorder: CaseFilesRecorder) -> None:
        self._recorder = recorder

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        return self._recorder.position_of(originator_id, version)

    def max_position(self) -> int:
        return self._recorder.max_notification_id() or 0


class HealthProbe:
    """Proves the server can read and write its database, on a table of its own."""

    def __init__(self, engine: Engine, write_lock: threading.Semaphore | None = None) -> None:
        self._engine = engine
        # SQLite: queue behind the event store's writers instead of meeting "database is locked".
        self._write_lock = write_lock or threading.Semaphore()
        metadata = MetaData()
        self._table = Table(
            "giamngheo_health",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("checked_at", DateTime(timezone=True), nullable=False),
        )
        metadata.create_all(engine, checkfirst=True)

    def check(self) -> None:
        now = datetime.now(UTC)
        with self._write_lock, self._engine.begin() as connection:
            updated = connection.execute(
                self._table.update().where(self._table.c.id == 1).values(checked_at=now)
            )
            if updated.rowcount == 0:
                connection.execute(self._table.insert().values(id=1, checked_at=now))
            connection.execute(select(self._table.c.id))
            connection.execute(text("SELECT 1"))

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name
