"""The rating app over a damaged or unwritable render cache: real renders (pool and the
in-process first pair), the real app driven by Pilot, a recording player.

A clip damaged in the cache is rendered again instead of crashing the screen; a cache that
cannot be written is a visible notice while rating goes on, never a broken verdict.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import pytest
from fakes import RecordingPlayer

from rater.audio import pipeline
from rater.audio.synth import resolve_soundfont
from rater.core import corpus
from rater.core.settings import CheckSettings, RateSettings, RenderSettings
from rater.tui.app import RaterApp
from rater.tui.build import make_app

SIZE = (160, 48)
LOOP = "X:1\nT:Loop\nM:4/4\nL:1/8\nK:G\n" + "GABc dBAG|" * 60 + "\n"  # repetitive
SCALES = (
    "X:1\nT:Up\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|dcBA|GFED|\n\n"
    "X:2\nT:Down\nM:4/4\nL:1/4\nK:G\ngfed|cBAG|ABcd|efga|\n"
)


def sitting() -> RateSettings:
    render = resolve_soundfont(RenderSettings(clip_seconds=3.0))
    return RateSettings(rater="tester", render=render, checks=CheckSettings(), min_view_seconds=0)


async def until(pilot, done, timeout: float = 90.0, why: str = "") -> None:
    end = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < end, why
        await pilot.pause(0.05)


def rate_one_pair(app: RaterApp, last: tuple[str, ...] = ("x",)) -> str:
    """Show the first pair, decide it, press the keys `last` (exit, or auto-rate the rest
    and answer yes); the notice row's text."""
    notice: list[str] = []

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.session.state == "showing" or app.return_code,
                        why="no pair became ready")  # fmt: skip
            assert app.return_code is None, app.error
            await pilot.pause(0.2)
            widget = app.query_one("#notice")
            notice.append(str(widget.render()) if widget.display else "")
            await pilot.press("1")
            await pilot.press(*last)
            await until(pilot, lambda: app.return_code is not None, why="the app did not exit")

    asyncio.run(run())
    assert app.return_code == 0, app.error
    return notice[0]


def journal(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.slow
def test_clips_damaged_in_the_cache_are_rendered_again(
    two_tunes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path / "cache"))
    samples = corpus.read_samples([str(two_tunes)])
    settings = sitting()
    judged = pipeline.judge_all(samples, settings.render, settings.checks, audio=True)
    assert all(j.verdict.ok for j in judged)
    for j in judged:  # one clip emptied, the other cut after its header
        clip = Path(j.render.wav_path)
        clip.write_bytes(b"" if j is judged[0] else clip.read_bytes()[:1000])
    player = RecordingPlayer()
    app = make_app(samples, tmp_path / "r.jsonl", settings, player=player)
    rate_one_pair(app)
    (call,) = player.calls[:1]
    assert all(d == pytest.approx(settings.render.clip_seconds / 1.1, abs=0.01)
               for d in call.durations)  # fmt: skip
    assert [r["best"] for r in journal(tmp_path / "r.jsonl")] == [0]


@pytest.mark.slow
def test_an_unwritable_cache_is_a_notice_and_rating_goes_on(
    two_tunes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("RATER_CACHE_DIR", str(blocker / "cache"))
    more = tmp_path / "more.abc"  # 4 good tunes and 2 loops: 3 pairs, one of two good tunes
    more.write_text(
        SCALES + "\n" + LOOP + "\n" + LOOP.replace("Loop", "Loop two").replace("GABc", "GAGc")
    )
    samples = corpus.read_samples([str(two_tunes), str(more)])
    assert len(samples) == 6
    app = make_app(samples, tmp_path / "r.jsonl", sitting(), player=RecordingPlayer())
    notice = rate_one_pair(app, last=("r", "y"))
    assert "cannot create the render cache" in notice and "Not a directory" in notice
    assert "nothing is cached" in notice
    records = journal(tmp_path / "r.jsonl")
    assert len([r for r in records if not r.get("broken")]) == 1
    auto = [r for r in records if r.get("broken")]
    assert auto  # the loops' automatic records: for what the tunes are, not the machine
    for r in auto:
        tune_reasons = {"repetitive", "compressible", "loop"}  # loop: the bar-level check
        assert all(set(reasons) <= tune_reasons for reasons in r["reasons"])


@pytest.mark.slow
def test_a_read_only_cache_in_the_app(two_tunes: Path, tmp_path: Path, monkeypatch) -> None:
    """The bucket exists and the disk is read-only: the render processes and the in-process
    first pair both fail to write, and both carry on in the private folder."""
    cache = tmp_path / "ro"
    cache.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=10m", "tmpfs", str(cache)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({mounted.stderr.decode().strip()}): needs root")
    try:
        settings = sitting()
        (cache / settings.render.key()).mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(cache)], check=True)
        monkeypatch.setenv("RATER_CACHE_DIR", str(cache))
        samples = corpus.read_samples([str(two_tunes)])
        player = RecordingPlayer()
        app = make_app(samples, tmp_path / "r.jsonl", settings, player=player)
        notice = rate_one_pair(app)
        assert "Read-only file system" in notice and "nothing is cached" in notice
        assert player.calls and all(d > 1 for d in player.calls[0].durations)
        assert [r["best"] for r in journal(tmp_path / "r.jsonl")] == [0]
    finally:
        subprocess.run(["umount", "-l", str(cache)], check=False)
