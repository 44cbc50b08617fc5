"""Two real rating screens in tmux on one team project (overlap 1), rating at once: no pair
is ever shown to both, every pair is decided once, and the team line counts both raters."""

from __future__ import annotations

import re
import shlex
import sys
import time
from pathlib import Path

import pytest
from consumers import WORDS
from terminal import Terminal

from rater.core.corpus import read_samples
from rater.core.settings import PairingSettings, TeamSettings
from rater.rating.store.connect import connect
from rater.rating.store.projects import add_samples

COUNT = 16  # samples: 8 pairs
MARK = re.compile(r"\bsample(\d\d)\b")


def _corpus(path: Path) -> Path:
    texts = [f"sample{n:02d} " + " ".join(WORDS[n : n + 12]) for n in range(COUNT)]
    path.write_text("\n===\n".join(texts) + "\n")
    return path


def _pair(screen: str) -> frozenset[str] | None:
    found = frozenset(MARK.findall(screen))
    return found if len(found) == 2 else None


@pytest.mark.slow
def test_two_screens_never_show_the_same_pair(team_db: str, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus.txt")
    with connect(team_db) as conn:
        add_samples(conn, "p", read_samples([str(corpus)], kind="text"), PairingSettings(),
                    TeamSettings(overlap=1), kind="text")  # fmt: skip
    terms = {}
    for name in ("alice", "bob"):
        command = (
            f"cd {shlex.quote(str(tmp_path))} && {shlex.quote(sys.executable)} -m rater rate "
            f"--db {shlex.quote(team_db)} --project p --rater {name} --recheck 0"
        )
        terms[name] = Terminal(command, tmp_path / f"{name}.status")
    shown: dict[str, list[frozenset[str]]] = {"alice": [], "bob": []}
    try:
        end = time.monotonic() + 120
        keys = {"alice": "1", "bob": "2"}
        active = set(terms)
        while active and time.monotonic() < end:
            for name in sorted(active):
                screen = terms[name].screen()
                if "All pairs are decided" in screen:
                    active.discard(name)
                    continue
                pair = _pair(screen)
                if pair is None:
                    continue
                other = "bob" if name == "alice" else "alice"
                now_other = _pair(terms[other].screen())
                assert pair != now_other, f"both screens show {sorted(pair)}"
                if not shown[name] or shown[name][-1] != pair:
                    shown[name].append(pair)
                    time.sleep(0.4)  # a person looks before deciding
                    terms[name].press(keys[name])
            time.sleep(0.1)
        assert not active, f"not finished in time: {terms['alice'].screen()}"
        team_line = terms["alice"].screen()
        for term in terms.values():
            term.press("x")
        assert [t.wait_exit(30) for t in terms.values()] == [0, 0]
    finally:
        for term in terms.values():
            term.close()
    assert not set(shown["alice"]) & set(shown["bob"]), shown
    assert shown["alice"] and shown["bob"]  # both rated, at once
    with connect(team_db) as conn:
        rows = conn.execute("SELECT rater, pair FROM decisions WHERE undone IS NULL").fetchall()
    assert len(rows) == COUNT // 2 and len({p for _, p in rows}) == COUNT // 2
    assert {r for r, _ in rows} == {"alice", "bob"}
    assert f"team: 2 raters, {COUNT // 2}/{COUNT // 2} pairs" in team_line
