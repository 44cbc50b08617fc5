"""Large journals are streamed, and undo reads only the last decision (issue 14, item 9).

On a 200 MB journal `stats`, `rank` and `export` took ~1.7 GB (8x the file) and each `u`
froze the screen ~10 s, because every reader parsed the whole file into records and undo
re-read it. These tests measure what does not depend on the machine's speed: bytes read by
undo, and peak Python memory (tracemalloc) of the readers, on a ~6 MB journal of real tunes
and real GPT-2 tokens. Timings are in bench/journal_scale.py.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from rater.cli import main
from rater.core import corpus, demo
from rater.core.records import Pair
from rater.core.settings import CheckSettings, PairingSettings, RateSettings
from rater.rating.journal import Journal
from rater.rating.outcome import decide
from rater.rating.session import Session, State

DECISIONS = 2400


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("scale")
    samples = corpus.read_samples([str(demo.demo_corpus(base / "demo"))])[:60]
    rng = random.Random(5)
    path = base / "big.jsonl"
    journal = Journal(path)
    batch = []
    for i in range(DECISIONS):
        a, b = rng.sample(samples, 2)
        batch.append(decide(Pair(a, b), rng.choice([0, 1, 0, 1, "tie"]), f"r{i % 3}"))
        if len(batch) == 400:
            journal.append_many(batch)
            batch = []
    journal.append_many(batch)
    assert path.stat().st_size > 5_000_000
    return path


def peak(work: Callable[[], object]) -> int:
    """Peak Python memory of `work`; the libraries' own import costs are paid before."""
    import numpy  # noqa: F401
    import rich.console  # noqa: F401
    import rich.table  # noqa: F401
    import scipy.sparse.linalg  # noqa: F401

    quiet(["--version"])  # argparse

    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def quiet(argv: list[str]) -> Callable[[], object]:
    def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                assert main(argv) == 0
            except SystemExit as exc:  # --version
                assert exc.code == 0

    return run


def test_readers_hold_less_than_the_file(big: Path, tmp_path: Path) -> None:
    """`stats`, `rank` and `export` as the command line runs them (before: the whole file
    as bytes, split into lines, then every record with its ints: ~8x the file)."""
    size = big.stat().st_size
    assert peak(quiet(["stats", str(big)])) < 1.0 * size  # records without tokens or texts
    assert peak(quiet(["rank", str(big)])) < 1.0 * size  # records' heads and the games
    out = str(tmp_path / "o.json")
    # one record at a time (and a 1 MB read buffer), whatever the journal's size
    assert peak(quiet(["export", str(big), "--format", "oa", "--out", out])) < 4_000_000
    assert peak(quiet(["export", str(big), "--format", "text", "--out", out])) < 4_000_000


class Counted:
    """Bytes read from files while installed (os.read and os.pread)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bytes = 0
        real_pread, real_read = os.pread, os.read

        def pread(fd: int, n: int, offset: int) -> bytes:
            data = real_pread(fd, n, offset)
            self.bytes += len(data)
            return data

        def read(fd: int, n: int) -> bytes:
            data = real_read(fd, n)
            self.bytes += len(data)
            return data

        monkeypatch.setattr(os, "pread", pread)
        monkeypatch.setattr(os, "read", read)


def test_u_reads_only_the_last_decision(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session on the big journal decides, then `u`; and after a restart, `u` again."""
    path = big.with_name("undo.jsonl")
    path.write_bytes(big.read_bytes())
    samples = corpus.read_samples([str(demo.demo_corpus())])[60:70]
    settings = RateSettings(
        rater="me", pairing=PairingSettings(seed=1), checks=CheckSettings(), min_view_seconds=0
    )
    session = Session(samples, Journal(path), settings, judge=_all_ok)
    session.start_judging()
    assert session.judging_done.wait(60) and session.advance() == State.SHOWING
    session.decide(0)
    counted = Counted(monkeypatch)
    assert session.undo()
    in_session = counted.bytes
    assert path.read_bytes() == big.read_bytes()
    session.decide(1)
    again = Session(samples, Journal(path), settings, judge=_all_ok)  # a restart
    counted.bytes = 0
    assert again.undo()  # the journal's last record is this rater's: taken back
    after_restart = counted.bytes
    monkeypatch.undo()
    assert path.read_bytes() == big.read_bytes()
    assert in_session < 300_000 and after_restart < 300_000, (in_session, after_restart)


def _all_ok(samples):
    from rater.core.records import Judged, Verdict

    for s in samples:
        yield Judged(s, None, Verdict(s.id, True))


def test_streamed_records_equal_the_whole_read(big: Path) -> None:
    from rater.rating.reading import JournalRecords

    whole = Journal(big).records()
    heads = list(JournalRecords([big], tokens=False))
    assert [(r.ids, r.best, r.tie, r.rater, r.extra, r.texts) for r in heads] == [
        (r.ids, r.best, r.tie, r.rater, r.extra, r.texts) for r in whole
    ]
    assert all(not (r.query or r.sample0 or r.sample1) for r in heads)
    assert list(JournalRecords([big])) == whole
