"""The real server in a subprocess, on a fresh SQLite file with demo data, and Debian's Chromium
driven by Playwright (its own browser download is not used: ``executable_path``).

Off CI a missing Chromium or Playwright skips these tests, saying why; under CI=true it fails them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = Path(os.environ.get("GIAMNGHEO_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_HOUSEHOLDS = 120
# The dashboard's readers: the whole province, and one commune (Úc Kỳ, 05950).
ANALYST_PASSWORD = "mat-khau-phan-tich"
ANALYSTS = {"analyst": "19", "analyst.05950": "05950"}
STARTUP_SECONDS = 90.0


def _unavailable(message: str) -> None:
    if UNDER_CI:
        pytest.fail(message + " (CI=true: the browser tests must run)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    def __init__(self, base_url: str, environment: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.environment = environment or dict(os.environ)
        self.headers: dict[str, str] = {}  # the reading user's token, once logged in

    def log_in(self, username: str, password: str) -> None:
        """The API's answers the tests compare the pages with are read as this user."""
        body = urllib.parse.urlencode({"username": username, "password": password}).encode()
        with urllib.request.urlopen(f"{self.base_url}/auth/token", body, timeout=30) as answer:
            token = json.loads(answer.read().decode("utf-8"))["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def add_user(self, username: str, role: str, password: str, unit: str = "19") -> None:
        """``giamngheo users add`` on the server's database, the password read from stdin."""
        subprocess.run(
            [sys.executable, "-m", "api.cli", "users", "add", username, "--role", role,
             "--unit", unit],
            cwd=ROOT,
            env=self.environment,
            input=password + "\n",
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip

    def json(self, path: str) -> Any:
        request = urllib.request.Request(self.base_url + path, headers=self.headers)
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read().decode("utf-8"))


def _wait_until_caught_up(server: Server, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped ({process.returncode}):\n{log.read_text()}")
        try:
            health = server.json("/health")
            behind = [p["behind"] for p in health["projections"].values()]
            if health["status"] == "ok" and behind and not any(behind):
                return
            last = str(health)
        except OSError as error:
            last = str(error)
        time.sleep(0.3)
    raise RuntimeError(f"the server did not catch up in time: {last}\n{log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``giamngheo serve`` on a free port, over a fresh SQLite file loaded with demo data."""
    folder = tmp_path_factory.mktemp("dashboard-server")
    environment = {
        **os.environ,
        "GIAMNGHEO_DATABASE_URL": f"sqlite:///{folder / 'giamngheo.sqlite3'}",
        "GIAMNGHEO_SEAL_KEY": "browser-tests-seal-key-0123456789",
        "GIAMNGHEO_KEYS_DIR": str(folder / "keys"),
    }
    subprocess.run(
        [sys.executable, "-m", "api.cli", "demo", "--households", str(DEMO_HOUSEHOLDS)],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    served = Server(f"http://127.0.0.1:{port}", environment)
    try:
        _wait_until_caught_up(served, process, log)
        for username, unit in ANALYSTS.items():
            served.add_user(username, "analyst", ANALYST_PASSWORD, unit)
        served.log_in("analyst", ANALYST_PASSWORD)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium under Playwright."""
    if not CHROMIUM.exists():
        _unavailable(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(f"Playwright is not installed ({error}): pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
