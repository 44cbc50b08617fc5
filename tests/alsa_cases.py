"""The child side of test_player_alsa.py: each case runs in its own process, so the ALSA
configuration in its environment is the one libasound reads when the player first opens the
device. Prints one JSON object on stdout for the test to check.

    python alsa_cases.py sequence DIR WAV...    the real player plays the clips, then waits;
                                                DIR: the paced sink's folder (or "-")
    python alsa_cases.py decide-mid-clip JOURNAL CORPUS CLIP_SECONDS
                                                the real app: `1` pressed 1 s into clip A
    python alsa_cases.py notice JOURNAL CORPUS  the real app's notice line (no device)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any


def sequence(sink_dir: str, paths: list[str]) -> dict[str, Any]:
    from pathlib import Path

    from rater.audio.player import make_player

    player = make_player()
    start = time.monotonic()
    player.play_sequence(paths, gap=0.2)
    finished = player.wait(timeout=60)
    seconds = time.monotonic() - start
    still = sorted(p.name for p in Path(sink_dir).glob("*.part")) if sink_dir != "-" else []
    return {
        "player": type(player).__name__,
        "notice": player.notice,
        "finished": finished,
        "seconds": seconds,
        "still_playing": still,  # clips the device had not finished when wait() returned
    }


def _app(journal: str, corpus: str, clip_seconds: float) -> Any:
    from rater.audio.synth import resolve_soundfont
    from rater.core.corpus import read_samples
    from rater.core.settings import RateSettings, RenderSettings
    from rater.tui.build import make_app

    render = resolve_soundfont(RenderSettings(clip_seconds=clip_seconds))
    settings = RateSettings(rater="tester", render=render)  # no blacklist, the real player
    return make_app(read_samples([corpus]), journal, settings)


async def _showing(pilot: Any, app: Any) -> None:
    end = time.monotonic() + 60
    while app.session.state == "waiting":
        assert time.monotonic() < end, "no pair became ready"
        await pilot.pause(0.05)


def decide_mid_clip(journal: str, corpus: str, clip_seconds: float) -> dict[str, Any]:
    """Press `1` once the schedule is a second into clip A: the real player must stop it."""
    app = _app(journal, corpus, clip_seconds)
    out: dict[str, Any] = {"player": type(app.player).__name__}

    async def run() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            await _showing(pilot, app)
            ja, _ = app.session.verdicts()
            out["clip_a"] = ja.render.wav_path
            end = time.monotonic() + 30
            while True:
                position = app.player.position()
                if position is not None and position.index == 0 and position.seconds >= 1.0:
                    break
                assert time.monotonic() < end, "clip A never reached 1 s"
                await pilot.pause(0.02)
            out["pressed_at"] = position.seconds
            await pilot.press("1")
            out["after_key"] = app.player.position() is None
            out["state"] = app.session.state
            # Stay alive until A would have ended: an unstopped clip plays on meanwhile.
            await pilot.pause(position.duration - position.seconds + 0.5)
            await pilot.press("x")

    asyncio.run(run())
    return out


def notice(journal: str, corpus: str) -> dict[str, Any]:
    """What the rating screen says about sound when the device cannot be opened."""
    app = _app(journal, corpus, 2.0)
    out: dict[str, Any] = {"player": type(app.player).__name__, "notice": app.player.notice}

    async def run() -> None:
        from textual.widgets import Static

        async with app.run_test(size=(160, 48)) as pilot:
            await _showing(pilot, app)
            widget = app.query_one("#notice", Static)
            out["shown"] = str(widget.render()) if widget.display else ""
            await pilot.press("x")

    asyncio.run(run())
    return out


def main(argv: list[str]) -> None:
    case, args = argv[0], argv[1:]
    if case == "sequence":
        result = sequence(args[0], args[1:])
    elif case == "decide-mid-clip":
        result = decide_mid_clip(args[0], args[1], float(args[2]))
    elif case == "notice":
        result = notice(args[0], args[1])
    else:
        raise SystemExit(f"unknown case {case}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
