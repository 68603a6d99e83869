"""Recording supports, through the application and through HTTP, beside the bare library.

    python -m bench.record_supports [--databases sqlite,postgres] [--operations N | --seconds S]
                                    [--rounds R] [--households H] [--wrk] [--profile]
                                    [--projection-worker]

For each database the run creates its own fresh database (a temporary SQLite file; a new
PostgreSQL database on the admin server, dropped at the end), then measures, in the same run
and interleaved round by round:

* ``baseline``: a minimal eventsourcing aggregate with one event, in an ``Application``
  configured exactly like ours (same persistence module, URL and cache settings; its own name,
  so its own tables): get → trigger one event → save, one event per save, sequentially;
* ``baseline create``: the same aggregate created and saved (context only, no aim);
* ``application``: ``container.case_files.record_support(RecordSupport(...))`` on prepared
  households (registered and recognised as poor, so the support is eligible), rotated through;
* ``http``: the real server (``giamngheo serve`` in a subprocess) answering
  ``POST /households/{id}/supports`` to one keep-alive ``http.client`` connection, sequentially,
  each request carrying the bearer token of a province caseworker who logged in at
  ``POST /auth/token`` (once per round: a token lasts 30 minutes);
* ``http (no auth)``: the same requests, on households of their own, marked so that the same
  server skips authentication (``bench.unauthenticated_server`` overrides ``api.auth.authorise``
  for marked requests only): the cost of authentication is the difference, in the same process
  and round;
* ``http (wrk)``, with ``--wrk``: the same requests as ``http`` (with the token) from
  ``wrk -t1 -c1`` (if installed), on households of its own.

On SQLite the server runs its in-process projections, as shipped; on PostgreSQL
``--projection-worker`` runs ``giamngheo project`` beside it, as deployed.

Each round runs every scenario for the same number of operations (or seconds); the table shows
the median rate over the rounds, latency percentiles (per round, median over rounds), the ratio
of the scenario's median rate to the baseline's median rate against its aim, and the CPU time
per operation of this process, the server and the PostgreSQL backends; then authentication's
share of a write: its rate beside the unauthenticated one, and its share of the server's CPU time
per write (the aim: at most 10 %).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import io
import json
import os
import pstats
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg2  # type: ignore[import-untyped]
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from application.case_files import CaseFiles
from application.commands import (
    MemberDetails,
    RecordRecognition,
    RecordSupport,
    RegisterHousehold,
)
from bench.reporting import print_load, save_results
from bench.unauthenticated_server import UNAUTHENTICATED
from domain.access import Role
from domain.household import FactContext
from domain.units import PROVINCE_CODE
from infrastructure.container import Container, build_container
from infrastructure.persistence import event_store_env
from infrastructure.settings import (
    DATABASE_URL_VARIABLE,
    SEAL_KEY_VARIABLE,
    Settings,
    normalise_database_url,
)
from tests.support import admin_connection, created_postgres_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_ADMIN_URL = os.environ.get(
    "GIAMNGHEO_BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SUPPORT_TYPE = "information_access"  # poor and near-poor households; no member, no model
APPLICATION_AIM = 0.70
HTTP_AIM = 0.40
AUTH_CPU_AIM = 0.10  # authentication's share of a write's server CPU time, at most
ACTOR = "bench"
CASEWORKER = "bench.caseworker"  # the province caseworker the HTTP writes log in as


# The bare library baseline -------------------------------------------------------------------


class Tally(Aggregate):
    """The smallest useful aggregate: one event, one integer of state."""

    class Counted(Aggregate.Event):
        amount: int

        def apply(self, aggregate: Any) -> None:
            aggregate.total += self.amount

    def __init__(self) -> None:
        self.total = 0

    def count(self, amount: int) -> None:
        self.trigger_event(self.Counted, amount=amount)


class Baseline(Application[UUID]):
    name = "benchbase"


def baseline_env(database_url: str, cache_size: int) -> dict[str, str]:
    """Our own event store settings, re-prefixed for the baseline's application name."""
    ours = CaseFiles.name.upper() + "_"
    theirs = Baseline.name.upper() + "_"
    return {
        theirs + key.removeprefix(ours): value
        for key, value in event_store_env(database_url, cache_size).items()
    }


def dispose(app: Application[UUID]) -> None:
    app.close()
    app.recorder.datastore.engine.dispose()  # type: ignore[attr-defined]


# Measurement ---------------------------------------------------------------------------------


@dataclass
class Round:
    operations: int
    seconds: float
    p50_ms: float
    p95_ms: float
    # CPU time per operation: this process (the client, for HTTP), the server and the worker
    # processes, and the PostgreSQL backends of the bench database.
    cpu_ms: float | None = None
    server_cpu_ms: float | None = None
    database_cpu_ms: float | None = None

    @property
    def rate(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0


@dataclass
class Outcome:
    scenario: str
    aim: float | None
    rounds: list[Round] = field(default_factory=list)

    @property
    def median_rate(self) -> float:
        return statistics.median(r.rate for r in self.rounds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.rounds)

    @property
    def p95_ms(self) -> float:
        return statistics.median(r.p95_ms for r in self.rounds)

    def paired_ratio(self, baseline: Outcome) -> float:
        """The median over rounds of this round's rate ÷ the baseline's rate in the same round:
        steadier than the ratio of medians when other work on the machine comes and goes."""
        return statistics.median(
            mine.rate / theirs.rate
            for mine, theirs in zip(self.rounds, baseline.rounds, strict=True)
            if theirs.rate
        )

    def median_of(self, name: str) -> float | None:
        values = [getattr(r, name) for r in self.rounds if getattr(r, name) is not None]
        return statistics.median(values) if values else None


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads), from /proc; None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuMeter:
    """CPU seconds used by groups of other processes (server, worker, database backends)."""

    def __init__(self) -> None:
        self.groups: dict[str, Callable[[], list[int]]] = {}

    def snapshot(self) -> dict[str, dict[int, float]]:
        taken: dict[str, dict[int, float]] = {}
        for group, pids in self.groups.items():
            taken[group] = {}
            for pid in pids():
                cpu = process_cpu(pid)
                if cpu is not None:
                    taken[group][pid] = cpu
        return taken

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


@dataclass(frozen=True)
class Budget:
    operations: int
    seconds: float | None
    meter: CpuMeter = field(default_factory=CpuMeter)

    def run(self, operation: Callable[[int], None]) -> Round:
        """Runs ``operation(i)`` sequentially for the budget; every call is timed."""
        latencies: list[float] = []
        clock = time.perf_counter
        others = self.meter.snapshot()
        own = time.process_time()
        started = clock()
        i = 0
        if self.seconds is None:
            for i in range(self.operations):
                before = clock()
                operation(i)
                latencies.append(clock() - before)
        else:
            deadline = started + self.seconds
            while clock() < deadline:
                before = clock()
                operation(i)
                latencies.append(clock() - before)
                i += 1
        elapsed = clock() - started
        own = time.process_time() - own
        after = self.meter.snapshot()
        latencies.sort()
        count = len(latencies)
        used = {group: CpuMeter.used(others[group], after[group]) for group in after}
        return Round(
            operations=count,
            seconds=elapsed,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p95_ms=percentile(latencies, 0.95) * 1000,
            cpu_ms=own / count * 1000,
            server_cpu_ms=used["server"] / count * 1000 if "server" in used else None,
            database_cpu_ms=used["database"] / count * 1000 if "database" in used else None,
        )


# Databases -----------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(kind: str, admin_url: str, workdir: Path) -> Iterator[str]:
    """A new, empty database of the kind asked for, removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    if kind != "postgres":
        raise SystemExit(f"unknown database {kind!r}: use sqlite or postgres")
    admin = admin_connection(admin_url, timeout=5)
    try:
        with created_postgres_database(admin, admin_url, "giamngheo_bench") as url:
            yield url
    finally:
        admin.close()


@contextlib.contextmanager
def backends_of(admin_url: str, database: str) -> Iterator[Callable[[], list[int]]]:
    """A function listing the PostgreSQL backend processes connected to ``database``."""
    admin = psycopg2.connect(admin_url, connect_timeout=5)
    admin.autocommit = True

    def pids() -> list[int]:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))
            return [int(row[0]) for row in cursor.fetchall()]

    try:
        yield pids
    finally:
        admin.close()


# Prepared households -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dates:
    registered_on: date
    recognised_on: date
    provided_on: date


def bench_dates(today: date) -> Dates:
    return Dates(
        registered_on=today - timedelta(days=400),
        recognised_on=today - timedelta(days=300),
        provided_on=today - timedelta(days=10),
    )


def prepare_households(container: Container, prefix: str, count: int, dates: Dates) -> list[UUID]:
    """Households of four, recognised as poor: eligible for the benchmark's support."""
    files = container.case_files
    commune = container.units.communes()[0].code
    context = FactContext(actor=ACTOR, reason="benchmark")
    members = [
        MemberDetails("Head", date(1980, 3, 1), "female", "01", "head"),
        MemberDetails("Spouse", date(1979, 7, 9), "male", "01", "spouse"),
        MemberDetails("Child one", date(2010, 1, 2), "female", "01", "child"),
        MemberDetails("Child two", date(2014, 5, 6), "male", "01", "child"),
    ]
    ids = []
    for n in range(count):
        household, _ = files.register_household(
            RegisterHousehold(
                code=f"BENCH-{prefix}-{n:05d}",
                commune_code=commune,
                village="Bench village",
                registered_on=dates.registered_on,
                members=members,
                context=context,
            )
        )
        files.record_recognition(
            RecordRecognition(
                household_id=household.id,
                status="poor",
                decided_on=dates.recognised_on,
                decision_no=f"QD-BENCH/{n}",
                context=context,
            )
        )
        ids.append(household.id)
    return ids


# The HTTP server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def python_command(*arguments: str) -> list[str]:
    """This interpreter (with this run's -O, if any) running ``arguments``."""
    command = [sys.executable]
    if sys.flags.optimize:
        command.append("-" + "O" * sys.flags.optimize)
    return [*command, *arguments]


@contextlib.contextmanager
def subprocess_running(
    command: list[str], settings_env: dict[str, str], log_path: Path
) -> Iterator[Any]:
    """A child process on the bench settings, stopped (SIGINT, then kill) on the way out."""
    env = {**os.environ, **settings_env}
    with log_path.open("wb") as log:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield child
        finally:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


@contextlib.contextmanager
def running_server(
    settings_env: dict[str, str], log_path: Path, program: tuple[str, ...] = ("-m", "api.cli")
) -> Iterator[tuple[int, int]]:
    """``giamngheo serve`` on a free port, as shipped (or ``program``'s variant of it); yields
    (port, pid) once /health answers.

    On SQLite the server also runs the in-process projections after each command, as shipped.
    """
    port = free_port()
    command = python_command(*program, "serve", "--host", "127.0.0.1", "--port", str(port))
    with subprocess_running(command, settings_env, log_path) as server:
        try:
            wait_for_health(port, server)
        except RuntimeError:
            log = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the server did not start; its log ends:\n{log}") from None
        yield port, server.pid


def wait_for_health(port: int, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}; see its log")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/health")
            answer = connection.getresponse()
            answer.read()
            if answer.status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /health on port {port} within {timeout}s")


def log_in(port: int, username: str, password: str) -> str:
    """A bearer token from ``POST /auth/token`` (the OAuth2 password flow's form)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        form = urllib.parse.urlencode({"username": username, "password": password})
        connection.request(
            "POST",
            "/auth/token",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = connection.getresponse()
        payload = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"logging in as {username}: {answer.status} {payload[:500]!r}")
        token: str = json.loads(payload)["access_token"]
        return token
    finally:
        connection.close()


def add_caseworker(container: Container) -> str:
    """The province caseworker the HTTP writes log in as; answers their password (new each
    run, kept nowhere)."""
    password = secrets.token_urlsafe(18)
    container.users.add(CASEWORKER, password, Role.CASEWORKER, PROVINCE_CODE, ACTOR)
    return password


class SupportClient:
    """One keep-alive connection posting supports, sequentially: with the bearer token of the
    last ``log_in``, or, ``authenticated=False``, marked to skip authentication (the
    unauthenticated baseline)."""

    def __init__(
        self, port: int, provided_on: date, password: str, authenticated: bool = True
    ) -> None:
        self._port = port
        self._password = password
        self._authenticated = authenticated
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self._body = json.dumps(
            {"support_type": SUPPORT_TYPE, "provided_on": provided_on.isoformat()}
        ).encode()
        self._headers = {"Content-Type": "application/json"}
        if not authenticated:
            self._headers[UNAUTHENTICATED] = "1"

    def log_in(self) -> str:
        """Logs in again (outside any measured round); answers the token."""
        token = log_in(self._port, CASEWORKER, self._password)
        if self._authenticated:
            self._headers["Authorization"] = f"Bearer {token}"
        return token

    def post(self, household_id: UUID) -> None:
        self._connection.request(
            "POST", f"/households/{household_id}/supports", self._body, self._headers
        )
        answer = self._connection.getresponse()
        payload = answer.read()
        if answer.status != 201:
            raise RuntimeError(f"POST supports answered {answer.status}: {payload[:500]!r}")

    def reconnect(self) -> None:
        """A fresh connection: the server drops idle ones (keep-alive timeout, 5 s)."""
        self._connection.close()
        self._connection.connect()

    def close(self) -> None:
        self._connection.close()


WRK_SCRIPT = """
local ids = {%(ids)s}
local i = 0
wrk.method = "POST"
wrk.body = '%(body)s'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  i = i + 1
  return wrk.format(nil, "/households/" .. ids[(i %% #ids) + 1] .. "/supports")
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH %%d %%d %%d %%d %%f %%f\\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50.0), latency:percentile(95.0)))
end
"""


def wrk_round(
    port: int,
    ids: list[UUID],
    provided_on: date,
    seconds: float,
    workdir: Path,
    meter: CpuMeter,
    token: str,
) -> Round:
    script = workdir / "supports.lua"
    body = json.dumps({"support_type": SUPPORT_TYPE, "provided_on": provided_on.isoformat()})
    script.write_text(
        WRK_SCRIPT % {"ids": ", ".join(f'"{i}"' for i in ids), "body": body, "token": token}
    )
    duration = max(1, round(seconds))
    others = meter.snapshot()
    output = subprocess.run(
        ["wrk", "-t1", "-c1", f"-d{duration}s", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = meter.snapshot()
    used = {group: CpuMeter.used(others[group], after[group]) for group in after}
    line = next(x for x in output.splitlines() if x.startswith("BENCH "))
    requests, micros, status_errors, socket_errors, p50_us, p95_us = line.split()[1:]
    if int(status_errors) or int(socket_errors):
        raise RuntimeError(f"wrk saw {status_errors} bad answers, {socket_errors} socket errors")
    count = int(requests)
    return Round(
        operations=count,
        seconds=int(micros) / 1e6,
        p50_ms=float(p50_us) / 1000,
        p95_ms=float(p95_us) / 1000,
        server_cpu_ms=used["server"] / count * 1000 if "server" in used else None,
        database_cpu_ms=used["database"] / count * 1000 if "database" in used else None,
    )


# One database --------------------------------------------------------------------------------


def measure_database(kind: str, options: argparse.Namespace) -> dict[str, Any]:
    budget = Budget(options.operations, options.seconds)
    households = options.households
    with (
        tempfile.TemporaryDirectory(prefix="giamngheo-bench-") as tmp,
        fresh_database(kind, options.postgres_admin_url, Path(tmp)) as raw_url,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        url = normalise_database_url(raw_url)
        # The server and worker read the same settings from their environment: this database and
        # a seal key of the run's own (so nothing falls back to a key file under ./var).
        settings_env = {DATABASE_URL_VARIABLE: url, SEAL_KEY_VARIABLE: secrets.token_hex(32)}
        settings = Settings.from_environment(settings_env)
        container = build_container(settings)
        stack.callback(container.close)
        baseline = Baseline(env=baseline_env(url, settings.aggregate_cache_size))
        stack.callback(dispose, baseline)

        dates = bench_dates(container.today())
        print(f"[{kind}] preparing households …", flush=True)
        sets = {"application": "A", "http": "H", "http (no auth)": "N"} | (
            {"http (wrk)": "W"} if options.wrk else {}
        )
        ids = {
            name: prepare_households(container, p, households, dates) for name, p in sets.items()
        }
        tallies = [Tally() for _ in range(households)]
        baseline.save(*tallies)
        tally_ids = [t.id for t in tallies]
        password = add_caseworker(container)

        def baseline_command(i: int) -> None:
            tally: Tally = baseline.repository.get(tally_ids[i % households])
            tally.count(1)
            baseline.save(tally)

        def baseline_create(i: int) -> None:
            baseline.save(Tally())

        context = FactContext(actor=ACTOR)

        def application(i: int) -> None:
            _, _, created = container.case_files.record_support(
                RecordSupport(
                    household_id=ids["application"][i % households],
                    support_type=SUPPORT_TYPE,
                    provided_on=dates.provided_on,
                    context=context,
                )
            )
            if not created:
                raise RuntimeError("record_support did not record a support")

        port, server_pid = stack.enter_context(
            running_server(
                settings_env,
                workdir / "server.log",
                ("-m", "bench.unauthenticated_server", CASEWORKER),
            )
        )
        server_pids = [server_pid]
        budget.meter.groups["server"] = lambda: server_pids
        worker = kind == "postgres" and options.projection_worker
        if worker:
            process = stack.enter_context(
                subprocess_running(
                    python_command("-m", "api.cli", "project"), settings_env, workdir / "worker.log"
                )
            )
            server_pids.append(process.pid)
        if kind == "postgres":
            budget.meter.groups["database"] = stack.enter_context(
                backends_of(options.postgres_admin_url, raw_url.rpartition("/")[2])
            )
        client = SupportClient(port, dates.provided_on, password)
        stack.callback(client.close)
        unauthenticated = SupportClient(port, dates.provided_on, password, authenticated=False)
        stack.callback(unauthenticated.close)

        def over_http(i: int) -> None:
            client.post(ids["http"][i % households])

        def without_auth(i: int) -> None:
            unauthenticated.post(ids["http (no auth)"][i % households])

        def http_round() -> Round:
            client.log_in()
            client.reconnect()  # the server drops connections idle for 5 s
            return budget.run(over_http)

        def unauthenticated_round() -> Round:
            unauthenticated.reconnect()
            return budget.run(without_auth)

        scenarios: dict[str, Callable[[], Round]] = {
            "baseline": lambda: budget.run(baseline_command),
            "application": lambda: budget.run(application),
            "http": http_round,
            "http (no auth)": unauthenticated_round,
        }
        aims: dict[str, float | None] = {
            "baseline": None,
            "application": APPLICATION_AIM,
            "http": HTTP_AIM,
            "http (no auth)": None,
        }
        if options.wrk:
            seconds = options.seconds or max(2.0, options.operations / 300)
            scenarios["http (wrk)"] = lambda: wrk_round(
                port,
                ids["http (wrk)"],
                dates.provided_on,
                seconds,
                workdir,
                budget.meter,
                client.log_in(),
            )
            aims["http (wrk)"] = HTTP_AIM
        scenarios["baseline create"] = lambda: budget.run(baseline_create)
        aims["baseline create"] = None

        # Warm-up: two passes over every aggregate (caches, connections, server).
        warm = Budget(operations=2 * households, seconds=None)
        client.log_in()
        client.reconnect()
        unauthenticated.reconnect()
        for operation in (over_http, without_auth, baseline_command, application):
            warm.run(operation)

        outcomes = {name: Outcome(name, aims[name]) for name in scenarios}
        names = list(scenarios)
        for number in range(options.rounds):
            # Rotate the order, so that no scenario always runs first or last.
            order = names[number % len(names) :] + names[: number % len(names)]
            for name in order:
                outcomes[name].rounds.append(scenarios[name]())
            print(
                f"[{kind}] round {number + 1}/{options.rounds}: "
                + ", ".join(f"{n} {outcomes[n].rounds[-1].rate:.0f}/s" for n in names),
                flush=True,
            )
        profile = profile_application(application, budget) if options.profile else None

    def supports_held(name: str) -> tuple[float, float]:
        """Supports per household before the first and after the last measured round."""
        done = sum(r.operations for r in outcomes[name].rounds)
        start = 0 if name == "http (wrk)" else 2
        return start, start + done / households

    return {
        "database": kind,
        "projection_worker": worker,
        "supports_per_household": {n: supports_held(n) for n in sets},
        "outcomes": outcomes,
        "profile": profile,
    }


def profile_application(application: Callable[[int], None], budget: Budget) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    budget.run(application)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    return text.getvalue()


# Report --------------------------------------------------------------------------------------


def authentication_cost(outcomes: dict[str, Outcome]) -> dict[str, float | bool | None]:
    """Authenticated HTTP writes against the unauthenticated ones of the same run: the rate
    ratio (paired by round) and authentication's share of the server's CPU time per write."""
    with_auth, without = outcomes["http"], outcomes["http (no auth)"]
    server_with = with_auth.median_of("server_cpu_ms")
    server_without = without.median_of("server_cpu_ms")
    share = (
        (server_with - server_without) / server_with
        if server_with and server_without is not None
        else None
    )
    return {
        "ops_per_second_with_auth": with_auth.median_rate,
        "ops_per_second_without_auth": without.median_rate,
        "rate_ratio": with_auth.paired_ratio(without),
        "server_cpu_ms_with_auth": server_with,
        "server_cpu_ms_without_auth": server_without,
        "auth_share_of_server_cpu": share,
        "aim_share_at_most": AUTH_CPU_AIM,
        "passed": None if share is None else share <= AUTH_CPU_AIM,
    }


def authentication_line(cost: dict[str, float | bool | None]) -> str:
    share = cost["auth_share_of_server_cpu"]
    verdict = "n/a" if cost["passed"] is None else ("PASS" if cost["passed"] else "MISS")

    def ms(value: float | bool | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    return (
        f"authentication: http {cost['ops_per_second_with_auth']:.0f} ops/s with it, "
        f"{cost['ops_per_second_without_auth']:.0f} without (paired ratio "
        f"{cost['rate_ratio']:.1%}); server cpu ms/op {ms(cost['server_cpu_ms_with_auth'])} "
        f"with, {ms(cost['server_cpu_ms_without_auth'])} without: authentication's share "
        + ("n/a" if share is None else f"{share:.1%}")
        + f" (aim ≤ {AUTH_CPU_AIM:.0%}: {verdict})"
    )


def table(result: dict[str, Any]) -> str:
    kind: str = result["database"]
    outcomes: dict[str, Outcome] = result["outcomes"]
    base = outcomes["baseline"].median_rate
    header = (
        f"{'scenario':<16} {'ops/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'vs base':>7} {'paired':>7} {'aim':>4} {'result':<6} │ "
        f"{'cpu ms/op: bench':>16} {'server':>6} {'db':>5}"
    )
    lines = [f"== {kind} ==", header, "─" * len(header)]
    for outcome in outcomes.values():
        ratio = outcome.median_rate / base if base else 0.0
        if outcome.aim is None:
            aim, verdict = "", ""
        else:
            aim = f"{outcome.aim:.0%}"
            verdict = "PASS" if ratio >= outcome.aim else "MISS"
        paired = outcome.paired_ratio(outcomes["baseline"])
        cpu = [outcome.median_of(n) for n in ("cpu_ms", "server_cpu_ms", "database_cpu_ms")]
        bench, server, database = ("" if c is None else f"{c:.2f}" for c in cpu)
        if not outcome.scenario.startswith("http"):
            server = ""  # the idle server's own work (e.g. projections following the log)
        lines.append(
            f"{outcome.scenario:<16} {outcome.median_rate:>7.0f} {outcome.p50_ms:>7.2f} "
            f"{outcome.p95_ms:>7.2f} {ratio:>7.1%} {paired:>7.1%} {aim:>4} {verdict:<6} │ "
            f"{bench:>16} {server:>6} {database:>5}"
        )
    held = ", ".join(
        f"{name} {start:.0f}→{end:.0f}"
        for name, (start, end) in result["supports_per_household"].items()
    )
    lines.append(f"supports per household over the rounds: {held}")
    lines.append(authentication_line(authentication_cost(outcomes)))
    if kind == "sqlite":
        lines.append("http: the server also runs its in-process projections (as shipped)")
    elif result["projection_worker"]:
        lines.append("http: a `giamngheo project` worker ran beside the server")
    else:
        lines.append("http: no projection worker ran (--projection-worker adds one)")
    return "\n".join(lines)


def as_json(result: dict[str, Any]) -> dict[str, Any]:
    outcomes: dict[str, Outcome] = result["outcomes"]
    base = outcomes["baseline"].median_rate
    return {
        "database": result["database"],
        "projection_worker": result["projection_worker"],
        "supports_per_household_before_and_after": result["supports_per_household"],
        "scenarios": {
            name: {
                "median_ops_per_second": o.median_rate,
                "p50_ms": o.p50_ms,
                "p95_ms": o.p95_ms,
                "cpu_ms_per_op": {
                    "bench_process": o.median_of("cpu_ms"),
                    "server_processes": o.median_of("server_cpu_ms"),
                    "database_backends": o.median_of("database_cpu_ms"),
                },
                "ratio_to_baseline": o.median_rate / base if base else None,
                "paired_ratio_to_baseline": o.paired_ratio(outcomes["baseline"]),
                "aim": o.aim,
                "passed": None if o.aim is None else o.median_rate / base >= o.aim,
                "rounds": [asdict(r) | {"rate": r.rate} for r in o.rounds],
            }
            for name, o in outcomes.items()
        },
        "authentication": authentication_cost(outcomes),
        "application_profile": result["profile"],
    }


def code_version() -> str:
    """The commit measured, and whether the work tree differed from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit or 'unknown'}{' (modified)' if dirty else ''}"


PACKAGES = (
    "eventsourcing",
    "eventsourcing-sqlalchemy",
    "SQLAlchemy",
    "psycopg2-binary",
    "fastapi",
    "pydantic",
    "uvicorn",
    "httptools",
    "uvloop",
)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.record_supports",
        description="Recording supports through the application and HTTP, against the bare "
        "eventsourcing baseline measured in the same run, on fresh databases.",
    )
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument(
        "--operations", type=int, default=1000, help="operations per scenario per round"
    )
    parser.add_argument(
        "--seconds", type=float, default=None, help="seconds per scenario per round instead"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--households", type=int, default=50, help="prepared households (and tallies) rotated"
    )
    parser.add_argument("--wrk", action="store_true", help="also measure HTTP with wrk -t1 -c1")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one application round per database"
    )
    parser.add_argument(
        "--projection-worker",
        action="store_true",
        help="PostgreSQL: run `giamngheo project` beside the server, as deployed",
    )
    parser.add_argument("--postgres-admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    options = parser.parse_args(argv)
    if options.rounds < 1 or options.operations < 1 or options.households < 1:
        parser.error("--rounds, --operations and --households must be positive")
    if options.wrk and not shutil.which("wrk"):
        parser.error("--wrk: wrk is not installed (apt-get install -y wrk)")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    kinds = [k.strip() for k in options.databases.split(",") if k.strip()]
    budget = (
        f"{options.seconds:g} s" if options.seconds is not None else f"{options.operations} ops"
    )
    print(
        f"record_supports: {', '.join(kinds)}; {options.rounds} rounds × {budget} per scenario; "
        f"{options.households} households rotated; code {code_version()}",
        flush=True,
    )
    load_before = os.getloadavg()
    results = [measure_database(kind, options) for kind in kinds]
    load_after = os.getloadavg()
    print()
    for result in results:
        print(table(result))
        if result["profile"]:
            print(result["profile"])
        print()
    print(
        "ops/s: median over rounds; p50/p95: per round, median over rounds; "
        "vs base: median ops/s ÷ baseline median ops/s (result: PASS when ≥ aim);\n"
        "paired: median over rounds of ops/s ÷ the baseline's ops/s in the same round;\n"
        "http (no auth): the same writes as http, the same server skipping authentication;\n"
        "cpu ms/op: CPU time per operation (median over rounds) of this process (for http: "
        "the client), of the server (and worker) processes, and of the PostgreSQL backends."
    )
    print_load(load_before, load_after)
    path = save_results(
        "record_supports",
        options.output,
        options,
        [as_json(r) for r in results],
        load_before,
        load_after,
        PACKAGES,
    )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
