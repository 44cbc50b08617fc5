"""Unlucky conditions around the journal and the terminal (issue 14, item 10, journal part).

A FIFO as the journal, a torn tail set aside, SIGTERM while rating, a read-only journal
folder, and a negative padding token: each is one clear line (or a clean exit), never a
traceback, a hang, or a terminal left on the alternate screen.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rater.core.records import Pair, Sample
from rater.rating.journal import Journal
from rater.rating.outcome import decide

TEXTS = [
    f"a short poem, number {i}, about the {w}" for i, w in enumerate("sea sky hill moor".split())
]


def samples() -> list[Sample]:
    return [
        Sample(id=f"{i:016x}", text=t, source="p", number=i + 1, kind="text")
        for i, t in enumerate(TEXTS)
    ]


def rater(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rater", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    path = tmp_path / "poems.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS))
    return path


def test_a_fifo_as_the_journal_is_one_line(tmp_path: Path, texts: Path) -> None:
    fifo = tmp_path / "ratings.jsonl"
    os.mkfifo(fifo)
    for command in (["stats"], ["rank"], ["ab-report"]):
        one_line_error(rater(*command, str(fifo)), "ratings.jsonl: is a FIFO")
    out = str(tmp_path / "o.json")
    one_line_error(rater("export", str(fifo), "--format", "oa", "--out", out), "is a FIFO")
    for extra in (["rate", "--silent"], ["autorate"]):
        args = [extra[0], str(texts), "--kind", "text", "--ratings", str(fifo), *extra[1:]]
        one_line_error(rater(*args, timeout=30), "is a FIFO")


def test_a_torn_tail_set_aside_is_said(tmp_path: Path, texts: Path) -> None:
    journal = tmp_path / "r.jsonl"
    s = samples()
    Journal(journal).append(decide(Pair(s[0], s[1]), 0, "ann"))
    with open(journal, "ab") as f:
        f.write(b'{"query":[],"sample0":[1,2')
    done = rater("autorate", str(texts), "--kind", "text", "--ratings", str(journal))
    assert done.returncode == 0, done.stderr
    torn = journal.with_name("r.jsonl.torn")
    assert done.stderr == (
        f"rater: {journal}: a torn last line (from a crash mid-write) was set aside into "
        f"{torn}; every whole rating is kept\n"
    )
    assert torn.read_bytes() == b'{"query":[],"sample0":[1,2\n'


def test_encode_rejects_a_padding_token_that_is_not_a_token(tmp_path: Path) -> None:
    for pad in ("-1", str(2**31)):
        done = subprocess.run(
            [sys.executable, "-m", "rater", "encode", "--length", "8", "--pad-token", pad],
            input="X:1",
            capture_output=True,
            text=True,
            timeout=60,
        )
        one_line_error(done, f"--pad-token must be a token id from 0 to {2**31 - 1}, got {pad}")
        assert done.stdout == ""


# -- a read-only journal folder: found before the screen -----------------------------------


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system (tmpfs remounted read-only), with a journal in it."""
    where = tmp_path / "ro"
    where.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True
    )
    if mount.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        s = samples()
        (where / "ratings").mkdir()
        Journal(where / "ratings" / "old.jsonl").append(decide(Pair(s[2], s[3]), 1, "ann"))
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_journal_folder_is_found_at_start(read_only_dir: Path, texts: Path) -> None:
    for name in ("new.jsonl", "old.jsonl"):  # a new journal, and one that exists
        journal = read_only_dir / "ratings" / name
        args = ["rate", str(texts), "--kind", "text", "--ratings", str(journal), "--silent"]
        done = rater(*args, timeout=30)
        one_line_error(done, str(journal), "Read-only file system")
    done = rater("stats", str(read_only_dir / "ratings" / "old.jsonl"))
    assert done.returncode == 0, done.stderr  # reading it is fine


# -- SIGTERM: the terminal gets its normal screen back ---------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_sigterm_restores_the_terminal(tmp_path: Path, texts: Path) -> None:
    from terminal import Terminal

    journal = tmp_path / "r.jsonl"
    s = samples()
    Journal(journal).append(decide(Pair(s[0], s[3]), 0, "ann"))
    with open(journal, "ab") as f:
        f.write(b'{"query":[')  # a crash left a torn tail: the warning must be seen
    pid_file = tmp_path / "pid"
    rate = (
        f"{shlex.quote(sys.executable)} -m rater rate {shlex.quote(str(texts))} --kind text "
        f"--ratings {shlex.quote(str(journal))} --rater ann --silent"
    )
    term = Terminal(
        f"sh -c 'echo $$ > {shlex.quote(str(pid_file))}; exec {rate}'",
        tmp_path / "status",
        keep_screen=True,
    )
    try:
        ok, screen = term.wait_for(lambda s: "poem" in s and "A wins" in s, 60)
        assert ok, screen
        assert term.mode("alternate_on") == "1"
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
        assert term.wait_exit(20) == 128 + signal.SIGTERM
        time.sleep(0.3)
        assert term.mode("alternate_on") == "0"  # back on the normal screen
        assert term.mode("cursor_flag") == "1"  # with a cursor
        assert term.mode("mouse_any_flag") in ("0", "")  # and the mouse given back
        screen = term.screen()
        assert "was set aside into" in screen and "r.jsonl.torn" in screen
        assert "This session: 0 rated by you" in screen
        assert not list(tmp_path.glob(".*.lock"))  # the session's lock is gone
    finally:
        term.close()


# -- a long TMPDIR: the render processes still start -----------------------------------------


def test_a_long_temp_folder_still_renders(tmp_path: Path) -> None:
    """The forkserver's socket lives under TMPDIR and a socket path holds 107 bytes: under a
    long TMPDIR (a deep CI workspace, pytest's --basetemp) it cannot start. That is the
    machine's shape, not a reason to fail: the pool starts its workers another way."""
    deep = tmp_path / ("t" * max(1, 110 - len(str(tmp_path))))
    deep.mkdir()
    tunes = tmp_path / "two.abc"
    tunes.write_text(
        "X:1\nT:a\nM:4/4\nL:1/8\nK:C\nCDEF GABc|cBAG FEDC|CDEF GABc|cBAG FEDC|\n\n"
        "X:2\nT:b\nM:4/4\nL:1/8\nK:G\nGABc dedc|BAGF GABG|GABc dedc|BAGF G4|\n"
    )
    env = {**os.environ, "TMPDIR": str(deep), "RATER_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "rater", "check", str(tunes), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["ok"] for r in rows] == [True, True], rows
