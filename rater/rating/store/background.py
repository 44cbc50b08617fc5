"""The team client's helper threads, so the rating screen never waits on the network.

`Reconnector` tries the server again every `retry_seconds` on a thread of its own while the
client is offline (a connection attempt can take `connect_timeout` seconds); the client
picks the new connection up on its next call and replays its spool. `ProgressWatch` reads
the team's progress every few seconds over its own connection (on a large project the
count takes a while) and keeps the last answer for the status line. `Courier` sends the
decisions the screen spooled and leases the next pairs ahead of the person.
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


class Courier:
    """`work()` on a daemon thread whenever `wake()` is called, and every `interval` seconds
    besides: the screen's client writes its decisions and tops its leases up there, so a key
    never waits on the network. `busy_for()`: how long the round running now has taken (a
    server that stopped answering mid-request shows here); `failure`: the last round's bug,
    in one line (the spool keeps what was not sent; the next round tries again)."""

    def __init__(self, work: Callable[[], None], interval: float) -> None:
        self._work = work
        self._interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._started: float | None = None
        self.failure = ""
        self._thread = threading.Thread(target=self._run, daemon=True, name="team-courier")
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def busy_for(self) -> float:
        started = self._started
        return time.monotonic() - started if started is not None else 0.0

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            self._started = time.monotonic()
            try:
                self._work()
                self.failure = ""
            except Exception as exc:  # a bug, not the network: said on the status line
                self.failure = f"{type(exc).__name__}: {exc}"
            finally:
                self._started = None

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the thread to end and wait up to `timeout` seconds for its round to finish;
        False when it is still running (a request the server never answered)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()
