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
from terminal import capture

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
            screen = capture(tmux, "rater")
            if " A " in screen and " B " in screen and "K:" in screen:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no pair on screen after 90 s:\n{screen}")
        # A person listens before deciding; meanwhile the app loads the GPT-2 encoder (about a
        # second, started once the first pair shows), so the timed key is the steady state.
        time.sleep(2.5)
        screen = capture(tmux, "rater")
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


def titles(screen: str) -> list[str]:
    """The two panels' title rows (" A  <title>  <file> #k"), which change with the pair."""
    return [line for line in screen.splitlines() if " A " in line and " B " in line]


def test_demo_records_what_was_heard_before_the_key(tmp_path: Path) -> None:
    """`1` about 3 s after a pair appears: its record says ~3 s of A, none of B, ~3 s.

    Times are taken on the test's side: the pair appeared between the last screen capture
    without it and the end of the first with it, and the key was sent within the
    `send-keys` call. The record is compared with that measured interval (±0.5 s), so a
    loaded machine that sleeps a little long does not fail the test, and an app that
    counted wrongly still does.
    """
    from terminal import Terminal, pair_on_screen

    journal = tmp_path / "ratings" / "demo.jsonl"
    env = {**os.environ, "RATER_CACHE_DIR": str(tmp_path / "cache")}
    command = (
        f"cd {shlex.quote(str(tmp_path))} && {shlex.quote(sys.executable)} -m rater demo "
        "--recheck 0"
    )
    term = Terminal(command, tmp_path / "status", env=env)
    try:
        seen, screen = term.wait_for(pair_on_screen, 90)
        assert seen, f"no pair on screen after 90 s:\n{screen}"
        time.sleep(2.5)  # the GPT-2 encoder loads while the first pair shows
        before = titles(term.screen())
        not_yet = time.monotonic()  # the next pair cannot appear before this key
        term.press("1")  # the first pair; the timed one is the next
        end = time.monotonic() + 10
        while True:
            start = time.monotonic()
            screen = term.screen()
            done = time.monotonic()
            if human(journal) and titles(screen) and titles(screen) != before:
                break
            assert done < end, f"the next pair did not appear:\n{screen}"
            not_yet = start  # the pair appeared after this capture began
        appeared = (not_yet + done) / 2
        n = len(human(journal))
        time.sleep(max(0.0, done + 3.0 - time.monotonic()))
        press_start = time.monotonic()
        term.press("1")
        pressed = (press_start + time.monotonic()) / 2
        elapsed = pressed - appeared  # what the test measured, about 3 s
        end = time.monotonic() + 10
        while len(human(journal)) == n:
            assert time.monotonic() < end, "no record within 10 s of the key"
            time.sleep(0.05)
        record = human(journal)[-1]
        term.press("x")
        assert term.wait_exit(20) == 0
    finally:
        term.close()
    assert 3.0 <= elapsed < 4.0, elapsed
    heard_a, heard_b = record["heard"]
    assert abs(record["decide_seconds"] - elapsed) <= 0.5, (record, elapsed)
    assert abs(heard_a - elapsed) <= 0.5, (record, elapsed)
    assert heard_b == 0.0 and record["replays"] == 0, record
