"""Snapshots of the main and help screens (pytest-textual-snapshot).

Deterministic by construction: a fixed corpus rendered into a private cache, the pairing
seed fixed, a frozen clock for the session time and play position, and the screenshot taken
only after every sample is judged (so the counters are final).
Regenerate after an intended UI change with `pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import RecordingPlayer

from rater.core import corpus
from rater.core.settings import RateSettings
from rater.tui.app import RaterApp
from rater.tui.build import make_app

TUNES = [
    "X:1\nT:Snapshot reel\nM:4/4\nL:1/8\nQ:1/4=110\nK:D\n"
    "|:DFAF dFAF|GBdB AFED|DFAF dfed|cABc d2 d2:|\n",
    "X:2\nT:Snapshot jig\nM:6/8\nL:1/8\nQ:3/8=90\nK:G\n|:GAB dBG|ABA AGE|GAB dBG|AGF G3:|\n",
    "X:3\nT:Snapshot air\nM:3/4\nL:1/4\nQ:1/4=80\nK:Am\n"
    "A B c|e2 d|c B A|E3|A B c|e2 g|f e d|e3|]\n",
    "X:4\nT:Snapshot polka\nM:2/4\nL:1/8\nQ:1/4=120\nK:A\n"
    "|:AB cA|BA FE|AB cA|B2 B2|AB cA|BA FA|ce fe|c2 A2:|\n",
]
SIZE = (150, 44)


class FrozenClock:
    def __call__(self) -> float:
        return 500.0


@pytest.fixture
def app(tmp_path: Path) -> Iterator[RaterApp]:
    old = os.environ.get("RATER_CACHE_DIR")
    os.environ["RATER_CACHE_DIR"] = str(tmp_path / "cache")
    path = tmp_path / "snap.abc"
    path.write_text("\n".join(TUNES))
    samples = corpus.read_samples([str(path)])
    clock = FrozenClock()  # default settings: no blacklist, the SoundFont looked up
    yield make_app(
        samples,
        tmp_path / "r.jsonl",
        RateSettings(rater="snap"),
        player=RecordingPlayer(clock=clock),
        clock=clock,
    )
    if old is None:
        del os.environ["RATER_CACHE_DIR"]
    else:
        os.environ["RATER_CACHE_DIR"] = old


async def settled(pilot) -> None:
    app = pilot.app
    for _ in range(1200):
        if app.session.state != "waiting" and app.session.judging_done.is_set():
            break
        await asyncio.sleep(0.05)
    assert app.session.state == "showing"
    await pilot.pause(0.2)  # one position tick


@pytest.mark.slow
def test_main_screen(app: RaterApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled)


@pytest.mark.slow
def test_help_screen(app: RaterApp, snap_compare) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled, press=["question_mark"])
