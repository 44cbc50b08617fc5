"""What the rating app holds from start to end besides the screen: the session's lock, the
warnings found while it was built, and SIGTERM.

SIGTERM (`kill`, a session manager closing) must not leave the terminal on the alternate
screen with the mouse captured: the app leaves as `x` does (status 143), which restores it;
every decision is on disk already. The lock (one session per journal and rater,
`rating.session_lock`) is released when the app unmounts.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from rater.core.printable import printable
from rater.rating.session_lock import SessionLock

SIGTERM_STATUS = 128 + signal.SIGTERM


@dataclass
class Lifecycle:
    lock: SessionLock | None = None
    warnings: list[str] = field(default_factory=list)  # the CLI prints them too
    closers: list[Callable[[], object]] = field(default_factory=list)  # at unmount

    def start(self, notify: Callable[..., object], on_sigterm: Callable[[], object]) -> None:
        for text in self.warnings:
            notify(printable(text), severity="warning", timeout=10, markup=False)
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, on_sigterm)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (some test runners): the default action stays

    def end(self) -> None:
        try:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        for close in self.closers:
            close()  # a team client gives its leases back
        if self.lock is not None:
            self.lock.release()
