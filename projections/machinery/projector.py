"""The projector: one projection over the log, in batches, each batch's rows and its tracked
position committed in one transaction; rebuilds, and failing and healing."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Index,
    select,
)
from sqlalchemy.engine import Engine

from domain.timestamps import microseconds, moment_of
from projections.log import Fact, LogReader
from projections.machinery.failures import (
    FactFailed,
    Failure,
    WorkerAlreadyRunning,
    describe,
    is_connection_problem,
)
from projections.machinery.rows import Projection
from projections.machinery.tracking import (
    TRACKING,
    Transaction,
    failures_table,
    schema_change,
    tracking_table,
)

INCREMENTAL_BATCH = 500
REBUILD_BATCH = 5000
# A batch reads its facts from at most this many times its size in log positions.
SCAN_WINDOW = 4


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

    def _transaction(self) -> Transaction:
        return Transaction(self.engine, self._write_lock)

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
            since=moment_of(row.since_us),
            attempts=row.attempts,
        )


@dataclass(frozen=True)
class _Batch:
    facts: list[Fact]
    last: int  # the position after the batch
    complete: bool  # whether it reached the end it was read up to
