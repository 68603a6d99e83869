"""The registers projection worker on PostgreSQL, as a real process (`giamngheo project`).

- a worker killed with SIGKILL in the middle of the log resumes where its last committed batch
  left off: nothing lost, nothing counted twice (its rows equal a rebuild's);
- a second copy of the worker cannot run at the same time: it exits non-zero, saying so;
- a projection whose code version changed is rebuilt when it is prepared;
- `giamngheo rebuild registers` reports its rate and leaves the same rows.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg2
import pytest
from sqlalchemy import func, select

from application.commands import MemberDetails, RecordRecognition, RegisterHousehold
from domain.household import FactContext, Household, HouseholdCode
from domain.status import Recognition, status_on
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url
from projections.machinery import (
    INCREMENTAL_BATCH,
    Projector,
    advisory_lock_key,
    tracking_table,
)
from projections.register_tables import metadata as register_metadata
from projections.register_tables import status_intervals
from projections.registers import RegisterProjection
from tests.support import empty_postgres_database

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 31)
CONTEXT = FactContext(actor="test.worker", evidence="QĐ test")
COMMUNES = ("05485", "05536", "05719", "05908")
STATUSES = ("poor", "near_poor", "average", "none")
HOUSEHOLDS = 1_000
RECOGNITIONS_EACH = 4  # 1,000 × (registered + code claim + 4 recognitions) = 6,000 facts
WAIT_SECONDS = 60.0

pytestmark = pytest.mark.slow


# --- the database ---------------------------------------------------------------------------------


@pytest.fixture
def url(postgres_database: str) -> str:
    empty_postgres_database(postgres_database)
    return postgres_database


@pytest.fixture
def container(url: str) -> Iterator[Container]:
    built = build_container(Settings(database_url=normalise_database_url(url)), today=lambda: TODAY)
    # The worker process makes the projection's tables too; this process only needs to read them.
    built.projectors["registers"].create_tables()
    try:
        yield built
    finally:
        built.close()


def load_history(container: Container, households: int = HOUSEHOLDS) -> dict[str, list[Any]]:
    """Many households with several recognitions each (ties and backdated ones included),
    saved in bulk; answers each household's recognitions for the domain rule."""
    files = container.case_files
    recognised: dict[str, list[Recognition]] = {}
    drafts: list[Household | HouseholdCode] = []
    for index in range(households):
        household, claim = files.draft_household(
            RegisterHousehold(
                code=f"W-{index:05d}",
                commune_code=COMMUNES[index % len(COMMUNES)],
                village="Xóm Đồi",
                registered_on=date(2018, 1, 1),
                members=[
                    MemberDetails(
                        name=f"Chủ hộ {index}",
                        birth_date=date(1970, 1, 1),
                        sex="male",
                        ethnicity="02",
                        relation="head",
                    )
                ],
                context=CONTEXT,
            )
        )
        recognised[str(household.id)] = []
        for number in range(RECOGNITIONS_EACH):
            # Decision dates go back and forth (backdated ones), and repeat (same-day ties).
            decided_on = date(2019, 1, 1) + timedelta(days=((index * 7 + number * 389) % 2400))
            if number == 3 and index % 3 == 0:
                decided_on = date(2019, 1, 1) + timedelta(days=(index * 7) % 2400)
            status = STATUSES[(index + number * (1 + index % 3)) % len(STATUSES)]
            recognition_id = str(uuid4())
            household.record_recognition(
                recognition_id, status, decided_on, f"{index}-{number}/QĐ-UBND", CONTEXT
            )
            recognised[str(household.id)].append(
                Recognition(recognition_id, status, decided_on, number + 2)  # type: ignore[arg-type]
            )
        drafts += [household, claim]
        if len(drafts) >= 400:
            files.save_drafts(drafts)
            drafts = []
    if drafts:
        files.save_drafts(drafts)
    return recognised  # type: ignore[return-value]


def rows_of(projector: Projector) -> dict[str, list[tuple[Any, ...]]]:
    with projector.engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in register_metadata.sorted_tables
        }


def poor_on(projector: Projector, day: date) -> set[str]:
    with projector.engine.connect() as connection:
        return {
            row[0]
            for row in connection.execute(
                select(status_intervals.c.household_id)
                .where(status_intervals.c.status == "poor")
                .where(status_intervals.c.superseded_at_us == 2**62)
                .where(status_intervals.c.valid_from <= day)
                .where(status_intervals.c.valid_to > day)
            )
        }


# --- the worker process ---------------------------------------------------------------------------


def giamngheo(url: str, *arguments: str, **options: Any) -> subprocess.Popen[str]:
    environment = {**os.environ, "GIAMNGHEO_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def wait_until(condition: Any, what: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def lock_holders(url: str) -> int:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = 0 AND objid = %s AND granted "
                # Advisory locks are per database, but pg_locks shows every database's.
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                (advisory_lock_key("registers"),),
            )
            return int(cursor.fetchone()[0])  # type: ignore[index]
    finally:
        connection.close()


def stop(worker: subprocess.Popen[str]) -> tuple[str, str]:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        out, err = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        out, err = worker.communicate()
    return out, err


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[str]]]:
    """Every worker a test starts is stopped at its end, whatever happened."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for worker in started:
        if worker.poll() is None:
            worker.kill()
        worker.communicate()


# --- tests ----------------------------------------------------------------------------------------


def test_a_worker_killed_mid_log_resumes_with_nothing_lost_or_counted_twice(
    url: str, container: Container, workers: list[subprocess.Popen[str]]
) -> None:
    recognised = load_history(container)
    projector = container.projectors["registers"]
    log_end = container.event_log.max_position()
    assert log_end >= 6_000

    first = giamngheo(url, "project", "registers")
    workers.append(first)
    wait_until(lambda: projector.position() > 0 or first.poll() is not None, "the worker to start")
    # One batch is committed; the next (a good tenth of a second's work) is under way.
    time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    # The killed worker's session ends, and its lock with it.
    wait_until(lambda: lock_holders(url) == 0, "the killed worker's lock to go", timeout=15)
    killed_at = projector.position()
    assert 0 < killed_at < log_end, f"killed at {killed_at} of {log_end}: not mid-way"
    # A batch is committed whole or not at all: the position is the last of a whole number
    # of batches of the projection's facts.
    folded = projector.log.notifications_after(
        0, log_end, until=killed_at, topics=projector.projection.topics
    )
    assert len(folded) % INCREMENTAL_BATCH == 0, "a batch was committed in part"
    assert folded[-1].id == killed_at

    second = giamngheo(url, "project", "registers")
    workers.append(second)
    # Facts recorded while the new worker runs are followed too.
    household_id = next(iter(recognised))
    _, written = container.case_files.record_recognition(
        RecordRecognition(
            household_id=UUID(household_id),
            status="poor",
            decided_on=date(2018, 6, 1),  # backdated before everything
            decision_no="late/QĐ-UBND",
            context=CONTEXT,
        )
    )
    recognised[household_id].append(
        Recognition(str(written.extra["recognition_id"]), "poor", date(2018, 6, 1), 99)
    )
    wait_until(
        lambda: projector.position() >= written.position or second.poll() is not None,
        "the restarted worker to catch up",
    )
    _, err = stop(second)
    assert second.returncode == 0, err
    assert projector.position() == written.position == container.event_log.max_position()

    resumed = rows_of(projector)
    with projector.engine.connect() as connection:
        counted = connection.execute(select(func.count()).select_from(tracking_table)).scalar()
    assert counted == 1
    assert len(resumed["rm_households"]) == HOUSEHOLDS
    assert len(resumed["rm_recognitions"]) == HOUSEHOLDS * RECOGNITIONS_EACH + 1

    # The domain rule, household by household, on a few dates.
    for day in (date(2018, 12, 31), date(2020, 7, 1), date(2023, 1, 1), date(2026, 12, 31)):
        expected = {
            hid for hid, recs in recognised.items() if status_on(recs, day).status == "poor"
        }
        assert poor_on(projector, day) == expected, day

    assert projector.rebuild() == container.event_log.max_position()
    rebuilt = rows_of(projector)
    for name, rows in rebuilt.items():
        assert resumed[name] == rows, f"{name}: the resumed worker's rows differ from a rebuild"


def test_a_second_worker_cannot_run_while_the_first_holds_the_projection(
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
        "the first worker to catch up",
    )
    assert first.poll() is None, first.communicate()
    assert lock_holders(url) == 1

    second = giamngheo(url, "project", "registers")
    workers.append(second)
    out, err = second.communicate(timeout=30)
    assert second.returncode != 0, (out, err)
    assert "already running" in err, err

    # The first is unharmed and still follows the log.
    assert first.poll() is None
    _, written = container.case_files.register_household(
        RegisterHousehold(
            code="W-LATE",
            commune_code=COMMUNES[0],
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
            context=CONTEXT,
        )
    )
    wait_until(lambda: projector.position() >= written.position, "the first worker to follow")
    _, err = stop(first)
    assert first.returncode == 0, err
    assert lock_holders(url) == 0


def test_a_changed_code_version_rebuilds_the_projection_when_prepared(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_history(container, households=60)
    projector = container.projectors["registers"]
    projector.prepare()
    projector.catch_up()
    good = rows_of(projector)
    # Damage the read model behind the projection's back.
    with projector.engine.begin() as connection:
        connection.execute(status_intervals.delete())
    damaged = rows_of(projector)
    assert damaged != good

    projector.prepare()  # same code version: nothing is rebuilt
    assert rows_of(projector) == damaged

    monkeypatch.setattr(RegisterProjection, "code_version", RegisterProjection.code_version + 1)
    projector.prepare()
    assert rows_of(projector) == good
    assert projector.position() == container.event_log.max_position()
    with projector.engine.connect() as connection:
        stored = connection.execute(
            select(tracking_table.c.code_version).where(tracking_table.c.name == "registers")
        ).scalar()
    assert stored == RegisterProjection.code_version


def test_the_rebuild_command_reports_its_rate_and_leaves_the_same_rows(
    url: str, container: Container
) -> None:
    load_history(container, households=200)
    projector = container.projectors["registers"]
    projector.prepare()
    projector.catch_up(batch_size=25)
    before = rows_of(projector)

    finished = subprocess.run(
        [sys.executable, "-m", "api.cli", "rebuild", "registers"],
        cwd=ROOT,
        env={**os.environ, "GIAMNGHEO_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    log_end = container.event_log.max_position()
    assert re.search(
        rf"registers: rebuilt from {log_end} facts in [\d.]+ s \([\d,]+ facts/s\)",
        finished.stdout,
    ), finished.stdout
    assert rows_of(projector) == before
    assert projector.position() == log_end

    unknown = subprocess.run(
        [sys.executable, "-m", "api.cli", "rebuild", "nothing"],
        cwd=ROOT,
        env={**os.environ, "GIAMNGHEO_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode != 0
    assert "nothing" in unknown.stderr
