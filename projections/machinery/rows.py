"""How a projection writes: a batch of facts folded into inserts (in bulk) and row changes (grouped
into few statements)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    MetaData,
    Table,
    bindparam,
)
from sqlalchemy.engine import Connection

from projections.log import Fact


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


class EventFold(RowFold):
    """A RowFold that dispatches each fact on its event's type, as the library's projections do:
    subclasses make ``on`` a ``singledispatchmethod`` with one registered method per event class,
    which reads the event's typed attributes. Their ``topics`` are the registered classes'."""

    on: Any  # (event, fact, inserts, updates) -> None, dispatched on the event's class

    def process(self, connection: Connection, facts: Sequence[Fact]) -> None:
        inserts: Inserts = {table.name: [] for table in self.metadata.sorted_tables}
        updates: Updates = []
        on = methods(self, "on")
        for fact in facts:
            event = fact.event
            on[event.__class__](event, fact, inserts, updates)
        self.write(connection, inserts, updates)

    def fold(self, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        self.on(fact.event, fact, inserts, updates)


class _Methods(dict[type[Any], Callable[..., None]]):
    def __init__(self, owner: object, find: Callable[[type[Any]], Any]) -> None:
        super().__init__()
        self._owner = owner
        self._find = find

    def __missing__(self, kind: type[Any]) -> Callable[..., None]:
        method: Callable[..., None] = self._find(kind).__get__(self._owner)
        self[kind] = method
        return method


def methods(owner: object, name: str) -> dict[type[Any], Callable[..., None]]:
    """``owner``'s method for each event class, by its ``singledispatchmethod`` ``name``: each
    class's found once (a batch folds thousands of facts of a dozen classes), where calling the
    ``singledispatchmethod`` would rebuild a wrapper for every fact."""
    generic = next(k.__dict__[name] for k in type(owner).__mro__ if name in k.__dict__)
    return _Methods(owner, generic.dispatcher.dispatch)


def topics_of(dispatcher: Any) -> frozenset[str]:
    """The topics of the event classes a ``singledispatchmethod`` has methods for."""
    registry = dispatcher.dispatcher.registry
    return frozenset(cls.TOPIC for cls in registry if cls is not object)
