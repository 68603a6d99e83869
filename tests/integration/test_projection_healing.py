"""A read side that heals, on SQLite and PostgreSQL.

- a projection that fails on a fact stays just before it (the facts before it folded, none
  after), shows in /health (status `degraded`, still 200) with the fact's position and the
  error, retries with a doubling back-off, and resumes by itself once the cause is gone: its
  rows then equal a full rebuild's;
- the other projections go on meanwhile;
- the same in the worker's loop, whose failure another process's /health reads from the
  database;
- the worker survives losing its connections (the database restarting): it reconnects, takes
  its projection's lock again and catches up; if another copy took the lock meanwhile, it stops;
- databases made before the failures table gain it on start.

The allocations are made over HTTP by a province finance officer, logged in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg2
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, MetaData, Table, inspect, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from api.app import create_app
from domain.access import Role
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings
from projections.funds import FundsProjection
from projections.log import Fact
from projections.machinery import (
    RETRY_FIRST_SECONDS,
    Failure,
    Projector,
    RowFold,
    WorkerAlreadyRunning,
    advisory_lock_key,
    describe,
    failures_table,
    run_worker,
    tracking_table,
)
from tests.logins import log_in

ACCOUNTANT = "ketoan.thanhpho"  # who makes the allocations
THAI_NGUYEN_CITY = "164"
MILLION = 1_000_000
BAD = "BAD-1/QĐ-UBND"  # the decision number of the allocation the funds projection fails on
OVERFLOW = "Python int too large to convert to SQLite INTEGER"
WAIT_SECONDS = 30.0


@pytest.fixture
def client(client: TestClient, container: Container) -> TestClient:
    """The in-process server, logged in as the accountant rather than an admin."""
    return log_in(client, container, Role.FINANCE, username=ACCOUNTANT)


def allocate(client: TestClient, amount: int, decision_no: str) -> dict[str, Any]:
    """``client`` is logged in as a user who may make allocations."""
    answer = client.post(
        "/allocations",
        json={
            "source": "central_recurrent",
            "fiscal_year": 2025,
            "programme_line": "DA3.TDA1",
            "unit_code": THAI_NGUYEN_CITY,
            "amount": amount,
            "decision_no": decision_no,
            "decided_on": "2025-01-15",
            "reason": "annual allocation",
        },
    )
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Breakage:
    """The funds projection fails on the fact of allocation ``BAD`` while ``broken`` is set:
    after writing its rows, as a row the database cannot hold would (they roll back)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.broken = threading.Event()
        self.broken.set()
        self.batches_with_it = 0
        original = FundsProjection.process

        def process(projection: Any, connection: Connection, facts: Sequence[Fact]) -> None:
            original(projection, connection, facts)
            if any(fact.data.get("decision_no") == BAD for fact in facts):
                self.batches_with_it += 1
                if self.broken.is_set():
                    raise OverflowError(OVERFLOW)

        monkeypatch.setattr(FundsProjection, "process", process)


def record_attempts(projector: Projector, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When each failed attempt ended (monotonic seconds)."""
    times: list[float] = []
    failed = projector.failed

    def noting(error: BaseException) -> Failure:
        times.append(time.monotonic())
        return failed(error)

    monkeypatch.setattr(projector, "failed", noting)
    return times


def funds_rows(projector: Projector) -> dict[str, list[tuple[str, ...]]]:
    with projector.engine.connect() as connection:
        return {
            table.name: sorted(tuple(map(str, row)) for row in connection.execute(select(table)))
            for table in projector.projection.metadata.sorted_tables
        }


def assert_backed_off(attempts: list[float], count: int) -> None:
    """Each retry waited at least its share of the doubling back-off (never a busy loop)."""
    gaps = [later - earlier for earlier, later in zip(attempts, attempts[1:], strict=False)]
    for number, gap in enumerate(gaps[:count]):
        expected = RETRY_FIRST_SECONDS * 2**number
        assert gap >= expected * 0.9, f"retry {number + 1} after {gap:.3f} s, not {expected} s"


def health(client: TestClient) -> dict[str, Any]:
    answer = client.get("/health")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_projection_failing_on_a_fact_shows_in_health_backs_off_and_heals_by_itself(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    projector = container.projectors["funds"]
    before = [allocate(client, (n + 1) * MILLION, f"{n}/QĐ-UBND") for n in range(3)]
    wait_until(lambda: projector.position() >= before[-1]["position"], "the first allocations")

    breakage = Breakage(monkeypatch)
    attempts = record_attempts(projector, monkeypatch)
    bad = allocate(client, 5 * MILLION, BAD)
    after = [allocate(client, (n + 10) * MILLION, f"{n}/QĐ-after") for n in range(2)]

    failing = wait_until(
        lambda: (body := health(client))["projections"]["funds"].get("failing") and body,
        "the failure to show in /health",
    )
    assert failing["status"] == "degraded"
    funds = failing["projections"]["funds"]
    assert funds["failing"]["position"] == bad["position"]
    assert funds["failing"]["error"] == f"OverflowError: {OVERFLOW}"
    assert funds["failing"]["attempts"] >= 1
    # Everything before the fact is folded, nothing from it on.
    assert before[-1]["position"] <= funds["position"] < bad["position"]
    assert funds["behind"] == after[-1]["position"] - funds["position"]
    # The others go on meanwhile.
    others = wait_until(
        lambda: (
            not any(
                (body := health(client))["projections"][name]["behind"]
                for name in ("registers", "indicators")
            )
            and body
        ),
        "the other projections to catch up",
    )
    for name in ("registers", "indicators"):
        assert "failing" not in others["projections"][name]
    assert others["projections"]["funds"]["failing"]["position"] == bad["position"]

    # It keeps trying, further apart each time; the position never moves past the fact.
    wait_until(lambda: len(attempts) >= 4, "four attempts")
    assert_backed_off(attempts, 3)
    assert projector.position() == funds["position"]
    later = health(client)["projections"]["funds"]["failing"]
    assert later["attempts"] >= 4
    assert later["since"] == funds["failing"]["since"]

    breakage.broken.clear()  # the cause is gone
    healed = wait_until(
        lambda: (
            (body := health(client))["status"] == "ok"
            and body["projections"]["funds"]["behind"] == 0
            and body
        ),
        "the projection to heal",
    )
    assert "failing" not in healed["projections"]["funds"]
    assert healed["projections"]["funds"]["position"] == after[-1]["position"]
    with projector.engine.connect() as connection:
        assert connection.execute(select(failures_table)).all() == []

    resumed = funds_rows(projector)
    assert len(resumed["rf_allocations"]) == 6  # the failing one too: no fact skipped
    projector.rebuild()
    assert funds_rows(projector) == resumed


def test_a_failure_left_by_an_earlier_process_is_cleared_when_the_projection_succeeds(
    container: Container,
) -> None:
    projector = container.projectors["funds"]
    projector.prepare()
    projector.failed(OverflowError(OVERFLOW))
    # A new process knows nothing of it but what the database says.
    later = build_container(container.settings)
    try:
        again = later.projectors["funds"]
        stored = again.stored_failure()
        assert stored is not None and stored.error == f"OverflowError: {OVERFLOW}"
        assert again.follow() == 0
        assert again.stored_failure() is None
    finally:
        later.close()


def test_the_error_shown_names_its_type_and_message_but_never_the_statement_or_values() -> None:
    error = sa_exc.IntegrityError(
        "INSERT INTO rm_members (name) VALUES (%(name)s)",
        {"name": "Nguyễn Thị Hà"},
        Exception("duplicate key value\nDETAIL: Key (name)=(Nguyễn Thị Hà) already exists"),
    )
    assert describe(error) == "Exception: duplicate key value"
    assert describe(ValueError("x" * 1000)) == "ValueError: " + "x" * 288


def test_a_database_made_before_the_failures_table_gains_it_and_keeps_its_positions(
    container: Container,
) -> None:
    projector = container.projectors["registers"]
    projector.prepare()
    with projector.engine.begin() as connection:
        failures_table.drop(connection)
    assert "projection_failures" not in inspect(projector.engine).get_table_names()

    again = build_container(container.settings)
    try:
        again.projectors["registers"].prepare()
        assert "projection_failures" in inspect(projector.engine).get_table_names()
        assert again.projectors["registers"].stored_failure() is None
    finally:
        again.close()


# --- the worker (PostgreSQL) ----------------------------------------------------------------------


@pytest.fixture
def postgres(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the projection worker runs on PostgreSQL")
    return database_url


@pytest.fixture
def server(container: Container) -> Iterator[TestClient]:
    """A server as on PostgreSQL: it only reads the read models; the worker folds them."""
    for projector in container.projectors.values():
        projector.create_tables()
    with TestClient(create_app(container)) as test_client:
        yield log_in(test_client, container, Role.FINANCE, username=ACCOUNTANT)


class Worker:
    """``run_worker`` for one projection in a thread, with a container of its own (its own
    connections, as the worker process has)."""

    def __init__(self, settings: Settings, name: str) -> None:
        self.container = build_container(settings)
        self.projector = self.container.projectors[name]
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"worker-{name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            run_worker(self.projector, self.stop, poll_seconds=0.05)
        except BaseException as error:
            self.error = error

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        self.container.close()


@pytest.fixture
def start_worker(postgres: str, container: Container) -> Iterator[Callable[[str], Worker]]:
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(container.settings, name)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop.set()
    for worker in started:
        worker.close()


def test_a_failing_worker_shows_in_another_processes_health_and_heals_by_itself(
    server: TestClient,
    container: Container,
    start_worker: Callable[[str], Worker],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    breakage = Breakage(monkeypatch)
    worker = start_worker("funds")
    attempts = record_attempts(worker.projector, monkeypatch)
    first = allocate(server, 2 * MILLION, "1/QĐ-UBND")
    bad = allocate(server, 5 * MILLION, BAD)
    after = allocate(server, 7 * MILLION, "2/QĐ-UBND")

    body = wait_until(
        lambda: (body := health(server))["projections"]["funds"].get("failing") and body,
        "the worker's failure to show in the server's /health",
    )
    assert body["status"] == "degraded"
    assert body["projections"]["funds"]["failing"]["position"] == bad["position"]
    assert body["projections"]["funds"]["failing"]["error"] == f"OverflowError: {OVERFLOW}"
    assert first["position"] <= body["projections"]["funds"]["position"] < bad["position"]
    wait_until(lambda: len(attempts) >= 4, "four attempts")
    assert_backed_off(attempts, 3)
    assert worker.thread.is_alive() and worker.error is None
    assert container.projectors["funds"].position() < bad["position"]

    breakage.broken.clear()
    wait_until(
        lambda: (b := health(server))["status"] == "ok" and not b["projections"]["funds"]["behind"],
        "the worker to heal",
    )
    assert container.projectors["funds"].position() == after["position"]
    resumed = funds_rows(container.projectors["funds"])
    assert len(resumed["rf_allocations"]) == 3
    worker.close()
    container.projectors["funds"].rebuild()
    assert funds_rows(container.projectors["funds"]) == resumed


def backends_of(url: str) -> list[int]:
    """The server processes of every connection to the test's own database but this one."""
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()


def terminate(url: str, pids: Sequence[int]) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for pid in pids:
                # Never another database's session, whatever pid was asked for.
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE pid = %s AND datname = current_database()",
                    (pid,),
                )
    finally:
        connection.close()


# Advisory locks are per database, but pg_locks shows every database's.
IN_THIS_DATABASE = (
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def lock_holder(url: str, name: str) -> int | None:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0"
                " AND objid = %s AND granted" + IN_THIS_DATABASE,
                (advisory_lock_key(name),),
            )
            row = cursor.fetchone()
            return None if row is None else int(row[0])
    finally:
        connection.close()


def waiting_for_lock(url: str, name: str) -> list[int]:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0"
                " AND objid = %s AND NOT granted" + IN_THIS_DATABASE,
                (advisory_lock_key(name),),
            )
            return [int(row[0]) for row in cursor.fetchall()]
    finally:
        connection.close()


def test_a_worker_whose_connections_are_cut_reconnects_takes_its_lock_again_and_catches_up(
    postgres: str, server: TestClient, container: Container, start_worker: Callable[[str], Worker]
) -> None:
    worker = start_worker("funds")
    first = allocate(server, 2 * MILLION, "1/QĐ-UBND")
    wait_until(lambda: container.projectors["funds"].position() >= first["position"], "catch-up")
    held_by = wait_until(lambda: lock_holder(postgres, "funds"), "the worker's lock")

    # As a database restart would: every connection to the database is cut, the server's too.
    terminate(postgres, backends_of(postgres))
    written = []
    for number in range(3):
        # The server's pooled connections are gone as well: its first write may fail.
        for _ in range(3):
            try:
                written.append(allocate(server, (number + 3) * MILLION, f"{number}/QĐ-later"))
                break
            except Exception:
                time.sleep(0.1)
    assert len(written) == 3

    wait_until(
        lambda: container.projectors["funds"].position() >= written[-1]["position"],
        "the worker to reconnect and catch up",
    )
    assert worker.thread.is_alive() and worker.error is None
    retaken = wait_until(lambda: lock_holder(postgres, "funds"), "the lock taken again")
    assert retaken != held_by
    wait_until(lambda: worker.projector.stored_failure() is None, "the failure to clear")
    resumed = funds_rows(container.projectors["funds"])
    assert len(resumed["rf_allocations"]) == 4
    worker.close()
    container.projectors["funds"].rebuild()
    assert funds_rows(container.projectors["funds"]) == resumed


def test_a_worker_that_lost_its_lock_to_another_copy_stops_saying_so(
    postgres: str, server: TestClient, container: Container, start_worker: Callable[[str], Worker]
) -> None:
    worker = start_worker("funds")
    held_by = wait_until(lambda: lock_holder(postgres, "funds"), "the worker's lock")
    other = psycopg2.connect(postgres)
    other.autocommit = True

    def take() -> None:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '20s'")  # a failure, not a hang
            cursor.execute("SELECT pg_advisory_lock(%s)", (advisory_lock_key("funds"),))

    # Another copy waits for the projection, and takes it the moment this one loses its
    # connection, before this one can reconnect.
    taker = threading.Thread(target=take)
    taker.start()
    try:
        wait_until(
            lambda: other.get_backend_pid() in waiting_for_lock(postgres, "funds"),
            "the other copy to wait for the lock",
        )
        assert lock_holder(postgres, "funds") == held_by
        terminate(postgres, [held_by])
        taker.join(timeout=WAIT_SECONDS)
        assert lock_holder(postgres, "funds") == other.get_backend_pid()
        worker.thread.join(timeout=WAIT_SECONDS)
        assert not worker.thread.is_alive()
        assert isinstance(worker.error, WorkerAlreadyRunning)
        assert "already running" in str(worker.error)
        # Not a failure of the projection: the other copy follows it.
        assert worker.projector.stored_failure() is None
    finally:
        other.close()


def test_a_fact_that_cannot_be_decoded_is_named_and_the_facts_before_it_are_folded(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert container.in_process is not None
    container.in_process.stop()  # this test drives the projector itself
    projector = container.projectors["funds"]
    made = [allocate(client, (n + 1) * MILLION, f"{n}/QĐ-UBND") for n in range(5)]
    unreadable = made[3]["position"]
    decode = projector.log.decode

    def failing(notification: Any) -> Fact:
        if notification.id == unreadable:
            raise ValueError("cannot decrypt")
        return decode(notification)

    monkeypatch.setattr(projector.log, "decode", failing)
    assert projector.follow() is None
    assert projector.failure is not None
    assert projector.failure.position == unreadable
    assert projector.failure.error == "ValueError: cannot decrypt"
    assert made[2]["position"] <= projector.position() < unreadable
    stored = projector.stored_failure()
    assert stored is not None and stored.position == unreadable and stored.attempts == 1

    assert projector.follow() is None  # still failing: the same fact, one more attempt
    assert projector.position() < unreadable
    assert projector.failure.attempts == 2

    monkeypatch.setattr(projector.log, "decode", decode)
    assert projector.follow() is not None
    assert projector.failure is None and projector.stored_failure() is None
    assert projector.position() == made[-1]["position"]
    resumed = funds_rows(projector)
    assert len(resumed["rf_allocations"]) == 5
    projector.rebuild()
    assert funds_rows(projector) == resumed


seen_metadata = MetaData()
seen = Table("test_seen_facts", seen_metadata, Column("position", BigInteger, primary_key=True))


class Seen(RowFold):
    """Notes each fact it folds (of the funds' topics); fails on the facts in ``failing``."""

    name = "test_seen"
    code_version = 1
    metadata = seen_metadata

    def __init__(self, topics: frozenset[str]) -> None:
        self.topics = topics
        self.failing: set[int] = set()

    def fold(self, fact: Fact, inserts: Any, updates: Any) -> None:
        if fact.position in self.failing:
            raise KeyError("no such allocation")
        inserts[seen.name].append({"position": fact.position})


@pytest.fixture
def logged(client: TestClient, container: Container) -> list[int]:
    """A log of allocations; their positions."""
    assert container.in_process is not None
    container.in_process.stop()
    return [allocate(client, (n + 1) * MILLION, f"{n}/QĐ-UBND")["position"] for n in range(12)]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_whatever_fails_and_in_whatever_batches_no_fact_is_skipped(
    container: Container, logged: list[int], data: st.DataObject
) -> None:
    """The rule: the position never passes a fact not folded; once healed, every fact is
    folded exactly once."""
    funds = container.projectors["funds"]
    projection = Seen(frozenset(funds.projection.topics))
    projector = Projector(funds.engine, funds.log, projection)
    projector.prepare()
    with projector.engine.begin() as connection:
        connection.execute(seen.delete())
        connection.execute(
            tracking_table.update()
            .where(tracking_table.c.name == projector.name)
            .values(position=0)
        )
    failing = data.draw(st.sets(st.sampled_from(logged), max_size=3), label="failing facts")
    batch = data.draw(st.integers(1, 8), label="batch size")
    projection.failing = set(failing)
    for _ in range(3):
        try:
            projector.catch_up(batch_size=batch)
        except Exception as error:
            projector.failed(error)
        folded = folded_positions(projector)
        position = projector.position()
        assert all(p <= position for p in folded)
        # Every fact up to the position is folded; the first failing one is not passed.
        assert folded == {p for p in logged if p <= position}
        if failing:
            assert position < min(failing)
            assert projector.failure is not None and projector.failure.position == min(failing)
    projection.failing = set()
    assert projector.follow() is not None
    assert folded_positions(projector) == set(logged)
    assert projector.failure is None


def folded_positions(projector: Projector) -> set[int]:
    with projector.engine.connect() as connection:
        return {row[0] for row in connection.execute(select(seen.c.position))}
