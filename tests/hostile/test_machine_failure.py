"""Item 2: a render process killed by the machine (the OOM killer, kill -9) is not a verdict.

A `kill -9` of one worker during autorate once wrote `crashed` for good tunes into the
journal. Now the tune is tried once more in a fresh process; killed again, it is a machine
failure: no verdict, nothing cached, no journal record, one warning line.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from procs import Killer

from rater.audio import cache
from rater.audio.pool import Pool
from rater.audio.synth import find_soundfont
from rater.core.corpus import read_samples
from rater.core.records import MACHINE_FAILURE, Judged, Sample, Verdict
from rater.core.settings import RateSettings, RenderSettings
from rater.rating.journal import Journal
from rater.rating.session import Session, State

# A 180 s clip of chords: seconds of synthesis (so a worker is caught busy), then the
# tune's own verdict, ok.
SLOW = "X:1\nM:4/4\nL:1/8\nK:C\n" + ("[ceg][dfa][egb][fac'] " * 8 + "|\n") * 100
SCALE = "X:1\nT:Scale\nM:4/4\nL:1/4\nK:C\n" + "C D E F | G A B c | c B A G | F E D C |\n" * 4


def sample(text: str, sid: str) -> Sample:
    return Sample(id=sid, text=text, source="t.abc", number=1)


@pytest.fixture
def settings() -> RenderSettings:
    return RenderSettings(soundfont=find_soundfont(), clip_seconds=180.0, time_limit=0)


def run_pool(settings: RenderSettings, tmp_path: Path, kills: int) -> dict[str, object]:
    pool = Pool(settings, tmp_path, workers=1)
    try:
        with Killer(os.getpid(), kills) as killer:
            results = list(pool.run([sample(SLOW, "slow"), sample(SCALE, "scale")]))
    finally:
        pool.close()
    assert len(killer.killed) == kills, killer.killed
    return {r.sample_id: r for r in results}


def test_a_worker_killed_once_renders_the_tune_again(
    settings: RenderSettings, tmp_path: Path
) -> None:
    by_id = run_pool(settings, tmp_path, kills=1)
    assert by_id["slow"].ok, by_id["slow"]  # the tune's own verdict
    assert by_id["scale"].ok


def test_a_worker_killed_twice_is_a_machine_failure_never_cached(
    settings: RenderSettings, tmp_path: Path
) -> None:
    by_id = run_pool(settings, tmp_path, kills=2)
    slow = by_id["slow"]
    assert slow.error == MACHINE_FAILURE and "SIGKILL" in slow.detail, slow
    assert by_id["scale"].ok  # the pool carried on
    assert cache.put(slow, settings, tmp_path / "cache").cached is False
    assert cache.get("slow", settings, tmp_path / "cache") is None


def long_tune() -> str:
    """A good tune of 900 distinct bars of triplets, chords and broken rhythm at the fastest
    playable tempo, 17,000 characters: reading it (as `autorate` judges) takes ~0.25 s of
    CPU, so a worker is caught busy on it."""
    rng = random.Random(22)

    def notes(n: int) -> str:
        return "".join(rng.choice("CDEFGABcdefgab") for _ in range(n))

    bars = [f"(3{notes(3)} [{notes(3)}]>{rng.choice('cdefg')} {notes(2)}" for _ in range(900)]
    body = "\n".join(" | ".join(bars[i : i + 8]) + " |" for i in range(0, len(bars), 8))
    return "X:1\nT:Long\nM:4/4\nL:1/8\nQ:1/4=2000\nK:C\n" + body + "\n"


@pytest.mark.slow
def test_autorate_writes_no_verdict_when_the_machine_kills_a_render(tmp_path: Path) -> None:
    """The reported case end to end: `rater autorate` while the worker reading a good tune
    is killed twice writes nothing about its pair (on the old code: `crashed`, a false
    verdict) and says why in one line; nothing about it is cached."""
    samples = tmp_path / "s.abc"
    samples.write_text(long_tune() + "\n\n" + SCALE.replace("X:1", "X:2"))
    journal = tmp_path / "j.jsonl"
    env = {**os.environ, "RATER_CACHE_DIR": str(tmp_path / "cache")}
    args = ["autorate", str(samples), "--ratings", str(journal), "--workers", "1"]
    args += ["--time-limit", "0", "--clip-seconds", "180"]
    child = subprocess.Popen(
        [sys.executable, "-m", "rater", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with Killer(child.pid, 2, busy=0.1) as killer:  # a fresh worker has used ~0.02 s
        out, err = child.communicate(timeout=300)
    records = journal.read_text().splitlines() if journal.exists() else []
    assert records == [], records  # no "crashed" (or any) verdict on the pair
    assert len(killer.killed) == 2
    assert child.returncode == 0, err
    assert "was not judged" in err and "the machine failed, not the tune" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "left for people:            1" in out, out
    long_id = read_samples([str(samples)])[0].id
    assert not list((tmp_path / "cache").rglob(f"{long_id}.*"))  # nothing cached about it


def test_a_rating_session_skips_pairs_of_a_sample_the_machine_failed_on(tmp_path: Path) -> None:
    """The rating screen's side: such a sample's pairs are neither shown nor recorded, and
    the session does not wait for a verdict that will never come."""
    texts = [f"poem number {i} about the {w} and the sea" for i, w in enumerate("abcdefgh")]
    path = tmp_path / "poems.txt"
    path.write_text("\n===\n".join(texts) + "\n")
    samples = read_samples([str(path)], kind="text")
    gone = samples[3].id
    holder: dict[str, Session] = {}

    def judge(order: Sequence[Sample]) -> Iterator[Judged]:
        for s in order:
            if s.id == gone:
                holder["session"].judging.lose(s, "the render process was killed (SIGKILL)")
                continue
            yield Judged(s, None, Verdict(s.id, True))

    settings = RateSettings(rater="ann", recheck=0.0)
    session = Session(samples, Journal(tmp_path / "j.jsonl"), settings, judge=judge)
    holder["session"] = session
    session.start_judging()
    shown = 0
    deadline = time.monotonic() + 30
    while (state := session.advance()) != State.DONE:
        assert time.monotonic() < deadline, "the session waits for a verdict that never comes"
        if state == State.SHOWING:
            assert gone not in (session.current.a.id, session.current.b.id)
            session.decide(0)
            shown += 1
        else:
            time.sleep(0.01)
    assert shown == 3  # 4 pairs of 8 samples, one of them with the lost sample
    assert all(gone not in r.ids for r in Journal(tmp_path / "j.jsonl").records())
    assert any("was not judged" in w for w in session.judging.warnings)
