"""`rater autorate` on a small real corpus: exactly the records SPEC prescribes.

Real rendering through the pipeline (fluidsynth + the SoundFont): one of the broken tunes
("Short") is only caught by its render, the others by text checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from rater.core import bpe
from rater.core.corpus import read_samples
from rater.rating.journal import Journal
from rater.rating.pairing import halves

ONEILLS = Path(find_spec("music21").origin).parent / "corpus" / "oneills1850"  # no import
REPEATS = "CDEF GABc|" * 16
BROKEN = f"""X:1
T:Repeats
M:4/4
K:C
{REPEATS}

X:2
T:Short
M:4/4
L:1/8
K:C
C|

X:3
T:Garbage
K:C
%%%% ### @@@ !!! 12345 $$$ &&& *** ((( ))) ;;;; ??? <<< >>> ~~~ ``` ;;; ### @@@ !!!

X:4
T:No notes
K:C
z8|z8|z8|z8|
"""
BROKEN_TITLES = {"Repeats", "Short", "Garbage", "No notes"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    text = (ONEILLS / "0101-0200.abc").read_text(encoding="utf-8", errors="replace")
    good = ["X:" + t for t in text.split("\nX:")[1:9]]
    (d / "good.abc").write_text("\n\n".join(good) + "\n")
    (d / "broken.abc").write_text(BROKEN)
    return d


def run(corpus: Path, journal: Path, seed: int, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RATER_CACHE_DIR": str(cache)}
    cmd = [
        sys.executable,
        "-m",
        "rater",
        "autorate",
        str(corpus),
        "--ratings",
        str(journal),
        "--seed",
        str(seed),
        "--workers",
        "2",
        "--clip-seconds",
        "4",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)


@pytest.mark.slow
def test_autorate_writes_spec_records(corpus: Path, tmp_path: Path) -> None:
    samples = read_samples([str(corpus)])
    assert len(samples) == 12
    broken = {s.id for s in samples if s.title in BROKEN_TITLES}
    assert len(broken) == 4

    def kinds(seed: int) -> list[int]:
        return [(p.a.id in broken) + (p.b.id in broken) for p in halves(samples, seed)]

    # a seed whose pairs cover all three cases: none, one and two broken samples
    seed = next(s for s in range(200) if {0, 1, 2} <= set(kinds(s)))
    journal = tmp_path / "ratings" / "auto.jsonl"
    p = run(corpus, journal, seed, tmp_path / "cache")
    assert p.returncode == 0, p.stderr

    expected = []
    for pair in halves(samples, seed):
        a_bad, b_bad = pair.a.id in broken, pair.b.id in broken
        if a_bad and b_bad:
            expected += [(pair.a.id, pair.b.id, 0, True), (pair.a.id, pair.b.id, 1, True)]
        elif a_bad or b_bad:
            expected.append((pair.a.id, pair.b.id, 1 if a_bad else 0, False))
    records = Journal(journal).records()
    assert [(r.ids[0], r.ids[1], r.best, r.tie) for r in records] == expected
    by_id = {s.id: s for s in samples}
    for r in records:
        assert r.broken == 1 and r.rater == "auto"
        assert r.sample0 == bpe.encode(by_id[r.ids[0]].text)
        assert r.sample1 == bpe.encode(by_id[r.ids[1]].text)
        assert r.texts == (by_id[r.ids[0]].text, by_id[r.ids[1]].text)
        for k in (0, 1):  # reasons recorded exactly for the broken side(s)
            assert bool(r.reasons[k]) == (r.ids[k] in broken)
        assert r.sources[0].endswith(".abc")
    short = next(s.id for s in samples if s.title == "Short")
    assert any(
        r.reasons[k] == ("too-short",) for r in records for k in (0, 1) if r.ids[k] == short
    )  # caught by the real render

    k = kinds(seed)
    assert f"auto-rated, one broken:     {k.count(1)}" in p.stdout
    assert f"auto-rated, both broken:    {k.count(2)}" in p.stdout
    assert f"left for people:            {k.count(0)}" in p.stdout

    again = run(corpus, journal, seed, tmp_path / "cache")  # resume: nothing new
    assert again.returncode == 0, again.stderr
    assert f"already decided:            {k.count(1) + k.count(2)}" in again.stdout
    assert len(Journal(journal).records()) == len(expected)


def test_autorate_bad_input_is_one_line_error(tmp_path: Path) -> None:
    p = run(tmp_path / "missing.abc", tmp_path / "r.jsonl", 0, tmp_path / "cache")
    assert p.returncode == 2 and "missing.abc" in p.stderr and "Traceback" not in p.stderr
