"""`rater render` and `rater check` as a user runs them: real processes, files and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MIXED = (
    """X:1
T:Good One
M:6/8
L:1/8
K:D
d2A FAd | f2d e2c | dcB AGF | GFE D3 |
d2A FAd | f2d e2c | dcB AGF | GFE D3 |

X:2
T:Loop
M:4/4
L:1/8
K:C
"""
    + "cccc cccc | " * 40
    + """

X:3
T:Garbled
K:C
CDEF|GABc|cd@@@@;;;;####@@@@;;;;|gabc|
"""
)


def rater(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "RATER_SOUNDFONT"}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "rater", *argv],
        cwd=REPO,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "mixed.abc"
    path.write_text(MIXED)
    return path, {"RATER_CACHE_DIR": str(tmp_path / "cache")}


def test_check_json_lines(corpus: tuple[Path, dict[str, str]]) -> None:
    path, env = corpus
    # CI=true: pyfluidsynth then prints a line on stdout at import, which must not get through.
    done = rater("check", str(path), "--json", "--blacklist", "none", env={**env, "CI": "true"})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [x["title"] for x in lines] == ["Good One", "Loop", "Garbled"]
    for x in lines:
        assert set(x) >= {"id", "ok", "reasons", "source", "title", "details"}
        assert len(x["id"]) == 16 and x["source"] == str(path)
        assert len(x["details"]) == len(x["reasons"])
    assert lines[0]["ok"] is True and lines[0]["reasons"] == []
    assert lines[1]["ok"] is False and "repetitive" in lines[1]["reasons"]
    assert lines[2]["ok"] is False and lines[2]["reasons"] == ["unparseable"]


BAR_LEVEL = """X:1
T:Short loop
M:4/4
L:1/8
K:G
GABc dedB|c2ec BcdB|GABc dedB|GABc dedB|GABc dedB|GABc dedB|AGFG A2D2|c2ec BcdB|
GABc dedB|GABc dedB|GABc dedB|AGFG A2D2|c2ec BcdB|GABc dedB|GAB

X:2
T:Key full of music
M:6/8
L:1/8
K:d/d/aae/d/|^cA(B/^c/)
d2A FAd | f2d e2c | dcB AGF | GFE D3 |

X:3
T:Cut off
M:6/8
L:1/8
K:D
d2A FAd | f2d e2c | dcB AGF | GFE D3 | d2A FAd | f2d e2c | dc

X:4
T:Patchwork
M:6/8
L:1/8
K:D
d2A (FAd | f2d e2c | dcB AGF | GFE D3 | d2A FAd | f2d e2c | d/c/
"""


def test_check_json_bar_level_reasons_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "bars.abc"
    path.write_text(BAR_LEVEL)
    env = {"RATER_CACHE_DIR": str(tmp_path / "cache")}
    done = rater("check", str(path), "--json", "--blacklist", "none", env=env)
    assert done.returncode == 0, done.stderr
    lines = {x["title"]: x for x in map(json.loads, done.stdout.splitlines())}
    assert lines["Short loop"]["reasons"] == ["loop"]
    assert lines["Key full of music"]["reasons"] == ["bad-header"]
    cut = lines["Cut off"]
    assert cut["ok"] is True and cut["reasons"] == []
    assert cut["notes"] == ["cut-off: the text stops inside a bar"]
    assert lines["Short loop"]["notes"] == ["cut-off: the text stops inside a bar"]
    patchwork = lines["Patchwork"]  # cut on short notes, with a slur never closed
    assert patchwork["reasons"] == ["incoherent"]
    assert patchwork["details"] == [
        "stops inside a bar on a short note or an opening symbol; 1 unbalanced slur"
    ]


@pytest.mark.slow
def test_render_summary_then_cache_and_check_table(corpus: tuple[Path, dict[str, str]]) -> None:
    path, env = corpus
    first = rater("render", str(path), "--blacklist", "none", env=env)
    assert first.returncode == 0, first.stderr
    assert "3 samples: 1 ok, 2 broken" in first.stdout
    assert "repetitive" in first.stdout and "unparseable" in first.stdout
    # the loop and the garbled text fail on their reading, before anything is rendered
    assert "1 (0 from cache, 1 new)" in first.stdout
    assert "not rendered: 2 (failed text checks, or text)" in first.stdout.splitlines()
    second = rater("render", str(path), "--blacklist", "none", env=env)
    assert "1 (1 from cache, 0 new)" in second.stdout
    table = rater("check", str(path), "--blacklist", "none", env=env)
    assert table.returncode == 0
    assert "Good One" in table.stdout and "unparseable" in table.stdout
    assert "3 samples: 1 ok, 2 broken" in table.stdout


def test_missing_soundfont_is_one_line_exit_2(corpus: tuple[Path, dict[str, str]]) -> None:
    path, env = corpus
    done = rater("render", str(path), env={**env, "RATER_SOUNDFONT": "/nonexistent/x.sf2"})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("rater: SoundFont not found: /nonexistent/x.sf2")
    assert "apt-get install timgm6mb-soundfont" in done.stderr
    explicit = rater("check", str(path), "--soundfont", "/nonexistent/y.sf2", env=env)
    assert explicit.returncode == 2 and "/nonexistent/y.sf2 (from --soundfont)" in explicit.stderr


def test_unusable_soundfont_or_cache_is_one_line_exit_2(
    corpus: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path, env = corpus
    fake = tmp_path / "fake.sf2"
    fake.write_text("not a SoundFont")
    done = rater("render", str(path), "--soundfont", str(fake), env=env)
    assert done.returncode == 2
    assert done.stderr == f"rater: cannot load SoundFont {fake}: not a valid .sf2 file\n"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = rater("render", str(path), env={"RATER_CACHE_DIR": str(blocker)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"rater: cannot create the render cache {blocker}")


def test_missing_libfluidsynth_is_one_line_exit_2(corpus: tuple[Path, dict[str, str]]) -> None:
    path, env = corpus
    code = (
        "import sys; sys.modules['fluidsynth'] = None\n"
        "from rater.cli import main\n"
        f"sys.exit(main(['render', {str(path)!r}, '--blacklist', 'none']))\n"
    )
    full = {k: v for k, v in os.environ.items() if k != "RATER_SOUNDFONT"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**full, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "rater: libfluidsynth not found: install it with `sudo apt-get install libfluidsynth3`\n"
    )


def test_missing_samples_file_is_one_line_exit_2(tmp_path: Path) -> None:
    done = rater("check", str(tmp_path / "nope.abc"), "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "nope.abc" in done.stderr


def test_render_out_writes_each_playable_tune_its_midi_clip_and_index(
    corpus: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    import csv

    import mido

    path, env = corpus
    out = tmp_path / "listen"
    done = rater("render", str(path), "--out", str(out), "--blacklist", "none", env=env)
    assert done.returncode == 0, done.stderr
    with open(out / "index.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["title"] for r in rows] == ["Good One"]  # the loop and the garbled text are broken
    row = rows[0]
    assert list(row) == ["id", "source", "index", "title", "dialect", "midi", "wav"]
    assert row["source"] == str(path) and row["index"] == "1" and row["dialect"] == "abc"
    assert sorted(p.name for p in out.iterdir()) == sorted([row["midi"], row["wav"], "index.csv"])
    # the MIDI file is the whole tune at its written tempo, not sped up: 8 bars of 6/8 at
    # 120 quarter notes a minute are 12 s; the clip is the 10 s of music played at 1.1x
    midi = mido.MidiFile(out / row["midi"])
    assert midi.length == pytest.approx(12.0, abs=0.01)
    tempos = [m for t in midi.tracks for m in t if m.type == "set_tempo"]
    assert [m.tempo for m in tempos] == [500_000]
    cached = list(Path(env["RATER_CACHE_DIR"]).rglob(f"{row['id']}.wav"))
    assert (out / row["wav"]).read_bytes() == cached[0].read_bytes()


def test_render_out_refuses_a_path_that_is_not_a_folder(
    corpus: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path, env = corpus
    taken = tmp_path / "notes.txt"
    taken.write_text("keep me")
    done = rater("render", str(path), "--out", str(taken), env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == f"rater: {taken} exists and is not a directory"
    assert taken.read_text() == "keep me"
