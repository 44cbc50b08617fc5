"""The rating screen in a real terminal (tmux), as a person meets it (issue 21): blind ab
pairs with a hidden re-check, 20 keys while the model's first fit runs, and the screen at
80x24 and 200x60 (and shrunk from 160x48 to 80x24). The real `rater` command; the screen
is read with `tmux capture-pane`."""

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

from rater.core import checks, corpus, demo
from rater.rating.pairing import halves
from rater.tui.keys import KEYS, key_label

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def people(journal: Path) -> list[dict]:
    if not journal.exists():
        return []
    return [r for r in map(json.loads, journal.read_text().splitlines()) if not r.get("broken")]


def rater(tmp_path: Path, args: str, size: tuple[int, int] = (200, 50)) -> Terminal:
    env = {**os.environ, "RATER_CACHE_DIR": str(tmp_path / "cache")}
    command = f"cd {shlex.quote(str(tmp_path))} && {shlex.quote(sys.executable)} -m rater {args}"
    return Terminal(command, tmp_path / "status", env=env, size=size)


def judged_all(screen: str) -> bool:
    m = re.search(r"judged (\d+)/(\d+)", screen)
    return pair_on_screen(screen) and m is not None and m.group(1) == m.group(2)


def test_blind_ab_with_a_hidden_recheck_in_a_terminal(tmp_path: Path) -> None:
    settings = checks.default_settings()
    good = [
        s.text
        for s in corpus.read_samples([str(demo.demo_corpus(tmp_path / "demo"))])
        if checks.text_verdict(s, settings).ok
    ][:12]
    gens = tmp_path / "gens"
    gens.mkdir()
    for name, tunes in (("model_a.abc", good[:6]), ("model_b.abc", good[6:])):
        (gens / name).write_text("\n\n".join(tunes) + "\n")
    journal = tmp_path / "r.jsonl"
    term = rater(
        tmp_path,
        "rate gens/model_a.abc gens/model_b.abc --pairing ab --recheck 1 --silent "
        f"--ratings {journal.name}",
    )
    screens: list[str] = []
    try:
        for k in range(6):
            seen, screen = term.wait_for(judged_all, 120)
            assert seen, f"no pair on screen:\n{screen}"
            time.sleep(0.6)  # looked at it (longer than the 0.3 s guard)
            screens.append(term.screen())
            term.press("12"[k % 2])
            end = time.monotonic() + 10
            while len(people(journal)) < k + 1:
                assert time.monotonic() < end, f"no record for key {k + 1}:\n{term.screen()}"
                time.sleep(0.05)
        term.press("x")
        assert term.wait_exit(20) == 0
    finally:
        term.close()
    records = people(journal)
    assert any("recheck_of" in r for r in records), "no re-check came up"
    samples = {s.id: s for s in corpus.read_samples([str(gens)])}
    for screen, record in zip(screens, records, strict=True):
        for sample_id, source in zip(record["ids"], record["sources"], strict=True):
            assert Path(source).name in ("model_a.abc", "model_b.abc")  # the record keeps it
            for told in (sample_id, "model_a", "model_b", ".abc", str(gens)):
                assert told not in screen, (told, screen)
            assert samples[sample_id].title in screen  # the tune's own title line stays
        assert not re.search(r"#\s*\d", screen) and "X:" not in screen, screen


def test_twenty_keys_half_a_second_apart_while_the_model_fits(tmp_path: Path, monkeypatch):
    """`--pairing model`: its first fit (a child process starting, the features of every
    sample, then the fit after 10 decisions) runs while a person keeps rating: 20 keys
    pressed 0.5 s apart give 20 records, and the model's pairs take over meanwhile."""
    journal = tmp_path / "ratings" / "demo.jsonl"
    term = rater(tmp_path, "demo --pairing model --recheck 0 --silent")
    try:
        seen, screen = term.wait_for(judged_all, 180)
        assert seen, f"no pair on screen:\n{screen}"
        for _ in range(20):
            time.sleep(0.5)
            term.press("1")
        end = time.monotonic() + 10
        while len(people(journal)) < 20:
            assert time.monotonic() < end, f"{len(people(journal))} records:\n{term.screen()}"
            time.sleep(0.1)
        time.sleep(1.0)
        assert len(people(journal)) == 20  # no key lost, none counted twice
        term.press("x")
        assert term.wait_exit(20) == 0
    finally:
        term.close()
    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path / "cache"))
    samples = corpus.read_samples([str(demo.demo_corpus())])
    planned = {frozenset((p.a.id, p.b.id)) for p in halves(samples, 0)}
    later = [frozenset(r["ids"]) for r in people(journal)[10:]]
    assert any(pair not in planned for pair in later), "the model's pairs never came"


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
def test_every_key_and_8_lines_of_each_tune_at(tmp_path: Path, size: tuple[int, int]) -> None:
    term = rater(tmp_path, "demo --silent --recheck 0", size=size)
    try:
        seen, screen = term.wait_for(judged_all, 180)
        assert seen, f"no pair on screen:\n{screen}"
        time.sleep(0.5)
        rows = term.rows()
        screen = "\n".join(rows)
        (tmp_path.parent / f"screen-{size[0]}x{size[1]}.txt").write_text(screen + "\n")
        term.press("x")
        assert term.wait_exit(20) == 0
    finally:
        term.close()
    for k in KEYS:
        if k.bar:
            assert f"{key_label(k.key)}  {k.description}" in screen, (k.key, screen)
    assert tune_lines(rows) >= 8, screen


def tune_lines(rows: list[str]) -> int:
    """The rows of a tune's text: between the panel's title and its piano roll (0 while
    the screen shows no pair, as in the middle of a redraw)."""
    title = next((i for i, row in enumerate(rows) if " A " in row and " B " in row), None)
    if title is None:
        return 0
    rolls = (i for i in range(title + 2, len(rows)) if "▔▔▔" in rows[i])
    return next(rolls, title + 1) - title - 1


def test_shrunk_to_80x24_the_piano_rolls_shrink_too(tmp_path: Path) -> None:
    """Resized from 160x48 to 80x24 while a pair shows, the screen is laid out as one that
    started at 80x24 (the large piano rolls stayed: four tune lines showed), and grown back
    the large rolls return."""
    term = rater(tmp_path, "demo --silent --recheck 0", size=(160, 48))
    try:
        seen, screen = term.wait_for(judged_all, 180)
        assert seen, f"no pair on screen:\n{screen}"
        large = tune_lines(term.rows())
        term.resize((80, 24))
        shrunk, screen = term.wait_for(lambda _: tune_lines(term.rows()) >= 8, 10)
        assert shrunk, screen
        term.resize((160, 48))
        grown, screen = term.wait_for(lambda _: tune_lines(term.rows()) == large, 10)
        assert grown, screen
        term.press("x")
        assert term.wait_exit(20) == 0
    finally:
        term.close()
