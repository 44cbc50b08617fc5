"""The team client's two helper threads, so the rating screen never waits on the network.

`Reconnector` tries the server again every `retry_seconds` on a thread of its own while the
client is offline (a connection attempt can take `connect_timeout` seconds); the client
picks the new connection up on its next call and replays its spool. `ProgressWatch` reads
the team's progress every few seconds over its own connection (on a large project the
count takes a while) and keeps the last answer for the status line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from rater.core.errors import StoreError

T = TypeVar("T")
COST_FACTOR = 20  # ProgressWatch spends at most 1/20 of the time counting


class Reconnector(Generic[T]):
    """Calls `attempt` until it returns without StoreError, on a daemon thread."""

    def __init__(self, attempt: Callable[[], T], retry_seconds: float) -> None:
        self._attempt = attempt
        self._retry = retry_seconds
        self._result: T | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.reason = ""

    def take(self) -> T | None:
        """The new connection if one was made (once), else None; starts trying if idle."""
        with self._lock:
            result, self._result = self._result, None
            if result is None and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, daemon=True, name="reconnect")
                self._thread.start()
        return result

    def _run(self) -> None:
        while not self._stop.wait(self._retry):
            try:
                result = self._attempt()
            except StoreError as exc:
                self.reason = str(exc)
                continue
            with self._lock:
                self._result = result
            return

    def stop(self) -> None:
        self._stop.set()


class ProgressWatch(Generic[T]):
    """`read()` every `interval` seconds on a daemon thread; `value` is the last answer."""

    def __init__(self, read: Callable[[], T], interval: float) -> None:
        self._read = read
        self._interval = interval
        self._stop = threading.Event()
        self.value: T | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="team-progress")
        self._thread.start()

    def _run(self) -> None:
        while True:
            start = time.monotonic()
            try:
                self.value = self._read()
            except StoreError:
                pass  # offline: the last known value stays; the next round tries again
            # a count that takes long (1.7 s on a 5M-pair project, DESIGN.md) is asked
            # for rarely, so a team's screens never keep the server busy counting
            took = time.monotonic() - start
            if self._stop.wait(max(self._interval, COST_FACTOR * took)):
                return

    def stop(self) -> None:
        self._stop.set()
