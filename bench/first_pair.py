"""Time to the first playable pair on a cold 5,000-sample corpus, next to a full render.

The workflow this tool replaces rendered every tune before the first rating, so a person
waited for the whole corpus. Here the app shows (and starts playing) the first pair while
the rest renders. Measured in-process with Textual's Pilot (headless), from before the
corpus is read to the moment the first pair is on screen with its clips handed to the player.
The full-corpus render time is estimated from the render rate measured over a window of
the same run (rendering all 5,000 would take minutes); the output says so.

Run: .venv/bin/python bench/first_pair.py [--samples 5000] [--window 40] [--pairing active]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from _shared_data import REPO, folk_rnn  # bench/_shared_data.py

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # fakes.RecordingPlayer

FOLK_RNN = folk_rnn()  # ../shared/data/folk-rnn next to the repository, if there


def corpus_sources() -> list[Path]:
    import music21

    base = Path(music21.__file__).parent / "corpus"
    files: list[Path] = []
    for name in ("oneills1850", "ryansMammoth", "essenFolksong"):
        files += sorted((base / name).glob("*.abc"))
    files += sorted(FOLK_RNN.glob("*.abc")) if FOLK_RNN is not None else []
    return files


def build_corpus(dest: Path, n: int) -> tuple[Path, dict[str, int]]:
    """A cold corpus of n distinct real + machine-made tunes, mixed so both kinds come early."""
    import random

    from rater.core import corpus

    by_origin: dict[str, list[str]] = {}
    for path in corpus_sources():
        origin = "folk-rnn" if FOLK_RNN and path.is_relative_to(FOLK_RNN) else path.parent.name
        try:
            samples = corpus.read_samples([str(path)])
        except Exception as exc:  # a corpus file our reader refuses is reported, not fatal
            print(f"  skipped {path.name}: {exc}")
            continue
        by_origin.setdefault(origin, []).extend(s.text for s in samples)
    texts: list[str] = []
    counts: dict[str, int] = {}
    rng = random.Random(1)
    pool = [(o, t) for o, ts in by_origin.items() for t in ts]
    rng.shuffle(pool)
    seen: set[str] = set()
    for origin, text in pool:
        if len(texts) >= n:
            break
        if text in seen:
            continue
        seen.add(text)
        texts.append(text)
        counts[origin] = counts.get(origin, 0) + 1
    out = dest / "cold.abc"
    out.write_text(
        "\n\n".join(f"X:{i + 1}\n{t}" if not t.startswith("X:") else t for i, t in enumerate(texts))
        + "\n"
    )
    return out, counts


async def measure(
    corpus_path: Path, journal: Path, window: float, pairing: str = "halves"
) -> dict[str, float]:
    from fakes import RecordingPlayer  # tests/fakes.py: the audio device is not timed

    from rater.audio.synth import resolve_soundfont
    from rater.core import checks, corpus
    from rater.core.settings import PairingSettings, RateSettings, RenderSettings
    from rater.tui.build import make_app

    t0 = time.perf_counter()
    samples = corpus.read_samples([str(corpus_path)])
    t_read = time.perf_counter() - t0
    settings = RateSettings(  # what `rater rate --pairing P` runs with (built-in blacklist)
        rater="bench",
        pairing=PairingSettings(pairing),
        render=resolve_soundfont(RenderSettings()),
        checks=checks.default_settings(),
    )
    player = RecordingPlayer()
    app = make_app(samples, journal, settings, player=player)
    out: dict[str, float] = {"samples": len(samples), "read": t_read}
    async with app.run_test(size=(160, 48)) as pilot:
        while not (app.session.state == "showing" and player.calls):
            await asyncio.sleep(0.005)
        out["first_pair"] = time.perf_counter() - t0
        out["auto_before_first"] = app.session.auto
        # Render rate over a window, with the app idle on the first pair.
        j0, w0 = len(app.session.judged), time.perf_counter()
        await asyncio.sleep(window)
        j1, w1 = len(app.session.judged), time.perf_counter()
        out["rate"] = (j1 - j0) / (w1 - w0)
        out["judged_in_window"] = j1 - j0
        out["order"] = len(app.session.order)
        await pilot.press("x")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--window", type=float, default=40.0, help="seconds to measure rate")
    parser.add_argument("--pairing", default="halves", help="pairing strategy (rate --pairing)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rater-bench-") as tmp:
        tmpdir = Path(tmp)
        os.environ["RATER_CACHE_DIR"] = str(tmpdir / "cache")  # cold: an empty cache
        print(f"building a {args.samples}-sample corpus (not timed)...")
        path, counts = build_corpus(tmpdir, args.samples)
        print("  origins:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        r = asyncio.run(measure(path, tmpdir / "ratings.jsonl", args.window, args.pairing))
    full = r["order"] / r["rate"] if r["rate"] > 0 else float("inf")
    print(f"samples read:                      {int(r['samples'])} (read in {r['read']:.2f} s)")
    print(
        f"start -> first playable pair:      {r['first_pair']:.2f} s  (--pairing {args.pairing}; "
        f"target <= 2 s; "
        f"{int(r['auto_before_first'])} broken pairs auto-rated before it)"
    )
    print(
        f"render rate (2 workers):           {r['rate']:.1f} samples/s "
        f"({int(r['judged_in_window'])} in a {args.window:.0f} s window)"
    )
    print(
        f"whole corpus render (estimated):   {full:.0f} s = {full / 60:.1f} min for "
        f"{int(r['order'])} samples  (estimated from the measured rate, not run to the end)"
    )
    print(f"ratio whole-render / first-pair:   {full / r['first_pair']:.0f}x less waiting")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load average (1 min):      {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
