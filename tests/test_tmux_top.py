"""`rater rate --pairing top --best 2 --until 0.9` in a real terminal (tmux): a person who
always prefers Q11 and Q12 (the higher of the two when they meet) and otherwise takes the
tune on the left (sides are random: a coin flip) rates until the screen stops by itself,
before every pair is asked.

Why not "the higher number always wins": a round robin of a consistent order leaves the
second and third best apart by one game, and Bradley-Terry is then only 86% sure of the best
2 of 8 (MCMC; the Laplace draws say 82%), whatever the pairing; `--until 0.9` could not
stop such a sitting. Mediocre tunes that beat each other at random, as in real ratings,
leave the best two apart.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest
from terminal import Terminal, pair_on_screen

from rater.core.corpus import read_samples
from rater.core.demo import demo_corpus

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

TUNES = 12
GREAT = 2  # Q11 and Q12


def corpus(tmp_path: Path) -> Path:
    """TUNES real tunes (the demo corpus's music21 ones), titled Q1..Q12."""
    folder = demo_corpus(tmp_path / "demo")
    origins = json.loads((tmp_path / "demo" / "origins.json").read_text())
    real = [s for s in read_samples([str(folder)]) if "markov" not in origins[s.id]]
    texts = []
    for k, sample in enumerate(real[:TUNES], 1):
        lines = [ln for ln in sample.text.split("\n") if not ln.startswith(("T:", "X:"))]
        texts.append("\n".join([f"X:{k}", f"T:Q{k}", *lines]))
    path = tmp_path / "tunes.abc"
    path.write_text("\n\n".join(texts) + "\n")
    return path


def shown(screen: str) -> tuple[int, int] | None:
    """The numbers of the two titles on screen (A's first: the panels share a row)."""
    for line in screen.splitlines():
        found = re.findall(r"\bQ(\d+)\b", line)
        if " A " in line and " B " in line and len(found) == 2:
            return int(found[0]), int(found[1])
    return None


def choice(a: int, b: int) -> str:
    """The key this person presses for titles Qa (left) and Qb (right)."""
    great_a, great_b = a > TUNES - GREAT, b > TUNES - GREAT
    if great_a or great_b:
        return "1" if (great_a, a) > (great_b, b) else "2"
    return "1"  # two mediocre tunes: the left one (a coin flip: sides are random)


def test_top_until_stops_by_itself(tmp_path: Path) -> None:
    tunes = corpus(tmp_path)
    journal = tmp_path / "r.jsonl"
    env = {**os.environ, "RATER_CACHE_DIR": str(tmp_path / "cache")}
    command = (
        f"cd {shlex.quote(str(tmp_path))} && {shlex.quote(sys.executable)} -m rater rate "
        f"{shlex.quote(str(tunes))} --ratings {shlex.quote(str(journal))} --silent "
        "--recheck 0 --pairing top --best 2 --until 0.9 > out.txt"
    )
    term = Terminal(command, tmp_path / "status", env=env)
    decided = 0
    goal_seen = ""
    try:
        seen, screen = term.wait_for(pair_on_screen, 90)
        assert seen, f"no pair on screen after 90 s:\n{screen}"
        last = None
        end = time.monotonic() + 240
        while term.status() is None:
            assert time.monotonic() < end, f"still rating after {decided} decisions:\n{screen}"
            screen = term.screen()
            goal_seen = next(iter(re.findall(r"top 2: \d+% sure", screen)), goal_seen)
            pair = shown(screen)
            lines = len(journal.read_text().splitlines()) if journal.exists() else 0
            if pair is None or (pair == last and lines == decided):
                time.sleep(0.2)
                continue
            time.sleep(0.5)  # past the "too soon" guard after a pair appears
            term.press(choice(*pair))
            last = pair
            wait = time.monotonic() + 10
            while term.status() is None and (
                not journal.exists() or len(journal.read_text().splitlines()) <= decided
            ):
                assert time.monotonic() < wait, "no record within 10 s of the key"
                time.sleep(0.05)
            decided = len(journal.read_text().splitlines())  # a key as it stops writes none
        assert term.wait_exit(10) == 0
    finally:
        term.close()
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert len(records) == decided and decided < TUNES * (TUNES - 1) // 2
    assert all(not r.get("broken") for r in records)
    out = (tmp_path / "out.txt").read_text()
    assert re.search(r"Stopped by itself: top 2: 9\d% sure \(--until 0\.9\)\.", out), out
    assert goal_seen, "the status line never said how sure the best 2 were"
