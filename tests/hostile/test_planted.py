"""Items 4 and 7: files rater makes beside a journal or in its cache never follow a symlink
planted at their name, and the session lock is the journal's, however it is named.

Each case plants a symlink to a victim file where rater is about to make one: the session
lock's note, `extract`'s output, the torn-tail side file, the cached demo corpus. The victim
must come out untouched, and nothing from outside the cache may reach a journal.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Inputs
from hostile import one_line_error, rater

from rater.core import demo
from rater.core.errors import JournalError
from rater.rating.journal import Journal
from rater.rating.session_lock import SessionLock

VICTIM = "someone else's file\n"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_text(VICTIM)
    return path


def test_the_session_lock_never_writes_through_a_planted_symlink(
    tmp_path: Path, victim: Path
) -> None:
    journal = tmp_path / "r.jsonl"
    probe = SessionLock(journal, "ann").acquire()  # where its note goes
    note = probe.path
    probe.release()
    assert note is not None and not note.exists()
    note.symlink_to(victim)
    lock = SessionLock(journal, "ann").acquire()
    try:
        assert victim.read_text() == VICTIM and note.is_symlink()
        with pytest.raises(JournalError, match="already has a rating session open"):
            SessionLock(journal, "ann").acquire()
    finally:
        lock.release()
    assert victim.read_text() == VICTIM and note.is_symlink()


def test_the_old_lock_name_planted_as_a_symlink_is_left_alone(tmp_path: Path, victim: Path) -> None:
    """On the old code the lock was `.<journal>.<sha256 of the rater>[:16].lock`, opened
    O_CREAT without O_NOFOLLOW: a symlink there overwrote its target with {"pid": ...}."""
    import hashlib

    journal = tmp_path / "r.jsonl"
    old = tmp_path / f".r.jsonl.{hashlib.sha256(b'ann').hexdigest()[:16]}.lock"
    old.symlink_to(victim)
    SessionLock(journal, "ann").acquire().release()
    assert victim.read_text() == VICTIM


def test_a_hard_link_to_a_journal_meets_the_same_lock(tmp_path: Path) -> None:
    journal = tmp_path / "a" / "r.jsonl"
    journal.parent.mkdir()
    journal.write_text("")
    (tmp_path / "b").mkdir()
    for alias in (tmp_path / "a" / "copy.jsonl", tmp_path / "b" / "r.jsonl"):
        os.link(journal, alias)
    lock = SessionLock(journal, "ann").acquire()
    try:
        for alias in (tmp_path / "a" / "copy.jsonl", tmp_path / "b" / "r.jsonl"):
            with pytest.raises(JournalError, match="already has a rating session open"):
                SessionLock(alias, "ann").acquire()
        SessionLock(tmp_path / "b" / "r.jsonl", "bob").acquire().release()  # others may
    finally:
        lock.release()
    SessionLock(tmp_path / "b" / "r.jsonl", "ann").acquire().release()


def test_extract_never_writes_through_its_old_temporary_name(
    inputs: Inputs, tmp_path: Path, victim: Path
) -> None:
    out = tmp_path / "out.abc"
    (tmp_path / "out.abc.tmp").symlink_to(victim)
    done = rater("extract", str(inputs.log), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == VICTIM and "poem" in out.read_text()


def test_a_torn_tail_is_never_set_aside_through_a_symlink(
    inputs: Inputs, tmp_path: Path, victim: Path
) -> None:
    journal = tmp_path / "r.jsonl"
    journal.write_bytes(inputs.journal.read_bytes().splitlines(keepends=True)[0] + b'{"query":[1')
    (tmp_path / "r.jsonl.torn").symlink_to(victim)
    with pytest.raises(JournalError, match="a symlink, not a file rater made") as info:
        Journal(journal)
    assert "\n" not in str(info.value)
    assert victim.read_text() == VICTIM
    done = rater("autorate", str(inputs.samples), "--kind", "text", "--ratings", str(journal))
    one_line_error(done, "r.jsonl.torn", "a symlink, not a file rater made")
    assert victim.read_text() == VICTIM


@pytest.mark.parametrize("planted", ["file", "folder"])
def test_the_cached_demo_corpus_never_comes_from_outside_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planted: str
) -> None:
    cache = tmp_path / "cache"
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = "X:1\nT:from outside the cache\nK:C\nCDEF|GABc|\n"
    (outside / f"demo-v{demo.VERSION}.abc").write_text(secret)
    if planted == "file":
        (cache / "demo").mkdir(parents=True)
        (cache / "demo" / f"demo-v{demo.VERSION}.abc").symlink_to(
            outside / f"demo-v{demo.VERSION}.abc"
        )
    else:
        cache.mkdir()
        (cache / "demo").symlink_to(outside)
    monkeypatch.setenv("RATER_CACHE_DIR", str(cache))
    path = demo.demo_corpus()
    assert "from outside the cache" not in path.read_text()
    assert not path.is_symlink() and outside not in path.resolve().parents
    assert (outside / f"demo-v{demo.VERSION}.abc").read_text() == secret
