"""Only what is heard is synthesised (issue 25, item 1): a session judges by the reading alone,
makes the clips of the pairs about to be played, and a verdict that only the sound can give
(`silent`) is a late verdict its pair is auto-rated for, as a pair with a broken sample is,
before it is ever shown."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from rater.audio.synth import find_soundfont
from rater.core import corpus
from rater.core.records import Judged, Render, Sample, Verdict
from rater.core.settings import CheckSettings, PairingSettings, RateSettings, RenderSettings
from rater.rating.journal import Journal
from rater.rating.session import CLIPS_AHEAD, Session, State

TUNE = "X:{k}\nT:Tune {k}\nM:4/4\nL:1/8\nK:{key}\n{a}CDEF GABc|cBAG FEDC|{b}EFGA Bcde|edcB AGFE|]\n"
KEYS = "CGDAEBF"


def tunes(tmp_path: Path, n: int) -> list[Sample]:
    text = "\n".join(
        TUNE.format(k=k, key=KEYS[k % 7], a="ABcd"[k % 4], b="EFGA"[k // 4 % 4]) for k in range(n)
    )
    path = tmp_path / "tunes.abc"
    path.write_text(text)
    return corpus.read_samples([str(path)])


def settle(session: Session, timeout: float = 60.0) -> State:
    end = time.monotonic() + timeout
    while (state := session.advance()) == State.WAITING:
        assert time.monotonic() < end, "no pair became ready"
        time.sleep(0.01)
    return state


def test_a_silent_clip_is_a_late_verdict_its_pair_is_auto_rated_for(tmp_path: Path) -> None:
    samples = tunes(tmp_path, 8)
    silent = samples[5].id
    made: list[str] = []

    def judge(order: Sequence[Sample]) -> Iterator[Judged]:  # every reading is good
        for s in order:
            yield Judged(s, Render(s.id, None, clip_seconds=9.0), Verdict(s.id, True))

    def clip(sample: Sample, known: Judged) -> Judged:
        made.append(sample.id)
        render = replace(known.render, wav_path=f"/clips/{sample.id}.wav")
        if sample.id == silent:
            verdict = Verdict(sample.id, False, ("silent",), ("peak 0.0000, rms 0.00000",))
            return Judged(sample, replace(render, peak=0.0), verdict)
        return Judged(sample, replace(render, peak=0.5, rms=0.1), known.verdict)

    journal = tmp_path / "r.jsonl"
    settings = RateSettings(rater="ann", recheck=0.0, min_view_seconds=0)
    session = Session(samples, Journal(journal), settings, judge=judge, clip=clip)
    session.start_judging()
    shown: list[set[str]] = []
    while settle(session) == State.SHOWING:
        pair = session.current
        assert pair is not None
        shown.append({pair.a.id, pair.b.id})
        for j in session.verdicts():  # a pair is shown with both clips made
            assert j is not None and j.render is not None and j.render.wav_path
        session.decide(0)
    assert len(shown) == 3 and all(silent not in ids for ids in shown)
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    auto = [r for r in records if r.get("broken")]
    assert len(auto) == 1 and silent in auto[0]["ids"]
    side = auto[0]["ids"].index(silent)
    assert auto[0]["reasons"][side] == ["silent"] and auto[0]["best"] == 1 - side
    assert sorted(made) == sorted(s.id for s in samples)  # each made once


def test_nothing_is_synthesised_for_the_pairs_nobody_reached(tmp_path: Path) -> None:
    """The real pipeline: the whole corpus is judged, only the first pairs' clips exist."""
    samples = tunes(tmp_path, 24)
    cache = tmp_path / "cache"
    render = RenderSettings(soundfont=find_soundfont(), clip_seconds=2.0)
    settings = RateSettings(
        rater="ann",
        render=render,
        checks=CheckSettings(),
        pairing=PairingSettings(seed=3),
        recheck=0.0,
        min_view_seconds=0,
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RATER_CACHE_DIR", str(cache))
        session = Session(samples, Journal(tmp_path / "r.jsonl"), settings)
        session.start_judging()
        assert settle(session) == State.SHOWING
        first = session.current
        assert first is not None
        assert session.judging_done.wait(120)  # every sample judged (by its reading)
        assert all(session.verdict_of(s.id) is not None for s in samples)
        time.sleep(1.0)  # the clips ahead
        session.close()
    clips = {p.stem for p in (cache / render.key()).glob("*.wav")}
    assert {first.a.id, first.b.id} <= clips
    assert len(clips) <= 2 * (1 + CLIPS_AHEAD) + 2  # and a few ahead, of the 24
