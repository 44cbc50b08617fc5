"""`rater rate --pairing model` in the real app, driven by Pilot: real renders, the
real session and journal; features, refits and the next batch run in a worker thread."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from fakes import RecordingPlayer

from rater.analysis.model import music
from rater.audio.synth import resolve_soundfont
from rater.core import corpus, demo
from rater.core.checks import text_verdict
from rater.core.settings import CheckSettings, PairingSettings, RateSettings, RenderSettings
from rater.rating.pairing import model as model_pairing
from rater.tui.build import make_app

SIZE = (160, 48)


@pytest.mark.slow
def test_model_pairing_in_the_app_fits_in_a_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(model_pairing, "BOOT", 4)  # a fit after 4 decisions: a short test
    every = tmp_path / "every.abc"
    every.write_text(demo.demo_corpus(tmp_path / "demo").read_text())
    # ten tunes a rater hears and four the checks fail (never rendered)
    judged = [(s, text_verdict(s, CheckSettings()).ok) for s in corpus.read_samples([str(every)])]
    chosen = [s for s, ok in judged if ok][:10] + [s for s, ok in judged if not ok][:4]
    path = tmp_path / "small.abc"
    path.write_text("\n\n".join(s.text.strip() for s in chosen) + "\n")
    samples = corpus.read_samples([str(path)])
    settings = RateSettings(
        rater="tester",
        pairing=PairingSettings("model", seed=0),
        render=resolve_soundfont(RenderSettings()),
        checks=CheckSettings(),
        min_view_seconds=0.0,
        recheck=0.0,  # the source on the session is the ModelSource itself
    )
    journal = tmp_path / "r.jsonl"
    app = make_app(samples, journal, settings, player=RecordingPlayer())

    async def next_shown(pilot, previous) -> None:
        end = time.monotonic() + 120
        while app.session.current is None or app.session.current == previous:
            assert time.monotonic() < end, "no next pair"
            await pilot.pause(0.05)

    jobs: list[tuple[str, object]] = []  # (thread, result) of every idle job
    source = app.session.source
    assert isinstance(source, model_pairing.ModelSource)
    real = source.prepare

    def spy():  # every job from the first on, on whichever thread runs it
        job = real()
        if job is None:
            return None

        def run_job():
            result = job()
            jobs.append((threading.current_thread().name, result))
            return result

        return run_job

    source.prepare = spy

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await next_shown(pilot, None)
            for _ in range(8):
                shown = app.session.current
                await pilot.press("1")
                await next_shown(pilot, shown)
            end = time.monotonic() + 120
            while source.model is None:  # the fit after BOOT decisions arrives
                assert time.monotonic() < end, "no fit"
                await pilot.pause(0.05)
            await pilot.press("x")

    asyncio.run(run())
    rows = [json.loads(line) for line in journal.read_text().splitlines()]
    people = [r for r in rows if not r.get("broken")]
    assert len(people) == 8
    pairs = {r["decision"]: frozenset(r["ids"]) for r in rows}  # a tie is two records
    assert len(set(pairs.values())) == len(pairs), "a pair was shown twice"
    # every job ran off the event loop's thread, and one of them fitted the model
    assert jobs and all(name != "MainThread" for name, _ in jobs)
    results = [r for _, r in jobs if isinstance(r, model_pairing.ModelFit)]
    assert any(r.model is not None for r in results)
    # the features read each tune's reading, the clips the rater heard (in the child
    # process): every tune whose judged render holds notes is `parsed` (the child
    # may also parse a tune the checks failed before it was rendered)
    column = music.NAMES.index("parsed")
    parsed = {}
    for r in results:
        for sid, row in zip(r.ids, r.rows.music if r.rows else (), strict=True):
            parsed[sid] = row[column]
    heard = {}
    for sid in parsed:
        judged = app.session.judged_of(sid)
        render = judged.render if judged is not None else None
        heard[sid] = float(render is not None and render.error is None and bool(render.notes))
    rated = {sid for r in people for sid in r["ids"]}  # the fit learns from these samples
    assert rated <= set(parsed) and sum(heard[sid] for sid in rated) >= 8
    assert all(parsed[sid] == 1.0 for sid, h in heard.items() if h)
