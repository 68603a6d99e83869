"""Projection and register benchmark at province scale.

    python -m bench.projections --households 340000 --databases postgres

Loads demo data into a database created for the run (or reuses one with --database-url), then
measures, each beside a baseline taken in the same run:
- rebuild rate (facts/s) against a raw read of the same log (notifications/s, no processing);
- incremental catch-up rate after new commands, against a raw read of the same notifications;
- p50/p95 latency of the province summary as of a past date, a commune register page, and a
  movement report, at the query layer and through HTTP (FastAPI in-process test client).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from application.commands import RecordRecognition
from application.demo import DemoParameters, load_demo
from bench.reporting import print_load, save_results
from domain.household import FactContext
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url
from projections.machinery import INCREMENTAL_BATCH, REBUILD_BATCH
from tests.support import admin_connection, created_postgres_database

ADMIN_URL = os.environ.get(
    "GIAMNGHEO_BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RESULTS = Path(__file__).parent / "results"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def raw_read(
    container: Container, after: int, until: int | None = None, topics: frozenset[str] = frozenset()
) -> int:
    """The baseline: read every notification of the log (or only those of ``topics``), in the
    batch size rebuild uses, with no processing."""
    log = container.projectors["registers"].log
    position, count = after, 0
    while True:
        batch = log.notifications_after(position, REBUILD_BATCH, until=until, topics=topics)
        if not batch:
            return count
        count += len(batch)
        position = batch[-1].id


def latencies(
    action: Callable[[], Any], repeats: int, between: Callable[[], Any] | None = None
) -> dict[str, float]:
    """Latency of ``action``, warmed once as a server would be; ``between`` runs untimed
    before each sample."""
    action()
    samples = []
    for _ in range(repeats):
        if between is not None:
            between()
        samples.append(timed(action) * 1000)
    return {
        "p50_ms": statistics.median(samples),
        "p95_ms": percentile(samples, 0.95),
        "max_ms": max(samples),
    }


def append_recognitions(
    container: Container, count: int, decided_on: date, drawn_at_random: bool = False
) -> int:
    """New commands: recognitions on existing households (the first ``count``, or drawn at
    random across the province, as caseworkers' facts arrive)."""
    from sqlalchemy import func, select

    from projections.register_tables import households

    engine = container.registers._engine  # noqa: SLF001 — benchmark peeks at the read model
    statement = select(households.c.household_id).limit(count)
    if drawn_at_random:
        statement = statement.order_by(func.random())
    with engine.connect() as connection:
        ids = [uuid.UUID(row[0]) for row in connection.execute(statement)]
    for index, household_id in enumerate(ids):
        container.case_files.record_recognition(
            RecordRecognition(
                household_id=household_id,
                status=("poor", "near_poor", "average")[index % 3],
                decided_on=decided_on,
                decision_no=f"BENCH-{decided_on}-{index}",
                context=FactContext(actor="bench"),
            )
        )
    return len(ids)


def recognitions_across_the_province(container: Container, count: int) -> None:
    """New facts between indicator requests, folded by the read models (untimed)."""
    append_recognitions(container, count, date(2025, 11, 1), drawn_at_random=True)
    for name in ("registers", "indicators"):
        container.projectors[name].catch_up()


def run_database(kind: str, url: str, arguments: argparse.Namespace) -> dict[str, Any]:
    container = build_container(Settings(database_url=normalise_database_url(url)))
    result: dict[str, Any] = {"database": kind}
    try:
        projector = container.projectors["registers"]
        projector.prepare()
        if container.event_log.max_position() == 0:
            print(f"[{kind}] loading {arguments.households:,} households …", flush=True)
            started = time.perf_counter()
            summary = load_demo(
                container.case_files,
                DemoParameters(households=arguments.households, seed=arguments.seed),
                progress=lambda text: print(f"[{kind}]   {text}", flush=True),
            )
            result["load_seconds"] = time.perf_counter() - started
            result["load_summary"] = str(summary)
        log_size = container.event_log.max_position()
        result["log_positions"] = log_size
        print(f"[{kind}] log has {log_size:,} positions", flush=True)

        raw_rates: list[float] = []
        rebuilt = {
            name: each
            for name, each in container.projectors.items()
            if arguments.rebuild == "all" or name in arguments.rebuild.split(",")
        }
        rebuild_rates: dict[str, list[float]] = {name: [] for name in rebuilt}
        # Context, not the aim: a raw read of only the facts each projection folds.
        topic_rates: dict[str, list[float]] = {name: [] for name in rebuilt}
        for round_number in range(arguments.rounds):
            read_time = timed(lambda: raw_read(container, 0))
            raw_rates.append(log_size / read_time)
            for name, each in rebuilt.items():
                topics = each.projection.topics
                topic_rates[name].append(
                    log_size / timed(lambda topics=topics: raw_read(container, 0, topics=topics))
                )
                each.prepare()
                rebuild_rates[name].append(log_size / timed(each.rebuild))
            print(
                f"[{kind}] round {round_number + 1}: raw read {raw_rates[-1]:,.0f}/s, rebuild "
                + ", ".join(f"{n} {r[-1]:,.0f}/s" for n, r in rebuild_rates.items()),
                flush=True,
            )
        result["raw_read_per_s"] = statistics.median(raw_rates)
        result["rebuild_per_s"] = {n: statistics.median(r) for n, r in rebuild_rates.items()}
        result["rebuild_ratio"] = {
            n: rate / result["raw_read_per_s"] for n, rate in result["rebuild_per_s"].items()
        }
        result["topics_read_per_s"] = {n: statistics.median(r) for n, r in topic_rates.items()}
        result["rebuild_ratio_to_topics_read"] = {
            n: rate / result["topics_read_per_s"][n] for n, rate in result["rebuild_per_s"].items()
        }

        before = projector.position()
        appended = append_recognitions(container, arguments.incremental, date(2026, 6, 15))
        after = container.event_log.max_position()
        catch_up_time = timed(lambda: projector.catch_up(batch_size=INCREMENTAL_BATCH))
        read_time = timed(lambda: raw_read(container, before, after))
        result["incremental_facts"] = appended
        result["incremental_per_s"] = appended / catch_up_time
        result["incremental_raw_read_per_s"] = appended / read_time
        result["incremental_ratio"] = (
            result["incremental_per_s"] / result["incremental_raw_read_per_s"]
        )

        for each in container.projectors.values():
            each.prepare()
            if log_size - each.position() > 100_000:
                each.rebuild()  # not measured above, and far behind: the bulk path is quicker
            each.catch_up()
        queries = container.registers
        some_commune = _busiest_commune(container)
        past = date(2024, 6, 30)
        result["commune"] = some_commune
        result["query"] = {
            "province_summary_past": latencies(
                lambda: queries.summary("19", past, None), arguments.repeats
            ),
            "commune_register_page": latencies(
                lambda: queries.register("poor", some_commune, past, None, 100, 0),
                arguments.repeats,
            ),
            "movement_report_province": latencies(
                lambda: queries.movements("19", date(2022, 1, 1), date(2024, 12, 31), None),
                arguments.repeats,
            ),
        }
        indicators = container.indicators

        def province_indicators() -> None:
            indicators.indicators("19", 2025)

        # Kept figures of communes without new facts are reused: the usual request comes after
        # a few facts recorded somewhere in the province.
        writes = arguments.indicator_writes
        province_indicators()
        before = indicators.counted
        result["query"][f"indicators_province_after_{writes}_new_facts"] = latencies(
            province_indicators,
            arguments.indicator_repeats,
            between=lambda: recognitions_across_the_province(container, writes),
        )
        result["indicator_figures_counted_per_request"] = (
            indicators.counted - before
        ) / arguments.indicator_repeats
        result["query"]["indicators_province_no_new_facts"] = latencies(
            province_indicators, arguments.indicator_repeats
        )
        # Every commune counted: the first request after a start or a rebuild.
        result["query"]["indicators_province_counted_afresh"] = latencies(
            province_indicators, arguments.cold_repeats, between=indicators.forget
        )
        result["http"] = _http_latencies(container, some_commune, arguments.repeats)
    finally:
        container.close()
    return result


def _busiest_commune(container: Container) -> str:
    summary = container.registers.summary("19", date(2024, 6, 30), None)
    busiest_district = max(summary["units"], key=lambda u: u["poor"])["code"]
    district = container.registers.summary(busiest_district, date(2024, 6, 30), None)
    return str(max(district["units"], key=lambda u: u["poor"])["code"])


def _http_latencies(container: Container, commune: str, repeats: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    client = TestClient(create_app(container))
    paths = {
        "province_summary_past": ("/registers/summary", {"as_of": "2024-06-30"}),
        "commune_register_page": (
            "/registers/poor",
            {"area": commune, "as_of": "2024-06-30", "limit": 100},
        ),
        "movement_report_province": (
            "/reports/movements",
            {"from": "2022-01-01", "to": "2024-12-31"},
        ),
        "indicators_province_no_new_facts": ("/indicators", {"area": "19", "year": 2025}),
    }
    results: dict[str, Any] = {}
    for name, (path, params) in paths.items():

        def call(path: str = path, params: dict[str, Any] = params) -> None:
            answer = client.get(path, params=params)
            if answer.status_code != 200:
                raise RuntimeError(f"{path}: {answer.status_code} {answer.text}")

        results[name] = latencies(call, repeats)
    return results


def create_postgres_database() -> tuple[str, Callable[[], None]]:
    """A database made for the run, and what drops it."""
    made = contextlib.ExitStack()
    admin = admin_connection(ADMIN_URL, timeout=5)
    made.callback(admin.close)
    url = made.enter_context(created_postgres_database(admin, ADMIN_URL, "giamngheo_bench"))
    return url, made.close


def report(result: dict[str, Any]) -> None:
    kind = result["database"]
    print(f"\n=== {kind}: {result['log_positions']:,} log positions ===")
    print(f"{'measure':36} {'median':>14} {'baseline':>14} {'ratio':>7}  aim")
    for name, rate in result["rebuild_per_s"].items():
        ratio = result["rebuild_ratio"][name]
        print(
            f"{'rebuild ' + name + ' (facts/s)':36} {rate:>14,.0f} "
            f"{result['raw_read_per_s']:>14,.0f} {ratio:>7.2f}  ≥ 0.50 "
            f"{'PASS' if ratio >= 0.5 else 'MISS'}"
        )
    for name, rate in result["topics_read_per_s"].items():
        print(
            f"{'  (read of ' + name + ' topics only)':36} {result['rebuild_per_s'][name]:>14,.0f} "
            f"{rate:>14,.0f} {result['rebuild_ratio_to_topics_read'][name]:>7.2f}  context"
        )
    print(
        f"{'incremental catch-up (facts/s)':36} {result['incremental_per_s']:>14,.0f} "
        f"{result['incremental_raw_read_per_s']:>14,.0f} {result['incremental_ratio']:>7.2f}"
    )
    print(
        "indicators: (commune, date) figures counted per request after new facts "
        f"{result['indicator_figures_counted_per_request']:.1f}"
    )
    for layer in ("query", "http"):
        for name, numbers in result[layer].items():
            aim = 1000 if name.startswith("indicators") else 200
            verdict = "PASS" if numbers["p95_ms"] < aim else "MISS"
            print(
                f"{layer + ': ' + name:50} p50 {numbers['p50_ms']:7.1f} ms  "
                f"p95 {numbers['p95_ms']:7.1f} ms  (aim p95 < {aim} ms: {verdict})"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.projections", description=__doc__)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=3, help="rebuild rounds (median)")
    parser.add_argument(
        "--rebuild", default="all", help="projections to rebuild: all, or names joined by commas"
    )
    parser.add_argument("--repeats", type=int, default=50, help="samples per query latency")
    parser.add_argument(
        "--indicator-repeats", type=int, default=20, help="samples of the indicators latency"
    )
    parser.add_argument(
        "--indicator-writes",
        type=int,
        default=20,
        help="recognitions recorded across the province before each indicators sample",
    )
    parser.add_argument(
        "--cold-repeats", type=int, default=5, help="samples of indicators counted afresh"
    )
    parser.add_argument("--incremental", type=int, default=2_000, help="new facts to catch up")
    parser.add_argument(
        "--database-url",
        help="reuse this (already loaded) database instead of creating one; one kind only",
    )
    arguments = parser.parse_args(argv)
    load_before = os.getloadavg()
    results = []
    for kind in arguments.databases.split(","):
        cleanup: Callable[[], None] = lambda: None  # noqa: E731
        if arguments.database_url:
            url = arguments.database_url
        elif kind == "sqlite":
            folder = tempfile.mkdtemp(prefix="giamngheo-bench-")
            url = f"sqlite:///{folder}/bench.sqlite3"
        elif kind == "postgres":
            url, cleanup = create_postgres_database()
        else:
            print(f"unknown database kind {kind!r}", file=sys.stderr)
            return 2
        try:
            result = run_database(kind, url, arguments)
        finally:
            cleanup()
        report(result)
        results.append(result)
    load_after = os.getloadavg()
    print_load(load_before, load_after)
    saved = save_results(
        "projections",
        RESULTS,
        arguments,
        json.loads(json.dumps(results, default=str)),
        load_before,
        load_after,
    )
    print(f"results: {saved}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
