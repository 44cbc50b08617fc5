"""The rating app (Pilot) writes how each pair was judged: listening data, notes, hidden
re-checks, and `--min-heard`.

Real renders of demo tunes into a private cache, the real app, a real journal; the audio
device is the recording player (tests/fakes.py), which keeps the real `ScheduledPlayer`
schedule. The session and the player share a clock the test moves, so "3 s after the pair
appeared" is exact (the tmux test in test_tmux.py measures the same with real time).
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FakeClock, RecordingPlayer

from rater.audio.synth import resolve_soundfont
from rater.cli.main import main
from rater.core import corpus, demo
from rater.core.checks import text_verdict
from rater.core.settings import CheckSettings, PairingSettings, RateSettings, RenderSettings
from rater.tui.app import RaterApp
from rater.tui.build import make_app

SIZE = (160, 48)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tunes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list]:
    base = tmp_path_factory.mktemp("tunes")
    old = os.environ.get("RATER_CACHE_DIR")
    os.environ["RATER_CACHE_DIR"] = str(base / "cache")
    text = demo.demo_corpus(base / "demo").read_text().split("\nX:")
    path = base / "all.abc"
    path.write_text("\nX:".join(text) + "\n")
    checks = CheckSettings()  # eight tunes that pass, so every pair is a person's to judge
    yield [s for s in corpus.read_samples([str(path)]) if text_verdict(s, checks).ok][:8]
    if old is None:
        del os.environ["RATER_CACHE_DIR"]
    else:
        os.environ["RATER_CACHE_DIR"] = old


def settings(**kw) -> RateSettings:
    kw.setdefault("recheck", 0.0)
    kw.setdefault("min_view_seconds", 0.0)  # keys come as soon as a pair shows
    return RateSettings(
        rater="tester",
        pairing=PairingSettings(seed=0),
        render=resolve_soundfont(RenderSettings()),
        checks=CheckSettings(),
        **kw,
    )


def app_for(
    samples: list, journal: Path, clock: FakeClock, **kw
) -> tuple[RaterApp, RecordingPlayer]:
    player = RecordingPlayer(clock=clock)
    return make_app(samples, journal, settings(**kw), player=player, clock=clock), player


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def human(path: Path) -> list[dict]:
    return [r for r in records(path) if not r.get("broken")]


async def showing(pilot, app: RaterApp, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while app.session.state == "waiting":
        assert time.monotonic() < end, "no pair became ready"
        await pilot.pause(0.05)


def screen_text(app: RaterApp) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def test_records_say_what_was_heard_and_when(tunes, tmp_path: Path) -> None:
    journal, clock = tmp_path / "r.jsonl", FakeClock()
    app, player = app_for(tunes, journal, clock)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            clip_a = player.calls[-1].durations[0]
            assert clip_a > 4.0
            clock.now += 3.0  # a key 3 s after the pair appeared: 3 s of A, none of B
            await pilot.press("1")
            (first,) = human(journal)
            assert first["heard"] == [3.0, 0.0] and first["decide_seconds"] == 3.0
            assert first["replays"] == 0
            await showing(pilot, app)
            clip_a, clip_b = player.calls[-1].durations
            clock.now += 2.0  # 2 s of A, then `b`: 1.5 s of B
            await pilot.press("b")
            clock.now += 1.5
            await pilot.press("space")  # A and B again: all of A, the gap, 0.5 s of B
            clock.now += clip_a + 1.0 + 0.5
            await pilot.press("2")
            second = human(journal)[-1]
            assert second["best"] == 1 and second["replays"] == 2
            assert second["heard"] == [round(2.0 + clip_a, 2), 2.0]
            assert second["decide_seconds"] == round(2.0 + 1.5 + clip_a + 1.5, 2)
            await pilot.press("x")

    asyncio.run(run())


def test_min_heard_holds_the_key_and_says_why(tunes, tmp_path: Path) -> None:
    journal, clock = tmp_path / "r.jsonl", FakeClock()
    app, player = app_for(tunes, journal, clock, min_heard=2.0)

    async def run() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await showing(pilot, app)
            clip_a = player.calls[-1].durations[0]
            clock.now += 1.0
            await pilot.press("1")
            await pilot.pause(0.1)
            assert human(journal) == []
            assert "listen first" in screen_text(app)  # a visible message, not a bell
            clock.now += clip_a - 1.0 + 1.0 + 2.0  # the rest of A, the gap, 2 s of B
            await pilot.press("1")
            (r,) = human(journal)
            assert r["heard"] == [round(clip_a, 2), 2.0]
            await pilot.press("x")

    asyncio.run(run())


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def test_c_writes_a_note_into_the_decided_pairs_record(tunes, tmp_path: Path) -> None:
    from rater.tui.screens import NoteScreen

    journal, clock = tmp_path / "r.jsonl", FakeClock()
    app, _ = app_for(tunes, journal, clock)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            shown = app.session.current
            await pilot.press("c")
            assert isinstance(app.screen, NoteScreen)
            await type_text(pilot, "1 2 3 x u r b a is nicer")  # keys are text here
            await pilot.press("enter")
            assert not isinstance(app.screen, NoteScreen)
            assert app.session.current is shown and human(journal) == []  # still this pair
            await pilot.press("2")
            (noted,) = human(journal)
            assert noted["note"] == "1 2 3 x u r b a is nicer" and noted["best"] == 1
            assert noted["ids"] == [shown.a.id, shown.b.id]

            await showing(pilot, app)
            await pilot.press("c")
            await type_text(pilot, "never mind")
            await pilot.press("escape")  # cancelled
            await pilot.press("1")
            assert "note" not in human(journal)[-1]

            await showing(pilot, app)
            await pilot.press("c")
            await type_text(pilot, "skipped")
            await pilot.press("enter")
            await pilot.press("enter")  # skip: nothing decided, the note goes with the pair
            await showing(pilot, app)
            await pilot.press("1")
            assert "note" not in human(journal)[-1]
            await pilot.press("x")

    asyncio.run(run())
    out = tmp_path / "read.txt"
    assert main(["export", str(journal), "--format", "text", "--out", str(out)]) == 0
    assert "note: 1 2 3 x u r b a is nicer" in out.read_text()


def test_rechecks_in_the_app_and_in_the_exports(tmp_path: Path, capsys) -> None:
    """20 decisions at --recheck 0.5: re-checks are written, sides swapped, and only
    `--keep-rechecks` puts them in the oa and trl files."""
    words = "tide moss ember lantern heron stone honey gate frost swallow".split()
    poems = [
        f"poem {i}: {words[i % 10]} by the {words[i * 3 % 10]}, {i * 17 % 89}" for i in range(60)
    ]
    path = tmp_path / "poems.txt"
    path.write_text("\n===\n".join(poems) + "\n")
    samples = corpus.read_samples([str(path)], kind="text")
    journal = tmp_path / "r.jsonl"
    app = make_app(samples, journal, settings(recheck=0.5))

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            for i in range(20):
                await showing(pilot, app)
                await pilot.press("12"[i % 2])
            await pilot.press("x")

    asyncio.run(run())
    got = records(journal)
    assert len(got) == 20
    first = {r["decision"]: r for r in got if "recheck_of" not in r}
    rechecks = [r for r in got if "recheck_of" in r]
    assert rechecks
    for r in rechecks:
        original = first[r["recheck_of"]]
        assert r["ids"] == original["ids"][::-1]  # sides swapped
    capsys.readouterr()
    for fmt in ("oa", "trl"):
        out = tmp_path / f"out.{fmt}"
        assert main(["export", str(journal), "--format", fmt, "--out", str(out)]) == 0
        assert f"dropped {len(rechecks)}: hidden re-check" in capsys.readouterr().out
        rows = json.loads(out.read_text()) if fmt == "oa" else out.read_text().splitlines()
        assert len(rows) == 20 - len(rechecks)
        args = ["export", str(journal), "--format", fmt, "--out", str(out), "--keep-rechecks"]
        assert main(args) == 0
        rows = json.loads(out.read_text()) if fmt == "oa" else out.read_text().splitlines()
        assert len(rows) == 20
