"""Crash safety: SIGKILL a process that is appending ratings, 100 times at random moments.

After every kill: each record the writer reported as saved (it reports only after `append`
returned, i.e. after fsync) is present and byte-for-byte intact, at most one torn tail was
set aside into the side file, and the next writer carries on appending.

Some records are a few hundred KB so that a kill can land inside a multi-page write (the
kernel stops such a write between pages when a fatal signal is pending), which is the one
way a real crash tears a line.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest

from rater.core.records import Rating
from rater.rating.journal import Journal

KILLS = 100


def text_of(i: int) -> str:
    size = 1_000_000 if i % 6 == 2 else 200 + (i * 7919) % 2000
    return f"X:{i}\nK:D\n" + ("ABcd efga|" * (size // 10 + 1))[:size]


def record(i: int) -> list[Rating]:
    r = Rating(
        query=[i],
        sample0=[55, 25, i],
        sample1=[55, 25, i + 1],
        best=i % 2,
        ids=(f"s{i:015d}", f"t{i:015d}"),
        texts=(text_of(i), "X:0\nK:G\nGABc|"),
        rater="crash-test",
        time="2026-11-23T12:00:00+00:00",
        tie=i % 11 == 3,
    )
    if r.tie:  # a tie is two lines in one write
        return [r, Rating(**{**r.__dict__, "best": 1 - r.best})]
    return [r]


def writer(path: Path, report_fd: int, n: int) -> None:
    """Child process: append decisions from index n on, reporting each once it is saved."""
    j = Journal(path)
    while True:
        j.append(record(n))
        os.write(report_fd, f"{n}\n".encode())
        n += 1


def check(path: Path, offset: int = 0, first: int = 0) -> tuple[int, int]:
    """Decisions first.. from byte `offset` on are the expected ones, complete and intact.

    Returns (end offset, number of decisions). A crash can only leave an incomplete *tail*,
    so lines already verified stay valid; the whole file is re-read every few kills anyway.
    """
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    assert data == b"" or data.endswith(b"\n")
    decisions: list[list[Rating]] = []
    for raw in data.split(b"\n")[:-1]:
        r = Rating.from_json(json.loads(raw))
        if decisions and decisions[-1][0].extra["decision"] == r.extra["decision"]:
            decisions[-1].append(r)
        else:
            decisions.append([r])
    for i, d in enumerate(decisions, start=first):
        want = record(i)
        assert len(d) == len(want), f"decision {i} incomplete"
        for got, exp in zip(d, want, strict=True):
            assert got.texts == exp.texts and got.sample0 == exp.sample0
            assert got.best == exp.best and got.tie == exp.tie
    return offset + len(data), first + len(decisions)


def torn_size(j: Journal) -> int:
    return j.torn_path.stat().st_size if j.torn_path.exists() else 0


@pytest.mark.slow
def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    path = tmp_path / "ratings" / "crash.jsonl"
    rng = random.Random(1234)
    reported: set[int] = set()
    present = 0
    kills_mid_run = 0
    torn_tails = 0
    offset = 0
    for kill in range(KILLS):
        torn_before = torn_size(Journal(path)) if path.exists() else 0
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(rfd)
            try:
                writer(path, wfd, present)
            finally:
                os._exit(1)
        os.close(wfd)
        time.sleep(rng.uniform(0.002, 0.05))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), "writer died on its own"
        chunks = []
        while chunk := os.read(rfd, 65536):
            chunks.append(chunk)
        os.close(rfd)
        new = {int(x) for x in b"".join(chunks).split()}
        kills_mid_run += bool(new)
        reported |= new
        j = Journal(path) if path.exists() else None  # opening sets a torn tail aside
        if j is not None:
            assert j.set_aside <= 1  # at most one torn tail per crash
            assert (torn_size(j) > torn_before) == (j.set_aside == 1)  # kept, not dropped
            torn_tails += j.set_aside
            if (kill + 1) % 25 == 0:  # full re-read, through the public API too
                assert len(j.records()) >= present
                offset, present = check(path)
            else:
                offset, present = check(path, offset, present)
            assert reported <= set(range(present)), "a reported-saved record is missing"
    # appending resumes after the last kill
    Journal(path).append(record(present))
    assert check(path)[1] == present + 1
    print(
        f"\n{KILLS} kills, {len(reported)} reported-saved decisions verified, "
        f"{present + 1} decisions in journal, {kills_mid_run} kills after >= 1 save, "
        f"torn tails set aside: {torn_tails}"
    )
    assert len(reported) >= KILLS // 4, "writers barely ran; the test proves little"
    assert kills_mid_run >= KILLS // 5
