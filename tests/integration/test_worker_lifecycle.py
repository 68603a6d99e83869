"""The projection worker's start and stop on PostgreSQL, with real processes.

- any number of processes starting at once on a fresh database (servers and workers: the event
  store's tables, the read models' tables, indexes and tracking rows) all start;
- SIGTERM or SIGINT stops `giamngheo project` within 5 s with exit status 0, idle or in the
  middle of catching up (the batch in flight commits or rolls back whole) or waiting to retry;
- a worker started before its database exists waits for it, then follows the log;
- a worker whose projection fails (its table gone) is seen failing by another process, and
  heals once the table is back, equal to a rebuild.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy import inspect

from application.commands import MemberDetails, RegisterHousehold
from domain.household import FactContext
from infrastructure.container import Container
from projections.machinery import INCREMENTAL_BATCH
from tests.integration.test_projection_worker import (
    ROOT,
    giamngheo,
    load_history,
    rows_of,
)
from tests.support import ADMIN_URL, admin_connection

pytestmark = pytest.mark.slow

STOP_SECONDS = 5.0
WAIT_SECONDS = 60.0

# One process starting: the container (event store, seals, health table), then every
# projection prepared at once in threads, as `giamngheo project` does.
STARTING = r"""
import sys, threading, time
from infrastructure.container import build_container
from infrastructure.settings import Settings, normalise_database_url
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
container = build_container(Settings(database_url=normalise_database_url(sys.argv[1])))
errors = []
def prepare(projector):
    try:
        projector.prepare()
    except Exception as error:
        errors.append(repr(error))
threads = [threading.Thread(target=prepare, args=(p,)) for p in container.projectors.values()]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
container.close()
if errors:
    print(errors[0], file=sys.stderr)
    sys.exit(1)
"""


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
    """What ``condition`` answers once it is true."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
    return found


class Databases:
    """Databases this test makes (each dropped after it)."""

    def __init__(self) -> None:
        self.admin = admin_connection()
        self.names: list[str] = []

    def name(self) -> str:
        """A new name, for a database not made yet."""
        self.names.append(f"giamngheo_fresh_{os.getpid()}_{uuid.uuid4().hex[:8]}")
        return self.names[-1]

    def create(self, name: str) -> str:
        with self.admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def url(self, name: str) -> str:
        base, _, _ = ADMIN_URL.rpartition("/")
        return f"{base}/{name}"

    def drop_all(self) -> None:
        with self.admin.cursor() as cursor:
            for name in self.names:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        self.admin.close()


@pytest.fixture
def databases(postgres_database: str) -> Iterator[Databases]:
    made = Databases()
    try:
        yield made
    finally:
        made.drop_all()


@pytest.fixture
def fresh_database(databases: Databases) -> str:
    """A database with nothing in it, made for this test and dropped after it."""
    return databases.create(databases.name())


@pytest.mark.parametrize("attempt", range(2))
def test_processes_starting_at_once_on_a_fresh_database_all_start(
    fresh_database: str, attempt: int
) -> None:
    at = time.time() + 3.0  # once every process has imported the program
    starting = [
        subprocess.Popen(
            [sys.executable, "-c", STARTING, fresh_database, str(at)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    finished = [(process.wait(timeout=120), process.communicate()[1]) for process in starting]
    failed = [err.strip().splitlines()[-1] for code, err in finished if code != 0]
    assert not failed, failed


# --- stopping -------------------------------------------------------------------------------------


def stopped_within(worker: subprocess.Popen[str], signal_number: int) -> tuple[float, str]:
    """Seconds from the signal to the worker's exit, and what it wrote to stderr."""
    sent = time.monotonic()
    worker.send_signal(signal_number)
    try:
        _, err = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        _, err = worker.communicate()
        raise AssertionError(f"the worker did not stop in 30 s:\n{err}") from None
    return time.monotonic() - sent, err


@pytest.fixture
def url(postgres_database: str) -> str:
    from tests.support import empty_postgres_database

    empty_postgres_database(postgres_database)
    return postgres_database


@pytest.fixture
def container(url: str) -> Iterator[Container]:
    from infrastructure.container import build_container
    from infrastructure.settings import Settings, normalise_database_url

    built = build_container(Settings(database_url=normalise_database_url(url)))
    built.projectors["registers"].create_tables()
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for worker in started:
        if worker.poll() is None:
            worker.kill()
        worker.communicate()


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_caught_up_worker_stops_at_once_on_a_signal(
    url: str, container: Container, workers: list[subprocess.Popen[str]], signal_number: int
) -> None:
    load_history(container, households=20)
    projector = container.projectors["registers"]
    worker = giamngheo(url, "project")
    workers.append(worker)
    wait_until(
        lambda: (
            projector.position() == container.event_log.max_position() or worker.poll() is not None
        ),
        "the worker to catch up",
    )
    assert worker.poll() is None, worker.communicate()
    seconds, err = stopped_within(worker, signal_number)
    assert worker.returncode == 0, err
    assert seconds < STOP_SECONDS, f"stopped {seconds:.2f} s after the signal"
    print(f"caught-up worker stopped {seconds:.2f} s after {signal.Signals(signal_number).name}")


def test_a_worker_catching_up_stops_within_seconds_with_whole_batches_only(
    url: str, container: Container, workers: list[subprocess.Popen[str]]
) -> None:
    load_history(container, households=1_000)
    projector = container.projectors["registers"]
    log_end = container.event_log.max_position()
    worker = giamngheo(url, "project", "registers")
    workers.append(worker)
    wait_until(lambda: projector.position() > 0 or worker.poll() is not None, "a first batch")
    seconds, err = stopped_within(worker, signal.SIGTERM)
    assert worker.returncode == 0, err
    assert seconds < STOP_SECONDS, f"stopped {seconds:.2f} s after SIGTERM"
    stopped_at = projector.position()
    assert 0 < stopped_at < log_end, "not stopped mid-way: it went on to the end of the log"
    folded = projector.log.notifications_after(
        0, log_end, until=stopped_at, topics=projector.projection.topics
    )
    assert len(folded) % INCREMENTAL_BATCH == 0, "a batch was committed in part"
    print(f"worker catching up stopped {seconds:.2f} s after SIGTERM, at {stopped_at}/{log_end}")


def register(container: Container, code: str) -> None:
    container.case_files.register_household(
        RegisterHousehold(
            code=code,
            commune_code="05485",
            village="Xóm Mới",
            registered_on=date(2020, 1, 1),
            members=[
                MemberDetails(
                    name="Người Mới",
                    birth_date=date(1990, 1, 1),
                    sex="female",
                    ethnicity="01",
                    relation="head",
                )
            ],
            context=FactContext(actor="test.worker", evidence="QĐ test"),
        )
    )


def test_a_worker_started_before_its_database_exists_waits_for_it_then_follows_the_log(
    databases: Databases, workers: list[subprocess.Popen[str]]
) -> None:
    from infrastructure.container import build_container
    from infrastructure.settings import Settings, normalise_database_url

    name = databases.name()
    worker = giamngheo(databases.url(name), "project")
    workers.append(worker)
    time.sleep(2.0)
    assert worker.poll() is None, worker.communicate()

    url = databases.create(name)
    built = build_container(Settings(database_url=normalise_database_url(url)))
    try:
        register(built, "W-EARLY")
        projector = built.projectors["registers"]
        wait_until(
            lambda: (
                (
                    ("projection_tracking" in inspect(projector.engine).get_table_names())
                    and projector.position() == built.event_log.max_position()
                )
                or worker.poll() is not None
            ),
            "the worker to start and catch up",
        )
        seconds, err = stopped_within(worker, signal.SIGTERM)
        assert worker.returncode == 0, err
        assert "database unavailable" in err
        assert projector.position() == built.event_log.max_position()
    finally:
        built.close()


def rename(url: str, table: str, to: str) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("ALTER TABLE {} RENAME TO {}").format(
                    sql.Identifier(table), sql.Identifier(to)
                )
            )
    finally:
        connection.close()


def test_a_failing_worker_shows_elsewhere_stops_while_waiting_to_retry_and_heals_later(
    url: str, container: Container, workers: list[subprocess.Popen[str]]
) -> None:
    load_history(container, households=50)
    projector = container.projectors["registers"]
    first = giamngheo(url, "project", "registers")
    workers.append(first)
    wait_until(
        lambda: (
            projector.position() == container.event_log.max_position() or first.poll() is not None
        ),
        "the worker to catch up",
    )
    caught_up = projector.position()

    rename(url, "rm_households", "rm_households_away")  # the cause
    for number in range(3):
        register(container, f"W-LATER-{number}")
    failure = wait_until(
        lambda: (found := projector.stored_failure()) and found.attempts >= 4 and found,
        "the worker's failure to be recorded, and retried",
    )
    assert failure.position is not None and failure.position > caught_up
    assert failure.error == 'UndefinedTable: relation "rm_households" does not exist', failure
    assert projector.position() < failure.position
    seconds, err = stopped_within(first, signal.SIGTERM)
    assert first.returncode == 0, err
    assert seconds < STOP_SECONDS, f"stopped {seconds:.2f} s after SIGTERM while backing off"
    assert "failing at" in err
    print(f"failing worker stopped {seconds:.2f} s after SIGTERM, at attempt {failure.attempts}+")

    rename(url, "rm_households_away", "rm_households")  # the cause is gone
    second = giamngheo(url, "project", "registers")
    workers.append(second)
    wait_until(
        lambda: (
            (
                projector.position() == container.event_log.max_position()
                and projector.stored_failure() is None
            )
            or second.poll() is not None
        ),
        "the worker to heal",
    )
    assert second.poll() is None, second.communicate()
    resumed = rows_of(projector)
    seconds, err = stopped_within(second, signal.SIGTERM)
    assert second.returncode == 0, err
    projector.rebuild()
    assert rows_of(projector) == resumed
