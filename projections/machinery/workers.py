"""Who runs the projectors: the embedded default (a thread in the server) and the worker process
(one copy per projection, by an advisory lock on PostgreSQL)."""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy import (
    text,
)
from sqlalchemy.engine import Connection

from projections.machinery.failures import RETRY_MAX_SECONDS, Failure, WorkerAlreadyRunning
from projections.machinery.projector import Projector

# The embedded default folds commands that arrive within this time of each other together.
COALESCE_SECONDS = 0.02


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
