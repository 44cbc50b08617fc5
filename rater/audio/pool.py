"""The render process pool: a few workers fed a few samples at a time, with a watchdog.

Kept apart from `render` (what one sample becomes) because this is about processes: start
without re-running the caller's script, recycle to bound memory, replace a stuck worker.
Workers do one `Work` on every sample: synthesise its clip (`render_one`, the default) or
read it and judge what the reading shows (`rater.audio.reading`, no audio, no SoundFont).
"""

from __future__ import annotations

import glob
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from rater.audio import synth
from rater.audio.render import RenderTimeout, failed, render_one
from rater.core.errors import MACHINE_ERRORS, RenderError, SetupError, StorageError
from rater.core.failures import Stage, failure, machine_failure
from rater.core.records import MACHINE_FAILURE, Reason, Render, Sample
from rater.core.scratch import discard
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


@dataclass(frozen=True)
class Work:
    """What a pool's workers do with each sample: `run(sample, folder)`, a picklable function
    whose result goes back to the parent as it is. `synth`: the worker loads the SoundFont
    first (once). `batch`: samples sent at a time (a reading takes milliseconds, so one at a
    time would leave a worker waiting on the parent half the time). `nice`: added to the
    workers' CPU niceness (a rating session's background judging leaves the screen and the
    player the CPU)."""

    run: Callable[[Sample, str], Any]
    synth: bool = True
    batch: int = 1
    nice: int = 0


def render_work(settings: RenderSettings) -> Work:
    """Each sample's clip synthesised into the folder (`render_one`): the default work."""
    return Work(partial(_render_into, settings), synth=True)


def _render_into(settings: RenderSettings, sample: Sample, out_dir: str) -> Render:
    return render_one(sample, settings, out_dir)


def _worker_main(conn: Any, settings: RenderSettings, work: Work) -> None:
    """Load the SoundFont once (when the work synthesises), then do the work on each sample of
    the ([samples], folder) tasks sent over `conn`, one ("done", result) per sample, until
    told to stop. A clip that cannot be written is reported as ("storage", (folder,
    message)), and any other failure of the machine (out of memory, a module that will not
    import) as ("machine", message), after which the process ends: neither is the sample's
    verdict."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # fluidsynth prints warnings that would tear a TUI screen
    os.dup2(devnull, 2)
    if work.nice:
        os.nice(work.nice)
    try:
        if work.synth:
            synth.get_synth(settings.soundfont, settings.sample_rate)
        conn.send(("ready", None))
        while True:  # the parent stops (and replaces) a worker after `max_tasks` samples
            task = conn.recv()
            if task is None:
                return
            samples, out_dir = task
            for sample in samples:
                try:
                    result = work.run(sample, out_dir)
                except RenderTimeout:  # the alarm fired between finishing and disarming
                    limit = settings.time_limit
                    result = failed(sample, Reason.TIMEOUT, f"took longer than {limit:g} s")
                except StorageError as exc:
                    conn.send(("storage", (out_dir, str(exc))))
                    continue
                except MACHINE_ERRORS as exc:
                    conn.send(("machine", machine_failure(exc)))
                    return  # a fresh process for the retry
                except SetupError:
                    raise
                except Exception as exc:  # anything else: a verdict in words; the worker lives
                    result = failed(sample, *failure(exc, sample.text, Stage.READ))
                conn.send(("done", result))
    except SetupError as exc:
        conn.send(("fatal", str(exc)))
    except (EOFError, OSError, KeyboardInterrupt):
        return


class _Worker:
    def __init__(self, ctx: Any, settings: RenderSettings, work: Work):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, work), daemon=True)
        _start_without_main(self.proc)
        child.close()
        self.ready = False
        self.tasks: deque[Sample] = deque()  # sent and not answered yet, in order
        self.since = _now()  # when the first of them started (or the worker did)
        self.done = 0

    @property
    def task(self) -> Sample | None:
        """The sample the worker is on now (the first one not answered)."""
        return self.tasks[0] if self.tasks else None

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


Result = TypeVar("Result")


def in_process(sample: Sample, work: Callable[[Sample], Result]) -> Result | Render:
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
    """A few render processes fed a few samples at a time (`Work.batch`).

    A worker answers each sample as it finishes (rather than a ProcessPoolExecutor's
    prefetching queue), which keeps the given order, tells us which sample a stuck or killed
    worker was on, and lets us replace just that worker: a runaway parse costs one sample,
    not the pool; the rest of its batch goes to another worker. A worker killed by a
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
        work: Work | None = None,
    ):
        self.settings = settings
        self.work = work if work is not None else render_work(settings)
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
        self.workers.append(_Worker(self.ctx, self.settings, self.work))

    def _retire(self, worker: _Worker, kill: bool) -> None:
        self.workers.remove(worker)
        worker.stop(kill=kill)
        if kill:  # a clip it was writing is left half-made: `render._write_clip`'s name
            for sample in worker.tasks:
                for left in Path(self.out_dir).glob(f".{glob.escape(sample.id)}.wav.*.tmp"):
                    discard(left)

    def run(self, source: Iterable[Sample | Render]) -> Iterator[Render]:
        """Results as they finish; Renders found in `source` (cache hits) pass straight through.

        `source` is pulled only when a worker is free, so its order is the dispatch order.
        """
        from multiprocessing.connection import wait

        items = iter(source)
        pending: deque[Sample] = deque()
        batch = max(1, self.work.batch)
        exhausted = False
        for _ in range(self.size):
            self._spawn()
        while True:
            while not exhausted and len(pending) < batch:
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
            # a worker takes the next batch while it still has half of one to do, so it
            # never waits for the parent between batches
            free = [w for w in self.workers if w.ready and len(w.tasks) <= batch // 2]
            free = [w for w in free if w.done + len(w.tasks) < self.max_tasks]
            if free and pending:
                w = min(free, key=lambda w: len(w.tasks))
                if not w.tasks:
                    w.since = _now()
                room = self.max_tasks - w.done - len(w.tasks)  # then it is recycled
                tasks = [pending.popleft() for _ in range(min(batch, len(pending), room))]
                w.tasks.extend(tasks)
                w.conn.send((tasks, str(self.out_dir)))
                continue  # refill `pending` before waiting, so the other worker gets work
            ready = wait([w.conn for w in self.workers], timeout=0.25)
            for w in [w for w in self.workers if w.conn in ready]:
                yield from self._receive(w, pending)
            yield from self._watch(pending)

    def _busy(self) -> int:
        return sum(1 for w in self.workers if w.tasks)

    def _receive(self, w: _Worker, pending: deque[Sample]) -> Iterator[Render]:
        try:
            kind, payload = w.conn.recv()
        except (EOFError, OSError):
            sample = w.task
            self._requeue(w, pending)
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
        task = w.tasks.popleft() if w.tasks else None
        w.since = _now()  # the next one starts now
        w.done += 1
        if kind == "machine":
            self._requeue(w, pending, keep=0)  # the rest of its batch goes to another worker
        if (w.done >= self.max_tasks and not w.tasks) or kind == "machine":
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
                pending.appendleft(task)  # rendered again, in the new folder
            return
        yield payload

    @staticmethod
    def _requeue(w: _Worker, pending: deque[Sample], keep: int = 1) -> None:
        """The samples a retiring worker (killed, or its process died) was sent after the
        first `keep` go back to the front of the queue, in order."""
        while len(w.tasks) > keep:
            pending.appendleft(w.tasks.pop())

    def _retry(self, sample: Sample, pending: deque[Sample], why: str) -> Iterator[Render]:
        """The machine failed on `sample` (its process was killed - the OOM killer, kill -9 -
        or ran out of memory): once more in a fresh process, then a machine failure, which
        is never a verdict (`MACHINE_FAILURE`)."""
        tries = self.retried.get(sample.id, 0)
        if tries < MACHINE_RETRIES:
            self.retried[sample.id] = tries + 1
            pending.appendleft(sample)  # dispatched next
            return
        del self.retried[sample.id]
        yield failed(sample, MACHINE_FAILURE, f"{why} (tried {tries + 1} times)")

    def _watch(self, pending: deque[Sample]) -> Iterator[Render]:

        now = _now()
        for w in list(self.workers):
            if not w.ready and now - w.since > START_LIMIT:
                raise RenderError(f"a render process did not start within {START_LIMIT:g} s")
            if w.task is not None and now - w.since > self.watchdog:
                sample = w.task
                self._requeue(w, pending)
                self._retire(w, kill=True)
                yield failed(
                    sample, Reason.TIMEOUT, f"render process stuck for {now - w.since:.0f} s"
                )

    def close(self) -> None:
        for w in list(self.workers):
            self._retire(w, kill=w.task is not None)
