"""`rater check`'s table fits the terminal: one line per sample with its id, verdict, source
and the first words of why, a long title cut with `…`; `--json` has everything in full.

Run as a real command with its output piped (as `rater check ... | less` is), at 80 columns
and with a 440-character title at 200 (it wrapped the why column one word a line, and the
long title pushed id, source and why off the table)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from rater.cli.commands.check import cut

LONG_TITLE = ("The Very Long Title Of A Generated Tune That Goes On " * 9)[:440]
TUNE = "M:6/8\nL:1/8\nK:D\nA|dfa afd|gfe fdB|AFA dFA|BAG FED|dfa afd|gfe fdB|AFA GEC|D3 D2:|"
LOOP = "M:4/4\nL:1/8\nK:G\n" + "GABc dBAG|" * 40


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("table") / "generated-samples-from-a-long-run-name.abc"
    tunes = [
        f"X:1\nT:{LONG_TITLE}\n{TUNE}",
        f"X:2\nT:Short\n{LOOP}",
        "X:3\nT:Prose\nI am sorry, I cannot write music. Here is a poem instead.",
        # music in a header field (a malformed M: such as `M:6/8/8/8 3/4 K:` is read as
        # abc2midi reads it, 6/8, since the shared reader: the tune plays)
        f"X:4\nT:Bad key\n{TUNE.replace('K:D', 'K:D|dfa afd|gfe')}",
    ]
    path.write_text("\n\n".join(tunes) + "\n", encoding="utf-8")
    return path


def check(corpus: Path, *args: str, columns: int | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    run = subprocess.run(
        [sys.executable, "-m", "rater", "check", str(corpus), "--workers", "0", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def rows(out: str) -> list[str]:
    lines = out.splitlines()
    assert lines[0].split() == ["id", "verdict", "source", "title", "why"]
    end = next(i for i, line in enumerate(lines) if line.startswith("4 samples: 1 ok, 3 broken"))
    return lines[1:end]


@pytest.mark.parametrize("columns", [None, 80])
def test_piped_at_80_columns_one_line_per_sample(corpus: Path, columns: int | None) -> None:
    """None: no COLUMNS at all, as in a pipe from a script (rich then uses 80)."""
    lines = rows(check(corpus, columns=columns))
    assert len(lines) == 4 and all(cell_len(line) <= 80 for line in lines)
    ids, verdicts, sources = zip(*(line.split()[:3] for line in lines), strict=True)
    assert all(len(i) == 16 for i in ids)
    assert verdicts[0] == "ok" and verdicts[2:] == ("unparseable", "bad-header")
    assert verdicts[1].startswith("compressib")  # its other reasons are cut, with "…"
    assert [s[-2:] for s in sources] == ["#1", "#2", "#3", "#4"]
    assert all("…" in s for s in sources)  # the long file name is cut, the number kept
    why = {line.split()[2][-2:]: line for line in lines}
    assert "body compresses" in why["#2"]
    assert "no ABC music" in why["#3"]
    assert "K: holds music" in why["#4"]
    assert "The Very" in why["#1"] and "…" in why["#1"]


def test_a_440_character_title_at_200_columns(corpus: Path) -> None:
    lines = rows(check(corpus, columns=200))
    assert len(lines) == 4 and all(cell_len(line) <= 200 for line in lines)
    first = lines[0]
    assert first.split()[1] == "ok" and first.split()[2].endswith("#1")
    assert "The Very Long Title" in first and "…" in first and LONG_TITLE not in first
    assert "no ABC music: 1 line of prose" in lines[2]  # why in full when it fits


def test_json_has_everything_in_full(corpus: Path) -> None:
    lines = [json.loads(x) for x in check(corpus, "--json", columns=80).splitlines()]
    assert lines[0]["title"] == LONG_TITLE and lines[0]["source"].endswith("run-name.abc")
    assert [x["number"] for x in lines] == [1, 2, 3, 4]
    assert lines[3]["reasons"] == ["bad-header"]
    assert lines[3]["details"] == ["K: holds music ('D|dfa afd|gfe')"]


def test_cut_counts_terminal_cells() -> None:
    assert cut("short", 8) == "short   "
    assert cut("a much longer text", 8) == "a much …"
    assert cut("name-of-a-file.abc#42", 10, keep_end=3) == "name-o…#42"
    assert cell_len(cut("曲名曲名曲名曲名", 7)) == 7  # wide characters count two cells
    assert cut("tab\there\x1b[31m", 20).rstrip() == "tab here[31m"
