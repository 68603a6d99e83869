"""The rule behind read-your-writes (projections/consistency.py): a read waits for
max(min_position, the highest position this process acknowledged) in the read models it uses,
at most the bound; a position beyond the log's end is refused at once; a stop ends every wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from projections.consistency import Acknowledged, Behind, BeyondLog, ReadConsistency
from projections.machinery import TRACKING, tracking_table

NAMES = ("registers", "funds")


@given(st.lists(st.lists(st.integers(min_value=0, max_value=2**63 - 1), max_size=30), max_size=6))
def test_the_acknowledged_position_is_the_highest_noted_whatever_the_interleaving(
    batches: list[list[int]],
) -> None:
    acknowledged = Acknowledged()
    threads = [
        threading.Thread(target=lambda b=batch: [acknowledged.note(p) for p in b])
        for batch in batches
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert acknowledged.position == max((p for b in batches for p in b), default=0)


@pytest.fixture
def engine() -> Iterator[Engine]:
    built = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    TRACKING.create_all(built)
    with built.begin() as connection:
        for name in NAMES:
            connection.execute(
                tracking_table.insert().values(
                    name=name, position=10, code_version=1, updated_at_us=0
                )
            )
    yield built
    built.dispose()


def move(engine: Engine, name: str, position: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            tracking_table.update().where(tracking_table.c.name == name).values(position=position)
        )


@given(
    acknowledged=st.integers(min_value=0, max_value=100),
    asked=st.none() | st.integers(min_value=0, max_value=200),
    end=st.integers(min_value=100, max_value=150),
)
def test_a_read_targets_the_higher_of_its_min_position_and_the_acknowledged_one(
    acknowledged: int, asked: int | None, end: int
) -> None:
    consistency = ReadConsistency(None, lambda: end, NAMES)  # type: ignore[arg-type]
    consistency.acknowledged.note(acknowledged)
    if asked is not None and asked > max(acknowledged, end):
        with pytest.raises(BeyondLog):
            consistency.target(asked)
    else:
        assert consistency.target(asked) == max(acknowledged, asked or 0)


def test_a_wait_ends_when_every_read_model_used_reaches_the_position(engine: Engine) -> None:
    consistency = ReadConsistency(engine, lambda: 100, NAMES)
    consistency.wait(NAMES, 10)  # already there: no wait
    later = threading.Timer(0.3, lambda: (move(engine, "registers", 20), move(engine, "funds", 20)))
    later.start()
    started = time.monotonic()
    consistency.wait(NAMES, 20)
    assert 0.25 <= time.monotonic() - started < 2.0
    later.join()
    move(engine, "registers", 30)
    consistency.wait(("registers",), 30)  # funds stays behind: not used by this read


def test_a_wait_that_is_not_met_is_behind_after_the_bound(engine: Engine) -> None:
    consistency = ReadConsistency(engine, lambda: 100, NAMES)
    consistency.wait_seconds = 0.3
    started = time.monotonic()
    with pytest.raises(Behind, match="funds"):
        move(engine, "registers", 50)
        consistency.wait(NAMES, 50)
    assert 0.3 <= time.monotonic() - started < 1.5


def test_a_stop_ends_every_wait_at_once(engine: Engine) -> None:
    consistency = ReadConsistency(engine, lambda: 100, NAMES)
    threading.Timer(0.2, consistency.stopping.set).start()
    started = time.monotonic()
    with pytest.raises(Behind, match="stopping"):
        consistency.wait(NAMES, 50)
    assert time.monotonic() - started < 1.0
