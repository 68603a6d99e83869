"""Faults during a burst of concurrent writes, with real processes (issue 10, deliverable 7).

Eight client threads send a few hundred caseworker writes (registrations, surveys, supports
drawing on one allocation, each support with an idempotency key) to `giamngheo serve` while

- (a) the server is killed with SIGKILL and started again (PostgreSQL with `giamngheo project`
  beside it; and SQLite, where the server projects in-process and its file is recovered);
- (b) the worker is killed with SIGKILL and started again (PostgreSQL);
- (c) PostgreSQL itself is restarted (`pg_ctl restart -m fast`) on a cluster this test makes
  with initdb, never the machine's shared server; the server and the worker are left running.

After recovery: every acknowledged write is in the log, with the ids and position its answer
gave, and in its household's history; no write answered with an error is; a write whose answer
was lost ("unknown") landed at most once, and sending it again (same idempotency key or code)
is answered as the log says; no fact is duplicated (household codes, idempotency keys, draws);
the allocation's spending is the sum of its draws; the read models, once caught up, equal a
full rebuild row for row; `giamngheo verify` finds the log intact; and every error answer,
also one given while the database was away, is problem+json. The figures are printed (`-s`
shows them): writes acknowledged, rejected, unknown (and how many of those landed), lost,
duplicated, and the time to recover.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults.harness import (
    ACTOR,
    AUDITOR,
    UNDER_CI,
    Burst,
    Figures,
    OwnCluster,
    Server,
    Worker,
    advisory_locks_held,
    audit,
    caught_up,
    check_histories,
    health,
    plan_writes,
    read_log,
    read_models_equal_a_rebuild,
    recovery_seconds,
    retry_unknown,
    seed,
    services,
    verify,
    wait_until,
)

pytestmark = pytest.mark.slow

CLIENTS = 8
WRITES_EACH = 36  # 288 writes: 72 registrations, 72 surveys, 144 supports
FAULT_AT = 0.25  # the fault strikes once this share of the writes is acknowledged
CATCH_UP_SECONDS = 60.0
PROJECTIONS = ["registers", "funds", "indicators"]


# Strikes mid-burst; answers the seconds the system took to recover when the fault measures
# that itself (else: until the first write acknowledged after it).
Fault = Callable[[Burst], float | None]


def through_a_fault(
    label: str,
    url: str,
    folder: Path,
    server: Server,
    worker: Worker | None,
    fault: Fault,
) -> Figures:
    """Seeds, starts the processes, runs the burst with ``fault`` striking mid-way, then
    checks everything the module's docstring lists. Answers the figures (already asserted)."""
    seeded = seed(url, CLIENTS)
    if worker is not None:
        worker.start()
    server.start_and_wait()
    # Logged in before the fault, as a client would be; the tokens outlive a restart.
    writer, auditor = server.log_in(ACTOR), server.log_in(AUDITOR)
    burst = Burst(
        server.base_url,
        [plan_writes(seeded, client, WRITES_EACH, label) for client in range(CLIENTS)],
        writer,
    )
    burst.start()
    burst.wait_for_acknowledged(int(len(burst.writes) * FAULT_AT))
    struck_at = time.monotonic()
    recovered = fault(burst)
    burst.join()

    index = read_log(url)
    figures = audit(label, burst.writes, index)
    figures.recovered_seconds = (
        recovered if recovered is not None else recovery_seconds(burst.writes, struck_at)
    )
    print(f"\n{figures.line()}")
    for problem in figures.problems[:20]:
        print(f"  {problem}")
    for unknown in figures.unknowns[:20]:
        print(f"  answer lost: {unknown}")
    assert all(write.outcome is not None for write in burst.writes)
    assert figures.lost == 0, figures.problems
    assert figures.duplicated == 0, figures.problems
    assert figures.rejected_but_landed == 0, figures.problems
    assert figures.mismatched == 0, figures.problems
    assert figures.acknowledged > len(burst.writes) * FAULT_AT, "too few writes to judge by"
    assert figures.recovered_seconds is not None, "no write was acknowledged after the fault"

    # The server (restarted or not) still answers, and its read models catch up.
    assert server.alive, f"the server exited:\n{server.log_tail()}"
    if worker is not None:
        assert worker.alive, f"the worker exited (it must survive this):\n{worker.log_tail()}"
    try:
        figures.caught_up_seconds = wait_until(
            lambda: caught_up(server.base_url, index.end),
            f"the read models to reach position {index.end}",
            CATCH_UP_SECONDS,
        )
    except AssertionError as error:
        logs = (worker or server).log_tail()
        raise AssertionError(f"{error}; /health: {health(server.base_url)}\n{logs}") from None

    problems = check_histories(server.base_url, auditor, burst.writes, index)
    assert not problems, problems
    spent = httpx.get(
        f"{server.base_url}/allocations/{seeded.allocation_id}", headers=auditor, timeout=10
    ).json()["spent"]
    drawn = sum(amount for draws in index.draws.values() for _, amount in draws)
    acknowledged = sum(w.amount for w in burst.writes if w.outcome == "acknowledged")
    assert spent == drawn >= acknowledged, (spent, drawn, acknowledged)

    # What a client does with a lost answer: send the write again.
    problems = retry_unknown(server.base_url, writer, burst.writes, index)
    assert not problems, problems
    index = read_log(url)
    again = audit(label + ", sent again", burst.writes, index)
    assert again.lost == again.duplicated == again.rejected_but_landed == 0, again.problems
    wait_until(lambda: caught_up(server.base_url, index.end), "the read models", CATCH_UP_SECONDS)

    # The contract's errors, also when the database is away: problem+json.
    plain = Counter(
        f"{w.status} {w.content_type}"
        for w in burst.writes
        if w.status is not None and w.status >= 400 and w.content_type != "application/problem+json"
    )

    stopping = [server] + ([worker] if worker is not None else [])
    for service in stopping:
        service.stop()
    problems = read_models_equal_a_rebuild(url, folder)
    assert not problems, problems
    sealed = verify(url, folder)
    print(f"{figures.line()}; read models equal a rebuild; verify: {sealed}")
    assert not plain, f"error answers that are not problem+json: {dict(plain)}"
    return figures


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "keys").mkdir()
    return tmp_path


def test_a_server_killed_mid_burst_loses_and_duplicates_nothing(
    database_url: str, folder: Path
) -> None:
    kind = "sqlite" if database_url.startswith("sqlite") else "postgres"
    server = Server(database_url, folder)
    # On SQLite the server projects in-process; on PostgreSQL the worker does, as deployed.
    worker = Worker(database_url, folder) if kind == "postgres" else None

    def kill_the_server(burst: Burst) -> None:
        server.kill()
        server.start_and_wait()
        return None

    with services(server, *([worker] if worker else [])):
        through_a_fault(
            f"{kind}: server SIGKILL", database_url, folder, server, worker, kill_the_server
        )
    assert server.starts == 2


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_worker_killed_mid_burst_resumes_and_its_read_models_equal_a_rebuild(
    database_url: str, folder: Path
) -> None:
    url = database_url
    server = Server(url, folder)
    worker = Worker(url, folder)

    def kill_the_worker(burst: Burst) -> float:
        worker.kill()
        wait_until(lambda: advisory_locks_held(url, PROJECTIONS) == 0, "the killed worker's locks")
        # Facts go on arriving with no worker: the next one has more to catch up on.
        burst.wait_for_acknowledged(int(len(burst.writes) * 0.5))
        behind = health(server.base_url)["position"]
        worker.start()
        # Recovered: the new worker has caught up with the log as it was when it started.
        return wait_until(lambda: caught_up(server.base_url, behind), "the new worker to catch up")

    with services(server, worker):
        figures = through_a_fault(
            "postgres: worker SIGKILL", url, folder, server, worker, kill_the_worker
        )
    assert worker.starts == 2
    # The server never went away: every write had an answer.
    assert figures.unknown == 0 and figures.refused_attempts == 0, figures.line()


@pytest.fixture
def own_cluster() -> Iterator[OwnCluster]:
    reason = OwnCluster.unavailable()
    if reason is not None:
        if UNDER_CI:
            pytest.fail(f"{reason} (CI=true: the PostgreSQL restart test must run)")
        pytest.skip(reason)
    cluster = OwnCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def test_a_postgres_restart_mid_burst_loses_nothing_and_the_processes_carry_on(
    own_cluster: OwnCluster, folder: Path
) -> None:
    url = own_cluster.create_database(f"giamngheo_faults_{uuid.uuid4().hex[:8]}")
    server = Server(url, folder)
    worker = Worker(url, folder)

    def restart_postgres(burst: Burst) -> None:
        own_cluster.restart()
        return None

    with services(server, worker):
        through_a_fault(
            "postgres: PostgreSQL restarted", url, folder, server, worker, restart_postgres
        )
    # Neither process was restarted by hand: each reconnected by itself.
    assert server.starts == 1 and worker.starts == 1
