"""Processes seen through /proc, for tests that play the OOM killer: which processes
descend from a pid, and how much CPU each has used (a render worker that has used some is
busy on a tune, not starting up). Not a test module."""

from __future__ import annotations

import os
import signal
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields after the command name


def _parents() -> dict[int, int]:
    parent: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (fields := _stat(int(name))) is not None:
            parent[int(name)] = int(fields[1])
    return parent


def render_workers(root: int) -> list[int]:
    """Processes below `root` forked by a forkserver (its own children), or spawned."""
    parent = _parents()
    found, frontier = [], {root}
    while frontier:
        children = {pid for pid, ppid in parent.items() if ppid in frontier}
        found.extend(pid for pid in children if _is_worker(pid, parent[pid] != root))
        frontier = children
    return found


def _is_worker(pid: int, grandchild: bool) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            command = f.read()
    except OSError:
        return False
    return b"spawn_main" in command or (b"forkserver" in command and grandchild)


def cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


class Killer:
    """Kills (SIGKILL, as the OOM killer does) up to `times` render workers under `root` once
    each has used `busy` CPU seconds, from a thread, until stopped."""

    def __init__(self, root: int, times: int, busy: float = 0.4) -> None:
        self.root, self.times, self.busy = root, times, busy
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Killer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set() and len(self.killed) < self.times:
            for pid in render_workers(self.root):
                if pid in self.killed:
                    continue
                if cpu_seconds(pid) >= self.busy:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        continue
                    self.killed.append(pid)
                    break
            time.sleep(0.05)
