"""The ``giamngheo`` command line: one entry point, the container built here and only here."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from api.user_commands import add_users_parser
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings


def _container() -> Container:
    return build_container(Settings.from_environment())


# SIGTERM to exit: requests in flight get GRACE_SECONDS to finish (reads waiting for a read model
# answer at once), then the server stops; past SHUTDOWN_SECONDS whatever still runs is abandoned,
# its transactions rolled back by the database.
GRACE_SECONDS = 2
SHUTDOWN_SECONDS = 5.0


def serve(arguments: argparse.Namespace) -> int:
    import signal

    import uvicorn

    from api.app import create_app

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if not stopping.is_set():
                stopping.set()
                threading.Thread(target=_exit_by_deadline, daemon=True).start()
            super().handle_exit(sig, frame)

    def stop_starting(sig: int, frame: FrameType | None) -> None:
        raise SystemExit(0)  # unwinds what is under way: its transaction rolls back

    # Before serving (a demo load, a rebuild of a changed projection): stop where it is.
    signal.signal(signal.SIGTERM, stop_starting)
    container = _container()
    stopping = container.consistency.stopping
    try:
        if arguments.demo and container.event_log.max_position() == 0:
            _load_demo(container, arguments.demo_households, arguments.seed)
        if arguments.demo:
            _print_demo_logins(container, arguments.demo_households, arguments.seed)
        elif not container.users.exist():
            from api.auth import FIRST_USER_HINT

            print(f"giamngheo: {FIRST_USER_HINT}", flush=True)
        if container.settings.is_sqlite:
            # The embedded default has no separate worker: project in this process.
            container.start_in_process_projections()
        else:
            # PostgreSQL: `giamngheo project` folds the log; this process only reads.
            for projector in container.projectors.values():
                projector.create_tables()
        threading.Thread(
            target=_count_indicators_ahead, args=(container,), name="indicators-ahead", daemon=True
        ).start()
        _print_addresses(arguments.host, arguments.port)
        server = Server(
            uvicorn.Config(
                create_app(container),
                host=arguments.host,
                port=arguments.port,
                log_level="info",
                timeout_graceful_shutdown=GRACE_SECONDS,
            )
        )
        # Uvicorn handles these while it runs, then raises the signal again under the handler
        # it found: with the default one the process would die there, before the container
        # closes. This one hands the signal to the server (a no-op once it has stopped).
        for caught in (signal.SIGINT, signal.SIGTERM):
            signal.signal(caught, server.handle_exit)
        server.run()
    finally:
        container.close()
    return 0


def _print_addresses(host: str, port: int) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    print(f"giamngheo: API documentation {base}/docs, dashboard {base}/dashboard", flush=True)


def _exit_by_deadline() -> None:
    """Requests still running past the deadline would hold the process up (a thread cannot be
    cancelled, and the interpreter waits for it at exit): exit without them; the database rolls
    back what they had not committed. A daemon: a process that ended in time ends it too."""
    time.sleep(SHUTDOWN_SECONDS - 1.0)  # a second's margin for the exit itself, under load
    running = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    print(f"giamngheo serve: exiting with {running} still running", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(0)


def _count_indicators_ahead(container: Container) -> None:
    try:
        container.indicators.count_ahead(container.today().year)
    except Exception as error:  # only a head start: the first request counts instead
        print(f"indicators not counted ahead: {error}", file=sys.stderr, flush=True)


def _load_demo(container: Container, households: int, seed: int) -> None:
    from application.demo import DemoParameters, load_demo

    summary = load_demo(
        container.case_files,
        DemoParameters(households=households, seed=seed),
        progress=lambda text: print(text, file=sys.stderr, flush=True),
    )
    print(summary, flush=True)


def _print_demo_logins(container: Container, households: int, seed: int) -> None:
    from application.demo import DemoParameters, household_codes
    from application.demo_logins import demo_commune, ensure_demo_logins, logins_table

    parameters = DemoParameters(households=households, seed=seed)
    first = next(household_codes(parameters, container.units), None)
    commune = demo_commune(container.case_files, first)
    print(logins_table(ensure_demo_logins(container.users, commune)), flush=True)


def demo(arguments: argparse.Namespace) -> int:
    container = _container()
    try:
        _load_demo(container, arguments.households, arguments.seed)
    finally:
        container.close()
    return 0


def _container_once_reachable(stop: threading.Event) -> Container | None:
    """The container, once the database answers: a worker started while the database is down,
    restarting or not yet made waits for it with back-off (None if stopped meanwhile)."""
    from projections.machinery import (
        RETRY_FIRST_SECONDS,
        RETRY_MAX_SECONDS,
        describe,
        is_connection_problem,
    )

    delay = RETRY_FIRST_SECONDS
    while not stop.is_set():
        try:
            return _container()
        except Exception as error:
            if not is_connection_problem(error):
                raise
            print(
                f"giamngheo project: database unavailable ({describe(error)}), "
                f"retrying in {delay:.1f} s",
                file=sys.stderr,
                flush=True,
            )
            stop.wait(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)
    return None


def project(arguments: argparse.Namespace) -> int:
    """Runs the projection workers until SIGTERM or SIGINT: one thread per projection. Each
    retries what fails; the command exits non-zero only when another copy holds a projection."""
    import signal
    import threading

    from projections.machinery import WorkerAlreadyRunning, run_worker

    stop = threading.Event()
    # Stop after the batch in flight: it commits or rolls back whole; back-off sleeps wake.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    container = _container_once_reachable(stop)
    if container is None:
        return 0
    failures: list[BaseException] = []

    def work(name: str) -> None:
        projector = container.projectors[name]
        try:
            run_worker(
                projector,
                stop,
                # What the batch itself says: a query here would sit outside the retry guard.
                on_batch=lambda read: print(
                    f"{name}: moved {read} positions", file=sys.stderr, flush=True
                ),
                on_failure=lambda failure: print(
                    f"{name}: failing at {failure.position} ({failure.error}), attempt "
                    f"{failure.attempts}, retrying in {failure.retry_in():.1f} s",
                    file=sys.stderr,
                    flush=True,
                ),
            )
        except WorkerAlreadyRunning as error:
            failures.append(error)
            print(f"giamngheo project: {error}", file=sys.stderr, flush=True)
            stop.set()
        except BaseException as error:
            failures.append(error)
            stop.set()
            raise

    names = arguments.names or list(container.projectors)
    threads = [threading.Thread(target=work, args=(name,), name=name) for name in names]
    for thread in threads:
        thread.start()
    try:
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.5)
    finally:
        stop.set()
        container.close()
    return 1 if failures else 0


def rebuild(arguments: argparse.Namespace) -> int:
    import time

    from projections.machinery import WorkerAlreadyRunning, exclusive

    container = _container()
    try:
        names = [arguments.name] if arguments.name else list(container.projectors)
        for name in names:
            if name not in container.projectors:
                print(f"giamngheo rebuild: no projection {name!r}", file=sys.stderr)
                return 2
            projector = container.projectors[name]
            started = time.perf_counter()
            try:
                with exclusive(projector):
                    projector.prepare()
                    read = projector.rebuild()
            except WorkerAlreadyRunning as error:
                print(f"giamngheo rebuild: {error}; stop it first", file=sys.stderr)
                return 1
            elapsed = time.perf_counter() - started
            rate = read / elapsed if elapsed else 0.0
            print(f"{name}: rebuilt from {read} facts in {elapsed:.1f} s ({rate:,.0f} facts/s)")
    finally:
        container.close()
    return 0


def verify(arguments: argparse.Namespace) -> int:
    """Re-reads the whole log against its seals; non-zero, naming each fact tampered with."""
    container = _container()
    try:
        result = container.sealer.verify()
        if arguments.expect_head:
            position = int(arguments.expect_head.partition(":")[0])
            result.check_head(arguments.expect_head, container.sealer.seal_chain_at(position))
    finally:
        container.close()
    if result.intact:
        print(f"intact: {result.facts} facts, every one sealed and in sequence")
        print(f"head: {result.head_position}:{result.head_chain}")
        return 0
    print(f"TAMPERED: {len(result.problems)} problem(s) in {result.facts} facts", file=sys.stderr)
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="giamngheo",
        description="Case files for sustainable poverty reduction. The database comes from "
        "GIAMNGHEO_DATABASE_URL; without it, an embedded SQLite file in ./var/.",
    )
    commands = root.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="run the HTTP server")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument(
        "--demo", action="store_true", help="load demo data first when the database is empty"
    )
    serve_parser.add_argument("--demo-households", type=int, default=300)
    serve_parser.add_argument("--seed", type=int, default=101)
    serve_parser.set_defaults(run=serve)

    demo_parser = commands.add_parser("demo", help="load deterministic, realistic demo data")
    demo_parser.add_argument("--households", type=int, default=300)
    demo_parser.add_argument("--seed", type=int, default=101)
    demo_parser.set_defaults(run=demo)

    project_parser = commands.add_parser(
        "project", help="run the projection workers (needed with PostgreSQL)"
    )
    project_parser.add_argument("names", nargs="*", help="projections to run (default all)")
    project_parser.set_defaults(run=project)

    rebuild_parser = commands.add_parser("rebuild", help="rebuild read models from the log")
    rebuild_parser.add_argument("name", nargs="?", help="one projection (default all)")
    rebuild_parser.set_defaults(run=rebuild)

    verify_parser = commands.add_parser(
        "verify", help="check the stored log for facts altered, removed or reordered"
    )
    verify_parser.add_argument(
        "--expect-head",
        metavar="POSITION:CHAIN",
        help="a head printed by an earlier run, kept outside the database: "
        "checks that nothing was cut from the end of the log since",
    )
    verify_parser.set_defaults(run=verify)
    add_users_parser(commands, _container)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    result: int = arguments.run(arguments)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
