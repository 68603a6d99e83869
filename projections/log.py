"""Reading the application's log for projections: raw notifications decoded to facts, each with
its domain event.

Projections fold thousands of facts a second, so the stored state is decrypted/decompressed
exactly as the library's mapper would, parsed as JSON in one pass, and made the event object's
attributes as the mapper does (no constructor, no copy): a projection reads typed attributes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic


def _decode_value(obj: dict[str, Any]) -> Any:
    if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
        kind, data = obj["_type_"], obj["_data_"]
        if kind == "date_iso":
            return date.fromisoformat(data)
        if kind == "datetime_iso":
            return datetime.fromisoformat(data)
        if kind == "uuid_hex":
            return UUID(data)
        if kind == "decimal_str":
            return data
        raise ValueError(f"unknown stored type {kind!r}")
    return obj


@dataclass(frozen=True)
class Fact:
    """One stored event, as a projection sees it."""

    position: int
    originator_id: UUID
    version: int
    topic: str
    data: dict[str, Any]

    @property
    def recorded_at(self) -> datetime:
        timestamp: datetime = self.data["timestamp"]
        return timestamp

    @property
    def event(self) -> Any:
        """The domain event of ``topic`` whose attributes are ``data``: what projections
        dispatch on. Made on each use, as it costs less than keeping it: an object that outlives
        its fold is one more for the garbage collector to scan over a rebuild."""
        event = object.__new__(event_class(self.topic))
        object.__setattr__(event, "__dict__", self.data)
        return event


@cache
def event_class(topic: str) -> type[Any]:
    cls: type[Any] = resolve_topic(topic)
    return cls


def event_state(topic: str, state: dict[str, Any], originator_id: UUID, version: int) -> None:
    """Complete ``state`` as the library's mapper does before it becomes an event's attributes:
    the originator and its version added, upcast where the event's class has a newer version."""
    cls = event_class(topic)
    state["originator_id"] = originator_id
    state["originator_version"] = version
    class_version = getattr(cls, "class_version", 1)
    from_version = state.pop("class_version", 1)
    while from_version < class_version:
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
        from_version += 1


class LogRecorder(Protocol):
    """What a projection asks of the event store's recorder."""

    def max_notification_id(self) -> int | None: ...

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...

    def originators_between(
        self, after: int, until: int, topics: Collection[str], limit: int
    ) -> list[UUID]: ...


class LogReader:
    def __init__(self, recorder: LogRecorder, mapper: Mapper[UUID]) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._decoder = json.JSONDecoder(object_hook=_decode_value)

    def max_position(self) -> int:
        return self._recorder.max_notification_id() or 0

    def notifications_after(
        self,
        position: int,
        limit: int,
        until: int | None = None,
        topics: Collection[str] = (),
    ) -> Sequence[Notification]:
        """Up to ``limit`` notifications after ``position`` (up to ``until``), of ``topics``
        only when given: filtered by the database, so other facts are never fetched."""
        return self._recorder.select_notifications(
            start=position,
            limit=limit,
            stop=until,
            topics=sorted(topics),
            inclusive_of_start=False,
        )

    def originators_between(
        self, after: int, until: int, topics: Collection[str], limit: int
    ) -> list[UUID]:
        """The distinct aggregates with facts of ``topics`` in (after, until], at most
        ``limit`` of them: which aggregates changed, without reading the facts."""
        return self._recorder.originators_between(after, until, topics, limit)

    def decode(self, notification: Notification) -> Fact:
        state = notification.state
        if self._mapper.cipher:
            state = self._mapper.cipher.decrypt(state)
        if self._mapper.compressor:
            state = self._mapper.compressor.decompress(state)
        originator_id = notification.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        data = self._decoder.decode(state.decode("utf-8"))
        version = notification.originator_version
        event_state(notification.topic, data, originator_id, version)
        return Fact(
            position=notification.id,
            originator_id=originator_id,
            version=version,
            topic=notification.topic,
            data=data,
        )
