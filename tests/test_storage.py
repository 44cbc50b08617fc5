"""A full, read-only or unwritable render cache is the machine's failure, never a verdict.

Real commands on a real corpus, with the cache on a real small tmpfs that fills up and on a
real read-only mount (root ignores file modes, so a read-only mount is what fails for root
too). `check` and `autorate` judge by the reading alone and never touch the cache: every
verdict and every journal record must be what a run with a healthy cache gives, without a
word. `render`, whose job is filling the cache, stops in one line and leaves no temporary
files; once space is freed the same tunes render and are cached. Mounting needs
CAP_SYS_ADMIN: without it those tests skip and say why; the cache-under-a-file case runs
everywhere. (A rating session's clips go to a private folder instead, with a notice:
tests/test_tui_storage.py.)
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

from rater.audio.synth import resolve_soundfont
from rater.core.settings import RenderSettings

REPO = Path(__file__).resolve().parent.parent
ONEILLS = Path(find_spec("music21").origin).parent / "corpus" / "oneills1850"  # no import
BROKEN = (
    """X:1
T:Repeats
M:4/4
K:C
"""
    + "CDEF GABc|" * 16
    + """

X:2
T:Short
M:4/4
L:1/8
K:C
C|

X:3
T:Garbled
K:C
CDEF|GABc|cd@@@@;;;;####@@@@;;;;|gabc|

X:4
T:No notes
K:C
z8|z8|z8|z8|
"""
)


def rater(*argv: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RATER_SOUNDFONT"}
    env["RATER_CACHE_DIR"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "rater", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "tunes.abc"
    text = (ONEILLS / "0101-0200.abc").read_text(encoding="utf-8", errors="replace")
    good = ["X:" + t for t in text.split("\nX:")[1:11]]
    path.write_text("\n\n".join(good) + "\n\n" + BROKEN)
    return path


def verdicts(done: subprocess.CompletedProcess[str]) -> dict[str, tuple[bool, list[str]]]:
    assert done.returncode == 0, done.stderr
    return {x["id"]: (x["ok"], x["reasons"]) for x in map(json.loads, done.stdout.splitlines())}


@pytest.fixture(scope="module")
def healthy(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a cache with room gives: the verdicts every other run must repeat."""
    cache = tmp_path_factory.mktemp("roomy")
    found = verdicts(rater("check", str(corpus), "--json", "--blacklist", "none", cache=cache))
    assert sum(ok for ok, _ in found.values()) >= 8  # clips to fill the small disk with
    assert {r for _, reasons in found.values() for r in reasons} >= {"unparseable", "too-short"}
    return found


def bucket() -> str:
    """The cache bucket the CLI's default settings use."""
    env = {k: v for k, v in os.environ.items() if k != "RATER_SOUNDFONT"}
    with pytest.MonkeyPatch.context() as mp:
        for k in set(os.environ) - set(env):
            mp.delenv(k)
        return resolve_soundfont(RenderSettings()).key()


@contextlib.contextmanager
def tmpfs(path: Path, options: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): needs CAP_SYS_ADMIN")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.startswith(".") or "tmp" in p.suffix]


def journal_reasons(path: Path) -> dict[str, list[str]]:
    """Each sample's reasons as the journal's automatic records give them."""
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        assert record.get("broken") == 1
        for sid, reasons in zip(record["ids"], record["reasons"], strict=True):
            found[sid] = reasons
    return found


def expected_in_journal(healthy: dict, journal: dict[str, list[str]]) -> dict[str, list[str]]:
    return {sid: healthy[sid][1] for sid in journal}


@pytest.mark.slow
def test_a_cache_on_a_small_disk_that_fills_up(corpus: Path, healthy: dict, tmp_path: Path):
    with tmpfs(tmp_path / "small", "size=2m") as cache:
        (cache / "filler").write_bytes(b"x" * ((2 << 20) - (100 << 10)))  # nearly full
        full = rater("check", str(corpus), "--json", "--blacklist", "none", cache=cache)
        assert verdicts(full) == healthy and full.stderr == ""  # the cache is not needed

        journal = tmp_path / "auto.jsonl"
        auto = rater("autorate", str(corpus), "--ratings", str(journal), "--blacklist", "none",
                     cache=cache)  # fmt: skip
        assert auto.returncode == 0 and auto.stderr == ""
        written = journal_reasons(journal)
        assert written and written == expected_in_journal(healthy, written)
        assert not (cache / bucket()).exists()  # no clip made (the GPT-2 table was cached)

        render = rater("render", str(corpus), "--blacklist", "none", cache=cache)
        assert render.returncode == 2  # its whole job is filling the cache: one line
        lines = render.stderr.splitlines()
        assert len(lines) == 1 and "No space left on device" in lines[0], render.stderr
        assert not leftovers(cache)

        remount(cache, "size=50m")  # space freed: the same tunes render and are cached
        again = rater("render", str(corpus), "--blacklist", "none", cache=cache)
        assert again.returncode == 0 and again.stderr == ""
        rendered = {p.stem for p in (cache / bucket()).glob("*.json")}
        wavs = {p.stem for p in (cache / bucket()).glob("*.wav")}
        assert {sid for sid, (ok, _) in healthy.items() if ok} <= wavs <= rendered
        warm = rater("check", str(corpus), "--json", "--blacklist", "none", cache=cache)
        assert verdicts(warm) == healthy and warm.stderr == ""
        assert not leftovers(cache)


@pytest.mark.slow
def test_a_read_only_cache(corpus: Path, healthy: dict, tmp_path: Path) -> None:
    """The bucket exists (an earlier run made it) and the disk is now read-only: writing a
    clip fails in the render processes themselves."""
    with tmpfs(tmp_path / "ro", "size=20m") as cache:
        (cache / bucket()).mkdir()
        remount(cache, "ro")
        done = rater("check", str(corpus), "--json", "--blacklist", "none", cache=cache)
        assert verdicts(done) == healthy and done.stderr == ""

        journal = tmp_path / "auto.jsonl"
        auto = rater("autorate", str(corpus), "--ratings", str(journal), "--blacklist", "none",
                     cache=cache)  # fmt: skip
        assert auto.returncode == 0 and auto.stderr == ""
        written = journal_reasons(journal)
        assert written and written == expected_in_journal(healthy, written)

        render = rater("render", str(corpus), "--blacklist", "none", cache=cache)
        assert render.returncode == 2  # its whole job is filling the cache: one line
        assert render.stderr.count("\n") == 1 and "Read-only file system" in render.stderr
        assert list(cache.rglob("*")) == [cache / bucket()]


def test_a_cache_that_cannot_be_created(corpus: Path, healthy: dict, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = rater("check", str(corpus), "--json", "--blacklist", "none", cache=blocker / "c")
    assert verdicts(done) == healthy and done.stderr == ""
    render = rater("render", str(corpus), "--blacklist", "none", cache=blocker / "c")
    assert render.returncode == 2 and render.stderr == (
        f"rater: cannot create the render cache {blocker / 'c' / bucket()}: "
        "Not a directory (set RATER_CACHE_DIR to a writable directory)\n"
    )
