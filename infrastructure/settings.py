"""Settings read from the environment once, by the composition root."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATABASE_URL_VARIABLE = "GIAMNGHEO_DATABASE_URL"
DEFAULT_SQLITE_PATH = Path("var") / "giamngheo.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str
    aggregate_cache_size: int = 5000

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @staticmethod
    def from_environment(environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        url = environ.get(DATABASE_URL_VARIABLE)
        if not url:
            DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{DEFAULT_SQLITE_PATH}"
        return Settings(database_url=normalise_database_url(url))


def normalise_database_url(url: str) -> str:
    """PostgreSQL goes through psycopg2, with timeouts so no writer waits forever on the lock."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    if url.startswith("postgresql+psycopg2://") and "options=" not in url:
        separator = "&" if "?" in url else "?"
        url += (
            f"{separator}options=-c%20lock_timeout%3D10s"
            "%20-c%20idle_in_transaction_session_timeout%3D60s"
        )
    return url
