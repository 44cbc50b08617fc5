"""A broken sample too long to be useful is recorded by id and reasons only (issue 14, item 8).

A 50 MB tune made a 181 MB journal line (its text plus its GPT-2 tokens), and reading it back
cost 1.8 GB. Over the checks' `max_chars` a sample is broken ("too-long") and its automatic
record leaves its text and tokens out (`"elided": [side]`); exports leave such records out
of training files and say so, rank and stats read them like any other.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rater.analysis.export import export_oa, export_text, export_trl
from rater.core.corpus import read_samples
from rater.core.errors import ExportError, JournalError
from rater.core.records import Pair, Sample, Verdict
from rater.core.settings import CheckSettings
from rater.rating.journal import Journal
from rater.rating.outcome import auto_decide
from rater.rating.pairing import halves

LONG = 1_000_000  # chars: 50x the limit, as big as a test may cheaply make it


def rater(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rater", *args], capture_output=True, text=True, timeout=180
    )


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    """`rater autorate` over texts where one is 1 MB long (and one pair is both too long)."""
    good = [f"line {i}: a short poem about the sea, number {i}, and the wind" for i in range(6)]
    huge = ["x" * LONG + "\nthe end", "y" * (LONG // 2), "z" * 30_000]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in good + huge))
    long_ids = {s.id for s in read_samples([str(corpus)], kind="text") if len(s.text) > 20_000}
    samples = read_samples([str(corpus)], kind="text")

    def longs(seed: int) -> list[int]:
        return sorted(len({p.a.id, p.b.id} & long_ids) for p in halves(samples, seed))

    seed = next(k for k in range(100) if longs(k)[-2:] == [1, 2])  # long+good, long+long
    path = tmp_path / "r.jsonl"
    done = rater(
        "autorate", str(corpus), "--kind", "text", "--ratings", str(path), "--seed", str(seed)
    )
    assert done.returncode == 0, done.stderr
    return path


def test_autorate_keeps_a_too_long_sample_by_id_and_reason(journal: Path) -> None:
    data = journal.read_bytes()
    assert len(data) < 20_000  # the 1 MB text is not in the journal, nor its tokens
    records = [json.loads(line) for line in data.splitlines()]
    for r in records:
        assert r["broken"] == 1
        for k in r.get("elided", []):
            assert r["texts"][k] == "" and r[f"sample{k}"] == []
            assert "too-long" in r["reasons"][k]
            assert len(r["ids"][k]) == 16
        for k in {0, 1} - set(r.get("elided", [])):
            assert r["texts"][k] and r[f"sample{k}"]  # the good side is whole
    assert len(Journal(journal).records()) == len(records)


def test_exports_leave_elided_records_out_and_say_so(journal: Path, tmp_path: Path) -> None:
    from rater.analysis.export import ELIDED

    records = Journal(journal).records()
    elided = sum(1 for r in records if r.extra.get("elided"))
    with pytest.raises(ExportError, match="nothing to export"):
        export_oa(records, tmp_path / "o.json")
    text = tmp_path / "t.txt"
    assert export_text(records, text).written >= 1
    assert "(left out of the journal: too long)" in text.read_text()
    done = rater("export", str(journal), "--format", "oa", "--out", str(tmp_path / "o.json"))
    assert done.returncode == 2 and f"{elided} {ELIDED}" in done.stderr
    with pytest.raises(ExportError, match=ELIDED.split("(")[0].strip()):
        export_trl(records, tmp_path / "t.jsonl")
    for command in ("rank", "stats"):
        done = rater(command, str(journal))
        assert done.returncode == 0, done.stderr
    assert "too-long" in rater("stats", str(journal)).stdout


def test_only_too_long_samples_are_elided() -> None:
    """Other broken samples keep their text (a person checking the export wants to see why)."""
    a = Sample(id="a" * 16, text="X:1\nT:a\nK:C\nCDEF|", source="s", number=1)
    b = Sample(id="b" * 16, text="X:1\nT:b\nK:C\n" + "G" * 30_000, source="s", number=2)
    short = Verdict(a.id, False, ("repetitive",))
    long = Verdict(b.id, False, ("too-long",))
    ties = auto_decide(Pair(a, b), short, long, "auto")
    assert [r.extra.get("elided") for r in ties] == [[1], [1]]
    assert ties[0].texts == (a.text, "") and ties[0].sample1 == [] and ties[0].sample0
    assert len(b.text) > CheckSettings().max_chars


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"elided": [2]}, "elided must be"),
        ({"elided": "1"}, "elided must be"),
        ({"elided": [1, 1]}, "elided must be"),
        ({"elided": [1], "broken": 0}, "only for automatic"),
        ({"elided": "the whole side"}, "must have no text"),
    ],
)
def test_a_bad_elided_field_is_one_error_naming_the_line(
    journal: Path, tmp_path: Path, change: dict, why: str
) -> None:
    line = next(
        json.loads(x)
        for x in journal.read_text().splitlines()
        if len(json.loads(x).get("elided", [])) == 1
    )
    if change.get("elided") == "the whole side":  # name the side that kept its text
        change = {"elided": [1 - line["elided"][0]]}
    line.update(change)
    if "broken" in change and not change["broken"]:
        del line["broken"]
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(JournalError, match=rf"bad\.jsonl:1: not a rating record \(.*{why}"):
        Journal(path).records()
    done = rater("rank", str(path))
    assert done.returncode == 2 and "bad.jsonl:1" in done.stderr
