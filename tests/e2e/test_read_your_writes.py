"""Read-your-writes by default (issue 10 §4): a read that follows a write this server acknowledged
reflects it without ``min_position``, however far behind the read models are, waiting at most the
contract's 5 s and then answering 503 — never an answer without the write, never a 404 for
something the log holds.

The read models are held back on purpose, so every race here is forced, not lucky: on SQLite the
in-process projections wait on a gate; on PostgreSQL the projections run in a real worker process
(`giamngheo project`) and the test holds a lock on their tracking rows, so the worker cannot commit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url
from tests.bodies import household_body
from tests.logins import TEST_PASSWORD_COST, log_in

ROOT = Path(__file__).resolve().parents[2]
ACTOR = {"X-Actor": "canbo.phucha"}
PHUC_HA = "05485"
THAI_NGUYEN_CITY = "164"
SEAL_KEY = "read-your-writes-test-seal-key"
TODAY = date(2026, 12, 2)


class Held:
    """Keeps the read models from moving while ``held`` is set; ``release_after`` lets go."""

    def __init__(self) -> None:
        self._hold: Callable[[], None] = lambda: None
        self._release: Callable[[], None] = lambda: None

    @contextmanager
    def held(self) -> Iterator[None]:
        self._hold()
        try:
            yield
        finally:
            self._release()

    def release_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self._release)
        timer.start()
        return timer


def _sqlite_gate(container: Container, held: Held) -> None:
    """The in-process projections wait at a gate before each catch-up while it is closed."""
    gate = threading.Event()
    gate.set()
    for projector in container.projectors.values():
        original = projector.catch_up

        def gated(*args: Any, _original: Any = original, **kwargs: Any) -> int:
            gate.wait()
            moved: int = _original(*args, **kwargs)
            return moved

        projector.catch_up = gated  # type: ignore[method-assign]
    held._hold = gate.clear
    held._release = gate.set


def _postgres_lock(url: str, held: Held) -> psycopg2.extensions.connection:
    """A transaction holding the tracking rows FOR UPDATE: the worker's next commit waits."""
    connection = psycopg2.connect(url)
    lock = threading.Lock()
    holding = [False]

    def hold() -> None:
        with lock:
            with connection.cursor() as cursor:
                cursor.execute("SELECT name FROM projection_tracking FOR UPDATE")
            holding[0] = True

    def release() -> None:
        with lock:
            if holding[0]:
                connection.commit()
                holding[0] = False

    held._hold = hold
    held._release = release
    return connection


def _wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Container, Held]]:
    container = build_container(
        Settings(database_url=normalise_database_url(database_url), **TEST_PASSWORD_COST),
        today=lambda: TODAY,
    )
    held = Held()
    worker: subprocess.Popen[str] | None = None
    lock: psycopg2.extensions.connection | None = None
    log = tmp_path / "worker.log"
    written = log.open("w")
    try:
        if database_url.startswith("sqlite"):
            container.start_in_process_projections()
            _sqlite_gate(container, held)
        else:
            # Made here, in one thread, as `giamngheo serve` does: the worker's threads then
            # find them (they would race to make them on a fresh database, issue 10 §3).
            for projector in container.projectors.values():
                projector.create_tables()
            worker = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "project"],
                cwd=ROOT,
                env={
                    **os.environ,
                    "GIAMNGHEO_DATABASE_URL": database_url,
                    "GIAMNGHEO_SEAL_KEY": SEAL_KEY,
                },
                stdout=subprocess.DEVNULL,
                stderr=written,
                text=True,
            )
            # The worker makes the read models' tables; this server only reads them.
            _wait_until(lambda: _tracked(database_url) == 3)
            lock = _postgres_lock(database_url, held)
        with TestClient(create_app(container)) as client:
            yield log_in(client, container), container, held
    finally:
        held._release()
        if lock is not None:
            lock.close()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
            written.close()
            assert worker.returncode == 0, log.read_text()
        written.close()
        container.close()


def _tracked(url: str) -> int:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('projection_tracking')")
            row = cursor.fetchone()
            if row is None or row[0] is None:
                return 0
            cursor.execute("SELECT count(*) FROM projection_tracking")
            counted = cursor.fetchone()
            return int(counted[0]) if counted else 0
    finally:
        connection.close()


def post(client: TestClient, path: str, body: dict[str, Any], expect: int = 201) -> Any:
    answer = client.post(path, json=body, headers=ACTOR)
    assert answer.status_code == expect, answer.text
    return answer.json()


def household(client: TestClient, code: str) -> str:
    created = post(
        client,
        "/households",
        household_body(code, PHUC_HA),
    )
    household_id: str = created["id"]
    return household_id


def allocation_body(amount: int = 50_000_000) -> dict[str, Any]:
    return {
        "source": "central_recurrent",
        "fiscal_year": 2025,
        "programme_line": "DA3.TDA1",
        "unit_code": THAI_NGUYEN_CITY,
        "amount": amount,
        "decision_no": "164-DA3/QĐ-UBND",
        "decided_on": "2025-01-15",
    }


def test_an_allocation_traced_right_after_it_is_made_is_found(
    served: tuple[TestClient, Container, Held],
) -> None:
    client, _, held = served
    with held.held():
        made = post(client, "/allocations", allocation_body())
        held.release_after(0.5)
        started = time.monotonic()
        trace = client.get(f"/allocations/{made['allocation_id']}/trace")
    assert trace.status_code == 200, trace.text
    assert trace.json()["allocation_id"] == made["allocation_id"]
    assert time.monotonic() - started >= 0.4  # it waited for the read model, as it must


def test_findings_read_right_after_a_support_include_it(
    served: tuple[TestClient, Container, Held],
) -> None:
    client, _, held = served
    hid = household(client, "RYW-1")
    post(
        client,
        f"/households/{hid}/recognitions",
        {"status": "poor", "decided_on": "2024-06-01", "decision_no": "RYW-1/QĐ-UBND"},
    )
    allocation = post(client, "/allocations", allocation_body())["allocation_id"]
    with held.held():
        # Provided long before it is recorded: a late_recording finding.
        support = post(
            client,
            f"/households/{hid}/supports",
            {
                "support_type": "agricultural_production",
                "provided_on": "2025-03-01",
                "amount": 5_000_000,
                "allocation_id": allocation,
            },
        )["support_id"]
        held.release_after(0.5)
        findings = client.get("/inspections/findings")
        funds = client.get(f"/households/{hid}/funds")
    assert findings.status_code == 200, findings.text
    about = {(f["support_id"], f["kind"]) for f in findings.json()["items"]}
    assert (support, "late_recording") in about
    assert funds.status_code == 200, funds.text
    assert [s["support_id"] for s in funds.json()["supports"]] == [support]


def test_a_register_read_right_after_a_recognition_reflects_it(
    served: tuple[TestClient, Container, Held],
) -> None:
    client, _, held = served
    hid = household(client, "RYW-2")
    with held.held():
        post(
            client,
            f"/households/{hid}/recognitions",
            {"status": "poor", "decided_on": "2024-06-01", "decision_no": "RYW-2/QĐ-UBND"},
        )
        held.release_after(0.5)
        register = client.get("/registers/poor", params={"area": PHUC_HA, "as_of": "2024-07-01"})
        summary = client.get("/registers/summary", params={"area": PHUC_HA, "as_of": "2024-07-01"})
    assert register.status_code == 200, register.text
    assert [i["household_id"] for i in register.json()["items"]] == [hid]
    assert summary.json()["poor"] == 1


def test_a_read_whose_read_model_stays_behind_answers_503_within_the_bound(
    served: tuple[TestClient, Container, Held], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, container, held = served
    monkeypatch.setattr(container.consistency, "wait_seconds", 0.5)
    with held.held():
        made = post(client, "/allocations", allocation_body())
        started = time.monotonic()
        trace = client.get(f"/allocations/{made['allocation_id']}/trace")
        waited = time.monotonic() - started
        summary = client.get("/funds/summary")
    # Never a 404 for an allocation that exists: 503 (problem+json), once the bound is spent.
    assert trace.status_code == 503, trace.text
    assert trace.headers["content-type"].startswith("application/problem+json")
    assert trace.json()["code"] == "unavailable"
    assert 0.4 <= waited < 3.0
    assert summary.status_code == 503
    # The event store itself is never behind: the allocation reads at once.
    assert client.get(f"/allocations/{made['allocation_id']}").status_code == 200


def test_an_allocation_made_through_another_server_is_traced_not_404(
    served: tuple[TestClient, Container, Held], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This server did not acknowledge the write, so it does not know to wait for it; the
    trace finds the allocation in the log and waits for the read model to get it."""
    client, container, held = served
    other = build_container(container.settings, today=lambda: TODAY)
    try:
        with TestClient(create_app(other)) as elsewhere:
            log_in(elsewhere, other)
            with held.held():
                made = post(elsewhere, "/allocations", allocation_body())
                held.release_after(0.5)
                trace = client.get(f"/allocations/{made['allocation_id']}/trace")
            assert trace.status_code == 200, trace.text
            assert trace.json()["allocation_id"] == made["allocation_id"]
            # Held for good: 503 once the bound is spent, still not 404.
            monkeypatch.setattr(container.consistency, "wait_seconds", 0.3)
            with held.held():
                second = post(elsewhere, "/allocations", allocation_body(7_000_000))
                still = client.get(f"/allocations/{second['allocation_id']}/trace")
            assert still.status_code == 503, still.text
            assert still.json()["code"] == "unavailable"
    finally:
        other.close()


def test_min_position_is_bounded_and_one_beyond_the_log_is_refused_at_once(
    served: tuple[TestClient, Container, Held],
) -> None:
    client, _, _ = served
    hid = household(client, "RYW-3")
    for huge in (2**63, 3.9e32):
        answer = client.get(f"/households/{hid}/history", params={"min_position": huge})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["loc"] == ["query", "min_position"]
    for path in (f"/households/{hid}", "/registers/poor", "/funds/summary", "/indicators"):
        started = time.monotonic()
        answer = client.get(path, params={"min_position": 2**63 - 1})
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["code"] == "validation_error"
        assert time.monotonic() - started < 1.0


ROUTES_WITHOUT_FACTS = {
    "/health",
    "/dashboard",
    "/reference/units",
    "/reference/support-types",
    "/reference/programme-lines",
    "/reference/standards",
}


def test_every_read_of_stored_facts_declares_what_it_reads(container: Container) -> None:
    app = create_app(container)
    undeclared = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        # The documentation pages (/docs, /redoc) read no facts and are not operations.
        if not route.include_in_schema or route.path in ROUTES_WITHOUT_FACTS:
            continue
        names = {p.name for d in route.dependant.dependencies for p in d.query_params}
        if "min_position" not in names:
            undeclared.append(route.path)
    assert undeclared == []
