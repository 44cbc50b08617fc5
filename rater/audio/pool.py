"""The render process pool: a few workers fed one sample at a time, with a watchdog.

Kept apart from `render` (what one sample becomes) because this is about processes: start
without re-running the caller's script, recycle to bound memory, replace a stuck worker.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from rater.audio import synth
from rater.audio.render import RenderTimeout, failed, render_one
from rater.core.errors import MACHINE_ERRORS, RenderError, SetupError, StorageError
from rater.core.failures import Stage, failure, machine_failure
from rater.core.records import MACHINE_FAILURE, Reason, Render, Sample
from rater.core.settings import RenderSettings
from rater.core.spawn import clean_start

MACHINE_RETRIES = 1  # a sample whose process the machine failed is tried once more
MAX_TASKS_PER_WORKER = 100  # recycle now and then: a long-lived worker only grows
WATCHDOG_GRACE = 5.0
START_LIMIT = 120.0
PRELOAD = [
    "mido",
    "numpy",
    "rater.audio.render",
    "rater.audio.synth",
    "rater.audio.pool",
]


def _context() -> Any:
    """forkserver (with the renderer preloaded, so recycling a worker costs a fork, not an import);
    never plain fork, which is unsafe from the TUI's threads."""
    import multiprocessing as mp

    try:
        ctx = mp.get_context("forkserver")
    except ValueError:
        return mp.get_context("spawn")
    if not _socket_fits():
        return mp.get_context("spawn")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


# The forkserver listens on a Unix socket at <temp folder>/pymp-XXXXXXXX/listener-XXXXXXXX
# (33 bytes more than the temp folder), and a socket path holds at most 107 bytes: under a
# long TMPDIR it cannot start ("AF_UNIX path too long"), so spawn is used instead.
SOCKET_PATH_MAX = 107
SOCKET_SUFFIX = len("/pymp-XXXXXXXX/listener-XXXXXXXX")


def _socket_fits() -> bool:
    import tempfile

    return len(os.fsencode(tempfile.gettempdir())) + SOCKET_SUFFIX <= SOCKET_PATH_MAX


def _worker_main(conn: Any, settings: RenderSettings, max_tasks: int) -> None:
    """Load the SoundFont once, then render (sample, folder) tasks sent over `conn` until told
    to stop. A clip that cannot be written is reported as ("storage", (folder, message)),
    and any other failure of the machine (out of memory, a module that will not import) as
    ("machine", message), after which the process ends: neither is the sample's verdict."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # fluidsynth prints warnings that would tear a TUI screen
    os.dup2(devnull, 2)
    try:
        synth.get_synth(settings.soundfont, settings.sample_rate)
        conn.send(("ready", None))
        for _ in range(max_tasks):
            task = conn.recv()
            if task is None:
                return
            sample, out_dir = task
            try:
                result = render_one(sample, settings, out_dir)
            except RenderTimeout:  # the alarm fired in the instant between finishing and disarming
                result = failed(
                    sample, Reason.TIMEOUT, f"took longer than {settings.time_limit:g} s"
                )
            except StorageError as exc:
                conn.send(("storage", (out_dir, str(exc))))
                continue
            except MACHINE_ERRORS as exc:
                conn.send(("machine", machine_failure(exc)))
                return  # a fresh process for the retry
            except SetupError:
                raise
            except Exception as exc:  # anything else: a verdict in words, and the worker lives
                result = failed(sample, *failure(exc, sample.text, Stage.READ))
            conn.send(("done", result))
    except SetupError as exc:
        conn.send(("fatal", str(exc)))
    except (EOFError, OSError, KeyboardInterrupt):
        return


class _Worker:
    def __init__(self, ctx: Any, settings: RenderSettings, max_tasks: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, max_tasks), daemon=True)
        _start_without_main(self.proc)
        child.close()
        self.ready = False
        self.task: Sample | None = None
        self.since = _now()
        self.done = 0

    def stop(self, kill: bool = False) -> None:
        if not kill and self.proc.is_alive() and self.task is None:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
        if kill and self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=2.0)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=2.0)
        self.conn.close()


def _start_without_main(proc: Any) -> None:
    with clean_start():
        proc.start()


def in_process(sample: Sample, work: Callable[[Sample], Render]) -> Render:
    """`work(sample)` in this process (no pool: `workers` 0), with the pool's rule for the
    machine failing (out of memory, a module that will not import): once more, then a
    `MACHINE_FAILURE` rather than a verdict."""
    why = ""
    for _ in range(MACHINE_RETRIES + 1):
        try:
            return work(sample)
        except MACHINE_ERRORS as exc:
            why = machine_failure(exc)
    return failed(sample, MACHINE_FAILURE, f"{why} (tried {MACHINE_RETRIES + 1} times)")


def _death(exitcode: int | None) -> str:
    """How a render process ended, for the machine-failure message."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the render process was killed ({name}; out of memory?)"
    return f"the render process died (exit status {exitcode})"


def _now() -> float:
    import time

    return time.monotonic()


class Pool:
    """A few render processes fed one sample at a time.

    One task per worker (rather than a ProcessPoolExecutor's prefetching queue) keeps the
    given order, tells us which sample a stuck or killed worker was on, and lets us replace
    just that worker: a runaway parse costs one sample, not the pool. A worker killed by a
    signal (the OOM killer, kill -9) or out of memory is the machine's failure, not the
    sample's: the sample is tried once more in a fresh worker, then comes back as a
    `MACHINE_FAILURE` (no verdict, never cached).

    Clips go to `out_dir`. When a worker cannot write one there, `on_storage(folder, message)`
    names the folder to use from now on (the sample is rendered again there) or raises; without
    it the StorageError is raised.
    """

    def __init__(
        self,
        settings: RenderSettings,
        out_dir: Path,
        workers: int = RenderSettings.workers,
        max_tasks: int = MAX_TASKS_PER_WORKER,
        on_storage: Callable[[str, str], Path] | None = None,
    ):
        self.settings = settings
        self.out_dir = out_dir
        self.on_storage = on_storage
        self.size = max(1, workers)
        self.max_tasks = max(1, max_tasks)
        self.ctx = _context()
        self.workers: list[_Worker] = []
        self.start_failures = 0
        self.retried: dict[str, int] = {}  # sample id -> retries after a machine failure
        self.watchdog = (
            2 * settings.time_limit + WATCHDOG_GRACE if settings.time_limit > 0 else float("inf")
        )

    def _spawn(self) -> None:
        self.workers.append(_Worker(self.ctx, self.settings, self.max_tasks))

    def _retire(self, worker: _Worker, kill: bool) -> None:
        self.workers.remove(worker)
        worker.stop(kill=kill)

    def run(self, source: Iterable[Sample | Render]) -> Iterator[Render]:
        """Results as they finish; Renders found in `source` (cache hits) pass straight through.

        `source` is pulled only when a worker is free, so its order is the dispatch order.
        """
        from multiprocessing.connection import wait

        items = iter(source)
        pending: list[Sample] = []
        exhausted = False
        for _ in range(self.size):
            self._spawn()
        while True:
            while not exhausted and not pending:
                item = next(items, None)
                if item is None:
                    exhausted = True
                elif isinstance(item, Render):
                    yield item
                else:
                    pending.append(item)
            if not pending and not self._busy():
                return
            while len(self.workers) < self.size and pending:
                self._spawn()
            idle = [w for w in self.workers if w.ready and w.task is None]
            if idle and pending:
                w = idle[0]
                w.task = pending.pop()
                w.since = _now()
                w.conn.send((w.task, str(self.out_dir)))
                continue  # refill `pending` before waiting, so the other idle worker gets work
            ready = wait([w.conn for w in self.workers], timeout=0.25)
            for w in [w for w in self.workers if w.conn in ready]:
                yield from self._receive(w, pending)
            yield from self._watch()

    def _busy(self) -> int:
        return sum(1 for w in self.workers if w.task is not None)

    def _receive(self, w: _Worker, pending: list[Sample]) -> Iterator[Render]:
        try:
            kind, payload = w.conn.recv()
        except (EOFError, OSError):
            sample = w.task
            w.proc.join(timeout=1.0)  # reaped, so its exit code says how it ended
            if not w.ready:
                self.start_failures += 1
                if self.start_failures > 3:
                    raise RenderError(
                        "render processes die while starting (run with {field} 0 to see why)",
                        field="workers",
                    ) from None
            self._retire(w, kill=True)
            if sample is not None:
                yield from self._retry(sample, pending, _death(w.proc.exitcode))
            return
        if kind == "fatal":
            raise SetupError(payload)
        if kind == "ready":
            w.ready = True
            return
        task, w.task = w.task, None
        w.done += 1
        if w.done >= self.max_tasks or kind == "machine":
            self._retire(w, kill=False)
        if kind == "machine":
            if task is not None:
                yield from self._retry(task, pending, payload)
            return
        if kind == "storage":
            folder, message = payload
            if self.on_storage is None:
                raise StorageError(message)
            self.out_dir = self.on_storage(folder, message)
            if task is not None:
                pending.append(task)  # rendered again, in the new folder
            return
        yield payload

    def _retry(self, sample: Sample, pending: list[Sample], why: str) -> Iterator[Render]:
        """The machine failed on `sample` (its process was killed - the OOM killer, kill -9 -
        or ran out of memory): once more in a fresh process, then a machine failure, which
        is never a verdict (`MACHINE_FAILURE`)."""
        tries = self.retried.get(sample.id, 0)
        if tries < MACHINE_RETRIES:
            self.retried[sample.id] = tries + 1
            pending.append(sample)  # dispatched next
            return
        del self.retried[sample.id]
        yield failed(sample, MACHINE_FAILURE, f"{why} (tried {tries + 1} times)")

    def _watch(self) -> Iterator[Render]:

        now = _now()
        for w in list(self.workers):
            if not w.ready and now - w.since > START_LIMIT:
                raise RenderError(f"a render process did not start within {START_LIMIT:g} s")
            if w.task is not None and now - w.since > self.watchdog:
                sample = w.task
                self._retire(w, kill=True)
                yield failed(
                    sample, Reason.TIMEOUT, f"render process stuck for {now - w.since:.0f} s"
                )

    def close(self) -> None:
        for w in list(self.workers):
            self._retire(w, kill=w.task is not None)
