"""`rater rate --pairing model` in the real app, driven by Pilot: real renders, the real
session and journal; the refit happens after the next pair is on screen."""

from __future__ import annotations

import asyncio
import json
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
def test_model_pairing_in_the_app_fits_after_the_pair_is_shown(
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

    got: dict[str, model_pairing.ModelSource] = {}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await next_shown(pilot, None)
            source = got["source"] = app.session.source
            assert isinstance(source, model_pairing.ModelSource)
            settled: list[tuple[int, object]] = []
            real = source.settle

            def spy() -> None:
                settled.append((source._since, app.session.current))
                real()

            source.settle = spy
            for _ in range(8):
                shown = app.session.current
                await pilot.press("1")
                await next_shown(pilot, shown)
                await pilot.pause(0.1)  # the settle after the paint
                # the decision just made was not fitted in the key press: settle did it,
                # with the next pair already on screen
                assert any(n >= 1 and on is app.session.current for n, on in settled)
                assert source._since == 0
            assert source.model is not None
            await pilot.press("x")

    asyncio.run(run())
    rows = [json.loads(line) for line in journal.read_text().splitlines()]
    people = [r for r in rows if not r.get("broken")]
    assert len(people) == 8
    pairs = {r["decision"]: frozenset(r["ids"]) for r in rows}  # a tie is two records
    assert len(set(pairs.values())) == len(pairs), "a pair was shown twice"
    # the features read each tune's one reading: a rendered tune is `parsed` exactly when
    # the clip the rater heard holds notes; the tunes the checks failed are read all the same
    source = got["source"]
    column = music.NAMES.index("parsed")
    parsed = {
        source._samples[k].id: row[column] for k, row in zip(source._rows, raw(source), strict=True)
    }
    rendered = 0
    for sid, value in parsed.items():
        judged = app.session.judged_of(sid)
        r = judged.render if judged is not None else None
        if r is not None and r.error is None:
            rendered += 1
            assert value == float(bool(r.notes))
    assert len(parsed) == len(samples) and rendered >= 8 and sum(parsed.values()) >= 12


def raw(source: model_pairing.ModelSource) -> list:
    return [row for block in source._raw for row in block]
