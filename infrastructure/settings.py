"""Settings read from the environment once, by the composition root."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DATABASE_URL_VARIABLE = "GIAMNGHEO_DATABASE_URL"
SEAL_KEY_VARIABLE = "GIAMNGHEO_SEAL_KEY"
SEAL_KEY_FILE_VARIABLE = "GIAMNGHEO_SEAL_KEY_FILE"
DEFAULT_SQLITE_PATH = Path("var") / "giamngheo.sqlite3"
DEFAULT_SEAL_KEY_FILE = Path("var") / "seal.key"
TOKEN_KEY_VARIABLE = "GIAMNGHEO_TOKEN_KEY"
KEYS_DIR_VARIABLE = "GIAMNGHEO_KEYS_DIR"
TOKEN_LIFETIME_VARIABLE = "GIAMNGHEO_TOKEN_MINUTES"
# Beside the user's configuration, never beside the database file in ./var.
DEFAULT_KEYS_DIR = Path("~/.config/giamngheo/keys")
DEVELOPMENT_TOKEN_KEY = b"giamngheo-development-token-signing-key-not-for-production"


@dataclass(frozen=True)
class Settings:
    database_url: str
    # Keys the seals that make tampering evident; keep it outside the database.
    seal_key: bytes = field(default=b"giamngheo-development-seal-key", repr=False)
    aggregate_cache_size: int = 5000
    # Signs bearer tokens; read from outside the database (a key file or the environment).
    token_key: bytes = field(default=DEVELOPMENT_TOKEN_KEY, repr=False)
    token_lifetime_seconds: int = 30 * 60
    # argon2id cost: OWASP's recommended minimum (19 MiB, 2 passes, ~50 ms); tests lower it.
    password_memory_kib: int = 19456
    password_passes: int = 2

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
        minutes = int(environ.get(TOKEN_LIFETIME_VARIABLE) or 30)
        return Settings(
            database_url=normalise_database_url(url),
            seal_key=seal_key(environ),
            token_key=token_key(environ),
            token_lifetime_seconds=minutes * 60,
        )


def seal_key(environ: Mapping[str, str]) -> bytes:
    """The seal key: from the environment, else from a key file made on first use."""
    if environ.get(SEAL_KEY_VARIABLE):
        return environ[SEAL_KEY_VARIABLE].encode()
    path = Path(environ.get(SEAL_KEY_FILE_VARIABLE) or DEFAULT_SEAL_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def token_key(environ: Mapping[str, str]) -> bytes:
    """The token signing key: from the environment, else from ``token.key`` in the keys folder
    (made on first use, readable by its owner only)."""
    if environ.get(TOKEN_KEY_VARIABLE):
        return environ[TOKEN_KEY_VARIABLE].encode()
    folder = Path(environ.get(KEYS_DIR_VARIABLE) or DEFAULT_KEYS_DIR).expanduser()
    path = folder / "token.key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


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
