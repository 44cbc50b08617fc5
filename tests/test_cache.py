"""The render cache hands out only what it wrote: damaged or crafted entries are misses and
are rendered again; clips never come from outside the bucket; `rater cache` sizes and
clears it. Real renders, real files."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import wave
from dataclasses import replace
from pathlib import Path

import pytest

from rater.audio import cache, pipeline
from rater.audio.cachefolder import human_size
from rater.audio.player import ScheduledPlayer, wav_seconds
from rater.audio.synth import find_soundfont
from rater.core.records import Sample
from rater.core.settings import RenderSettings

TUNE = "X:1\nT:Scale\nM:4/4\nL:1/4\nQ:1/4=120\nK:C\n" + "C D E F | G A B c |\n" * 4
BROKEN = "X:1\nT:broken\nK:C\n| | |]\n"  # nothing to play: a cached failure


@pytest.fixture(scope="module")
def settings() -> RenderSettings:
    return RenderSettings(soundfont=find_soundfont(), clip_seconds=3.0)


def sample(text: str = TUNE, sid: str = "0123456789abcdef") -> Sample:
    return Sample(id=sid, text=text, source="t.abc", number=1)


@pytest.fixture
def cached(settings: RenderSettings, tmp_path: Path) -> Path:
    """A cache holding one good render; returns its bucket."""
    root = tmp_path / "cache"
    (first,) = pipeline.render_stream([sample()], settings, workers=0, cache_dir=root)
    assert first.ok and not first.cached
    hit = cache.get(sample().id, settings, root)
    assert hit is not None and hit.cached
    return Path(hit.wav_path).parent


def frames(path: str | Path) -> int:
    with wave.open(str(path)) as w:
        return w.getnframes()


def render_again(settings: RenderSettings, root: Path):
    (result,) = pipeline.render_stream([sample()], settings, workers=0, cache_dir=root)
    return result


def wav(bucket: Path) -> Path:
    return bucket / f"{sample().id}.wav"


@pytest.mark.parametrize("damage", ["empty", "random", "cut"])
def test_a_damaged_clip_is_a_miss_and_is_rendered_again(
    settings: RenderSettings, cached: Path, damage: str
) -> None:
    whole = wav(cached).read_bytes()
    if damage == "empty":
        wav(cached).write_bytes(b"")
    elif damage == "random":
        wav(cached).write_bytes(random.Random(1).randbytes(len(whole)))
    else:  # the header says 3 s, the data is cut at 1,000 bytes
        wav(cached).write_bytes(whole[:1000])
    assert cache.get(sample().id, settings, cached.parent) is None
    again = render_again(settings, cached.parent)
    assert again.ok and not again.cached
    assert len(wav(cached).read_bytes()) == len(whole)
    seconds = frames(again.wav_path) / settings.sample_rate
    assert seconds == pytest.approx(again.clip_seconds, abs=1e-4)
    assert cache.get(sample().id, settings, cached.parent) == replace(again, cached=True)


def test_a_clip_of_another_length_or_format_is_a_miss(settings: RenderSettings, cached: Path):
    with wave.open(str(wav(cached))) as w:
        pcm = w.readframes(w.getnframes())
    with wave.open(str(wav(cached)), "wb") as w:  # a whole, valid WAV: half as long
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(settings.sample_rate)
        w.writeframes(pcm[: len(pcm) // 2])
    assert cache.get(sample().id, settings, cached.parent) is None
    with wave.open(str(wav(cached)), "wb") as w:  # the right length at another rate
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(settings.sample_rate // 2)
        w.writeframes(pcm[: len(pcm) // 2])
    assert cache.get(sample().id, settings, cached.parent) is None


def meta(bucket: Path) -> Path:
    return bucket / f"{sample().id}.json"


def test_a_clip_path_never_leaves_the_bucket(settings: RenderSettings, cached: Path) -> None:
    entry = json.loads(meta(cached).read_text())
    for name in ("../../../../../etc/passwd", "/etc/passwd", "other.wav", f"./{entry['wav']}"):
        meta(cached).write_text(json.dumps({**entry, "wav": name}))
        assert cache.get(sample().id, settings, cached.parent) is None, name
        again = render_again(settings, cached.parent)
        assert again.ok and Path(again.wav_path) == wav(cached), name
    outside = cached.parent / "elsewhere.wav"
    os.replace(wav(cached), outside)  # a valid clip, but reached through a symlink
    wav(cached).symlink_to(outside)
    assert cache.get(sample().id, settings, cached.parent) is None
    again = render_again(settings, cached.parent)
    assert again.ok and not wav(cached).is_symlink()


@pytest.mark.parametrize(
    "change",
    [
        {"clip_seconds": "3"},
        {"peak": float("nan")},
        {"notes": [[0, 1, 999]]},
        {"notes": "C D E"},
        {"error": "crashed", "wav": None},  # a machine's failure is never a cached verdict
        {"error": "OSError", "wav": None},
        {"error": ["unparseable"], "wav": None},
        {"detail": 7},
        {"extra": 1},
    ],
)
def test_entries_are_type_checked(settings: RenderSettings, cached: Path, change: dict) -> None:
    entry = json.loads(meta(cached).read_text())
    meta(cached).write_text(json.dumps({**entry, **change}))
    assert cache.get(sample().id, settings, cached.parent) is None
    assert render_again(settings, cached.parent).ok


def test_a_cached_failure_is_still_a_hit(settings: RenderSettings, tmp_path: Path) -> None:
    broken = sample(BROKEN, "fedcba9876543210")
    (first,) = pipeline.render_stream([broken], settings, workers=0, cache_dir=tmp_path)
    (again,) = pipeline.render_stream([broken], settings, workers=0, cache_dir=tmp_path)
    assert first.error == again.error == "no-notes" and again.cached


def test_the_player_survives_a_clip_damaged_after_the_check(cached: Path) -> None:
    wav(cached).write_bytes(b"")
    assert wav_seconds(wav(cached)) == 0.0
    player = ScheduledPlayer(notice="")
    player.play_sequence([str(wav(cached)), str(wav(cached).with_name("gone.wav"))], gap=0)
    assert player.position() is None  # nothing to play, and no exception


def rater_cache(*argv: str, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rater", "cache", *argv],
        env={**os.environ, "RATER_CACHE_DIR": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rater_cache_sizes_and_clears_only_its_own_files(
    settings: RenderSettings, cached: Path, tmp_path: Path
) -> None:
    root = cached.parent
    more = [sample(TUNE.replace("Scale", "Other"), "1" * 16), sample(BROKEN, "2" * 16)]
    rendered = pipeline.render_stream(more, settings, workers=0, cache_dir=root)
    assert [r.error for r in rendered] == [None, "no-notes"]  # both cached, same bucket
    (cached / f".{sample().id}.4242.wavtmp").write_bytes(b"left by a crash")  # old names
    (root / "bpe").mkdir()
    (root / "bpe" / "gpt2-1ce1664773c5-196139668be6.pkl").write_bytes(b"old table")
    victim = tmp_path / "victim.wav"
    victim.write_bytes(b"not the cache's")
    strangers = [root / "notes.txt", cached / "mine.txt", root / "photos" / "cat.jpg"]
    for path in strangers:
        path.parent.mkdir(exist_ok=True)
        path.write_text("keep me")
    (cached / "link.wav").symlink_to(victim)
    ours = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    ours = [p for p in ours if p not in strangers]
    total = sum(p.stat().st_size for p in ours)
    assert len(ours) == 7  # 3 entries, 2 clips, a temporary file, an old merge table

    size = rater_cache("--size", root=root)
    assert size.returncode == 0, size.stderr
    assert size.stdout.splitlines() == [
        f"{root}: {human_size(total)} in {len(ours)} files (2 clips in 1 render bucket: "
        "one per render settings)",
        "cap 2.0 GB (0% used): rendering past it removes the least recently used clips "
        "(--cache-size)",
        "also 4 files or folders rater did not make (--clear leaves them)",
    ]
    assert rater_cache(root=root).stdout == size.stdout  # --size is the default

    cleared = rater_cache("--clear", root=root)
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.splitlines() == [
        f"removed {len(ours)} files ({human_size(total)}, 2 clips) from {root}",
        "left 4 files or folders rater did not make",
    ]
    assert all(p.read_text() == "keep me" for p in strangers)
    assert (cached / "link.wav").is_symlink() and victim.read_bytes() == b"not the cache's"
    assert not any(p.exists() for p in ours) and not (root / "bpe").exists()
    again = rater_cache(root=root)
    assert again.stdout.startswith(f"{root}: 0 bytes in 0 files (0 clips in 1 render bucket")


def test_rater_cache_on_a_missing_folder(tmp_path: Path) -> None:
    done = rater_cache("--clear", root=tmp_path / "none")
    assert done.returncode == 0 and done.stdout.startswith("removed 0 files (0 bytes, 0 clips)")
    assert not (tmp_path / "none").exists()
