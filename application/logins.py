"""Failed logins, throttled per username and per address, so guessing passwords is slow."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from domain.errors import TooManyAttempts

# Documented in docs/api.md ("Authentication"): five failures per username and twenty per
# address within fifteen minutes; then 429 until the oldest of them is fifteen minutes old.
FAILURES_PER_USERNAME = 5
FAILURES_PER_ADDRESS = 20
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    """In the server's memory: each server process counts the failures it saw."""

    def __init__(
        self,
        per_username: int = FAILURES_PER_USERNAME,
        per_address: int = FAILURES_PER_ADDRESS,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"username": per_username, "address": per_address}
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, username: str, address: str) -> None:
        """Raise 429 when either key has used up its failures in the window."""
        with self._lock:
            now = self._clock()
            for kind, key in (("username", username), ("address", address)):
                recent = self._recent((kind, key), now)
                if len(recent) >= self._limits[kind]:
                    wait = int(recent[0] + self._window - now) + 1
                    raise TooManyAttempts(
                        detail=f"too many failed logins for this {kind}; try again in {wait} s",
                        retry_after=wait,
                    )

    def failed(self, username: str, address: str) -> None:
        with self._lock:
            now = self._clock()
            for key in (("username", username), ("address", address)):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("username", username), None)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times and len(self._failures) > 10_000:
            # Bounded memory under a flood of distinct usernames: forget empty keys.
            self._failures = {k: v for k, v in self._failures.items() if v}
            self._failures[key] = times
        return times
