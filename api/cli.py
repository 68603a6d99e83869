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


def demo(arguments: argparse.Namespace) -> int:
    from application.demo import DemoParameters, load_demo

    container = _container()
    try:
        summary = load_demo(
            container.case_files,
            DemoParameters(households=arguments.households, seed=arguments.seed),
            progress=lambda text: print(text, file=sys.stderr, flush=True),
        )
    finally:
        container.close()
    print(summary)
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
