"""The case files' repository and the hooks the composition root gives them (log positions)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.application import Repository

# Concurrent writers on one household or allocation are retried this often, with a growing
# random back-off, before the caller sees a conflict.
MAX_ATTEMPTS = 40
RETRY_BACKOFF_SECONDS = 0.002


class PositionLookup(Protocol):
    def __call__(self, originator_id: UUID, version: int) -> int | None: ...


@runtime_checkable
class PositionedLog(Protocol):
    """A recorder that finds a fact's log position."""

    def position_of(self, originator_id: UUID, version: int) -> int | None: ...


class OneLoadAtATimeRepository(Repository[UUID]):
    """The library deep-copies a cached aggregate after releasing the lock that guards
    fast-forwarding it in place, so a concurrent load can change it mid-copy ("dictionary
    changed size during iteration"). Loading each aggregate under a lock of its own stripe
    makes fast-forward and copy one step."""

    STRIPES = 256

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stripes = [threading.Lock() for _ in range(self.STRIPES)]

    def get(self, aggregate_id: UUID, *, version: int | None = None, **kwargs: Any) -> Any:
        if version is not None or self.cache is None:
            return super().get(aggregate_id, version=version, **kwargs)
        with self._stripes[hash(aggregate_id) % self.STRIPES]:
            return super().get(aggregate_id, **kwargs)


def last_position(recordings: Iterable[Any]) -> int:
    positions = [r.notification.id for r in recordings]
    return max(positions) if positions else 0
