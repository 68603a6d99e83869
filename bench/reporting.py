"""What every benchmark prints and keeps: the machine's load and the results as JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

LIBRARIES = ("eventsourcing", "eventsourcing-sqlalchemy", "SQLAlchemy", "psycopg2-binary")


def environment(packages: Iterable[str] = LIBRARIES) -> dict[str, Any]:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "python": platform.python_version(),
        "optimize": sys.flags.optimize,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": {name: version(name) for name in packages},
    }


def print_load(before: Sequence[float], after: Sequence[float]) -> None:
    print(
        f"load average before/after: {before[0]:.2f}/{after[0]:.2f} "
        f"on {os.cpu_count()} CPUs (other work on the machine skews the numbers)"
    )


def save_results(
    name: str,
    folder: Path,
    options: Any,
    databases: list[dict[str, Any]],
    load_before: Sequence[float],
    load_after: Sequence[float],
    packages: Iterable[str] = LIBRARIES,
) -> Path:
    """Writes ``<name>-<UTC stamp>.json`` into ``folder`` and returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{name}-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "recorded_at": stamp,
                "options": {
                    k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()
                }
                | {"postgres_admin_url": None},
                "environment": environment(packages)
                | {"load_before": list(load_before), "load_after": list(load_after)},
                "databases": databases,
            },
            indent=2,
        )
    )
    return path
