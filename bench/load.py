"""Caseworkers writing and analysts reading at once, from wrk, at 1, 16 and 64 connections.

    python -m bench.load [--databases postgres,sqlite] [--seconds S] [--connections 1,16,64]
                         [--households N]

For each database the run makes its own (a temporary SQLite file; a new PostgreSQL database on
the admin server, dropped at the end), loads `giamngheo demo --households N` into it, and starts
`giamngheo serve` (with `giamngheo project` beside it on PostgreSQL, as deployed). Then, level by
level, `wrk` (one thread per connection, so its Lua script sees each answer to the request it
made) sends a fixed mix for ``--seconds``:

    writes (4 in 10): a survey on a demo household; a support (employment support, which any
    household may receive) with a unique idempotency key, every other one drawing money on one
    allocation all connections share; a registration with a code of its own;
    reads (6 in 10): the poor and the near-poor registers, the summary, a household.

Every write carries a token of its own (evidence; also the code or the idempotency key), and the
script notes which tokens were acknowledged; after each level the run reads the log and counts
acknowledged writes missing from it (lost), tokens in it twice (duplicated), and rejected writes
in it. It also notes the projection lag at the end of the level (from /health) and how long the
read models took to catch up. Only 127.0.0.1 is sent traffic, for a bounded time.

Every request carries a bearer token from `POST /auth/token` (a login before each level): a
province caseworker's for the writes and the household reads, a province analyst's for the
registers and the summary; a province finance officer makes the allocation.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.record_supports import (
    fresh_database,
    log_in,
    process_cpu,
    python_command,
    running_server,
    subprocess_running,
)
from bench.reporting import print_load, save_results
from domain.access import Role
from domain.household import Household
from domain.standards import standard_on
from infrastructure.clock import today_in_vietnam
from infrastructure.container import build_container
from infrastructure.settings import DATABASE_URL_VARIABLE, SEAL_KEY_VARIABLE, Settings
from projections.log import LogReader

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_ADMIN_URL = os.environ.get(
    "GIAMNGHEO_BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ACTOR = "bench.load"
# Who logs in, each with the role their requests need.
CASEWORKER = "bench.load.caseworker"  # writes, and reads of a household
ANALYST = "bench.load.analyst"  # registers and the summary
FINANCE = "bench.load.finance"  # the allocation the supports draw on
SUPPORT_TYPE = "employment_support"  # any status may receive it; no member needed
PROGRAMME_LINE = "DA4.TDA3"
PROVINCE = "19"
READ_P99_AIM_MS = 250.0
CATCH_UP_SECONDS = 120.0
WRK_TIMEOUT = "10s"

# One Lua state per wrk thread, one connection per thread: request() and response() alternate,
# so each answer is matched to its request. Time comes from clock_gettime through LuaJIT's FFI.
LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local households = {@@HOUSEHOLDS@@}
local allocation = "@@ALLOCATION@@"
local prefix = "@@PREFIX@@"
local commune = "@@COMMUNE@@"
local today = "@@TODAY@@"
local surveyed_on = "@@SURVEYED_ON@@"
local registered_on = "@@REGISTERED_ON@@"
local deprivation_codes = {@@DEPRIVATIONS@@}
local mix = {"read_poor", "survey", "read_summary", "support", "read_household",
             "registration", "read_near_poor", "support_money", "read_household", "read_summary"}
local write_letter = {survey = "s", support = "p", support_money = "m", registration = "r"}

local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local writer = {["Content-Type"] = "application/json",
                ["Authorization"] = "Bearer @@CASEWORKER_TOKEN@@"}
local analyst = {["Authorization"] = "Bearer @@ANALYST_TOKEN@@"}

function init(args)
  n = 0
  seq = 0
  pending_kind = nil
  pending_seq = nil
  pending_at = 0
  outcomes = {}
  statuses = {}
  histogram = {}
  math.randomseed(tid * 7919 + 17)
end

local function household()
  return households[math.random(#households)]
end

local function deprivations()
  local parts = {}
  for i, code in ipairs(deprivation_codes) do
    parts[i] = '"' .. code .. '":' .. (math.random(4) == 1 and "true" or "false")
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function request()
  n = n + 1
  local kind = mix[(n + tid) % #mix + 1]
  pending_kind = kind
  pending_seq = nil
  local method, path, body, headers = "GET", nil, nil, writer
  if write_letter[kind] then
    seq = seq + 1
    pending_seq = seq
    local token = prefix .. "-" .. tid .. "-" .. seq
    method = "POST"
    if kind == "survey" then
      path = "/households/" .. household() .. "/surveys"
      body = '{"surveyed_on":"' .. surveyed_on .. '","review":"regular","income_per_capita":'
        .. math.random(500000, 3000000) .. ',"deprivations":' .. deprivations()
        .. ',"evidence":"' .. token .. '"}'
    elseif kind == "registration" then
      path = "/households"
      body = '{"code":"' .. token .. '","commune_code":"' .. commune
        .. '","village":"Xóm Tải","registered_on":"' .. registered_on
        .. '","members":[{"name":"Người Tải ' .. seq .. '","birth_date":"1985-04-05",'
        .. '"sex":"female","ethnicity":"01","relation":"head"}],"evidence":"' .. token .. '"}'
    else
      path = "/households/" .. household() .. "/supports"
      local money = ""
      if kind == "support_money" then
        money = ',"amount":' .. math.random(100, 5000) * 1000
          .. ',"allocation_id":"' .. allocation .. '"'
      end
      body = '{"support_type":"@@SUPPORT_TYPE@@","provided_on":"' .. today .. '"' .. money
        .. ',"idempotency_key":"' .. token .. '","evidence":"' .. token .. '"}'
    end
  elseif kind == "read_poor" then
    path, headers = "/registers/poor?limit=50", analyst
  elseif kind == "read_near_poor" then
    path, headers = "/registers/near_poor?limit=50", analyst
  elseif kind == "read_summary" then
    path, headers = "/registers/summary", analyst
  else
    path = "/households/" .. household()
  end
  pending_at = now_us()
  return wrk.format(method, path, headers, body)
end

function response(status, response_headers, body)
  local elapsed = now_us() - pending_at
  local kind = pending_kind
  local key = kind .. " " .. status
  statuses[key] = (statuses[key] or 0) + 1
  -- Flat tables only: wrk copies nested ones out of a thread's state wrongly (it crashes).
  local bucket = kind .. ":" .. math.floor(elapsed / 100)  -- tenths of a millisecond
  histogram[bucket] = (histogram[bucket] or 0) + 1
  if pending_seq ~= nil then
    local letter = write_letter[kind]
    if status >= 200 and status < 300 then letter = string.upper(letter) end
    outcomes[pending_seq] = letter
    pending_seq = nil
  end
end

function done(summary, latency, requests)
  io.write("BENCH-SUMMARY " .. summary.requests .. " " .. summary.duration .. " "
    .. summary.errors.status .. " " .. summary.errors.connect .. " " .. summary.errors.read
    .. " " .. summary.errors.write .. " " .. summary.errors.timeout .. " "
    .. latency:percentile(50.0) .. " " .. latency:percentile(99.0) .. "\n")
  for _, thread in ipairs(threads) do
    local id = thread:get("tid")
    local out = {}
    local sent = thread:get("seq") or 0
    local outcomes = thread:get("outcomes") or {}
    for i = 1, sent do out[i] = outcomes[i] or "?" end
    io.write("BENCH-WRITES " .. id .. " " .. table.concat(out) .. "\n")
    for key, count in pairs(thread:get("statuses") or {}) do
      io.write("BENCH-STATUS " .. key .. " " .. count .. "\n")
    end
    local parts = {}
    for bucket, count in pairs(thread:get("histogram") or {}) do
      parts[#parts + 1] = bucket .. ":" .. count
    end
    io.write("BENCH-HIST " .. table.concat(parts, ",") .. "\n")
  end
end
"""

WRITE_KINDS = frozenset({"survey", "support", "support_money", "registration"})


def lua_script(values: dict[str, str]) -> str:
    script = LUA
    for name, value in values.items():
        script = script.replace(f"@@{name}@@", value)
    leftover = re.search(r"@@\w+@@", script)
    if leftover is not None:
        raise ValueError(f"the Lua script's {leftover.group()} is not filled in")
    return script


def percentile_of(histogram: Counter[int], fraction: float) -> float | None:
    """From counts per tenth of a millisecond: the bucket's upper edge, in ms."""
    total = sum(histogram.values())
    if not total:
        return None
    threshold = fraction * total
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= threshold:
            return (bucket + 1) / 10
    return (max(histogram) + 1) / 10


def run_wrk(connections: int, seconds: int, script: Path, port: int) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{connections}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if finished.returncode != 0 or "BENCH-SUMMARY" not in finished.stdout:
        raise RuntimeError(f"wrk failed ({finished.returncode}):\n{finished.stderr[-2000:]}")
    writes: dict[int, str] = {}
    statuses: Counter[str] = Counter()
    histograms: dict[str, Counter[int]] = defaultdict(Counter)
    summary: list[str] = []
    for line in finished.stdout.splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "BENCH-SUMMARY":
            summary = rest.split()
        elif tag == "BENCH-WRITES":
            thread, _, letters = rest.partition(" ")
            writes[int(thread)] = letters
        elif tag == "BENCH-STATUS":
            key, _, count = rest.rpartition(" ")
            statuses[key] += int(count)
        elif tag == "BENCH-HIST":
            for part in filter(None, rest.split(",")):
                kind, bucket, count = part.split(":")
                histograms[kind][int(float(bucket))] += int(count)
    requests, micros, status_errors, connect, read, write, timeout, p50_us, p99_us = summary
    return {
        "requests": int(requests),
        "seconds": int(micros) / 1e6,
        "non_2xx": int(status_errors),
        "socket_errors": {
            "connect": int(connect),
            "read": int(read),
            "write": int(write),
            "timeout": int(timeout),
        },
        "p50_ms": float(p50_us) / 1000,
        "p99_ms": float(p99_us) / 1000,
        "writes": writes,
        "statuses": dict(statuses),
        "histograms": histograms,
    }


# --- the log --------------------------------------------------------------------------------------


def settings_of(env: dict[str, str]) -> Settings:
    return Settings.from_environment(env)


def household_ids(env: dict[str, str]) -> list[str]:
    """The demo's households, from the log."""
    container = build_container(settings_of(env))
    try:
        reader = LogReader(container.case_files.recorder, container.case_files.mapper)
        ids: list[str] = []
        after = 0
        while batch := reader.notifications_after(after, 5000, topics=[Household.Registered.TOPIC]):
            ids += [str(n.originator_id) for n in batch]
            after = batch[-1].id
        return ids
    finally:
        container.close()


def tokens_in_log(env: dict[str, str], prefix: str, after: int) -> tuple[Counter[str], int]:
    """How many times each write token of this level is in the log (facts after ``after``)."""
    topics = [
        Household.Registered.TOPIC,
        Household.SurveyRecorded.TOPIC,
        Household.SupportRecorded.TOPIC,
    ]
    container = build_container(settings_of(env))
    try:
        reader = LogReader(container.case_files.recorder, container.case_files.mapper)
        found: Counter[str] = Counter()
        end = reader.max_position()
        while batch := reader.notifications_after(after, 5000, topics=topics):
            for notification in batch:
                evidence = reader.decode(notification).data.get("evidence") or ""
                if evidence.startswith(prefix + "-"):
                    found[evidence] += 1
            after = batch[-1].id
        return found, end
    finally:
        container.close()


def audit_writes(writes: dict[int, str], prefix: str, found: Counter[str]) -> dict[str, int]:
    figures: Counter[str] = Counter()
    for thread, letters in writes.items():
        for seq, letter in enumerate(letters, start=1):
            token = f"{prefix}-{thread}-{seq}"
            landed = found.get(token, 0)
            figures["duplicated"] += max(0, landed - 1)
            if letter == "?":
                figures["unknown"] += 1
                figures["unknown_landed"] += min(landed, 1)
            elif letter.isupper():
                figures["acknowledged"] += 1
                figures["lost"] += 1 if landed == 0 else 0
            else:
                figures["rejected"] += 1
                figures["rejected_but_landed"] += min(landed, 1)
    expected = {
        f"{prefix}-{t}-{s}" for t, letters in writes.items() for s in range(1, len(letters) + 1)
    }
    figures["strays"] = sum(1 for token in found if token not in expected)
    for key in ("acknowledged", "lost", "duplicated", "rejected", "rejected_but_landed", "unknown"):
        figures.setdefault(key, 0)
    return dict(figures)


# --- the server -----------------------------------------------------------------------------------


def health(port: int) -> dict[str, Any]:
    answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
    body: dict[str, Any] = answer.json()
    return body


def lag(port: int) -> int | None:
    body = health(port)
    projections = body.get("projections") or {}
    if not projections:
        return None
    return max(int(p["behind"]) for p in projections.values())


def wait_caught_up(
    port: int, check: Callable[[], None], timeout: float = CATCH_UP_SECONDS
) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        check()
        if lag(port) == 0:
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def add_users(env: dict[str, str]) -> dict[str, str]:
    """The benchmark's users, in the province; answers each one's password (new each run)."""
    container = build_container(settings_of(env))
    try:
        passwords = {}
        for username, role in (
            (CASEWORKER, Role.CASEWORKER),
            (ANALYST, Role.ANALYST),
            (FINANCE, Role.FINANCE),
        ):
            passwords[username] = secrets.token_urlsafe(18)
            container.users.add(username, passwords[username], role, PROVINCE, ACTOR)
        return passwords
    finally:
        container.close()


def make_allocation(port: int, token: str, year: int, decided_on: str) -> str:
    answer = httpx.post(
        f"http://127.0.0.1:{port}/allocations",
        json={
            "source": "central_recurrent",
            "fiscal_year": year,
            "programme_line": PROGRAMME_LINE,
            "unit_code": PROVINCE,
            "amount": 10**12,
            "decision_no": "QĐ-LOAD/1",
            "decided_on": decided_on,
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["allocation_id"])


# --- one database ---------------------------------------------------------------------------------


def measure_database(kind: str, options: argparse.Namespace) -> dict[str, Any]:
    today = today_in_vietnam()
    with (
        tempfile.TemporaryDirectory(prefix="giamngheo-load-") as tmp,
        fresh_database(kind, options.postgres_admin_url, Path(tmp)) as url,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        (workdir / "keys").mkdir(mode=0o700)
        env = {
            DATABASE_URL_VARIABLE: url,
            SEAL_KEY_VARIABLE: secrets.token_hex(32),
            "GIAMNGHEO_KEYS_DIR": str(workdir / "keys"),
        }
        started = time.monotonic()
        subprocess.run(
            python_command("-m", "api.cli", "demo", "--households", str(options.households)),
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        print(
            f"{kind}: demo of {options.households} households in {time.monotonic() - started:.1f} s"
        )
        households = household_ids(env)
        passwords = add_users(env)
        worker: subprocess.Popen[bytes] | None = None
        if kind == "postgres":
            # The read models are built before the worker starts, one projection after another:
            # a worker starting on a database without its tables races its own threads to make
            # them (issue 10), which is not what this measures.
            subprocess.run(
                python_command("-m", "api.cli", "rebuild"),
                cwd=ROOT,
                env={**os.environ, **env},
                check=True,
                capture_output=True,
            )
            worker = stack.enter_context(
                subprocess_running(
                    python_command("-m", "api.cli", "project"), env, workdir / "worker.log"
                )
            )
        port, server_pid = stack.enter_context(running_server(env, workdir / "server.log"))
        watched = {"server": server_pid} | ({"worker": worker.pid} if worker else {})

        def worker_alive() -> None:
            if worker is not None and worker.poll() is not None:
                log = (workdir / "worker.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the worker exited ({worker.returncode}); its log ends:\n{log}")

        caught = wait_caught_up(port, worker_alive)
        if caught is None:
            raise RuntimeError(f"{kind}: the read models did not catch up with the demo")
        allocation = make_allocation(
            port, log_in(port, FINANCE, passwords[FINANCE]), today.year, today.isoformat()
        )
        commune = build_units()[0]
        nonce = uuid.uuid4().hex[:4]
        levels = []
        for connections in options.connections:
            prefix = f"L{nonce}c{connections}"
            script = workdir / f"load-{connections}.lua"
            script.write_text(
                lua_script(
                    {
                        "HOUSEHOLDS": ", ".join(f'"{h}"' for h in households),
                        "ALLOCATION": allocation,
                        "PREFIX": prefix,
                        "COMMUNE": commune,
                        "TODAY": today.isoformat(),
                        "SURVEYED_ON": (today - timedelta(days=3)).isoformat(),
                        "REGISTERED_ON": (today - timedelta(days=30)).isoformat(),
                        "DEPRIVATIONS": ", ".join(
                            f'"{c}"' for c in standard_on(today - timedelta(days=3)).indicators
                        ),
                        # Logged in again at each level: a token lasts 30 minutes.
                        "CASEWORKER_TOKEN": log_in(port, CASEWORKER, passwords[CASEWORKER]),
                        "ANALYST_TOKEN": log_in(port, ANALYST, passwords[ANALYST]),
                        "SUPPORT_TYPE": SUPPORT_TYPE,
                    }
                )
            )
            log_before = health(port)["position"]
            load_before = os.getloadavg()
            cpu_before = {name: process_cpu(pid) or 0.0 for name, pid in watched.items()}
            result = run_wrk(connections, options.seconds, script, port)
            result["load_average"] = [load_before[0], os.getloadavg()[0]]
            # CPU time over wall time: 100 % is one core busy the whole level.
            result["cpu_percent"] = {
                name: ((process_cpu(pid) or 0.0) - cpu_before[name]) / result["seconds"] * 100
                for name, pid in watched.items()
            }
            result["lag_at_end"] = lag(port)
            result["caught_up_seconds"] = wait_caught_up(port, worker_alive)
            found, _ = tokens_in_log(env, prefix, log_before)
            result["audit"] = audit_writes(result.pop("writes"), prefix, found)
            by_kind = result.pop("histograms")
            groups: dict[str, Counter[int]] = {"read": Counter(), "write": Counter()}
            for request_kind, histogram in by_kind.items():
                groups["write" if request_kind in WRITE_KINDS else "read"].update(histogram)
            for group, histogram in groups.items():
                result[f"{group}_p50_ms"] = percentile_of(histogram, 0.50)
                result[f"{group}_p99_ms"] = percentile_of(histogram, 0.99)
                result[f"{group}s"] = sum(histogram.values())
            result["by_kind"] = {
                request_kind: {
                    "answers": sum(histogram.values()),
                    "p50_ms": percentile_of(histogram, 0.50),
                    "p99_ms": percentile_of(histogram, 0.99),
                }
                for request_kind, histogram in sorted(by_kind.items())
            }
            result["connections"] = connections
            result["rate"] = result["requests"] / result["seconds"] if result["seconds"] else 0.0
            levels.append(result)
            print(row(kind, result))
        return {"database": kind, "households": len(households), "levels": levels}


def build_units() -> list[str]:
    from domain.units import thai_nguyen_units

    return [unit.code for unit in thai_nguyen_units().communes()]


# --- the report -----------------------------------------------------------------------------------

HEADER = (
    f"{'db':9} {'conns':>5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'read p99':>8} "
    f"{'write p99':>9} {'errors':>6} {'acked':>6} {'lost':>4} {'dup':>4} {'unknown':>7} "
    f"{'lag':>5} {'catch-up s':>10} {'cpu server/worker %':>19}"
)


def row(kind: str, level: dict[str, Any]) -> str:
    errors = level["non_2xx"] + sum(level["socket_errors"].values())
    audit = level["audit"]

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    caught = level["caught_up_seconds"]
    lag_at_end = level["lag_at_end"]
    cpu = "/".join(f"{value:.0f}" for value in level["cpu_percent"].values())
    return (
        f"{kind:9} {level['connections']:>5} {level['rate']:>7.1f} {level['p50_ms']:>7.1f} "
        f"{level['p99_ms']:>7.1f} {ms(level['read_p99_ms']):>8} {ms(level['write_p99_ms']):>9} "
        f"{errors:>6} {audit['acknowledged']:>6} {audit['lost']:>4} {audit['duplicated']:>4} "
        f"{audit['unknown']:>7} {'-' if lag_at_end is None else lag_at_end:>5} "
        f"{'-' if caught is None else f'{caught:.1f}':>10} {cpu:>19}"
    )


def report(results: list[dict[str, Any]]) -> str:
    lines = [HEADER]
    for result in results:
        for level in result["levels"]:
            lines.append(row(result["database"], level))
    lines.append("")
    for result in results:
        levels = {level["connections"]: level for level in result["levels"]}
        kind = result["database"]
        if 1 in levels and levels[1]["rate"]:
            top = max(levels)
            ratio = levels[top]["rate"] / levels[1]["rate"]
            lines.append(
                f"{kind}: {top}-connection ÷ 1-connection throughput = {ratio:.2f} "
                f"(aim ≥ 1: {'PASS' if ratio >= 1 else 'MISS'})"
            )
        errors = sum(lv["non_2xx"] + sum(lv["socket_errors"].values()) for lv in levels.values())
        lost = sum(
            lv["audit"]["lost"] + lv["audit"]["rejected_but_landed"] for lv in levels.values()
        )
        duplicated = sum(lv["audit"]["duplicated"] for lv in levels.values())
        worst_read = max((lv["read_p99_ms"] or 0.0) for lv in levels.values())
        lines.append(
            f"{kind}: errors {errors} (aim 0: {'PASS' if errors == 0 else 'MISS'}), "
            f"lost {lost} and duplicated {duplicated} (aim 0: "
            f"{'PASS' if lost == duplicated == 0 else 'MISS'}), worst read p99 "
            f"{worst_read:.1f} ms (aim < {READ_P99_AIM_MS:.0f}: "
            f"{'PASS' if worst_read < READ_P99_AIM_MS else 'MISS'})"
        )
        for connections, level in sorted(levels.items()):
            kinds = ", ".join(
                f"{name} {k['answers']} p50 {k['p50_ms']:.0f} p99 {k['p99_ms']:.0f}"
                for name, k in level["by_kind"].items()
            )
            lines.append(f"  {kind} at {connections} (answers, ms): {kinds}")
            failing = {
                k: v for k, v in level["statuses"].items() if not k.split()[-1].startswith("2")
            }
            sockets = {k: v for k, v in level["socket_errors"].items() if v}
            if failing or sockets:
                lines.append(
                    f"  {kind} at {connections}: non-2xx {failing}, socket errors {sockets}"
                )
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--databases", default="postgres,sqlite", help="comma-separated")
    parser.add_argument("--seconds", type=int, default=12, help="per connection level")
    parser.add_argument("--connections", default="1,16,64", help="comma-separated levels")
    parser.add_argument("--households", type=int, default=200, help="demo households to seed")
    parser.add_argument("--postgres-admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--results", type=Path, default=RESULTS)
    options = parser.parse_args(argv)
    options.databases = [d.strip() for d in options.databases.split(",") if d.strip()]
    options.connections = [int(c) for c in options.connections.split(",")]
    if not 1 <= options.seconds <= 600:
        parser.error("--seconds: 1..600")
    if any(not 1 <= c <= 256 for c in options.connections):
        parser.error("--connections: each 1..256")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get update && apt-get install -y wrk")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    print(HEADER)
    load_before = os.getloadavg()
    results = [measure_database(kind, options) for kind in options.databases]
    load_after = os.getloadavg()
    print()
    print(report(results))
    print_load(load_before, load_after)
    path = save_results("load", options.results, options, results, load_before, load_after)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
