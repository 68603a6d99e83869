"""Projection machinery: follow the log in batches, each batch's rows and its tracked position
committed in one transaction, so every fact takes effect exactly once.

A projection owns its tables and a tracking row (name, position, code version). When its code
version changes it is rebuilt from an empty read model. On PostgreSQL a worker holds an advisory
lock for its projection, so a second copy cannot run at the same time.
"""

from __future__ import annotations

import io
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

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

INCREMENTAL_BATCH = 500
# The embedded default folds commands that arrive within this time of each other together.
COALESCE_SECONDS = 0.02
REBUILD_BATCH = 5000
# A batch reads its facts from at most this many times its size in log positions.
SCAN_WINDOW = 4


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

    @property
    def name(self) -> str:
        return self.projection.name

    # Set-up ---------------------------------------------------------------------------------

    def create_tables(self) -> None:
        TRACKING.create_all(self.engine, checkfirst=True)
        self.projection.metadata.create_all(self.engine, checkfirst=True)

    def prepare(self) -> None:
        """Create the tables; rebuild when the projection's code version changed, else build
        any index a rebuild that stopped part-way left out."""
        self.create_tables()
        with self._transaction() as connection:
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
                return
            stale = row[0] != self.projection.code_version
        if stale:
            self.rebuild()
            return
        for table in self.projection.metadata.sorted_tables:
            for index in table.indexes:
                index.create(self.engine, checkfirst=True)

    def position(self) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(
                select(tracking_table.c.position).where(tracking_table.c.name == self.name)
            ).scalar()
        return int(value or 0)

    # Processing -----------------------------------------------------------------------------

    def catch_up(self, batch_size: int = INCREMENTAL_BATCH, max_batches: int | None = None) -> int:
        """Process everything after the tracked position; returns how far the position moved
        (log positions, whether or not they held facts of this projection's topics)."""
        moved = 0
        batches = 0
        with self._catch_up_lock:
            while max_batches is None or batches < max_batches:
                start = self.position()
                # Ids become visible in order (the recorder serialises its inserts), so
                # everything up to the end read here is final.
                batch = self._read_batch(start, self.log.max_position(), batch_size)
                self._commit_batch(start, batch)
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
        facts = [self.log.decode(n) for n in notifications]
        if len(notifications) == batch_size:
            return _Batch(facts, notifications[-1].id, False)
        return _Batch(facts, window_end, window_end == end)

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

    def _catch_up_reading_ahead(self, batch_size: int) -> int:
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

    def rebuild(self) -> int:
        """Empty the read model and fold the whole log again, in large batches."""
        with self._catch_up_lock, self._transaction() as connection:
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
            read = self._catch_up_reading_ahead(REBUILD_BATCH)
        read += self.catch_up(batch_size=REBUILD_BATCH)  # facts recorded meanwhile
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
    """The embedded default: a thread catches up after each command and at start."""

    def __init__(self, projectors: Sequence[Projector], idle_seconds: float = 1.0) -> None:
        self._projectors = list(projectors)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle_seconds = idle_seconds
        self._thread: threading.Thread | None = None
        self.last_error: BaseException | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="projections", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            # Let a burst of commands land, then fold them in one pass.
            self._stop.wait(COALESCE_SECONDS)
            self._wake.clear()
            try:
                for projector in self._projectors:
                    # A batch at a time: a stop is seen between batches, not after a long catch-up.
                    while not self._stop.is_set() and projector.catch_up(max_batches=1):
                        pass
                self.last_error = None
            except Exception as error:  # kept for /health; the next poke retries
                self.last_error = error
            self._wake.wait(self._idle_seconds)


def advisory_lock_key(name: str) -> int:
    return zlib.crc32(f"giamngheo-projection:{name}".encode()) & 0x7FFFFFFF


@contextmanager
def exclusive(projector: Projector) -> Iterator[None]:
    """Holds the projection's advisory lock (PostgreSQL) for as long as the block runs."""
    with projector.engine.connect() as holder:
        holder.execution_options(isolation_level="AUTOCOMMIT")
        if projector.engine.dialect.name == "postgresql":
            key = advisory_lock_key(projector.name)
            got = holder.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            if not got:
                raise WorkerAlreadyRunning(
                    f"a worker for projection {projector.name} is already running"
                )
        yield


def run_worker(
    projector: Projector,
    stop: threading.Event,
    poll_seconds: float = 0.2,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """A projection worker process's loop (PostgreSQL): one copy per projection, by lock."""
    with exclusive(projector):
        projector.prepare()
        while not stop.is_set():
            read = projector.catch_up()
            if on_batch is not None and read:
                on_batch(read)
            if read == 0:
                stop.wait(poll_seconds)


def wait_for_position(
    projector: Projector, position: int, timeout_seconds: float, poll_seconds: float = 0.05
) -> bool:
    deadline = time.monotonic() + timeout_seconds
    while projector.position() < position:
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_seconds)
    return True
