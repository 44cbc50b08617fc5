"""Items 5, 6 and 12 (cache --clear): the cache folder is read as untrusted data.

A FIFO where a cache entry should be hung `encode`, `autorate` (bpe/*.ranks) and
`model score` (the notes cache of earlier versions); an entry with pitch 1e400, NaN times,
deep nesting or a symlink to /dev/zero raised OverflowError, ValueError, RecursionError,
MemoryError. Each is now a miss: the tune is rendered again. `rater cache --clear` left the
notes cache behind (earlier versions made one; it is still cleared).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hostile import rater

from rater.audio.synth import find_soundfont
from rater.core.bpe import CACHE_SUBDIR, RANKS_NAME
from rater.core.settings import RenderSettings

PROBE = Path(__file__).with_name("cache_probe.py")
NOTES = "notes-0123456789abcdef"  # the notes cache earlier versions kept
SAMPLE = "probe0000000000a"
ENTRY = {"notes": [[0.0, 0.5, 67]], "clip_seconds": 4.0, "music_seconds": 4.0, "error": None}
MEMORY = 3 << 30  # a child that reads /dev/zero whole stops here, not at the machine's end


def tampered(entry: Path, how: str) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    if how == "fifo":
        os.mkfifo(entry)
    elif how == "dev-zero":
        entry.symlink_to("/dev/zero")
    elif how == "pitch 1e400":
        entry.write_text(json.dumps(ENTRY).replace("67]", "1e400]"))
    elif how == "NaN times":
        entry.write_text(json.dumps(ENTRY).replace("[0.0,", "[NaN,"))
    elif how == "deep":
        entry.write_text('{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    elif how == "huge int":
        entry.write_text(json.dumps(ENTRY).replace("67]", "9" * 400 + "]"))


def probe(root: Path) -> str:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    done = subprocess.run(
        [sys.executable, str(PROBE), str(root)],
        capture_output=True,
        text=True,
        timeout=90,
        preexec_fn=limit,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.parametrize(
    "how", ["fifo", "dev-zero", "pitch 1e400", "NaN times", "deep", "huge int"]
)
def test_a_tampered_render_cache_entry_is_a_miss(tmp_path: Path, how: str) -> None:
    bucket = RenderSettings(soundfont=find_soundfont()).key()
    tampered(tmp_path / bucket / f"{SAMPLE}.json", how)
    out = probe(tmp_path)
    assert out.startswith("notes ") and out.endswith("error None cached False"), out
    assert int(out.split()[1]) > 0, out


def test_a_fifo_as_the_cached_merge_table_does_not_hang_encode(tmp_path: Path) -> None:
    (tmp_path / CACHE_SUBDIR).mkdir()
    os.mkfifo(tmp_path / CACHE_SUBDIR / RANKS_NAME)
    done = rater("encode", stdin="X:1", env={"RATER_CACHE_DIR": str(tmp_path)}, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("["), done.stderr


def test_cache_clear_clears_the_notes_cache(tmp_path: Path) -> None:
    entry = tmp_path / NOTES / f"{SAMPLE}.json"
    entry.parent.mkdir(parents=True)
    entry.write_text(json.dumps(ENTRY))
    env = {"RATER_CACHE_DIR": str(tmp_path)}
    done = rater("cache", env=env)
    assert "did not make" not in done.stdout, done.stdout
    done = rater("cache", "--clear", env=env)
    assert done.returncode == 0 and "did not make" not in done.stdout, done.stdout
    assert not entry.parent.exists()
