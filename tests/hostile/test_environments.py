"""Item 12: odd environments (the notes cache and `cache --clear`: test_cache_reads.py).

No usable temporary folder gave a multiprocessing traceback; a byte that is not UTF-8 in a
samples file's name made `rank --csv` and `model score --csv` fail with UnicodeEncodeError,
leaving a CSV with only its header; a folder 1,500 levels deep raised RecursionError.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import Inputs
from hostile import one_line_error, rater

TUNES = (
    "X:1\nT:A\nM:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|c2A2 A2BA|\n\n"
    "X:2\nT:B\nM:4/4\nL:1/8\nK:D\nDEFG A2AB|AFDF A2dc|BGBd AFAd|e2d2 d4|\n"
)
NO_TEMP = (
    "import sys, tempfile\n"
    "tempfile.tempdir = sys.argv[1]  # as if no candidate folder were usable\n"
    "from rater.cli.main import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def test_no_usable_temporary_folder_is_one_line(tmp_path: Path) -> None:
    tunes = tmp_path / "t.abc"
    tunes.write_text(TUNES)
    # A short path that cannot be made even by root (under a device): a long one would send
    # the pool to spawn, which needs no temporary folder (issue 28: no test depends on how
    # long pytest's temp path is).
    done = subprocess.run(
        [sys.executable, "-c", NO_TEMP, "/dev/null/no-temp", "check", str(tunes)],
        env={**os.environ, "RATER_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    one_line_error(done, "cannot start worker processes", "TMPDIR", "--workers 0")


def test_a_file_name_that_is_not_utf8_reaches_every_csv_row(inputs: Inputs, tmp_path: Path) -> None:
    name = os.fsdecode(b"poems\xff.txt")  # how Python names such a file: a lone surrogate
    samples = tmp_path / name
    samples.write_bytes(inputs.samples.read_bytes())
    out = tmp_path / "scores.csv"
    done = rater("model", "score", str(samples), "--model", str(inputs.model), "--csv", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 60 and all("poems" in r["source"] for r in rows), rows[:3]

    journal = tmp_path / "j.jsonl"
    with open(journal, "w", encoding="utf-8") as f:
        for line in inputs.journal.read_text().splitlines():
            record = json.loads(line)
            record["sources"] = [name, name]  # as the journal writes it: "\udcff"
            f.write(json.dumps(record) + "\n")
    ranked = tmp_path / "rank.csv"
    done = rater("rank", str(journal), "--csv", str(ranked))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(ranked.read_text(encoding="utf-8").splitlines()))
    assert len(rows) > 50 and all("poems" in r["source"] for r in rows), rows[:3]


def remove_deep(folder: Path) -> None:
    """Remove a folder of nested single folders from the bottom up (shutil.rmtree, which
    pytest cleans up with, recurses once per level)."""
    levels = 0
    here = os.getcwd()
    os.chdir(folder)
    try:
        while True:
            for name in os.listdir("."):
                if not os.path.isdir(name):
                    os.unlink(name)
            subs = os.listdir(".")
            if not subs:
                break
            os.chdir(subs[0])
            levels += 1
        for _ in range(levels):
            os.chdir("..")
            os.rmdir(os.listdir(".")[0])
    finally:
        os.chdir(here)


def test_a_folder_1500_levels_deep(inputs: Inputs, tmp_path: Path) -> None:
    deep, out = tmp_path / "deep", "new/" + "n/" * 1500 + "labels.json"
    os.makedirs(deep)
    here = os.getcwd()
    try:
        os.chdir(deep)
        for _ in range(1500):  # one level at a time
            os.mkdir("d")
            os.chdir("d")
        Path("t.abc").write_text(TUNES)
        os.chdir(here)
        env = {"RATER_CACHE_DIR": str(tmp_path / "cache")}
        done = rater("check", "deep", "--json", cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        assert [json.loads(line)["ok"] for line in done.stdout.splitlines()] == [True, True]
        done = rater("export", str(inputs.journal), "--format", "oa", "--out", out, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        assert (tmp_path / out).read_text().startswith("[")
    finally:
        os.chdir(here)
        for folder in (deep, tmp_path / "new"):
            if folder.is_dir():
                remove_deep(folder)
