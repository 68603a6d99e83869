"""The ``giamngheo`` command line: one entry point, the container built here and only here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from infrastructure.container import Container, build_container
from infrastructure.settings import Settings


def _container() -> Container:
    return build_container(Settings.from_environment())


def serve(arguments: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    container = _container()
    if arguments.demo and container.event_log.max_position() == 0:
        _load_demo(container, arguments.demo_households, arguments.seed)
    try:
        uvicorn.run(
            create_app(container),
            host=arguments.host,
            port=arguments.port,
            log_level="info",
        )
    finally:
        container.close()
    return 0


def _load_demo(container: Container, households: int, seed: int) -> None:
    from application.demo import DemoParameters, load_demo

    summary = load_demo(
        container.case_files,
        DemoParameters(households=households, seed=seed),
        progress=lambda text: print(text, file=sys.stderr, flush=True),
    )
    print(summary, flush=True)


def demo(arguments: argparse.Namespace) -> int:
    container = _container()
    try:
        _load_demo(container, arguments.households, arguments.seed)
    finally:
        container.close()
    return 0


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
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    result: int = arguments.run(arguments)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
