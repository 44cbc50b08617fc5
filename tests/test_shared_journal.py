"""Several processes on one journal (issue 14, items 2 and 3).

- The same rater in two windows: the second session is refused before its screen opens,
  with one line naming the first (tmux: two real `rater rate` processes; and a lock held by
  another process refused by `make_app`).
- `rater autorate` beside a rating session: the session reads what autorate appended and
  writes no second automatic record for a pair; autorate, whose view is older, leaves out
  pairs the session decided meanwhile (checked under the journal's lock).
- Other raters' lines appear in a running session (a pair decided elsewhere is not shown),
  and another writer's undo is followed back.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from rater.core.corpus import read_samples
from rater.core.errors import JournalError
from rater.core.records import Pair
from rater.core.settings import CheckSettings, PairingSettings, RateSettings
from rater.rating.journal import Journal
from rater.rating.outcome import decide
from rater.rating.pairing import halves
from rater.rating.session import Session, State

GOOD = [
    f"verse {i}: the {w} wind over the {h} hill, and a {c} river runs to the sea"
    for i, (w, h, c) in enumerate(
        zip(
            "north south east west warm cold wet dry soft loud".split(),
            "green grey high low bare wooded long round steep small".split(),
            "cold clear slow brown quick deep narrow wide still loud".split(),
            strict=True,
        )
    )
]
BROKEN = [f"{word} " * 120 for word in ("la", "na", "da", "ho", "hey", "oh")]


def corpus(path: Path) -> Path:
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in GOOD + BROKEN))
    return path


def rate_settings(rater: str = "ann", seed: int = 0) -> RateSettings:
    return RateSettings(
        rater=rater,
        pairing=PairingSettings("halves", seed=seed),
        checks=CheckSettings(),
        min_view_seconds=0.0,
    )


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def decisions_per_pair(path: Path) -> Counter:
    seen: dict[str, frozenset] = {}
    for r in records(path):
        seen[r["decision"]] = frozenset(r["ids"])
    return Counter(seen.values())


def wait_judged(session: Session) -> None:
    session.start_judging()
    assert session.judging_done.wait(60)


# -- item 3: autorate beside a session ------------------------------------------------------


def run_autorate(path: Path, journal: Path) -> None:
    """`rater autorate` in another process, as a user would run it beside a rating session."""
    done = subprocess.run(
        [sys.executable, "-m", "rater", "autorate", str(path), "--kind", "text"]
        + ["--ratings", str(journal), "--seed", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_autorate_while_a_session_runs_writes_no_second_record(tmp_path: Path) -> None:
    """The session started (and read the journal) before `rater autorate` ran; then it goes
    on through its pairs: every pair autorate rated is skipped, none is rated twice."""
    path = corpus(tmp_path / "c.jsonl")
    journal = tmp_path / "r.jsonl"
    samples = read_samples([str(path)], kind="text")
    session = Session(samples, Journal(journal), rate_settings())
    wait_judged(session)
    run_autorate(path, journal)
    auto_before = len(records(journal))
    assert auto_before > 0  # the corpus has pairs with a broken sample
    while session.advance() == State.SHOWING:
        session.decide(0)
    assert session.state == State.DONE
    counts = decisions_per_pair(journal)
    assert max(counts.values()) == 1, counts
    assert session.auto == 0  # every broken pair had its record from autorate
    assert [r for r in records(journal) if r.get("broken")] == records(journal)[:auto_before]


def test_r_after_autorate_ran_counts_only_what_it_wrote(tmp_path: Path) -> None:
    """`r` (auto-rate the rest) in a session that has not looked at the journal since
    `rater autorate` wrote every broken pair: it writes nothing, and says it wrote nothing
    (it said "auto-rated 5 more pairs" though each pair had its record already)."""
    from rater.rating.autorate import autorate_rest

    path = corpus(tmp_path / "c.jsonl")
    journal = tmp_path / "r.jsonl"
    session = Session(read_samples([str(path)], kind="text"), Journal(journal), rate_settings())
    wait_judged(session)
    run_autorate(path, journal)
    before = records(journal)
    summary = autorate_rest(session)
    assert records(journal) == before
    assert (summary.auto, summary.both_broken, session.auto) == (0, 0, 0)
    assert summary.left > 0 and session.state == State.DONE


def _autorate_late(path: str, journal: str, ready, go, result) -> None:
    """A second process with autorate's view of the journal from before the session wrote:
    it decides what to write, waits, then appends (as `rater autorate` does after judging)."""
    from rater.audio.pipeline import judge_all
    from rater.core.settings import RenderSettings
    from rater.rating.outcome import auto_rate_pairs

    samples = read_samples([path], kind="text")
    j = Journal(journal)
    done = j.decided()
    todo = [p for p in halves(samples, 0) if frozenset((p.a.id, p.b.id)) not in done]
    verdicts = {
        v.sample.id: v.verdict for v in judge_all(samples, RenderSettings(), CheckSettings())
    }
    decisions, _ = auto_rate_pairs(todo, verdicts.get, "auto")
    ready.set()
    go.wait(60)
    written = j.append_many(decisions, unless_decided=True)
    result.put((len(decisions), len(written)))


def test_autorate_with_an_older_view_leaves_out_what_the_session_wrote(tmp_path: Path) -> None:
    path = corpus(tmp_path / "c.jsonl")
    journal = tmp_path / "r.jsonl"
    ctx = multiprocessing.get_context("spawn")
    ready, go, result = ctx.Event(), ctx.Event(), ctx.Queue()
    child = ctx.Process(target=_autorate_late, args=(str(path), str(journal), ready, go, result))
    child.start()
    try:
        assert ready.wait(120)
        samples = read_samples([str(path)], kind="text")
        session = Session(samples, Journal(journal), rate_settings())
        wait_judged(session)
        while session.advance() == State.SHOWING:  # auto-rates broken pairs on the way
            session.decide(1)
        assert session.auto > 0
        go.set()
        wanted, written = result.get(timeout=60)
    finally:
        child.join(60)
    assert child.exitcode == 0
    assert wanted == session.auto and written == 0
    assert max(decisions_per_pair(journal).values()) == 1


def test_a_pair_another_rater_decided_meanwhile_is_not_shown(tmp_path: Path) -> None:
    path = corpus(tmp_path / "c.jsonl")
    journal = tmp_path / "r.jsonl"
    samples = read_samples([str(path)], kind="text")
    session = Session(samples, Journal(journal), rate_settings("ann", seed=3))
    wait_judged(session)
    assert session.advance() == State.SHOWING
    upcoming = session.source.upcoming(50)
    good = [p for p in upcoming if all(session.verdict_of(s.id).ok for s in (p.a, p.b))]
    assert good, "no good pair ahead"
    target = good[0]
    code = (
        "import sys; from rater.rating.journal import Journal;"
        "from rater.rating.outcome import decide; from rater.core.records import Pair;"
        "from rater.core.corpus import read_samples;"
        "s = {x.id: x for x in read_samples([sys.argv[1]], kind='text')};"
        "pair = Pair(s[sys.argv[3]], s[sys.argv[4]]);"
        "Journal(sys.argv[2]).append(decide(pair, 0, 'bob'))"
    )
    args = [str(path), str(journal), target.a.id, target.b.id]
    subprocess.run([sys.executable, "-c", code, *args], check=True, timeout=60)
    shown = []
    while session.advance() == State.SHOWING:
        assert session.current is not None
        shown.append(frozenset((session.current.a.id, session.current.b.id)))
        session.decide(0)
    assert frozenset((target.a.id, target.b.id)) not in shown
    assert session.elsewhere == 1
    assert max(decisions_per_pair(journal).values()) == 1


def test_another_writers_undo_is_followed(tmp_path: Path) -> None:
    """Lines another writer took back stop counting as decided; what it wrote next is news."""
    path = tmp_path / "r.jsonl"
    samples = read_samples([str(corpus(tmp_path / "c.jsonl"))], kind="text")
    pairs = [Pair(samples[k], samples[k + 1]) for k in range(0, 8, 2)]
    ann, bob = Journal(path), Journal(path)
    ann.follow()
    for p in pairs[:3]:
        bob.append(decide(p, 0, "bob"))
    assert len(ann.news()) == 3 and ann.is_decided((pairs[2].a.id, pairs[2].b.id))
    bob.undo()
    bob.undo()
    bob.append(decide(pairs[3], "tie", "bob"))
    news = ann.news()
    assert [frozenset(r.ids) for r in news] == [frozenset((pairs[3].a.id, pairs[3].b.id))] * 2
    assert ann.is_decided((pairs[0].a.id, pairs[0].b.id))
    assert not ann.is_decided((pairs[1].a.id, pairs[1].b.id))
    assert not ann.is_decided((pairs[2].b.id, pairs[2].a.id))
    mine = ann.append(decide(pairs[1], 1, "ann"), unless_decided=True)
    assert mine and ann.news() == []  # its own lines are not news
    assert ann.append(decide(pairs[3], 1, "auto"), unless_decided=True) == []


# -- item 2: one session per journal and rater ----------------------------------------------


def _hold_lock(journal: str, rater: str, held, release) -> None:
    from rater.rating.session_lock import SessionLock

    lock = SessionLock(journal, rater).acquire()
    held.set()
    release.wait(60)
    lock.release()


def test_a_second_session_of_the_same_rater_is_refused(tmp_path: Path) -> None:
    from rater.tui.build import make_app as text_app  # text samples: no audio, no renders

    journal = tmp_path / "r.jsonl"
    samples = read_samples([str(corpus(tmp_path / "c.jsonl"))], kind="text")
    ctx = multiprocessing.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold_lock, args=(str(journal), "ann", held, release))
    child.start()
    try:
        assert held.wait(60)
        with pytest.raises(JournalError) as info:
            text_app(samples, journal, rate_settings("ann"))
        message = str(info.value)
        assert "\n" not in message and f"pid {child.pid}" in message
        assert "'ann' already has a rating session open" in message and "--rater" in message
        text_app(samples, journal, rate_settings("bob")).lifecycle.end()  # others may
    finally:
        release.set()
        child.join(60)
    app = text_app(samples, journal, rate_settings("ann"))  # released: ann may start again
    app.lifecycle.end()
    assert not list(tmp_path.glob(".*.lock"))


def test_the_same_journal_by_another_name_is_the_same_lock(tmp_path: Path) -> None:
    """A second window may name the journal another way: a relative path, `..`, or a
    symlink to it. Each opens the same file, so each must meet the same lock."""
    from rater.tui.build import make_app as text_app

    journal = tmp_path / "ratings" / "r.jsonl"
    samples = read_samples([str(corpus(tmp_path / "c.jsonl"))], kind="text")
    first = text_app(samples, journal, rate_settings("ann"))
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "elsewhere" / "mine.jsonl"
    link.symlink_to(journal)
    try:
        for alias in (link, tmp_path / "elsewhere" / ".." / "ratings" / "r.jsonl"):
            with pytest.raises(JournalError, match="already has a rating session open"):
                text_app(samples, alias, rate_settings("ann")).lifecycle.end()
    finally:
        first.lifecycle.end()


def test_the_lock_goes_with_a_killed_process(tmp_path: Path) -> None:
    from rater.rating.session_lock import SessionLock

    journal = tmp_path / "r.jsonl"
    ctx = multiprocessing.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold_lock, args=(str(journal), "ann", held, release))
    child.start()
    assert held.wait(60)
    os.kill(child.pid, 9)
    child.join(60)
    SessionLock(journal, "ann").acquire().release()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_two_windows_same_rater_in_tmux(tmp_path: Path) -> None:
    from terminal import Terminal

    path = corpus(tmp_path / "c.jsonl")
    journal = tmp_path / "r.jsonl"
    pid_file = tmp_path / "pid1"
    rate = (
        f"{shlex.quote(sys.executable)} -m rater rate {shlex.quote(str(path))} --kind text "
        f"--ratings {shlex.quote(str(journal))} --rater ann --silent"
    )
    first = Terminal(
        f"sh -c 'echo $$ > {shlex.quote(str(pid_file))}; exec {rate}'", tmp_path / "s1"
    )
    second = None
    try:
        ok, screen = first.wait_for(lambda s: "verse" in s and "A wins" in s, 60)
        assert ok, screen
        err = tmp_path / "err2"
        second = Terminal(f"{rate} 2> {shlex.quote(str(err))}", tmp_path / "s2")
        assert second.wait_exit(60) == 2
        pid = pid_file.read_text().strip()
        lines = err.read_text().splitlines()
        assert len(lines) == 1 and f"pid {pid}" in lines[0], lines
        assert "already has a rating session open" in lines[0]
        assert first.status() is None  # the first session goes on
        first.press("1")
        deadline = time.monotonic() + 10
        while not records(journal) and time.monotonic() < deadline:
            time.sleep(0.1)
        first.press("x")
        assert first.wait_exit(30) == 0
    finally:
        first.close()
        if second is not None:
            second.close()
    assert len(records(journal)) >= 1 and max(decisions_per_pair(journal).values()) == 1
