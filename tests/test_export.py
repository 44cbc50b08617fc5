"""Export validity: oa checked the way lm-human-preferences loads labels, trl via `datasets`.

The rules for what training needs (no row starting with padding, truncation, file modes)
are in test_export_rows.py; TRL itself trains on an export in test_export_trl.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from importlib.util import find_spec
from pathlib import Path

import pytest
from consumers import load_like_lm_human_preferences

from rater.analysis.export import ExportOptions, export_oa, export_text, export_trl
from rater.core import bpe
from rater.core.errors import ExportError
from rater.core.records import Pair, Rating, Sample, Verdict
from rater.rating.journal import Journal
from rater.rating.outcome import auto_decide, decide

ONEILLS = Path(find_spec("music21").origin).parent / "corpus" / "oneills1850"  # no import


def tunes(n: int) -> list[Sample]:
    text = (ONEILLS / "0051-0100.abc").read_text(encoding="utf-8", errors="replace")
    out = []
    for i, t in enumerate(["X:" + t for t in text.split("\nX:")[1:]][:n]):
        out.append(Sample(id=f"{i:016x}", text=t, source="0051-0100.abc", number=i + 1))
    return out


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    """7 people decisions (one tie), 2 one-broken, 1 both-broken: 12 records."""
    s = tunes(20)
    j = Journal(tmp_path / "ratings" / "r.jsonl")
    for k in range(7):
        j.append(
            decide(Pair(s[2 * k], s[2 * k + 1], query="X:"), "tie" if k == 3 else k % 2, "ann")
        )
    bad = Verdict("", False, ("repetitive",))
    ok = Verdict("", True)
    j.append(auto_decide(Pair(s[14], s[15]), bad, ok, "auto"))
    j.append(auto_decide(Pair(s[16], s[17]), ok, bad, "auto"))
    j.append(auto_decide(Pair(s[18], s[19]), bad, bad, "auto"))
    assert len(j.records()) == 12
    return j


def test_oa_export_valid(journal: Journal, tmp_path: Path) -> None:
    out = tmp_path / "oa.json"
    res = export_oa(
        journal.records(), out, ExportOptions(query_length=8, response_length=64, batch_size=5)
    )
    assert res.written == 10 and sum(res.dropped.values()) == 2
    data = load_like_lm_human_preferences(out, 8, 64, 5)
    recs = journal.records()
    assert data[0]["query"] == [55, 25] + [50259] * 6
    assert data[0]["sample0"] == bpe.pad_to(recs[0].sample0, 64)
    assert [d["best"] for d in data] == [r.best for r in recs[:10]]  # newest ones dropped
    assert data[3]["sample0"] == data[4]["sample0"]  # tie: two records, each side winning
    assert {data[3]["best"], data[4]["best"]} == {0, 1}


def test_oa_padding_and_filters(journal: Journal, tmp_path: Path) -> None:
    out = tmp_path / "oa27.json"
    opts = ExportOptions(
        query_length=4, response_length=2000, pad_token=27, drop_broken=True, drop_ties=True
    )
    res = export_oa(journal.records(), out, opts)
    assert res.written == 6 and res.dropped == {"broken": 4, "tie": 2}
    data = load_like_lm_human_preferences(out, 4, 2000, None)
    assert data[0]["sample0"][-1] == 27 and data[0]["query"] == [55, 25, 27, 27]
    short = bpe.encode(journal.records()[0].texts[0][len("X:") :])  # after the query
    assert data[0]["sample0"][: len(short)] == short


def test_oa_errors(journal: Journal, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="nothing to export"):
        export_oa(journal.records(), tmp_path / "x.json", ExportOptions(batch_size=64))
    with pytest.raises(ExportError, match="^query_length must be at least 1") as info:
        export_oa(journal.records(), tmp_path / "x.json", ExportOptions(query_length=0))
    assert info.value.named("--query-length").startswith("--query-length must")
    assert not (tmp_path / "x.json").exists()
    assert list(tmp_path.glob(".x.json*")) == []  # no temp file left behind


def test_trl_loads_with_datasets(journal: Journal, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "trl.jsonl"
    res = export_trl(journal.records(), out)
    assert res.written == 8 and res.dropped == {"tie": 4}
    ds = datasets.load_dataset(
        "json", data_files=str(out), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert ds.column_names == ["prompt", "chosen", "rejected"] and len(ds) == 8
    recs = [r for r in journal.records() if not r.tie]
    assert ds[0]["prompt"] == "X:"
    for row, r in zip(ds, recs, strict=True):  # prompt + continuation = the full text
        assert row["prompt"] + row["chosen"] == r.texts[r.best]
        assert row["prompt"] + row["rejected"] == r.texts[1 - r.best]
        assert row["prompt"] == ("X:" if r.query else "")  # auto-rated pairs had no query
        assert not row["chosen"].startswith("X:") or not r.query
    res = export_trl(journal.records(), out, ExportOptions(drop_broken=True))
    assert res.written == 6


def test_text_export(journal: Journal, tmp_path: Path) -> None:
    out = tmp_path / "r.txt"
    export_text(journal.records(), out)
    text = out.read_text()
    assert text.count("=== #") == 10  # the tie is shown once
    assert "tie" in text and "auto: broken sample" in text and "broken: repetitive" in text


def test_cli_export_several_journals_with_torn_tail(journal: Journal, tmp_path: Path) -> None:
    second = Journal(tmp_path / "ratings" / "second.jsonl")
    again = journal.records()[0]  # the same pair decided again: a decision of its own
    second.append([replace(again, extra={"heard": [1.0, 2.0]})])
    with open(second.path, "ab") as f:
        f.write(b'{"query":[1,2')  # crashed writer
    out = tmp_path / "out" / "labels.json"
    cmd = [
        sys.executable,
        "-m",
        "rater",
        "export",
        str(journal.path),
        str(second.path),
        "--format",
        "oa",
        "--out",
        str(out),
        "--query-length",
        "4",
        "--response-length",
        "16",
        "--batch-size",
        "4",
        "--pad-token",
        "27",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    assert "with automatic 12 records written" in p.stdout and "dropped 1" in p.stdout
    # export only reads: the torn tail is read around, the journal left as it was
    assert "torn last line ignored" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert second.path.read_bytes().endswith(b'{"query":[1,2')
    assert not second.torn_path.exists()
    load_like_lm_human_preferences(out, 4, 16, 4)
    p = subprocess.run(
        cmd[:4] + [str(tmp_path / "missing.jsonl")] + cmd[5:],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert p.returncode == 2 and "no such ratings journal" in p.stderr
    assert "Traceback" not in p.stderr


def test_batch_cut_never_splits_a_tie() -> None:
    from rater.analysis.export import _cut_to_multiple

    def rec(i: int, tie: bool = False, best: int = 0, decision: int | None = None) -> Rating:
        extra = {} if decision is None else {"decision": decision}
        return Rating(
            query=[],
            sample0=[1],
            sample1=[2],
            best=best,
            ids=(f"a{i}", f"b{i}"),
            texts=("a", "b"),
            tie=tie,
            extra=extra,
        )

    plain = [rec(i, decision=i) for i in range(5)]
    tie = [rec(9, tie=True, best=0, decision=9), rec(9, tie=True, best=1, decision=9)]
    # 7 records, batch 2: the newest is a tie, so the plain record before it goes instead.
    cut = _cut_to_multiple(plain + tie, 2)
    assert len(cut) == 6 and cut[-2:] == tie
    # Only ties at the end and an odd count: the cut grows to the next multiple down.
    ties = [rec(i, tie=True, best=b, decision=i) for i in range(3) for b in (0, 1)]
    cut = _cut_to_multiple([rec(7, decision=7)] + ties, 4)
    assert len(cut) % 4 == 0
    assert all(sum(1 for r in cut if r.ids == t.ids) in (0, 2) for t in ties)


def test_out_that_is_an_input_is_refused(journal: Journal, tmp_path: Path) -> None:
    """`--out` naming the journal being read (directly, via `..` or a symlink) would replace
    the ratings with the export."""
    from rater.cli import main

    before = journal.path.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(journal.path)
    dotted = journal.path.parent / ".." / "ratings" / journal.path.name
    for out in (journal.path, dotted, link):
        for fmt in ("trl", "oa", "text"):
            assert main(["export", str(journal.path), "--format", fmt, "--out", str(out)]) == 2
    assert journal.path.read_bytes() == before
    log = tmp_path / "train.log"
    log.write_text("step 1 sample:\nX:1\nT:T\nK:D\nABcd efga|fedc BAGF|ABcd efga|fedc BAGF|\n")
    log_before = log.read_bytes()
    assert main(["extract", str(log), "--out", str(log)]) == 2
    assert log.read_bytes() == log_before


def test_cli_refusal_is_one_line(journal: Journal, tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "rater", "export", str(journal.path), "--format", "trl"]
        + ["--out", str(journal.path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert p.returncode == 2 and p.stderr.count("\n") == 1
    assert "is the input journal" in p.stderr and "Traceback" not in p.stderr


def test_text_export_counts_what_the_file_shows(
    journal: Journal, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rater.cli import main

    out = tmp_path / "r.txt"
    assert main(["export", str(journal.path), "--format", "text", "--out", str(out)]) == 0
    shown = out.read_text().count("=== #")
    assert shown == 10  # 12 records: two ties, each shown once
    said = capsys.readouterr().out
    assert f"people 7, with automatic {shown} decisions written (text;" in said  # people first
    assert "from 12 records" in said
    assert export_text(journal.records(), out).written == shown
    assert export_oa(journal.records(), tmp_path / "o.json").written == 12  # oa: records


def test_trl_drops_records_without_texts(journal: Journal, tmp_path: Path) -> None:
    from dataclasses import replace

    recs = journal.records()
    blank = [replace(recs[0], texts=("", "")), replace(recs[1], texts=(recs[1].texts[0], ""))]
    out = tmp_path / "trl.jsonl"
    res = export_trl(blank + recs, out)
    assert res.written == 8 and res.dropped == {"tie": 4, "without both texts": 2}
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 8 and all(r["chosen"] and r["rejected"] for r in rows)
    with pytest.raises(ExportError, match="without both texts"):
        export_trl(blank, out)


@pytest.mark.parametrize("command", ["export", "stats", "rank", "ab-report"])
@pytest.mark.parametrize(
    "bad",
    [
        {"reasons": [[]], "broken": 1},
        {"decision_lines": "two"},
        {"ids": ["a"]},
        {"ids": [1, 2]},
        {"best": 0.7},
    ],
)
def test_malformed_journal_fields_are_one_line_errors(
    tmp_path: Path, command: str, bad: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    from rater.cli import main

    good = Rating([], [1], [2], 0, ("a" * 16, "b" * 16), ("X:1\nK:C\nC|", "X:2\nK:C\nD|"))
    path = tmp_path / "r.jsonl"
    path.write_text(
        json.dumps(good.to_json()) + "\n" + json.dumps({**good.to_json(), **bad}) + "\n"
    )
    extra = ["--out", str(tmp_path / "o.jsonl"), "--format", "trl"] if command == "export" else []
    assert main([command, str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "r.jsonl:2: not a rating record" in err
    assert not (tmp_path / "o.jsonl").exists()
