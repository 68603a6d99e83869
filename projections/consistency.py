"""Read consistency: a read reflects every write this process acknowledged before it, and any
position a client names, waiting a bounded time for the read models it uses.

The log is one table in one database: a write is acknowledged only after it committed, so any
position a client was given is already in the log by the time the client can name it. Read
models follow the log behind it; they are what a read may have to wait for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine

from projections.machinery import tracking_table

# The contract's bound on waiting for a read model.
WAIT_SECONDS = 5.0
# Polling starts fast (the embedded projections fold a write within tens of milliseconds) and
# backs off to this.
MAX_POLL_SECONDS = 0.05


class Acknowledged:
    """The highest log position this process has acknowledged a write at (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._position = 0

    def note(self, position: int) -> None:
        with self._lock:
            if position > self._position:
                self._position = position

    @property
    def position(self) -> int:
        with self._lock:
            return self._position


class BeyondLog(Exception):
    """A position the log has not reached: no write was ever acknowledged there."""

    def __init__(self, position: int, end: int) -> None:
        super().__init__(f"min_position {position} is beyond the log's end ({end})")
        self.position = position
        self.end = end


class Behind(Exception):
    """A read model did not reach a position within the bound (or the server is stopping)."""

    def __init__(self, name: str, position: int, reason: str = "yet") -> None:
        super().__init__(f"the {name} read model has not reached position {position} {reason}")
        self.name = name
        self.position = position


class ReadConsistency:
    """What every read waits for: max(the client's ``min_position``, the last position this
    process acknowledged), in the read models the read uses."""

    def __init__(
        self,
        engine: Engine,
        log_end: Callable[[], int],
        names: Sequence[str],
        acknowledged: Acknowledged | None = None,
    ) -> None:
        self._engine = engine
        self._log_end = log_end
        self._names = frozenset(names)
        # Noted by the application as it answers each write.
        self.acknowledged = acknowledged or Acknowledged()
        # Set when the server is asked to stop: waits end at once instead of holding it up.
        self.stopping = threading.Event()
        self.wait_seconds = WAIT_SECONDS

    def positions(self, names: Sequence[str]) -> dict[str, int]:
        """The tracked positions of these read models, in one query."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(tracking_table.c.name, tracking_table.c.position).where(
                    tracking_table.c.name.in_(list(names))
                )
            ).all()
        found = {str(name): int(position) for name, position in rows}
        return {name: found.get(name, 0) for name in names}

    def target(self, min_position: int | None) -> int:
        """The position a read must reflect; a ``min_position`` beyond the log's end is
        refused (it was never acknowledged, so waiting could not help)."""
        target = self.acknowledged.position
        if min_position is not None and min_position > target:
            end = self._log_end()
            if min_position > end:
                raise BeyondLog(min_position, end)
            target = min_position
        return target

    def wait(self, names: Sequence[str], position: int, seconds: float | None = None) -> None:
        """Return once every one of ``names`` reflects ``position``; ``Behind`` when one does
        not within the bound."""
        unknown = set(names) - self._names
        if unknown:
            raise KeyError(f"no read model {sorted(unknown)}")
        if position <= 0 or not names:
            return
        deadline = time.monotonic() + (self.wait_seconds if seconds is None else seconds)
        poll = 0.002
        while True:
            behind = [n for n, p in self.positions(names).items() if p < position]
            if not behind:
                return
            if self.stopping.is_set():
                raise Behind(behind[0], position, "and the server is stopping")
            left = deadline - time.monotonic()
            if left <= 0:
                raise Behind(behind[0], position)
            if self.stopping.wait(min(poll, left)):
                raise Behind(behind[0], position, "and the server is stopping")
            poll = min(poll * 2, MAX_POLL_SECONDS)
