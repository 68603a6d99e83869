"""How projections write rows, on SQLite and PostgreSQL: bulk inserts (COPY on PostgreSQL) keep
every value as given, and row changes grouped into few statements keep the order of the facts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine

from application.demo import DemoParameters, load_demo
from infrastructure.container import Container
from infrastructure.settings import normalise_database_url
from projections.machinery import (
    COPY_FROM_ROWS,
    Projector,
    RowChange,
    apply_changes,
    bulk_insert,
)
from projections.machinery import projector as machinery

metadata = MetaData()
things = Table(
    "test_things",
    metadata,
    Column("thing_id", String(36), primary_key=True),
    Column("name", String(200)),
    Column("born_on", Date),
    Column("flag", Boolean),
    Column("count", Integer),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(normalise_database_url(database_url))
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def rows(engine: Engine) -> dict[str, tuple[object, ...]]:
    with engine.connect() as connection:
        return {r[0]: tuple(r[1:]) for r in connection.execute(select(things))}


AWKWARD_NAMES = [
    "",
    'say "xin chào"',
    "a,b",
    "two\nlines",
    "back\\slash",
    "Nguyễn Thị Hà",
    "NULL",
    "\\N",
    " padded ",
]


def test_a_bulk_insert_keeps_every_value_as_given(engine: Engine) -> None:
    given_rows = [
        {
            "thing_id": f"t{index}",
            "name": AWKWARD_NAMES[index % len(AWKWARD_NAMES)] if index % 7 else None,
            "born_on": date(2020, 1, 1 + index % 28) if index % 5 else None,
            "flag": (True, False, None)[index % 3],
            "count": index - 50 if index % 11 else None,
        }
        for index in range(COPY_FROM_ROWS * 3)
    ]
    with engine.begin() as connection:
        bulk_insert(connection, things, given_rows)
    assert rows(engine) == {
        r["thing_id"]: (r["name"], r["born_on"], r["flag"], r["count"]) for r in given_rows
    }


CHANGE = st.tuples(
    st.sampled_from(["t0", "t1", "t2"]),
    st.one_of(
        st.none(),  # delete
        st.fixed_dictionaries({"count": st.integers(0, 9)}),
        st.fixed_dictionaries({"name": st.sampled_from(["a", "b"])}),
        st.fixed_dictionaries({"count": st.integers(0, 9), "name": st.sampled_from(["a", "b"])}),
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(changes=st.lists(CHANGE, max_size=12))
def test_grouped_row_changes_leave_what_applying_them_one_by_one_leaves(
    engine: Engine, changes: list[tuple[str, dict[str, object] | None]]
) -> None:
    start = {f"t{i}": {"name": "x", "count": i} for i in range(3)}
    expected: dict[str, dict[str, object]] = {k: dict(v) for k, v in start.items()}
    for key, values in changes:
        if key not in expected:
            continue  # deleted earlier: a change then finds no row
        if values is None:
            del expected[key]
        else:
            expected[key].update(values)
    with engine.begin() as connection:
        connection.execute(things.delete())
        connection.execute(things.insert(), [{"thing_id": k, **v} for k, v in start.items()])
        apply_changes(
            connection, [RowChange(things, "thing_id", key, values) for key, values in changes]
        )
    assert rows(engine) == {k: (v["name"], None, None, v["count"]) for k, v in expected.items()}


def index_names(engine: Engine, table: Table) -> set[str]:
    return {index["name"] or "" for index in inspect(engine).get_indexes(table.name)}


def test_a_rebuild_builds_its_deferred_indexes_and_prepare_restores_any_left_out(
    container: Container,
) -> None:
    projector = container.projectors["indicators"]
    projector.prepare()
    declared = {
        table: {index.name or "" for index in table.indexes}
        for table in projector.projection.metadata.sorted_tables
    }
    assert any(declared.values())

    projector.rebuild()
    for table, names in declared.items():
        assert names <= index_names(projector.engine, table), table.name
    if projector.engine.dialect.name == "postgresql":
        # Each commune's rows lie together, ordered by the commune's index.
        with projector.engine.connect() as connection:
            clustered = set(
                connection.execute(
                    text(
                        "SELECT c.relname FROM pg_index i JOIN pg_class c"
                        " ON c.oid = i.indexrelid WHERE i.indisclustered"
                    )
                ).scalars()
            )
        assert {"ri_members_commune", "ri_surveys_commune", "ri_supports_commune"} <= clustered

    # As if a rebuild had stopped before building them.
    table = next(t for t, names in declared.items() if names)
    for index in table.indexes:
        index.drop(projector.engine)
    assert not declared[table] & index_names(projector.engine, table)
    projector.prepare()
    assert declared[table] <= index_names(projector.engine, table)


def table_rows(projector: Projector) -> dict[str, list[tuple[object, ...]]]:
    with projector.engine.connect() as connection:
        return {
            table.name: sorted(tuple(map(str, row)) for row in connection.execute(select(table)))
            for table in projector.projection.metadata.sorted_tables
        }


def test_a_rebuild_reading_ahead_stops_at_a_failed_read_and_a_later_one_completes(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_demo(container.case_files, DemoParameters(households=60))
    projector = container.projectors["funds"]
    projector.prepare()
    projector.catch_up(batch_size=7)
    folded = table_rows(projector)
    log_end = container.event_log.max_position()

    reads = 0
    read = projector.log.notifications_after

    def failing_on_the_third_read(*arguments: Any, **options: Any) -> Any:
        nonlocal reads
        reads += 1
        if reads == 3:
            raise ConnectionError("the database went away")
        return read(*arguments, **options)

    monkeypatch.setattr(projector.log, "notifications_after", failing_on_the_third_read)
    monkeypatch.setattr(machinery, "REBUILD_BATCH", 50)
    with pytest.raises(ConnectionError):
        projector.rebuild()
    # Two whole batches were folded before the failed read; the reading thread is gone.
    assert 0 < projector.position() < log_end
    assert not [t for t in threading.enumerate() if t.name.endswith("-read-ahead")]

    monkeypatch.setattr(projector.log, "notifications_after", read)
    assert projector.rebuild() == log_end
    assert table_rows(projector) == folded
