"""Spending on one hot allocation from many clients, against the same clients on separate ones.

    python -m bench.hot_allocation [--databases postgres,sqlite] [--rounds 3] [--seconds 5]
                                   [--clients 8] [--households-per-client 4] [--warmup 1]

For each database the run creates its own fresh database (a new PostgreSQL database on the
admin server, dropped at the end; a temporary SQLite file) and builds the application exactly
as the server does (``build_container``). Then, interleaved round by round (the order of the two
scenarios alternates), ``--clients`` threads record supports with money through
``container.case_files.record_support`` for ``--seconds``:

* ``hot``: every client draws on ONE allocation;
* ``separate``: each client draws on an allocation of its own.

Each client records on households of its own (rotated), so the only aggregate the clients
share is the hot allocation: whatever ``hot`` loses against ``separate`` is the price of that
contention (the lost races and their retries, and the growing allocation every attempt loads).
Every round uses fresh allocations and fresh households, so both scenarios start alike.

Reported per scenario, medians over the rounds: recorded supports per second, retries per
recorded support, the share of save attempts that lost a race, latency percentiles of one
``record_support`` call (retries included), and the ratio hot ÷ separate. Retries are counted
here only: ``CaseFiles.save`` is wrapped on the bench's own instance to count attempts and the
``IntegrityError`` of each lost race (the application retries those transparently). Any other
exception out of ``record_support`` is counted as ``escaped`` and shown, never swallowed
silently: none is expected.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.case_files import CaseFiles
from application.commands import (
    MakeAllocation,
    MemberDetails,
    RecordSupport,
    RegisterHousehold,
)
from bench.reporting import print_load, save_results
from domain.errors import Conflict
from domain.household import FactContext
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url
from tests.support import admin_connection, created_postgres_database

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_ADMIN_URL = os.environ.get(
    "GIAMNGHEO_BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ACTOR = "bench.hot_allocation"
LINE = "DA3.TDA1"  # agricultural_production
SUPPORT_TYPE = "agricultural_production"
AMOUNT = 1_000  # VND per support: the allocations never run out
ALLOCATED = 10**15
SCENARIOS = ("hot", "separate")


# Databases -----------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(kind: str, admin_url: str) -> Iterator[str]:
    """A new, empty database of the kind asked for, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="hot_allocation_") as workdir:
            yield f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
        return
    if kind != "postgres":
        raise SystemExit(f"unknown database {kind!r}: use postgres or sqlite")
    admin = admin_connection(admin_url, timeout=5)
    try:
        with created_postgres_database(admin, admin_url, "giamngheo_bench_hot") as url:
            yield url
    finally:
        admin.close()


# Instrumentation (this bench only) -----------------------------------------------------------


class SaveCounter:
    """Counts save attempts and lost races on one CaseFiles instance by wrapping its save."""

    def __init__(self, files: CaseFiles) -> None:
        self.attempts = 0
        self.lost = 0
        self._lock = threading.Lock()
        save = files.save

        def counting_save(*objs: Any, **kwargs: Any) -> Any:
            try:
                result = save(*objs, **kwargs)
            except IntegrityError:
                with self._lock:
                    self.attempts += 1
                    self.lost += 1
                raise
            with self._lock:
                self.attempts += 1
            return result

        files.save = counting_save  # type: ignore[method-assign]

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.attempts, self.lost


# Preparation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dates:
    fiscal_year: int
    registered_on: date
    recognised_on: date
    decided_on: date
    first_provided_on: date


def bench_dates(today: date) -> Dates:
    """Last year's budget: every date in it is in the past, whatever today is."""
    year = today.year - 1
    return Dates(
        fiscal_year=year,
        registered_on=date(year - 1, 1, 10),
        recognised_on=date(year - 1, 6, 1),
        decided_on=date(year, 1, 15),
        first_provided_on=date(year, 2, 1),
    )


def prepare_households(files: CaseFiles, prefix: str, count: int, dates: Dates) -> list[UUID]:
    """Households of one member, recognised as poor (eligible), one save each."""
    context = FactContext(actor=ACTOR, reason="benchmark")
    ids = []
    for n in range(count):
        household, claim = files.draft_household(
            RegisterHousehold(
                code=f"HOT-{prefix}-{n:04d}",
                commune_code="05485",
                village="Bench village",
                registered_on=dates.registered_on,
                members=[MemberDetails("Head", date(1980, 3, 1), "female", "01", "head")],
                context=context,
            )
        )
        household.record_recognition(
            str(uuid.uuid4()), "poor", dates.recognised_on, f"QD-HOT/{prefix}/{n}", context
        )
        files.save_drafts([household, claim])
        ids.append(household.id)
    return ids


def make_allocation(files: CaseFiles, dates: Dates, label: str) -> UUID:
    allocation, _ = files.make_allocation(
        MakeAllocation(
            source="central_recurrent",
            fiscal_year=dates.fiscal_year,
            programme_line=LINE,
            unit_code="164",  # Thái Nguyên city, around the households' commune
            amount=ALLOCATED,
            decision_no=f"QD-HOT/{label}",
            decided_on=dates.decided_on,
            context=FactContext(actor=ACTOR, reason="benchmark"),
        )
    )
    return allocation.id


# Measurement ---------------------------------------------------------------------------------


@dataclass
class Round:
    scenario: str
    recorded: int
    seconds: float
    attempts: int
    lost_races: int
    gave_up: int
    escaped: list[str]
    p50_ms: float
    p95_ms: float

    @property
    def rate(self) -> float:
        return self.recorded / self.seconds if self.seconds else 0.0

    @property
    def retries_per_support(self) -> float:
        return self.lost_races / self.recorded if self.recorded else 0.0

    @property
    def lost_share(self) -> float:
        return self.lost_races / self.attempts if self.attempts else 0.0


@dataclass
class Outcome:
    scenario: str
    rounds: list[Round] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(r, name) for r in self.rounds)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run_round(
    container: Container,
    counter: SaveCounter,
    scenario: str,
    label: str,
    options: argparse.Namespace,
    seconds: float,
    made: list[UUID],
) -> Round:
    files = container.case_files
    dates = bench_dates(container.today())
    clients = options.clients
    households = [
        prepare_households(files, f"{label}-{c}", options.households_per_client, dates)
        for c in range(clients)
    ]
    if scenario == "hot":
        hot = make_allocation(files, dates, f"{label}-hot")
        allocations = [hot] * clients
    else:
        allocations = [make_allocation(files, dates, f"{label}-{c}") for c in range(clients)]
    made.extend(dict.fromkeys(allocations))

    barrier = threading.Barrier(clients + 1)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    gave_up = [0] * clients
    escaped: list[list[str]] = [[] for _ in range(clients)]
    failures: list[BaseException] = []
    clock = time.perf_counter
    deadline = [0.0]

    def client(index: int) -> None:
        own = households[index]
        allocation_id = allocations[index]
        context = FactContext(actor=ACTOR)
        n = 0
        barrier.wait()
        try:
            while clock() < deadline[0]:
                command = RecordSupport(
                    household_id=own[n % len(own)],
                    support_type=SUPPORT_TYPE,
                    provided_on=dates.first_provided_on + timedelta(days=n % 300),
                    context=context,
                    amount=AMOUNT,
                    allocation_id=allocation_id,
                )
                before = clock()
                try:
                    files.record_support(command)
                except Conflict:
                    gave_up[index] += 1  # more lost races than the application retries
                except Exception as error:  # escaped the application: counted and shown
                    escaped[index].append(repr(error))
                else:
                    latencies[index].append(clock() - before)
                n += 1
        except BaseException as error:  # reported, never swallowed
            failures.append(error)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    attempts_before, lost_before = counter.snapshot()
    started = clock()
    deadline[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = clock() - started
    attempts_after, lost_after = counter.snapshot()
    if failures:
        raise RuntimeError(f"{scenario}: a client failed: {failures[0]!r}") from failures[0]
    every = sorted(x for per_client in latencies for x in per_client)
    return Round(
        scenario=scenario,
        recorded=len(every),
        seconds=elapsed,
        attempts=attempts_after - attempts_before,
        lost_races=lost_after - lost_before,
        gave_up=sum(gave_up),
        escaped=[e for per_client in escaped for e in per_client],
        p50_ms=percentile(every, 0.50) * 1000,
        p95_ms=percentile(every, 0.95) * 1000,
    )


def check_balances(container: Container, allocation_ids: list[UUID]) -> None:
    """After the rounds: every allocation's spent is exactly its draws (nothing overspent)."""
    for allocation_id in allocation_ids:
        allocation = container.case_files.allocation(allocation_id)
        drawn = sum(allocation.draws.values())
        if not allocation.spent == drawn <= allocation.allocated:
            raise RuntimeError(
                f"allocation {allocation_id}: spent {allocation.spent}, drawn {drawn}"
            )


def measure_database(kind: str, options: argparse.Namespace) -> dict[str, Any]:
    with fresh_database(kind, options.postgres_admin_url) as url:
        container = build_container(Settings(database_url=normalise_database_url(url)))
        try:
            counter = SaveCounter(container.case_files)
            made: list[UUID] = []
            print(f"[{kind}] warm-up ({options.warmup:g} s per scenario)", flush=True)
            for scenario in SCENARIOS:
                run_round(
                    container, counter, scenario, f"w-{scenario}", options, options.warmup, made
                )
            outcomes = {scenario: Outcome(scenario) for scenario in SCENARIOS}
            for r in range(options.rounds):
                order = SCENARIOS if r % 2 == 0 else tuple(reversed(SCENARIOS))
                for scenario in order:
                    measured = run_round(
                        container,
                        counter,
                        scenario,
                        f"r{r}-{scenario}",
                        options,
                        options.seconds,
                        made,
                    )
                    outcomes[scenario].rounds.append(measured)
                    print(
                        f"[{kind}] round {r + 1}/{options.rounds} {scenario:<8} "
                        f"{measured.rate:7.1f} supports/s  "
                        f"retries/support {measured.retries_per_support:.2f}  "
                        f"lost races {measured.lost_races}/{measured.attempts} attempts  "
                        f"gave up {measured.gave_up}  escaped {len(measured.escaped)}"
                        + (f" (first: {measured.escaped[0]})" if measured.escaped else ""),
                        flush=True,
                    )
            check_balances(container, made)
        finally:
            container.close()
    return {"database": kind, "outcomes": outcomes}


# Report --------------------------------------------------------------------------------------


def table(result: dict[str, Any], clients: int) -> str:
    outcomes: dict[str, Outcome] = result["outcomes"]
    header = (
        f"{'scenario':<10} {'supports/s':>10} {'retries/support':>15} {'lost share':>10} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'gave up':>7} {'escaped':>7}"
    )
    lines = [f"== {result['database']}, {clients} clients ==", header, "─" * len(header)]
    for outcome in outcomes.values():
        lines.append(
            f"{outcome.scenario:<10} {outcome.median('rate'):>10.1f} "
            f"{outcome.median('retries_per_support'):>15.2f} "
            f"{outcome.median('lost_share'):>10.1%} {outcome.median('p50_ms'):>7.1f} "
            f"{outcome.median('p95_ms'):>7.1f} {sum(r.gave_up for r in outcome.rounds):>7} "
            f"{sum(len(r.escaped) for r in outcome.rounds):>7}"
        )
    hot, separate = outcomes["hot"].median("rate"), outcomes["separate"].median("rate")
    lines.append(f"hot ÷ separate throughput: {hot / separate:.2f}" if separate else "")
    return "\n".join(lines)


def as_json(result: dict[str, Any]) -> dict[str, Any]:
    outcomes: dict[str, Outcome] = result["outcomes"]
    hot, separate = outcomes["hot"].median("rate"), outcomes["separate"].median("rate")
    return {
        "database": result["database"],
        "hot_over_separate": hot / separate if separate else None,
        "scenarios": {
            name: {
                "median_supports_per_second": o.median("rate"),
                "median_retries_per_support": o.median("retries_per_support"),
                "median_lost_share": o.median("lost_share"),
                "median_p50_ms": o.median("p50_ms"),
                "median_p95_ms": o.median("p95_ms"),
                "gave_up": sum(r.gave_up for r in o.rounds),
                "escaped": sum(len(r.escaped) for r in o.rounds),
                "rounds": [
                    asdict(r)
                    | {
                        "escaped": dict(Counter(r.escaped)),
                        "rate": r.rate,
                        "retries_per_support": r.retries_per_support,
                        "lost_share": r.lost_share,
                    }
                    for r in o.rounds
                ],
            }
            for name, o in outcomes.items()
        },
    }


PACKAGES = (
    "eventsourcing",
    "eventsourcing-sqlalchemy",
    "SQLAlchemy",
    "psycopg2-binary",
)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hot_allocation",
        description="Supports with money from concurrent clients: all on one hot allocation, "
        "against each on its own allocation, on fresh databases.",
    )
    parser.add_argument("--databases", default="postgres", help="postgres,sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per scenario per round")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument(
        "--households-per-client", type=int, default=4, help="fresh households each client rotates"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="seconds per scenario before the rounds"
    )
    parser.add_argument("--postgres-admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    options = parser.parse_args(argv)
    if options.rounds < 1 or options.seconds <= 0 or options.clients < 1:
        parser.error("--rounds, --seconds and --clients must be positive")
    if options.households_per_client < 1 or options.warmup < 0:
        parser.error("--households-per-client must be positive, --warmup not negative")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    kinds = [k.strip() for k in options.databases.split(",") if k.strip()]
    print(
        f"hot_allocation: {', '.join(kinds)}; {options.rounds} rounds × {options.seconds:g} s "
        f"per scenario; {options.clients} clients",
        flush=True,
    )
    load_before = os.getloadavg()
    results = [measure_database(kind, options) for kind in kinds]
    load_after = os.getloadavg()
    print()
    for result in results:
        print(table(result, options.clients))
        print()
    print(
        "supports/s: recorded supports per second over all clients; retries/support: lost races "
        "(each retried by the application) per recorded support; lost share: lost races ÷ save "
        "attempts; p50/p95: one record_support call, retries included; all medians over rounds;\n"
        "gave up: Conflict after the application's last retry; escaped: any other exception out "
        "of record_support (none is expected: each is a bug), summed over rounds."
    )
    print_load(load_before, load_after)
    path = save_results(
        "hot_allocation",
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
