"""The render cache's cap (issue 25, item 3): past `cache_max_bytes` the least recently used
clips go, a hit counts as a use, and nothing rater did not make is touched."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from dataclasses import replace
from pathlib import Path

from rater.audio import cache, cachefolder
from rater.audio.budget import LOW_WATER, Budget
from rater.core.records import Render
from rater.core.settings import RenderSettings

KB = 1000


def entry(bucket: Path, stem: str, clip: int, used: float) -> None:
    """A render entry: its JSON and (clip > 0) a WAV of `clip` bytes, last used at `used`."""
    (bucket / f"{stem}.json").write_bytes(b"{}")
    os.utime(bucket / f"{stem}.json", (used, used))
    if clip:
        (bucket / f"{stem}.wav").write_bytes(b"\0" * clip)
        os.utime(bucket / f"{stem}.wav", (used, used))


def test_the_least_recently_used_clips_go_first(tmp_path: Path) -> None:
    bucket = tmp_path / "0123456789abcdef"
    bucket.mkdir()
    for k in range(10):  # clip k was last used at time 1000 + k
        entry(bucket, f"clip{k}", 100 * KB, 1000.0 + k)
    entry(bucket, "failed", 0, 10.0)  # the oldest of all: a tune that could not be rendered
    (bucket / ".clip3.wav.x1y2.tmp").write_bytes(b"\0" * KB)  # a clip being written
    (tmp_path / "mine.txt").write_bytes(b"\0" * 50 * KB)  # not rater's
    outside = tmp_path / "outside.wav"
    outside.write_bytes(b"\0" * 50 * KB)
    (bucket / "link.wav").symlink_to(outside)
    cap = 600 * KB
    budget = Budget(tmp_path, cap)
    budget.added([bucket / "clip9.wav"])
    left = sorted(p.name for p in bucket.iterdir())
    assert cachefolder.usage(tmp_path).size <= LOW_WATER * cap
    gone = [k for k in range(10) if f"clip{k}.wav" not in left]
    assert gone == list(range(len(gone))) and 4 <= len(gone) <= 5  # oldest first
    assert all(f"clip{k}.json" not in left for k in gone)  # whole entries
    assert "failed.json" in left  # the small entries of failed renders stay while clips go
    assert ".clip3.wav.x1y2.tmp" in left and "link.wav" in left
    assert outside.stat().st_size == 50 * KB and (tmp_path / "mine.txt").exists()
    assert budget.evicted == len(gone)


def test_a_hit_is_a_use(tmp_path: Path) -> None:
    """`cache.get` marks the clip used, so the clips a session plays stay."""
    settings = RenderSettings(clip_seconds=1.0, sample_rate=8000)
    bucket = cache.bucket(tmp_path, settings)
    for k in range(2):
        wav = bucket / f"s{k}.wav"
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0\0" * 8000)
        cache.put(Render(f"s{k}", str(wav), clip_seconds=1.0), settings, tmp_path)
        os.utime(wav, (1000.0 + k, 1000.0 + k))
    assert cache.get("s0", settings, tmp_path) is not None  # s0 was the older: now it is not
    assert os.stat(bucket / "s0.wav").st_mtime > os.stat(bucket / "s1.wav").st_mtime
    size = cachefolder.usage(tmp_path).size
    Budget(tmp_path, int(size * 0.6)).added([bucket / "s0.wav"])
    assert (bucket / "s0.wav").exists() and not (bucket / "s1.wav").exists()


def test_render_keeps_the_cache_under_its_cap(tmp_path: Path) -> None:
    """`rater render` of more clips than the cap holds: the cache never ends above it."""
    tunes = "\n\n".join(
        f"X:{k}\nT:Scale {k}\nM:4/4\nL:1/8\nK:C\n{'CDEF GABc|' * 2}{'cBAG FED' + 'CDEFG'[k % 5]}|"
        for k in range(12)
    )
    path = tmp_path / "tunes.abc"
    path.write_text(tunes)
    env = {**os.environ, "RATER_CACHE_DIR": str(tmp_path / "cache")}
    args = ["render", str(path), "--clip-seconds", "3", "--cache-size", "1MB"]
    args += ["--blacklist", "none"]
    done = subprocess.run([sys.executable, "-m", "rater", *args], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    used = cachefolder.usage(tmp_path / "cache")
    assert 0 < used.size <= 1_000_000 and 0 < used.clips < 12  # ~130 kB a clip: some went
    shown = subprocess.run([sys.executable, "-m", "rater", "cache", "--cache-size", "1MB"],
                           env=env, capture_output=True, text=True)  # fmt: skip
    assert "cap 1.0 MB" in shown.stdout and "% used" in shown.stdout


def test_cache_size_is_read_and_checked_at_the_edge() -> None:
    from rater.cli import build_parser, options

    def settings(*argv: str) -> RenderSettings:
        args = build_parser().parse_args(["check", "x.abc", "--kind", "text", *argv])
        return options.render_settings(args, "text")

    assert settings().cache_max_bytes == 2_000_000_000
    assert settings("--cache-size", "500MB").cache_max_bytes == 500_000_000
    assert settings("--cache-size", "1.5G").cache_max_bytes == 1_500_000_000
    assert replace(settings(), cache_max_bytes=10**6).cache_max_bytes == 10**6
    done = subprocess.run([sys.executable, "-m", "rater", "check", "x.abc", "--cache-size", "5"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "rater: --cache-size must be at least 1000000, got 5\n"
    bad = subprocess.run([sys.executable, "-m", "rater", "cache", "--cache-size", "lots"],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and "not a size: 'lots'" in bad.stderr
