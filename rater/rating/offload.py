"""One child process for a pair source's idle work, so that work never holds this process's
interpreter lock.

A refit run in a thread of the rating app still shares the app's GIL: its pure-Python parts
(the music features of every newly judged sample, the fit's bookkeeping) made key presses
wait for it (bench/key_latency.py, 5,000 tunes: press -> painted p95 106 ms with the refit
in a thread against 47 ms without one). In a child process, at a lower CPU priority
(NICENESS), it costs the screen little more than the pickling of its inputs and result: on a
machine with more work than cores, the keys are served first. The child is started from the
owner's thread (`start`) and then used from any thread (`call`); a child that died is
replaced at the next `start`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from rater.core.spawn import clean_start


class Offload:
    """A one-process pool, started lazily (see the module docstring)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._failed = False

    def start(self) -> None:
        """Make sure a child is running (call on the owner's thread, before `call`)."""
        if self._pool is not None and not self._failed:
            return
        self.close()
        import multiprocessing as mp

        with clean_start():  # the child imports nothing from the caller's script or folder
            context = mp.get_context("spawn")
            pool = ProcessPoolExecutor(1, mp_context=context, initializer=_lower_priority)
            pool.submit(int)  # the child starts now, on this thread, and imports meanwhile
        self._pool, self._failed = pool, False

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` in the child (any thread; blocks this one, not the others). A child
        that died raises here, and the next `start` replaces it."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("Offload.call before start")
        try:
            return pool.submit(fn, *args).result()
        except BaseException:
            self._failed = True
            raise

    def close(self) -> None:
        """Stop the child now: a job still running is dropped, so leaving the screen never
        waits for a refit (the interpreter's exit would join it)."""
        if self._pool is not None:
            # no public way to stop a running worker before Python 3.14's terminate_workers
            children = list(self._pool._processes.values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for child in children:
                child.terminate()
            self._pool = None


NICENESS = 10  # the child's CPU priority below the screen's (a busy machine serves keys first)


def _lower_priority() -> None:
    import os

    try:
        os.nice(NICENESS)
    except OSError:  # not allowed here: it runs at the screen's priority
        pass
