"""Projection machinery: follow the log in batches, each batch's rows and its tracked position
committed in one transaction, so every fact takes effect exactly once.

A projection owns its tables and a tracking row (name, position, code version). When its code
version changes it is rebuilt from an empty read model. On PostgreSQL a worker holds an advisory
lock for its projection, so a second copy cannot run at the same time.

A projection that fails (on a fact, or because the database went away) records the failure in
``projection_failures`` for /health, retries with a capped exponential back-off and resumes by
itself once the cause is gone. Its position never moves past a fact it did not fold.
"""

from __future__ import annotations

import io
import queue
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import psycopg2  # type: ignore[import-untyped]
from eventsourcing import persistence as es_persistence
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    select,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from projections.log import Fact, LogReader

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

INCREMENTAL_BATCH = 500
# The embedded default folds commands that arrive within this time of each other together.
COALESCE_SECONDS = 0.02
REBUILD_BATCH = 5000
# A batch reads its facts from at most this many times its size in log positions.
SCAN_WINDOW = 4
# A failing projection retries after 0.2 s, then twice as long each time, at most 30 s apart.
RETRY_FIRST_SECONDS = 0.2
RETRY_MAX_SECONDS = 30.0
ERROR_LENGTH = 300


class Projection(Protocol):
    """A read model that follows the log."""

    name: str
    code_version: int
    metadata: MetaData
    topics: frozenset[str]

    def process(self, connection: Connection, facts: Sequence[Fact]) -> None:
        """Fold one batch of facts (only those of ``topics``) into the tables."""

    # Indexes a rebuild on PostgreSQL orders their tables by (CLUSTER), by name: so that the
    # rows one query reads together lie together.
    cluster_on: Sequence[str]


Inserts = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class RowChange:
    """An update (``values``) or a delete (``values`` None) of one row, found by its key."""

    table: Table
    key: str
    key_value: Any
    values: dict[str, Any] | None = None


Updates = list[RowChange]

# Below this many rows an INSERT is as quick as a COPY.
COPY_FROM_ROWS = 50


def select_in(
    connection: Connection, statement: Any, column: Any, values: Iterable[str], chunk: int = 500
) -> list[Any]:
    """``statement`` for rows whose ``column`` is among ``values``, in chunks of IN lists."""
    values = list(values)
    rows: list[Any] = []
    for start in range(0, len(values), chunk):
        rows.extend(connection.execute(statement.where(column.in_(values[start : start + chunk]))))
    return rows


def bulk_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows: by COPY on PostgreSQL, whose parsing is far cheaper than an INSERT's."""
    if connection.dialect.name != "postgresql" or len(rows) < COPY_FROM_ROWS:
        connection.execute(table.insert(), list(rows))
        return
    names = [column.name for column in table.columns]
    lines = io.StringIO()
    for row in rows:
        lines.write(",".join([_csv_field(row.get(name)) for name in names]))
        lines.write("\n")
    lines.seek(0)
    cursor = connection.connection.cursor()
    try:
        cursor.copy_expert(
            f"COPY {table.name} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv)", lines
        )
    finally:
        cursor.close()


def _csv_field(value: Any) -> str:
    if value is None:
        return ""  # unquoted empty: NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)  # numbers, and dates in ISO form


def apply_changes(connection: Connection, changes: Sequence[RowChange]) -> None:
    """Apply row changes in order, many of one shape per statement: changes of one shape are
    grouped until a change meets a row that a pending group of another shape changes."""
    groups: dict[tuple[Any, ...], list[RowChange]] = {}
    rows_in: dict[tuple[str, Any], tuple[Any, ...]] = {}
    for change in changes:
        shape = (
            change.table.name,
            change.key,
            None if change.values is None else tuple(sorted(change.values)),
        )
        row = (change.table.name, change.key_value)
        if rows_in.get(row, shape) != shape:
            _flush(connection, groups)
            rows_in.clear()
        groups.setdefault(shape, []).append(change)
        rows_in[row] = shape
    _flush(connection, groups)


def _flush(connection: Connection, groups: dict[tuple[Any, ...], list[RowChange]]) -> None:
    for (_, key, names), members in groups.items():
        table = members[0].table
        where = table.c[key] == bindparam("key_")
        if names is None:
            connection.execute(
                table.delete().where(where), [{"key_": c.key_value} for c in members]
            )
        else:
            statement = table.update().where(where).values({n: bindparam(f"v_{n}") for n in names})
            connection.execute(
                statement,
                [
                    {"key_": c.key_value, **{f"v_{n}": v for n, v in (c.values or {}).items()}}
                    for c in members
                ],
            )
    groups.clear()


class RowFold:
    """A projection that folds each fact into inserts and updates: the batch's inserts are
    written in bulk per table, then its updates in order (a fact only changes earlier rows)."""

    metadata: MetaData
    # Folding only writes, and changes rows by primary key: a rebuild may build the other
    # indexes at its end.
    defer_indexes = True
    cluster_on: Sequence[str] = ()

    def fold(self, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        raise NotImplementedError

    def process(self, connection: Connection, facts: Sequence[Fact]) -> None:
        inserts: Inserts = {table.name: [] for table in self.metadata.sorted_tables}
        updates: Updates = []
        for fact in facts:
            self.fold(fact, inserts, updates)
        self.write(connection, inserts, updates)

    def write(self, connection: Connection, inserts: Inserts, updates: Updates) -> None:
        for table in self.metadata.sorted_tables:
            if inserts[table.name]:
                bulk_insert(connection, table, inserts[table.name])
        apply_changes(connection, updates)


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
    with _schema_threads, _Transaction(engine, write_lock) as connection:
        if connection.dialect.name == "postgresql":
            # Wait as long as the holder takes (the URL's lock_timeout would fail a start);
            # the statements after it keep that timeout.
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            connection.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")
        yield connection


def microseconds(moment: datetime) -> int:
    """Timestamps are stored as microseconds since the epoch (UTC): exact and index-friendly."""
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class Projector:
    """Runs one projection over the log."""

    def __init__(
        self,
        engine: Engine,
        log: LogReader,
        projection: Projection,
        write_lock: threading.Semaphore | None = None,
    ) -> None:
        self.engine = engine
        self.log = log
        self.projection = projection
        # SQLite: share the event store's in-process write lock, so writers queue instead of
        # failing on "database is locked".
        self._write_lock = write_lock
        self._catch_up_lock = threading.Lock()
        # The current run of failures; the stored row mirrors it. Whether a row is stored is
        # unknown at first: a process before this one may have left one.
        self.failure: Failure | None = None
        self._failure_stored: bool | None = None
        self.prepared = False

    @property
    def name(self) -> str:
        return self.projection.name

    # Set-up ---------------------------------------------------------------------------------

    def create_tables(self) -> None:
        with schema_change(self.engine, self._write_lock) as connection:
            TRACKING.create_all(connection, checkfirst=True)
            self.projection.metadata.create_all(connection, checkfirst=True)

    def prepare(self, stop: threading.Event | None = None) -> None:
        """Create the tables; rebuild when the projection's code version changed, else build
        any index a rebuild that stopped part-way left out."""
        self.prepared = False
        self.create_tables()
        # The tracking row is part of the schema: two first starts would both insert it.
        with schema_change(self.engine, self._write_lock) as connection:
            row = connection.execute(
                select(tracking_table.c.code_version).where(tracking_table.c.name == self.name)
            ).first()
            if row is None:
                connection.execute(
                    tracking_table.insert().values(
                        name=self.name,
                        position=0,
                        code_version=self.projection.code_version,
                        updated_at_us=microseconds(datetime.now(UTC)),
                    )
                )
                self.prepared = True
                return
            stale = row[0] != self.projection.code_version
        if stale:
            self.rebuild(stop)
        else:
            with schema_change(self.engine, self._write_lock) as connection:
                for table in self.projection.metadata.sorted_tables:
                    for index in table.indexes:
                        index.create(connection, checkfirst=True)
        self.prepared = not (stop is not None and stop.is_set())

    def position(self) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(
                select(tracking_table.c.position).where(tracking_table.c.name == self.name)
            ).scalar()
        return int(value or 0)

    # Processing -----------------------------------------------------------------------------

    def catch_up(
        self,
        batch_size: int = INCREMENTAL_BATCH,
        max_batches: int | None = None,
        stop: threading.Event | None = None,
    ) -> int:
        """Process everything after the tracked position; returns how far the position moved
        (log positions, whether or not they held facts of this projection's topics). Stops
        between batches once ``stop`` is set. A fact that fails is isolated: the facts before
        it are committed, and :class:`FactFailed` names it."""
        moved = 0
        batches = 0
        with self._catch_up_lock:
            while max_batches is None or batches < max_batches:
                if stop is not None and stop.is_set():
                    break
                start = self.position()
                # Ids become visible in order (the recorder serialises its inserts), so
                # everything up to the end read here is final.
                batch = self._read_batch(start, self.log.max_position(), batch_size)
                self._commit_isolating(start, batch)
                moved += batch.last - start
                batches += 1
                if batch.complete:
                    break
        return moved

    def _read_batch(self, start: int, end: int, batch_size: int) -> _Batch:
        """The next batch after ``start``: this projection's facts only, so a short batch
        moves the position past facts of other topics, up to ``end`` at most."""
        if end <= start:
            return _Batch([], start, True)
        # A bounded window of positions keeps the read an index range scan: over the whole
        # rest of a large log the planner may scan and sort the table for every batch.
        window_end = min(end, start + batch_size * SCAN_WINDOW)
        notifications = self.log.notifications_after(
            start, batch_size, until=window_end, topics=self.projection.topics
        )
        facts: list[Fact] = []
        for notification in notifications:
            try:
                facts.append(self.log.decode(notification))
            except Exception as error:
                if not facts:
                    raise FactFailed(notification.id, error) from error
                # Fold the facts before it; the next batch starts at the one that fails.
                return _Batch(facts, facts[-1].position, False)
        if len(notifications) == batch_size:
            return _Batch(facts, notifications[-1].id, False)
        return _Batch(facts, window_end, window_end == end)

    def _commit_isolating(self, start: int, batch: _Batch) -> None:
        """Commit the batch; when it fails because of its facts, commit it in halves down to
        the one fact that fails, so that everything before that fact takes effect."""
        try:
            self._commit_batch(start, batch)
        except WorkerAlreadyRunning:
            raise
        except Exception as error:
            if not batch.facts or is_connection_problem(error):
                raise
            if len(batch.facts) == 1:
                raise FactFailed(batch.facts[0].position, error) from error
            half = len(batch.facts) // 2
            first = _Batch(batch.facts[:half], batch.facts[half - 1].position, False)
            self._commit_isolating(start, first)
            self._commit_isolating(first.last, _Batch(batch.facts[half:], batch.last, False))

    def _commit_batch(self, start: int, batch: _Batch) -> None:
        if batch.last == start:
            return
        with self._transaction() as connection:
            # Guard: only the holder of the tracked position may move it (no double counting).
            claimed = connection.execute(
                tracking_table.update()
                .where(tracking_table.c.name == self.name)
                .where(tracking_table.c.position == start)
                .values(position=batch.last, updated_at_us=microseconds(datetime.now(UTC)))
            ).rowcount
            if claimed != 1:
                raise WorkerAlreadyRunning(
                    f"projection {self.name} was moved past {start} by another worker"
                )
            if batch.facts:
                self.projection.process(connection, batch.facts)

    def _catch_up_reading_ahead(self, batch_size: int, stop: threading.Event | None = None) -> int:
        """Catch up to the log's end as it stands now, reading and decoding the next batch in
        another thread while this one folds and writes: the bulk path of a rebuild."""
        start = self.position()
        end = self.log.max_position()
        ahead: queue.Queue[_Batch | BaseException] = queue.Queue(maxsize=2)
        stop = threading.Event()

        def read() -> None:
            position = start
            try:
                while not stop.is_set():
                    batch = self._read_batch(position, end, batch_size)
                    while not stop.is_set():
                        try:
                            ahead.put(batch, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if batch.complete:
                        return
                    position = batch.last
            except BaseException as error:  # handed to the folding thread, which raises it
                ahead.put(error)

        reader = threading.Thread(target=read, name=f"{self.name}-read-ahead", daemon=True)
        reader.start()
        position = start
        try:
            while True:
                if stop is not None and stop.is_set():
                    return position - start
                batch = ahead.get()
                if isinstance(batch, BaseException):
                    raise batch
                self._commit_batch(position, batch)
                position = batch.last
                if batch.complete:
                    return position - start
        finally:
            stop.set()
            reader.join()

    def rebuild(self, stop: threading.Event | None = None) -> int:
        """Empty the read model and fold the whole log again, in large batches. Stopped part-
        way (``stop``), the next catch-up goes on from where it stopped, and the next prepare
        builds the indexes it left out."""
        with self._catch_up_lock, schema_change(self.engine, self._write_lock) as connection:
            # Drop and create, so that a new code version may also change the tables' shape.
            self.projection.metadata.drop_all(connection, checkfirst=True)
            self.projection.metadata.create_all(connection, checkfirst=True)
            deferred = self._deferred_indexes()
            for index in deferred:
                index.drop(connection)
            connection.execute(
                tracking_table.update()
                .where(tracking_table.c.name == self.name)
                .values(
                    position=0,
                    code_version=self.projection.code_version,
                    updated_at_us=microseconds(datetime.now(UTC)),
                )
            )
        with self._catch_up_lock:
            read = self._catch_up_reading_ahead(REBUILD_BATCH, stop)
        read += self.catch_up(batch_size=REBUILD_BATCH, stop=stop)  # facts recorded meanwhile
        if stop is not None and stop.is_set():
            return read
        # Not under the schema lock, which would hold every starting process up for as long
        # as a large index takes: only the holder of this projection (its lock) makes these.
        with self._transaction() as connection:
            for index in deferred:
                index.create(connection)
        if self.engine.dialect.name == "postgresql":
            self._settle_bulk_load()
        return read

    def _settle_bulk_load(self) -> None:
        """After a bulk load on PostgreSQL: each table of ``cluster_on`` ordered by that index,
        then every page marked all-visible (counts may be index-only scans) and fresh planner
        statistics, in one pass per table."""
        tables = self.projection.metadata.sorted_tables
        with self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            for name in self.projection.cluster_on:
                table = next(t for t in tables if any(i.name == name for i in t.indexes))
                connection.exec_driver_sql(f"CLUSTER {table.name} USING {name}")
            for table in tables:
                connection.exec_driver_sql(f"VACUUM ANALYZE {table.name}")

    def _deferred_indexes(self) -> list[Index]:
        """The indexes a bulk load builds at its end rather than row by row: those the
        projection does not read while it folds."""
        if not getattr(self.projection, "defer_indexes", False):
            return []
        return [
            index for table in self.projection.metadata.sorted_tables for index in table.indexes
        ]

    def _transaction(self) -> _Transaction:
        return _Transaction(self.engine, self._write_lock)

    # Failing and healing --------------------------------------------------------------------

    def follow(self, stop: threading.Event | None = None) -> int | None:
        """One catch-up (preparing first, until that succeeds) that records a failure rather
        than raising it: how far the position moved, or None when it failed
        (``failure.retry_in()`` then says when to try again). Another worker holding the
        projection is raised, not recorded: that one is healthy."""
        try:
            if not self.prepared:
                self.prepare(stop)
            moved = self.catch_up(stop=stop)
        except WorkerAlreadyRunning:
            raise
        except Exception as error:
            self.failed(error)
            return None
        self.recovered()
        return moved

    def failed(self, error: BaseException) -> Failure:
        """Note a failed attempt, in memory and in ``projection_failures`` for /health."""
        now = datetime.now(UTC)
        previous = self.failure
        self.failure = Failure(
            position=error.position if isinstance(error, FactFailed) else None,
            error=describe(error),
            since=previous.since if previous is not None else now,
            attempts=(previous.attempts if previous is not None else 0) + 1,
        )
        try:
            with self._transaction() as connection:
                connection.execute(
                    failures_table.delete().where(failures_table.c.name == self.name)
                )
                connection.execute(
                    failures_table.insert().values(
                        name=self.name,
                        position=self.failure.position,
                        error=self.failure.error,
                        since_us=microseconds(self.failure.since),
                        attempts=self.failure.attempts,
                        last_attempt_us=microseconds(now),
                    )
                )
            self._failure_stored = True
        except Exception:  # the database may be what failed: /health then says so itself
            pass
        return self.failure

    def recovered(self) -> None:
        """After a successful attempt: the failure, if any, is over."""
        if self.failure is None and self._failure_stored is False:
            return
        try:
            with self._transaction() as connection:
                connection.execute(
                    failures_table.delete().where(failures_table.c.name == self.name)
                )
        except Exception:  # tried again after the next success
            return
        self.failure = None
        self._failure_stored = False

    def stored_failure(self) -> Failure | None:
        """The failure any process following this projection last recorded, if it is failing."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    failures_table.c.position,
                    failures_table.c.error,
                    failures_table.c.since_us,
                    failures_table.c.attempts,
                ).where(failures_table.c.name == self.name)
            ).first()
        if row is None:
            return None
        return Failure(
            position=row.position,
            error=row.error,
            since=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=row.since_us),
            attempts=row.attempts,
        )


@dataclass(frozen=True)
class _Batch:
    facts: list[Fact]
    last: int  # the position after the batch
    complete: bool  # whether it reached the end it was read up to


class _Transaction:
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


class InProcessProjections:
    """The embedded default: a thread catches up after each command and at start. A failing
    projection is retried on its own back-off; the others go on meanwhile."""

    def __init__(
        self,
        projectors: Sequence[Projector],
        idle_seconds: float = 1.0,
        wake: threading.Event | None = None,
    ) -> None:
        self._projectors = list(projectors)
        # Set to fold now rather than after the idle wait (``poke``, or whoever shares it).
        self._wake = wake or threading.Event()
        self._stop = threading.Event()
        self._idle_seconds = idle_seconds
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Prepare each projection (here, so that a server starts on up-to-date read models),
        then follow the log in a thread, which prepares again any that failed."""
        if self._thread is not None:
            return
        self._stop.clear()
        for projector in self._projectors:
            try:
                projector.prepare(self._stop)
            except Exception as error:
                projector.failed(error)
        self._thread = threading.Thread(target=self._run, name="projections", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stops after the batch in flight (committed or rolled back whole)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        retry_at: dict[str, float] = {}
        while not self._stop.is_set():
            # Let a burst of commands land, then fold them in one pass.
            self._stop.wait(COALESCE_SECONDS)
            self._wake.clear()
            wait = self._idle_seconds
            for projector in self._projectors:
                if self._stop.is_set():
                    break
                due = retry_at.get(projector.name)
                if due is not None and time.monotonic() < due:
                    wait = min(wait, due - time.monotonic())
                    continue
                try:
                    moved = projector.follow(stop=self._stop)
                except WorkerAlreadyRunning:  # a worker process follows it: leave it be
                    retry_at[projector.name] = time.monotonic() + RETRY_MAX_SECONDS
                    continue
                if moved is None and projector.failure is not None:
                    delay = projector.failure.retry_in()
                    retry_at[projector.name] = time.monotonic() + delay
                    wait = min(wait, delay)
                else:
                    retry_at.pop(projector.name, None)
            self._wake.wait(max(wait, 0.0))


def advisory_lock_key(name: str) -> int:
    return zlib.crc32(f"giamngheo-projection:{name}".encode()) & 0x7FFFFFFF


class ProjectionLock:
    """The projection's advisory lock (PostgreSQL), session-level, on a connection of its own:
    one copy of a worker per projection. The lock goes with its session, so a lost connection
    loses it: :meth:`hold` checks and takes it again, and if another copy took it meanwhile,
    raises :class:`WorkerAlreadyRunning`."""

    def __init__(self, projector: Projector) -> None:
        self._engine = projector.engine
        self._name = projector.name
        self._key = advisory_lock_key(projector.name)
        self._holder: Connection | None = None

    def hold(self) -> None:
        if self._engine.dialect.name != "postgresql":
            return
        if self._holder is not None:
            try:
                self._holder.exec_driver_sql("SELECT 1")
                return
            except sa_exc.DBAPIError:
                self._drop()
        holder = self._engine.connect()
        try:
            holder.execution_options(isolation_level="AUTOCOMMIT")
            got = holder.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            taken = bool(got.scalar())
        except BaseException:
            holder.invalidate()
            holder.close()
            raise
        if not taken:
            holder.close()
            raise WorkerAlreadyRunning(f"a worker for projection {self._name} is already running")
        self._holder = holder

    def release(self) -> None:
        if self._holder is None:
            return
        try:
            self._holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._holder.close()
            self._holder = None
        except sa_exc.DBAPIError:
            self._drop()

    def _drop(self) -> None:
        """Forget a holder whose session is gone (or going): its lock goes with it."""
        holder, self._holder = self._holder, None
        if holder is not None:
            try:
                holder.invalidate()
                holder.close()
            except Exception:
                pass


@contextmanager
def exclusive(projector: Projector) -> Iterator[ProjectionLock]:
    """Holds the projection's advisory lock (PostgreSQL) for as long as the block runs."""
    lock = ProjectionLock(projector)
    lock.hold()
    try:
        yield lock
    finally:
        lock.release()


def run_worker(
    projector: Projector,
    stop: threading.Event,
    # Reads wait for the worker to reach the writes they follow: its idle poll is their floor.
    poll_seconds: float = 0.05,
    on_batch: Callable[[int], None] | None = None,
    on_failure: Callable[[Failure], None] | None = None,
) -> None:
    """A projection worker process's loop (PostgreSQL): one copy per projection, by lock.

    Whatever fails (a fact, the connection, the database restarting) is recorded and retried
    with back-off, taking the lock again if the connection holding it was lost; it returns
    once ``stop`` is set, after the batch in flight. It raises only what retrying cannot fix:
    another copy holds the projection (:class:`WorkerAlreadyRunning`)."""
    lock = ProjectionLock(projector)
    try:
        while not stop.is_set():
            try:
                lock.hold()
            except WorkerAlreadyRunning:
                raise
            except Exception as error:
                projector.failed(error)
                read = None
            else:
                read = projector.follow(stop)
            if read is None:
                assert projector.failure is not None
                if on_failure is not None:
                    on_failure(projector.failure)
                stop.wait(projector.failure.retry_in())
                continue
            if on_batch is not None and read:
                on_batch(read)
            if read == 0:
                stop.wait(poll_seconds)
    finally:
        lock.release()
