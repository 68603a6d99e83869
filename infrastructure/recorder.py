"""The event store's recorder: the library's SQLAlchemy recorder, extended through its own
hooks, that seals each fact in the transaction that records it and answers the questions about
the log that the library's API does not. ``event_store_env`` names this module as the
persistence module, so the application builds it complete."""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from infrastructure.seals import Sealer


class CaseFilesRecorder(SQLAlchemyApplicationRecorder):
    def __init__(
        self,
        datastore: SQLAlchemyDatastore,
        *,
        events_table_name: str,
        schema_name: str | None = None,
        seal_key: bytes | None = None,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name, schema_name=schema_name)
        # Without a key (an application built outside the composition root) nothing is sealed.
        self.sealer = None if seal_key is None else Sealer(seal_key, self, self.engine)

    @property
    def engine(self) -> Engine:
        engine = self.datastore.engine
        assert isinstance(engine, Engine)
        return engine

    @property
    def write_lock(self) -> threading.Semaphore | None:
        """SQLite: the in-process lock the event store's writers queue on."""
        return self.datastore.write_lock

    def prepare_sqlite(self) -> None:
        """The library switches an SQLite file to WAL on its first transaction; done lazily,
        two first writers at once can meet "database is locked"."""
        self.datastore.init_sqlite_wal_mode()

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        # The hook after the facts have their log positions (``_insert_events`` runs before
        # they do): their seals commit with them, or neither does.
        positions = super()._insert_stored_events(session, stored_events, **kwargs)
        if self.sealer is not None:
            self.sealer.seal(session, stored_events, positions)
        return positions

    def max_notification_id(self) -> int | None:
        """The log's last position, by one indexed query on a pooled connection: asked on every
        authenticated request (the users' log) and every read (read-your-writes), where the
        library's ORM session costs about four times as much CPU."""
        # Autocommit: one statement on the wire, no BEGIN before it nor ROLLBACK after.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            position = connection.execute(self._max_id).scalar()
        return None if position is None else int(position)

    @property
    def _max_id(self) -> Any:
        statement = self.__dict__.get("_max_id_statement")
        if statement is None:
            statement = select(func.max(self.events_record_cls.id))
            self.__dict__["_max_id_statement"] = statement
        return statement

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        record = self.events_record_cls
        with self.transaction(commit=False) as session:
            row = (
                session.query(record.id)
                .filter(record.originator_id == originator_id)
                .filter(record.originator_version == version)
                .first()
            )
        return int(row[0]) if row else None

    def originators_between(
        self, after: int, until: int, topics: Collection[str], limit: int
    ) -> list[UUID]:
        """The distinct aggregates with facts of ``topics`` in (after, until], at most
        ``limit`` of them: which aggregates changed, without reading the facts."""
        table = self.events_record_cls.__table__
        statement = (
            select(table.c.originator_id)
            .where(table.c.id > after, table.c.id <= until, table.c.topic.in_(sorted(topics)))
            .distinct()
            .limit(limit)
        )
        with self.engine.connect() as connection:
            found = connection.execute(statement).scalars().all()
        return [value if isinstance(value, UUID) else UUID(str(value)) for value in found]


class Factory(SQLAlchemyFactory):
    """The library's SQLAlchemy factory, making the application's recorder a sealing one."""

    SEAL_KEY = "SEAL_KEY"

    def application_recorder(self) -> ApplicationRecorder:
        key = self.env.get(self.SEAL_KEY)
        recorder = CaseFilesRecorder(
            self.datastore,
            events_table_name=(self.env.name.lower() or "stored") + "_events",
            schema_name=self.env.get(self.SQLALCHEMY_SCHEMA),
            seal_key=bytes.fromhex(key) if key else None,
        )
        if self.env_create_table():
            recorder.create_table()
        return recorder
