"""The README's run command on a fresh clone, in a real terminal: `make demo` sets itself up
(a new .venv, with pip's cache as this machine has it), shows the rating screen, and `x`
exits 0. This is the test that proves the first thing a new user types works; it tests the
committed HEAD, as a clone would get it. bench/fresh_clone.py times the same steps."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from terminal import Terminal, fresh_clone, pair_on_screen

REPO = Path(__file__).resolve().parent.parent
SETUP_AND_SCREEN_SECONDS = 900  # a first set-up builds a virtual environment from the network


def _is_git_checkout() -> bool:
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse"], capture_output=True)
    return done.returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("tmux", "git", "make")),
        reason="needs tmux, git and make",
    ),
    pytest.mark.skipif(
        shutil.which("git") is None or not _is_git_checkout(), reason="not a git checkout"
    ),
]


def test_make_demo_on_a_fresh_clone_reaches_the_rating_screen_and_x_exits_0(tmp_path) -> None:
    clone = tmp_path / "rater"
    fresh_clone(REPO, clone)
    assert not (clone / ".venv").exists()
    env = {**os.environ, "RATER_CACHE_DIR": str(tmp_path / "render-cache")}
    env.pop("VIRTUAL_ENV", None)
    term = Terminal(f"cd {shlex.quote(str(clone))} && make demo", tmp_path / "status", env=env)
    try:
        seen, screen = term.wait_for(pair_on_screen, SETUP_AND_SCREEN_SECONDS)
        assert seen, f"no rating screen (exit status {term.status()}):\n{screen}"
        assert "A wins" in screen and "B wins" in screen
        term.press("x")
        assert term.wait_exit(30) == 0, term.screen()
    finally:
        term.close()
    assert (clone / ".venv" / "bin" / "rater").exists()
