"""The journal's side index (issue 25, item 4): a session starts without reading the whole
journal, and the index is a cache - deleting it, damaging it or planting one loses nothing.

Measured without the machine's speed: bytes read from files (os.read / os.pread) and the
facts a session starts with (`History`: decided pairs, broken samples, counts, re-check
candidates), which must equal those the records themselves give. Timings are in
bench/million.py.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from rater.core.records import Pair, Sample, Verdict
from rater.rating import journal_index
from rater.rating.history import History
from rater.rating.journal import Journal
from rater.rating.outcome import auto_decide, decide

SAMPLES = [Sample(f"{k:016x}", f"poem {k} " * 40, "p.txt", k + 1, kind="text") for k in range(80)]


def fill(path: Path, decisions: int, seed: int = 25) -> Journal:
    """Decisions of three raters (ties, re-checks and automatic records among them)."""
    rng = random.Random(seed)
    journal = Journal(path)
    batch = []
    for i in range(decisions):
        a, b = rng.sample(SAMPLES, 2)
        roll = rng.random()
        if roll < 0.1:
            broken = Verdict(a.id, False, ("repetitive",))
            batch.append(auto_decide(Pair(a, b), broken, Verdict(b.id, True), "auto"))
        else:
            extra = {"recheck_of": f"{rng.randrange(10**6):016x}"} if roll < 0.15 else {}
            best = "tie" if roll < 0.25 else rng.randrange(2)
            batch.append(decide(Pair(a, b), best, ("ann", "bob", "cat")[i % 3], extra=extra))
    journal.append_many(batch)
    return journal


def facts(h: History) -> tuple:
    return (h.lines, h.decisions, h.people, dict(h.raters), dict(h.pairs), h.broken, h.asked,
            {r: [c[:4] for c in found] for r, found in h.choices.items()})  # fmt: skip


def read_bytes(monkeypatch: pytest.MonkeyPatch, work) -> tuple[object, int]:
    """`work()` and the bytes it read from files."""
    counted = [0]
    real_pread, real_read = os.pread, os.read

    def pread(fd: int, n: int, offset: int) -> bytes:
        data = real_pread(fd, n, offset)
        counted[0] += len(data)
        return data

    def read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        counted[0] += len(data)
        return data

    with monkeypatch.context() as m:
        m.setattr(os, "pread", pread)
        m.setattr(os, "read", read)
        result = work()
    return result, counted[0]


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    path = tmp_path / "ratings.jsonl"
    fill(path, 600)
    return path


def test_a_start_reads_only_what_was_appended_since_the_index(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = facts(History.of(Journal(journal).records()))
    first, cold = read_bytes(monkeypatch, lambda: Journal(journal).history())
    assert facts(first) == truth and cold >= journal.stat().st_size  # read whole, once
    assert journal_index.path_of(journal).is_file()
    again, warm = read_bytes(monkeypatch, lambda: Journal(journal).history())
    assert facts(again) == truth
    assert warm < journal.stat().st_size / 5  # the index, not the journal
    fill(journal, 20, seed=7)  # another session appends
    grown = facts(History.of(Journal(journal).records()))
    after, tail = read_bytes(monkeypatch, lambda: Journal(journal).history())
    assert facts(after) == grown and tail < journal.stat().st_size / 5


def test_the_follower_from_an_index_sees_later_writers_and_undos(journal: Path) -> None:
    Journal(journal).history()  # makes the index
    mine = Journal(journal)
    mine.history()
    other = fill(journal, 1, seed=3)
    news = mine.news()
    assert len(news) in (1, 2) and mine.is_decided(news[0].ids)
    other.undo()
    assert not mine.news() and not mine.is_decided(news[0].ids)


def test_an_undo_below_the_index_rebuilds_it(journal: Path) -> None:
    Journal(journal).history()
    Journal(journal).undo()  # the line the index ends on is gone
    fill(journal, 3, seed=9)  # and the file grows past the index's size again
    assert facts(Journal(journal).history()) == facts(History.of(Journal(journal).records()))


@pytest.mark.parametrize(
    "plant",
    ["garbage", "other-file", "lies", "symlink", "hard-link", "deep", "fifo"],
)
def test_a_damaged_or_planted_index_is_no_index(journal: Path, plant: str) -> None:
    """Whatever is at the index's name, the session starts with the journal's own facts."""
    truth = facts(History.of(Journal(journal).records()))
    index = journal_index.path_of(journal)
    Journal(journal).history()
    data = json.loads(index.read_text())
    index.unlink()
    if plant == "garbage":
        index.write_bytes(b"\x00\xff{not json")
    elif plant == "other-file":  # a valid index of another journal
        other = journal.with_name("other.jsonl")
        fill(other, 30, seed=4)
        Journal(other).history()
        journal_index.path_of(other).rename(index)
    elif plant == "lies":  # the right stamp, impossible counts
        data["history"]["people"] = data["history"]["decisions"] + 1
        index.write_text(json.dumps(data))
    elif plant == "symlink":
        target = journal.with_name("elsewhere.json")
        target.write_text(json.dumps(data))
        index.symlink_to(target)
    elif plant == "hard-link":
        target = journal.with_name("linked.json")
        target.write_text(json.dumps(data))
        os.link(target, index)
    elif plant == "deep":
        index.write_text("[" * 100_000 + "]" * 100_000)
    elif plant == "fifo":
        os.mkfifo(index)
    assert facts(Journal(journal).history()) == truth
    if plant == "symlink":  # never written through: the link itself was replaced
        assert json.loads(target.read_text()) == data and not index.is_symlink()


def test_deleting_the_index_loses_nothing(journal: Path) -> None:
    Journal(journal).history()
    with_index = facts(Journal(journal).history())
    journal_index.path_of(journal).unlink()
    assert facts(Journal(journal).history()) == with_index


def test_a_read_only_journal_makes_no_index(journal: Path) -> None:
    facts(Journal(journal, read_only=True).history())
    assert not journal_index.path_of(journal).exists()
