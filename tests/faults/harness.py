"""Real processes, a burst of concurrent writes, and an audit of the log against the answers.

The fault tests start `giamngheo serve` and `giamngheo project` as subprocesses on a database
the test made, drive a bounded burst of caseworker writes at the server from several client
threads while something is killed or restarted, then compare what the clients were told with
what the log holds.

Every write carries a token of its own (in `evidence`; also the household code of a
registration and the idempotency key of a support), so that a write whose answer was lost can
still be looked for in the log. The clients log in as any client does (`POST /auth/token`): a
province caseworker writes, a province auditor reads the histories and the allocation.
"""

from __future__ import annotations

import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
import psycopg2  # type: ignore[import-untyped]
from sqlalchemy import select

from application.commands import (
    MakeAllocation,
    MemberDetails,
    RecordRecognition,
    RegisterHousehold,
)
from domain.access import Role
from domain.funds import FundAllocation
from domain.household import FactContext, Household, HouseholdCode
from infrastructure.clock import today_in_vietnam
from infrastructure.container import build_container
from infrastructure.settings import Settings, normalise_database_url
from projections.log import LogReader
from projections.machinery import advisory_lock_key
from tests.deprivation_codes import ND07
from tests.logins import TEST_PASSWORD_COST, ensure_user, log_in_over_http

ROOT = Path(__file__).resolve().parents[2]
UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_bin() -> Path:
    """Where initdb and pg_ctl are: GIAMNGHEO_TEST_POSTGRES_BIN, else Debian's folder for 15,
    else the newest version Debian installed."""
    if os.environ.get("GIAMNGHEO_TEST_POSTGRES_BIN"):
        return Path(os.environ["GIAMNGHEO_TEST_POSTGRES_BIN"])
    preferred = Path("/usr/lib/postgresql/15/bin")
    if (preferred / "initdb").exists():
        return preferred
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else preferred


ACTOR = "fault.test"  # the caseworker who writes, and the seed's actor
AUDITOR = "fault.audit"  # who reads the histories and the allocation back
SUPPORT_TYPE = "agricultural_production"  # poor and near-poor; no member; line DA3.TDA1
PROGRAMME_LINE = "DA3.TDA1"
START_SECONDS = 60.0
SEAL_KEY = "fault-test-seal-key"  # the test's processes and the seeding share it


def settings(url: str) -> Settings:
    return Settings(
        database_url=normalise_database_url(url), seal_key=SEAL_KEY.encode(), **TEST_PASSWORD_COST
    )


def environment(url: str, folder: Path) -> dict[str, str]:
    """What each `giamngheo` process the tests start is given: the test's database and keys."""
    return {
        **os.environ,
        "GIAMNGHEO_DATABASE_URL": url,
        "GIAMNGHEO_SEAL_KEY": SEAL_KEY,
        "GIAMNGHEO_KEYS_DIR": str(folder / "keys"),
        "PYTHONUNBUFFERED": "1",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- processes ------------------------------------------------------------------------------------


class Service:
    """One `giamngheo` command as a real process, its output in a log file."""

    def __init__(self, name: str, arguments: list[str], url: str, folder: Path) -> None:
        self.name = name
        self.arguments = arguments
        self.folder = folder
        self.environment = environment(url, folder)
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        log = (self.folder / f"{self.name}.{self.starts}.log").open("wb")
        with log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", *self.arguments],
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, grace: float = 10.0) -> float:
        """SIGTERM, then SIGKILL after ``grace`` seconds; answers how long it took."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        return time.monotonic() - started

    def log_tail(self, characters: int = 3000) -> str:
        parts = []
        for path in sorted(self.folder.glob(f"{self.name}.*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-characters:]}")
        return "\n".join(parts)


class Server(Service):
    def __init__(self, url: str, folder: Path) -> None:
        self.port = free_port()
        super().__init__(
            "server", ["serve", "--host", "127.0.0.1", "--port", str(self.port)], url, folder
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_in(self, username: str) -> dict[str, str]:
        """The header carrying a token of that seeded user; it outlives a restart of the
        server (the signing key is in the test's keys folder)."""
        return log_in_over_http(self.base_url, username)

    def start_and_wait(self, timeout: float = START_SECONDS) -> float:
        """Starts the server; answers the seconds until /health answers 200."""
        started = time.monotonic()
        self.start()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise AssertionError(f"the server exited at start:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(
            f"the server did not answer /health in {timeout} s:\n{self.log_tail()}"
        )


class Worker(Service):
    def __init__(self, url: str, folder: Path) -> None:
        super().__init__("worker", ["project"], url, folder)


@contextmanager
def services(*started: Service) -> Iterator[None]:
    """Whatever happens in the test, no process it started outlives it."""
    try:
        yield
    finally:
        for service in started:
            if service.alive:
                assert service.process is not None
                service.process.kill()
                service.process.wait(timeout=10)


def advisory_locks_held(url: str, names: list[str]) -> int:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                # Advisory locks belong to a database: others on the server may use the same keys.
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND classid = 0 AND objid = ANY(%s) AND granted",
                ([advisory_lock_key(name) for name in names],),
            )
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


# --- a PostgreSQL cluster of the test's own -------------------------------------------------------


class OwnCluster:
    """A throwaway PostgreSQL cluster (initdb into a temporary folder, a free port, its socket
    in that folder), so that restarting it touches nothing else. Run as the `postgres` OS user
    when the tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="giamngheo-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as_owner = ["runuser", "-u", "postgres", "--"]
        os.chmod(self.root, 0o700)

    @staticmethod
    def unavailable() -> str | None:
        """Why no cluster can be made here, or None."""
        for program in ("initdb", "pg_ctl"):
            if not (postgres_bin() / program).exists():
                return f"no {program} in {postgres_bin()} (set GIAMNGHEO_TEST_POSTGRES_BIN)"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' OS user to run the cluster"
            if shutil.which("runuser") is None:
                return "running as root and runuser is missing"
        return None

    def _run(self, *arguments: str, timeout: float = 60.0) -> None:
        finished = subprocess.run(
            [*self._as_owner, *arguments],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if finished.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise AssertionError(
                f"{arguments[0]} failed ({finished.returncode}):\n{finished.stdout}\n"
                f"{finished.stderr}\n{log}"
            )

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c max_connections=100 -c shared_buffers=32MB"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-w", "-t", "60", "-o", options, "start",
        )  # fmt: skip

    def restart(self) -> None:
        """A fast restart: sessions are cut, the server stops cleanly and comes back."""
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-w", "-t", "60", "-m", "fast", "restart",
        )  # fmt: skip

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [*self._as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data),
                 "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        connection = psycopg2.connect(self.admin_url(), connect_timeout=5)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


# --- seeding --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    commune_code: str
    allocation_id: str
    households: list[list[str]]  # per client thread: the households it writes on
    provided_on: date
    surveyed_on: date
    registered_on: date


def seed(url: str, clients: int, households_each: int = 2) -> Seed:
    """Households recognised as poor (so a support is eligible) and one allocation, written
    through the application before any server starts; the projections' tables are made here
    too, so the server and the worker need not race to make them."""
    today = today_in_vietnam()
    registered_on = today - timedelta(days=400)
    provided_on = (
        today - timedelta(days=1) if (today - timedelta(days=1)).year == today.year else today
    )
    container = build_container(settings(url))
    try:
        for projector in container.projectors.values():
            projector.prepare()
        ensure_user(container, Role.CASEWORKER, username=ACTOR)
        ensure_user(container, Role.AUDITOR, username=AUDITOR)
        files = container.case_files
        commune = container.units.communes()[0].code
        context = FactContext(actor=ACTOR, reason="fault test seed")
        allocation, _ = files.make_allocation(
            MakeAllocation(
                source="central_recurrent",
                fiscal_year=provided_on.year,
                programme_line=PROGRAMME_LINE,
                unit_code=commune,
                amount=10**11,
                decision_no="QĐ-FAULTS/1",
                decided_on=today - timedelta(days=30),
                context=context,
            )
        )
        households: list[list[str]] = []
        for client in range(clients):
            own = []
            for n in range(households_each):
                household, _ = files.register_household(
                    RegisterHousehold(
                        code=f"SEED-{client:02d}-{n}",
                        commune_code=commune,
                        village="Xóm Thử",
                        registered_on=registered_on,
                        members=[
                            MemberDetails("Chủ hộ", date(1975, 2, 3), "female", "01", "head"),
                            MemberDetails("Con", date(2012, 6, 7), "male", "01", "child"),
                        ],
                        context=context,
                    )
                )
                files.record_recognition(
                    RecordRecognition(
                        household_id=household.id,
                        status="poor",
                        decided_on=registered_on + timedelta(days=60),
                        decision_no=f"QĐ-FAULTS/{client}-{n}",
                        context=context,
                    )
                )
                own.append(str(household.id))
            households.append(own)
        return Seed(
            commune_code=commune,
            allocation_id=str(allocation.id),
            households=households,
            provided_on=provided_on,
            surveyed_on=today - timedelta(days=20),
            registered_on=today - timedelta(days=30),
        )
    finally:
        container.close()


# --- the burst ------------------------------------------------------------------------------------

Kind = Literal["registration", "survey", "support"]
Outcome = Literal["acknowledged", "rejected", "unknown"]


@dataclass
class Write:
    kind: Kind
    token: str
    path: str
    body: dict[str, Any]
    household_id: str | None  # a registration's is known once answered
    status: int | None = None
    answer: dict[str, Any] | None = None
    outcome: Outcome | None = None
    error: str | None = None
    content_type: str | None = None
    refused: int = 0  # connections refused before the request could be sent
    sent_at: float = 0.0
    answered_at: float = 0.0

    @property
    def amount(self) -> int:
        return int(self.body.get("amount") or 0)


def plan_writes(seed: Seed, client: int, count: int, label: str) -> list[Write]:
    """A client's writes, in turn: a registration, a survey, two supports drawing on the
    allocation (each with an idempotency key)."""
    writes = []
    prefix = re.sub(r"[^A-Za-z0-9]", "", label)[:12] or "F"  # a valid household code
    own = seed.households[client]
    for n in range(count):
        token = f"{prefix}-{client:02d}-{n:03d}-{uuid.uuid4().hex[:6]}"
        household = own[n % len(own)]
        turn = n % 4
        if turn == 0:
            body: dict[str, Any] = {
                "code": token,
                "commune_code": seed.commune_code,
                "village": "Xóm Mới",
                "registered_on": seed.registered_on.isoformat(),
                "members": [
                    {
                        "name": f"Chủ hộ {n}",
                        "birth_date": "1980-01-01",
                        "sex": "male",
                        "ethnicity": "02",
                        "relation": "head",
                    }
                ],
                "evidence": token,
            }
            writes.append(Write("registration", token, "/households", body, None))
        elif turn == 1:
            body = {
                "surveyed_on": seed.surveyed_on.isoformat(),
                "review": "regular",
                "income_per_capita": 1_000_000 + n,
                "deprivations": {code: (n + i) % 5 == 0 for i, code in enumerate(ND07)},
                "evidence": token,
            }
            writes.append(
                Write("survey", token, f"/households/{household}/surveys", body, household)
            )
        else:
            body = {
                "support_type": SUPPORT_TYPE,
                "provided_on": seed.provided_on.isoformat(),
                "amount": 100_000 + client * 1000 + n,
                "allocation_id": seed.allocation_id,
                "idempotency_key": token,
                "evidence": token,
            }
            writes.append(
                Write("support", token, f"/households/{household}/supports", body, household)
            )
    return writes


# A request that failed after it may have been sent: its answer is lost, the write may have landed.
LOST_ANSWER = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
)


def send(client: httpx.Client, write: Write, give_up_at: float) -> None:
    """Sends one write (``client`` carries the writer's token); a refused connection (nothing
    sent) is tried again until ``give_up_at``; a lost answer is not (the write's fate is what
    the audit finds out)."""
    while True:
        write.sent_at = time.monotonic()
        try:
            answer = client.post(write.path, json=write.body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            write.refused += 1
            if time.monotonic() > give_up_at:
                # Never sent: it cannot have landed, which the audit checks like a rejection.
                write.outcome, write.error = "rejected", f"never sent: {error!r}"
                return
            time.sleep(0.05)
            continue
        except LOST_ANSWER as error:
            write.answered_at = time.monotonic()
            write.outcome, write.error = "unknown", repr(error)
            return
        write.answered_at = time.monotonic()
        write.status = answer.status_code
        write.content_type = answer.headers.get("content-type")
        try:
            write.answer = answer.json()
        except ValueError:
            write.answer = {"text": answer.text[:500]}
        write.outcome = "acknowledged" if 200 <= answer.status_code < 300 else "rejected"
        if write.kind == "registration" and write.outcome == "acknowledged":
            write.household_id = str(write.answer["id"])
        return


@dataclass
class Burst:
    """``clients`` threads, each sending its planned writes one after another, as the user
    whose token ``headers`` carries."""

    base_url: str
    plans: list[list[Write]]
    headers: dict[str, str]
    give_up_seconds: float = 90.0
    acknowledged: int = 0
    started_at: float = 0.0
    finished_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def writes(self) -> list[Write]:
        return [write for plan in self.plans for write in plan]

    def _client(self, plan: list[Write]) -> None:
        give_up_at = self.started_at + self.give_up_seconds
        failures = 0
        with httpx.Client(
            base_url=self.base_url, headers=self.headers, timeout=httpx.Timeout(20.0)
        ) as client:
            for write in plan:
                send(client, write, give_up_at)
                if write.outcome == "acknowledged":
                    failures = 0
                    with self._lock:
                        self.acknowledged += 1
                elif write.outcome == "unknown" or (write.status or 0) >= 500:
                    # Back off as a careful client would, so a short outage does not use up
                    # the whole plan.
                    failures += 1
                    time.sleep(min(1.0, 0.05 * 2**failures) * random.uniform(0.5, 1.0))

    def start(self) -> None:
        self.started_at = time.monotonic()
        for plan in self.plans:
            thread = threading.Thread(target=self._client, args=(plan,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def wait_for_acknowledged(self, count: int, timeout: float = 60.0) -> None:
        wait_until(lambda: self.acknowledged >= count, f"{count} acknowledged writes", timeout)

    def join(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self._threads), "the burst did not finish"
        self.finished_at = time.monotonic()


# --- the audit ------------------------------------------------------------------------------------


@dataclass
class Landed:
    """One fact the log holds for a write's token."""

    position: int
    household_id: str
    fact_id: str | None  # survey_id, support_id; None for a registration


@dataclass
class LogIndex:
    """The log, indexed by what the writes can be recognised by."""

    end: int = 0
    by_token: dict[str, list[Landed]] = field(default_factory=lambda: defaultdict(list))
    code_claims: Counter[str] = field(default_factory=Counter)
    registrations_by_code: Counter[str] = field(default_factory=Counter)
    draws: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    idempotency_keys: Counter[tuple[str, str]] = field(default_factory=Counter)


def read_log(url: str) -> LogIndex:
    container = build_container(settings(url))
    try:
        reader = LogReader(container.case_files.recorder, container.case_files.mapper)
        index = LogIndex(end=reader.max_position())
        after = 0
        while True:
            batch = reader.notifications_after(after, 1000)
            if not batch:
                break
            for notification in batch:
                fact = reader.decode(notification)
                after = fact.position
                data, household = fact.data, str(fact.originator_id)
                if fact.topic == Household.Registered.TOPIC:
                    index.registrations_by_code[data["code"]] += 1
                    if data.get("evidence"):
                        index.by_token[data["evidence"]].append(
                            Landed(fact.position, household, None)
                        )
                elif fact.topic == HouseholdCode.Claimed.TOPIC:
                    index.code_claims[data["code"]] += 1
                elif fact.topic == Household.SurveyRecorded.TOPIC:
                    if data.get("evidence"):
                        index.by_token[data["evidence"]].append(
                            Landed(fact.position, household, str(data["survey_id"]))
                        )
                elif fact.topic == Household.SupportRecorded.TOPIC:
                    if data.get("evidence"):
                        index.by_token[data["evidence"]].append(
                            Landed(fact.position, household, str(data["support_id"]))
                        )
                    if data.get("idempotency_key"):
                        index.idempotency_keys[(household, data["idempotency_key"])] += 1
                elif fact.topic == FundAllocation.FundsDrawn.TOPIC:
                    index.draws[str(data["support_id"])].append(
                        (fact.position, int(data["amount"]))
                    )
        return index
    finally:
        container.close()


@dataclass
class Figures:
    label: str
    writes: int = 0
    acknowledged: int = 0
    rejected: int = 0
    unknown: int = 0
    unknown_landed: int = 0
    refused_attempts: int = 0
    lost: int = 0
    duplicated: int = 0
    rejected_but_landed: int = 0
    mismatched: int = 0  # landed, but not with the id or position the answer gave
    recovered_seconds: float | None = None
    caught_up_seconds: float | None = None
    problems: list[str] = field(default_factory=list)
    rejections: Counter[str] = field(default_factory=Counter)
    unknowns: list[str] = field(default_factory=list)  # each write whose answer was lost

    def line(self) -> str:
        recovered = (
            f"{self.recovered_seconds:.2f} s" if self.recovered_seconds is not None else "n/a"
        )
        caught_up = (
            f", read models caught up {self.caught_up_seconds:.2f} s after the burst"
            if self.caught_up_seconds is not None
            else ""
        )
        return (
            f"[{self.label}] writes {self.writes}: acknowledged {self.acknowledged}, "
            f"rejected {self.rejected}, unknown {self.unknown} (landed {self.unknown_landed}); "
            f"refused connection attempts {self.refused_attempts}; LOST {self.lost}, "
            f"DUPLICATED {self.duplicated}, rejected-but-landed {self.rejected_but_landed}, "
            f"mismatched {self.mismatched}; time to recover {recovered}{caught_up}"
            + (f"; rejections: {dict(self.rejections)}" if self.rejections else "")
        )


def answer_matches(write: Write, fact: Landed, index: LogIndex) -> bool:
    """The ids and the position an acknowledged write's answer gave are those in the log."""
    assert write.answer is not None
    position = write.answer.get("position")
    if fact.household_id != write.household_id:
        return False
    if write.kind == "registration":
        # The household, then its code's claim, in one transaction: the answer is the claim's.
        return position in (fact.position, fact.position + 1)
    key = "survey_id" if write.kind == "survey" else "support_id"
    if fact.fact_id != write.answer.get(key):
        return False
    positions = [fact.position, *(p for p, _ in index.draws.get(fact.fact_id or "", []))]
    return position == max(positions)


def audit(label: str, writes: list[Write], index: LogIndex) -> Figures:
    """What the answers said against what the log holds."""
    figures = Figures(label=label, writes=len(writes))
    figures.refused_attempts = sum(w.refused for w in writes)
    for write in writes:
        landed = index.by_token.get(write.token, [])
        if len(landed) > 1:
            figures.duplicated += len(landed) - 1
            figures.problems.append(f"{write.kind} {write.token} landed {len(landed)} times")
        if write.outcome == "acknowledged":
            figures.acknowledged += 1
            assert write.answer is not None
            if not landed:
                figures.lost += 1
                figures.problems.append(f"acknowledged {write.kind} {write.token} not in the log")
                continue
            fact = landed[0]
            if not answer_matches(write, fact, index):
                figures.mismatched += 1
                figures.problems.append(
                    f"acknowledged {write.kind} {write.token}: answer {write.answer} "
                    f"but the log holds {fact}"
                )
        elif write.outcome == "rejected":
            figures.rejected += 1
            code = (write.answer or {}).get("code") or (write.answer or {}).get("detail")
            figures.rejections[f"{write.kind} {write.status or 'unsent'} {code or ''}".strip()] += 1
            if landed:
                figures.rejected_but_landed += 1
                figures.problems.append(
                    f"{write.kind} {write.token} answered {write.status} "
                    f"({write.error or write.answer}) but is in the log"
                )
        else:
            figures.unknown += 1
            figures.unknown_landed += 1 if landed else 0
            figures.unknowns.append(
                f"{write.kind} {write.token}: {write.error} after "
                f"{write.answered_at - write.sent_at:.2f} s; landed {len(landed)}"
            )
            if write.kind == "registration" and landed:
                write.household_id = landed[0].household_id
    for code, count in index.code_claims.items():
        if count > 1:
            figures.duplicated += count - 1
            figures.problems.append(f"household code {code} claimed {count} times")
    for code, count in index.registrations_by_code.items():
        if count > 1:
            figures.duplicated += count - 1
            figures.problems.append(f"household code {code} registered {count} times")
    for key, count in index.idempotency_keys.items():
        if count > 1:
            figures.duplicated += count - 1
            figures.problems.append(f"idempotency key {key} recorded {count} times")
    for support_id, draws in index.draws.items():
        if len(draws) > 1:
            figures.duplicated += len(draws) - 1
            figures.problems.append(f"support {support_id} drew {len(draws)} times")
    return figures


def recovery_seconds(writes: list[Write], moment: float) -> float | None:
    """Seconds from the fault at ``moment`` to the first acknowledged write sent after the
    last one that failed (answered with a 5xx, or its answer lost) once the fault struck."""
    failed = [
        w.answered_at
        for w in writes
        if w.answered_at > moment
        and (w.outcome == "unknown" or (w.outcome == "rejected" and (w.status or 500) >= 500))
    ]
    since = max(failed, default=moment)
    answered = [w.answered_at for w in writes if w.outcome == "acknowledged" and w.sent_at > since]
    return min(answered) - moment if answered else None


def check_histories(
    base_url: str, headers: dict[str, str], writes: list[Write], index: LogIndex
) -> list[str]:
    """Every write in the log is in its household's history, by its token and ids; nothing
    rejected is. ``headers`` carry a token of a user who may read histories."""
    problems: list[str] = []
    by_household: dict[str, list[Write]] = defaultdict(list)
    for write in writes:
        if write.household_id is not None:
            by_household[write.household_id].append(write)
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
        for household, own in by_household.items():
            answer = client.get(f"/households/{household}/history", params={"limit": 1000})
            if answer.status_code != 200:
                problems.append(f"history of {household}: {answer.status_code} {answer.text[:300]}")
                continue
            items = answer.json()["items"]
            seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for item in items:
                if item.get("evidence"):
                    seen[item["evidence"]].append(item)
            for write in own:
                landed = index.by_token.get(write.token, [])
                found = seen.get(write.token, [])
                if len(found) != len(landed):
                    problems.append(
                        f"{write.kind} {write.token} ({write.outcome}): {len(landed)} in the log, "
                        f"{len(found)} in the history of {household}"
                    )
                    continue
                if write.outcome == "acknowledged" and write.kind != "registration":
                    assert write.answer is not None
                    key = "survey_id" if write.kind == "survey" else "support_id"
                    data = found[0]["data"]
                    stored = data.get(key) or data.get(write.kind, {}).get(key)
                    if stored != write.answer[key]:
                        problems.append(
                            f"{write.kind} {write.token}: answered {key} {write.answer[key]}, "
                            f"history holds {stored}"
                        )
    return problems


def retry_unknown(
    base_url: str, headers: dict[str, str], writes: list[Write], index: LogIndex
) -> list[str]:
    """What a client does with a write whose answer it lost: sends it again (as the writer
    whose token ``headers`` carry). A support (same idempotency key) is then answered 200 with
    the support that landed, or 201 if none did; a registration (same code) 409 if it landed,
    201 if not. Surveys carry no key: not sent."""
    problems: list[str] = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
        for write in writes:
            if write.outcome != "unknown" or write.kind == "survey":
                continue
            landed = index.by_token.get(write.token, [])
            answer = client.post(write.path, json=write.body)
            if write.kind == "support":
                expected = 200 if landed else 201
                if answer.status_code != expected or (
                    landed and answer.json().get("support_id") != landed[0].fact_id
                ):
                    problems.append(
                        f"support {write.token} sent again (landed: {bool(landed)}): "
                        f"{answer.status_code} {answer.text[:300]}"
                    )
            else:
                expected = 409 if landed else 201
                if answer.status_code != expected:
                    problems.append(
                        f"registration {write.token} sent again (landed: {bool(landed)}): "
                        f"{answer.status_code} {answer.text[:300]}"
                    )
                elif not landed:
                    write.household_id = str(answer.json()["id"])
            if 200 <= answer.status_code < 300:
                write.outcome, write.status, write.answer = (
                    "acknowledged",
                    answer.status_code,
                    answer.json(),
                )
    return problems


# --- read models ----------------------------------------------------------------------------------


def health(base_url: str) -> dict[str, Any]:
    try:
        answer = httpx.get(f"{base_url}/health", timeout=5)
    except httpx.HTTPError as error:
        return {"status": "unreachable", "detail": repr(error)}
    body: dict[str, Any] = answer.json()
    return body


def caught_up(base_url: str, log_end: int) -> bool:
    body = health(base_url)
    projections = body.get("projections") or {}
    return bool(projections) and all(
        p.get("position", 0) >= log_end and p.get("behind", 1) == 0 for p in projections.values()
    )


def read_model_rows(url: str) -> tuple[int, dict[str, list[tuple[Any, ...]]], dict[str, int]]:
    """The log's end, every read-model table's rows (sorted), and each projection's position."""
    container = build_container(settings(url))
    try:
        rows: dict[str, list[tuple[Any, ...]]] = {}
        positions = {}
        for name, projector in container.projectors.items():
            positions[name] = projector.position()
            with projector.engine.connect() as connection:
                for table in projector.projection.metadata.sorted_tables:
                    rows[table.name] = sorted(
                        (tuple(row) for row in connection.execute(select(table))), key=repr
                    )
        return container.event_log.max_position(), rows, positions
    finally:
        container.close()


def giamngheo(url: str, folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """One `giamngheo` command run to its end, as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *arguments],
        cwd=ROOT,
        env=environment(url, folder),
        capture_output=True,
        text=True,
        timeout=120,
    )


def rebuild(url: str, folder: Path) -> None:
    """`giamngheo rebuild`: every projection, from the whole log."""
    finished = giamngheo(url, folder, "rebuild")
    assert finished.returncode == 0, finished.stdout + finished.stderr


def verify(url: str, folder: Path) -> str:
    """`giamngheo verify`: the log's seals, after whatever the fault cut short."""
    finished = giamngheo(url, folder, "verify")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout.strip().splitlines()[0]


def read_models_equal_a_rebuild(url: str, folder: Path) -> list[str]:
    """With every process stopped: the read models as they were followed, against the same
    read models rebuilt from the whole log, table by table and row by row."""
    end, followed, positions = read_model_rows(url)
    problems = [
        f"projection {name} stopped at {at}, the log ends at {end}"
        for name, at in positions.items()
        if at != end
    ]
    rebuild(url, folder)
    _, rebuilt, _ = read_model_rows(url)
    for table, rows in rebuilt.items():
        if followed.get(table) != rows:
            extra = set(followed.get(table, [])) - set(rows)
            missing = set(rows) - set(followed.get(table, []))
            problems.append(
                f"{table}: {len(followed.get(table, []))} rows followed, {len(rows)} rebuilt; "
                f"only followed {sorted(extra, key=repr)[:3]}, only rebuilt "
                f"{sorted(missing, key=repr)[:3]}"
            )
    return problems
