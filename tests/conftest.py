"""Fixtures shared by the real-player tests (test_player_alsa.py, test_play.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rater.core import demo


@pytest.fixture(scope="session")
def two_tunes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first two (real, playable) tunes of the demo corpus, in a file of their own."""
    base = tmp_path_factory.mktemp("corpus")
    tunes = demo.demo_corpus(base / "demo").read_text().split("\nX:")[:2]
    path = base / "two.abc"
    path.write_text("\nX:".join(tunes) + "\n")
    return path
