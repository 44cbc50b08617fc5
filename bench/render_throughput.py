"""Render throughput and memory, against the old abc2midi + timidity pipeline, in one run.

    .venv/bin/python bench/render_throughput.py [--tunes 300] [--big 2000] [--skip-old]

(a) rater cold: the first N O'Neill tunes, fresh cache dir, 2 workers.
(b) old pipeline: abc2midi then `timidity -Ow` with the same SoundFont, 2 processes in
    parallel, each tune already in its own .abc file (writing them is not timed).
(c) rater warm: the same N tunes again, all from the cache.
(d) a 2,000-tune cold render (O'Neill + Ryan's Mammoth + Essen) while the summed RSS of this
    process and all its descendants is sampled from /proc every 50 ms.

Figures are ratios against baselines measured in the same run, because the machine is
shared: absolute times move with other people's load (the load average is printed).

Measured on branch i19 (notes from rater's own reader, music21 no longer parses; 2 CPUs
shared, load 3-6): (b)/(a) old/rater = 16.8x (load rising to 6.1) and 29.6x (load 4.2 to
3.0); (a) 41 and 21 ms a tune; (c) cold/warm 260x; (d) 2,000 tunes at 17.8 a second, peak
RSS 208 MB over 5 processes. Before (main at b2c7422, music21 parsing), alternating runs
of (a) under the same load: main 10.35-11.36 s, i19 4.68-7.04 s for the 300 tunes.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rater.audio.pipeline import render_stream  # noqa: E402
from rater.audio.synth import find_soundfont  # noqa: E402
from rater.core.corpus import read_samples  # noqa: E402
from rater.core.records import Sample  # noqa: E402
from rater.core.settings import RenderSettings  # noqa: E402

# Found without importing music21: this process stands for the CLI's main process, whose
# memory is part of the measured peak, and that process never imports music21.
CORPUS = Path(importlib.util.find_spec("music21").origin).parent / "corpus"  # type: ignore


def corpus(name: str) -> list[Sample]:
    return read_samples([str(CORPUS / name)])


def rater_render(
    samples: list[Sample], settings: RenderSettings, cache: Path, workers: int = 2
) -> tuple[float, Counter[str]]:
    start = time.perf_counter()
    errors: Counter[str] = Counter()
    for r in render_stream(samples, settings, workers=workers, cache_dir=cache):
        errors[r.error or "ok"] += 1
    return time.perf_counter() - start, errors


def old_pipeline(samples: list[Sample], soundfont: str, work: Path) -> tuple[float, int]:
    files = []
    for i, s in enumerate(samples):
        path = work / f"{i:04d}.abc"
        text = s.text if s.text.lstrip().startswith("X:") else "X:1\n" + s.text
        path.write_text(text + "\n")
        files.append(path)

    def one(abc: Path) -> bool:
        mid, wav = abc.with_suffix(".mid"), abc.with_suffix(".wav")
        a = subprocess.run(["abc2midi", str(abc), "-o", str(mid)], capture_output=True)
        if a.returncode != 0 or not mid.exists():
            return False
        t = subprocess.run(
            ["timidity", "-Ow", "-x", f"soundfont {soundfont}", "-o", str(wav), str(mid)],
            capture_output=True,
        )
        return t.returncode == 0 and wav.exists()

    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        ok = sum(pool.map(one, files))
    return time.perf_counter() - start, len(files) - ok


class RssSampler(threading.Thread):
    """Peak of (this process + all descendants) VmRSS, polled from /proc."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_kb = 0
        self.peak_procs = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            children: dict[int, list[int]] = {}
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            total, count, todo = 0, 0, [me]
            while todo:
                pid = todo.pop()
                todo.extend(children.get(pid, []))
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
                            count += 1
                except OSError:
                    pass
            if total > self.peak_kb:
                self.peak_kb, self.peak_procs = total, count
            self.stop.wait(self.interval)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tunes", type=int, default=300)
    ap.add_argument("--big", type=int, default=2000)
    ap.add_argument("--skip-old", action="store_true")
    args = ap.parse_args()
    soundfont = find_soundfont()
    settings = RenderSettings(soundfont=soundfont)
    print(
        f"SoundFont {soundfont}; clip {settings.clip_seconds} s at {settings.speed}x; "
        f"load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    oneill = corpus("oneills1850")
    tunes = oneill[: args.tunes]
    tmp = Path(tempfile.mkdtemp(prefix="rater-bench-"))
    try:
        cold, errors = rater_render(tunes, settings, tmp / "cache")
        failed = sum(n for e, n in errors.items() if e != "ok")
        print(
            f"(a) rater cold, {len(tunes)} O'Neill tunes, 2 workers: {cold:.2f} s "
            f"({cold / len(tunes) * 1000:.0f} ms/tune); failures {failed}/{len(tunes)} "
            f"= {failed / len(tunes):.1%} {dict(errors)}"
        )
        if not args.skip_old:
            (tmp / "old").mkdir()
            old, old_failed = old_pipeline(tunes, soundfont, tmp / "old")
            print(
                f"(b) old abc2midi + timidity, 2 in parallel: {old:.2f} s "
                f"({old_failed} failed); old/rater = {old / cold:.1f}x (target >= 3)"
            )
            shutil.rmtree(tmp / "old")
        warm, _ = rater_render(tunes, settings, tmp / "cache")
        print(
            f"(c) rater warm: {warm * 1000:.1f} ms; cold/warm = {cold / warm:.0f}x (target >= 50)"
        )
        big = (
            oneill[args.tunes : args.tunes + args.big // 2]
            + corpus("ryansMammoth")[: args.big * 3 // 10]
        )
        big += corpus("essenFolksong")[: args.big - len(big)]
        sampler = RssSampler()
        sampler.start()
        t, errors = rater_render(big, settings, tmp / "big-cache")
        sampler.stop.set()
        sampler.join()
        failed = sum(n for e, n in errors.items() if e != "ok")
        print(
            f"(d) {len(big)} tunes cold: {t:.1f} s ({len(big) / t:.1f} tunes/s), failures "
            f"{failed} {dict(errors)}; peak RSS main + children "
            f"{sampler.peak_kb / 1024:.0f} MB over {sampler.peak_procs} processes "
            "(target <= 500)"
        )
        print(f"load average at end {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
