"""Item 9: hostile journal lines, and the same decision read twice.

A deeply nested line raised RecursionError in export, rank, stats and model fit; token ids
`10**30`, `-5` and `99999999` went straight into the oa export; `rank J J` counted 48 games
for 24, `export J J` wrote every row twice, and 10^6 copies of one line gave stats "1
decision" but 10^6 games and 10^6 training rows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import Inputs
from hostile import one_line_error, rater

from rater.core.corpus import read_samples
from rater.core.errors import CorpusError

READERS = {
    "export": ["export", "J", "--format", "oa", "--out", "OUT"],
    "rank": ["rank", "J"],
    "stats": ["stats", "J"],
    "model fit": ["model", "fit", "J", "--out", "OUT", "--kind", "text", "--features", "text"],
}


def run(reader: str, journals: list[Path], out: Path) -> object:
    args = []
    for a in READERS[reader]:
        args.extend([str(j) for j in journals] if a == "J" else [str(out) if a == "OUT" else a])
    return rater(*args, env={"RATER_CACHE_DIR": str(out.parent / "cache")})


def with_line(inputs: Inputs, tmp_path: Path, line: str, at: int = 3) -> Path:
    lines = inputs.journal.read_text().splitlines(keepends=True)
    lines.insert(at - 1, line + "\n")
    path = tmp_path / "j.jsonl"
    path.write_text("".join(lines))
    return path


def first_record(inputs: Inputs) -> dict:
    return json.loads(inputs.journal.read_text().splitlines()[0])


@pytest.mark.parametrize("reader", list(READERS))
def test_a_deeply_nested_line_is_one_line_naming_it(
    inputs: Inputs, tmp_path: Path, reader: str
) -> None:
    record = first_record(inputs)
    deep = json.dumps(record)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    journal = with_line(inputs, tmp_path, deep)
    one_line_error(run(reader, [journal], tmp_path / "out"), f"{journal}:3:", "nested")


@pytest.mark.parametrize("bad", [10**30, -5, 99_999_999, 50_257])
def test_a_token_id_outside_the_vocabulary_never_reaches_an_export(
    inputs: Inputs, tmp_path: Path, bad: int
) -> None:
    record = first_record(inputs)
    record["sample1"] = [*record["sample1"][:2], bad]
    journal = with_line(inputs, tmp_path, json.dumps(record, separators=(",", ":")))
    out = tmp_path / "labels.json"
    done = run("export", [journal], out)
    one_line_error(done, f"{journal}:3:", "vocabulary")
    assert not out.exists()


def games_of(out: str) -> str:
    """The games rank counted (people's and automatic ones), from its summary line."""
    found = re.search(r"with automatic (\d+)", out)
    assert found, out
    return found.group(1)


def counts(inputs: Inputs, tmp_path: Path, journals: list[Path]) -> tuple[str, str, int]:
    out = tmp_path / "labels.json"
    exported = run("export", journals, out)
    assert exported.returncode == 0, exported.stderr
    ranked = run("rank", journals, tmp_path / "x")
    stats = rater("stats", *map(str, journals), "--json")
    assert ranked.returncode == 0 and stats.returncode == 0, ranked.stderr + stats.stderr
    games = games_of(ranked.stdout)
    rows = len(json.loads(out.read_text()))
    decisions = json.loads(stats.stdout)["decisions"]
    for done in (exported, ranked, stats):
        assert "duplicate records dropped" in done.stderr, done.stderr
    return games, str(decisions), rows


def test_the_same_journal_twice_counts_once(inputs: Inputs, tmp_path: Path) -> None:
    copy = tmp_path / "backup.jsonl"
    copy.write_bytes(inputs.journal.read_bytes())
    games, decisions, rows = counts(inputs, tmp_path, [inputs.journal, copy])
    once = rater("rank", str(inputs.journal))
    assert games == games_of(once.stdout) and decisions == "150" and rows == 150


def test_a_line_repeated_100_000_times_is_one_decision(inputs: Inputs, tmp_path: Path) -> None:
    line = inputs.journal.read_text().splitlines(keepends=True)[0]
    journal = tmp_path / "many.jsonl"
    journal.write_text(line * 100_000)
    assert counts(inputs, tmp_path, [journal]) == ("1", "1", 1)


def test_decisions_without_an_id_are_identified_by_their_content() -> None:
    """Journals written before decisions had ids: a copy of an old tie (two lines) is one
    decision, and its id does not depend on whether texts and tokens were read."""
    from dataclasses import replace

    from rater.core.records import Pair, Sample
    from rater.core.rules import Unique, decision_id
    from rater.rating.outcome import decide

    a, b, c = (
        Sample(f"{k:016x}", f"poem {k} about the sea", "p.txt", k, kind="text") for k in range(3)
    )
    tie = decide(Pair(a, b), "tie", "ann")
    win = decide(Pair(b, c), 1, "ann")
    assert all("decision" not in r.extra for r in [*tie, *win])
    unique = Unique()
    got = list(unique([*tie, *win, *tie, *win, *tie]))
    assert got == [*tie, *win] and unique.dropped == 5
    bare = [replace(r, query=[], sample0=[], sample1=[], texts=("", "")) for r in tie]
    assert decision_id(tie) == decision_id(bare) != decision_id(win)
    assert decision_id(tie).startswith("c") and len(decision_id(tie)) == 16


@pytest.mark.parametrize("where", ["whole file", "one line"])
def test_a_samples_file_nested_deep_is_one_line(tmp_path: Path, where: str) -> None:
    """The one JSON rule's nesting limit holds for JSON samples files too (found after the
    pass: RecursionError in the corpus reader)."""
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "s.jsonl"
    first = json.dumps({"text": "X:1\nK:C\nCDEF|GABc|"})
    path.write_text(deep + "\n" if where == "whole file" else f'{first}\n{{"text": {deep}}}\n')
    one_line_error(rater("check", str(path)), "nested more than 32 deep")


SAMPLE = json.dumps({"text": "X:1\nK:C\nCDEF|GABc|"})


@pytest.mark.parametrize(
    "number, reason",
    [
        ("NaN", "NaN is not a number"),
        ("-Infinity", "-Infinity is not a number"),
        ("1e400", "number 1e400 is not finite"),
        ("1" + "0" * 30, "integer 10000000000000000000... is too large"),
        ("7" * 5000, "an integer too long to read"),
    ],
    ids=["nan", "-inf", "1e400", "1e30", "5000 digits"],
)
def test_a_samples_file_is_read_by_the_one_json_rule(
    tmp_path: Path, number: str, reason: str
) -> None:
    """Samples files (JSON Lines, or one JSON array) go through `core.jsonread`, as journals,
    model files and caches do: non-finite numbers and integers beyond 64 bits are one error
    naming the file and line (they were read as they came; 5,000 digits was Python's
    message, naming `sys.set_int_max_str_digits`)."""
    record = '{"text": "X:2\\nK:G\\nGABc|dedB|", "score": ' + number + "}"
    lines = tmp_path / "s.jsonl"
    lines.write_text(f"{SAMPLE}\n{record}\n")
    array = tmp_path / "s.json"
    array.write_text(f"[{SAMPLE},\n{record}]\n")
    with pytest.raises(CorpusError) as lines_error:
        read_samples([str(lines)])
    assert str(lines_error.value) == f"{lines}: line 2: {reason}"
    with pytest.raises(CorpusError) as array_error:
        read_samples([str(array)])
    assert str(array_error.value) == f"{array}: {reason}"


def test_a_samples_file_breaking_the_json_rule_is_one_line_from_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(f'{SAMPLE}\n{{"text": "X:2\\nK:G\\nGABc|", "logprob": -Infinity}}\n')
    one_line_error(rater("check", str(path)), "s.jsonl: line 2: -Infinity is not a number")
