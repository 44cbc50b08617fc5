"""`rater demo` in a real terminal (tmux): what a person sees, and what the keys write."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rater.audio import player

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def human(journal: Path) -> list[dict]:
    if not journal.exists():
        return []
    return [r for r in map(json.loads, journal.read_text().splitlines()) if not r.get("broken")]


def test_demo_in_tmux(tmp_path: Path) -> None:
    sock = f"rater-test-{os.getpid()}"
    status = tmp_path / "status"
    journal = tmp_path / "ratings" / "demo.jsonl"
    env = f"RATER_CACHE_DIR={shlex.quote(str(tmp_path / 'cache'))}"
    command = (
        f"cd {shlex.quote(str(tmp_path))} && {env} {shlex.quote(sys.executable)} -m rater demo; "
        f"echo $? > {shlex.quote(str(status))}"
    )

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", sock, *args], capture_output=True, text=True, timeout=30
        ).stdout

    tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", "rater", command)
    try:
        screen = ""
        end = time.monotonic() + 90
        while time.monotonic() < end:
            screen = tmux("capture-pane", "-p", "-t", "rater")
            if " A " in screen and " B " in screen and "K:" in screen:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no pair on screen after 90 s:\n{screen}")
        # A person listens before deciding; meanwhile the app loads the GPT-2 encoder (about a
        # second, started once the first pair shows), so the timed key is the steady state.
        time.sleep(2.5)
        screen = tmux("capture-pane", "-p", "-t", "rater")
        # Both panels: ABC headers on each side, braille piano rolls, the footer keys.
        rows_with_two_k = [line for line in screen.splitlines() if line.count("K:") == 2]
        assert rows_with_two_k, screen
        braille_rows = [
            line for line in screen.splitlines() if any(0x2801 <= ord(ch) <= 0x28FF for ch in line)
        ]
        assert braille_rows, screen
        assert "A wins" in screen and "B wins" in screen
        if player._probe_simpleaudio():  # no sound card here: the screen must say so
            assert "no audio device" in screen

        before = len(human(journal))
        tmux("send-keys", "-t", "rater", "1")
        sent = time.monotonic()
        while len(human(journal)) == before:
            assert time.monotonic() - sent < 1.0, "no record within 1 s of the key"
            time.sleep(0.02)
        assert human(journal)[-1]["best"] == 0

        tmux("send-keys", "-t", "rater", "x")
        end = time.monotonic() + 20
        while not status.exists() or not status.read_text().strip():
            assert time.monotonic() < end, "rater did not exit after x"
            time.sleep(0.1)
        assert status.read_text().strip() == "0"
    finally:
        tmux("kill-server")
    lines = journal.read_text().splitlines()
    assert lines
    for line in lines:
        record = json.loads(line)
        assert record["best"] in (0, 1) and record["sample0"] and record["sample1"]
