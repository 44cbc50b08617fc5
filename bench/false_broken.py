"""How often the auto-fail checks wrongly fail real, human-written tunes (target <= 0.5%).

Corpus: every tune of music21's O'Neill's 1850 and Nottingham collections plus a seeded
500-tune sample of Ryan's Mammoth, keeping only tunes that abc2midi (the reference ABC
tool) turns into a MIDI file with notes, so tunes that are broken for everyone are not
counted against rater. Then the full pipeline (text checks, render, render checks) runs
with 2 workers and an empty cache; `--text-only` measures the text checks alone.

    .venv/bin/python bench/false_broken.py [--text-only] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _shared_data import folk_rnn  # bench/_shared_data.py

from rater.core.checks import default_settings, text_verdict
from rater.core.corpus import read_samples, sample_id
from rater.core.demo import degenerate_examples, music21_corpus_dir
from rater.core.records import Sample

FOLK_RNN = folk_rnn()  # ../shared/data/folk-rnn next to the repository, if there
RYAN_SAMPLE = 500
SEED = 1850


def real_tunes() -> list[Sample]:
    base = music21_corpus_dir()
    tunes = read_samples([str(base / "oneills1850"), str(base / "nottingham-dataset")])
    ryan = read_samples([str(base / "ryansMammoth")])
    return tunes + random.Random(SEED).sample(ryan, min(RYAN_SAMPLE, len(ryan)))


def abc2midi_ok(sample: Sample, workdir: Path) -> bool:
    """True when abc2midi writes a MIDI file with at least one sounding note."""
    import mido

    abc = workdir / f"{sample.id}.abc"
    mid = workdir / f"{sample.id}.mid"
    abc.write_text(sample.text + "\n", encoding="utf-8")
    try:
        subprocess.run(
            ["abc2midi", str(abc), "-o", str(mid)], capture_output=True, timeout=30, check=False
        )
        if not mid.is_file() or mid.stat().st_size == 0:
            return False
        return any(m.type == "note_on" and m.velocity > 0 for m in mido.MidiFile(mid))
    except (subprocess.TimeoutExpired, OSError, ValueError, EOFError):
        return False
    finally:
        abc.unlink(missing_ok=True)
        mid.unlink(missing_ok=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text-only", action="store_true", help="text checks only, no rendering")
    ap.add_argument("--limit", type=int, default=None, help="first N tunes only (quick look)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-folk-rnn", action="store_true", help="skip the folk-rnn verdict counts")
    args = ap.parse_args()
    if shutil.which("abc2midi") is None:
        print("abc2midi not found: apt-get install abcmidi", file=sys.stderr)
        return 2

    tunes = real_tunes()[: args.limit]
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as d, ThreadPoolExecutor(args.workers) as pool:
        keep = list(pool.map(lambda s: abc2midi_ok(s, Path(d)), tunes))
    real = [s for s, k in zip(tunes, keep, strict=True) if k]
    print(
        f"real tunes: {len(tunes)} read, {len(real)} kept by abc2midi "
        f"({len(tunes) - len(real)} dropped) in {time.monotonic() - t0:.1f} s"
    )

    settings = default_settings()
    t0 = time.monotonic()
    if args.text_only:
        verdicts = [(s, text_verdict(s, settings)) for s in real]
        elapsed = time.monotonic() - t0
        mode = "text checks only"
    else:
        from rater.audio.pipeline import judge_all
        from rater.audio.synth import find_soundfont
        from rater.core.settings import RenderSettings

        cache = tempfile.mkdtemp(prefix="rater-bench-")
        os.environ["RATER_CACHE_DIR"] = cache
        rs = RenderSettings(soundfont=find_soundfont())
        try:
            judged = judge_all(real, rs, settings, workers=args.workers, cache_dir=cache)
            elapsed = time.monotonic() - t0
            folk = (
                []
                if args.no_folk_rnn or FOLK_RNN is None
                else judge_all(
                    read_samples([str(FOLK_RNN)]),
                    rs,
                    settings,
                    workers=args.workers,
                    cache_dir=cache,
                )
            )
            elapsed_folk = time.monotonic() - t0 - elapsed
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        verdicts = [(j.sample, j.verdict) for j in judged]
        mode = f"full pipeline, {args.workers} workers, cold cache"
        renders = [j.render for j in judged if j.render is not None and j.render.ok]
        print(f"render statistics of {len(renders)} real tunes (min / 0.1% / 1% / median):")
        for name in ("peak", "rms", "music_seconds", "clip_seconds"):
            values = sorted(getattr(r, name) for r in renders) or [0.0]
            qs = [values[min(len(values) - 1, int(q * len(values)))] for q in (0.001, 0.01, 0.5)]
            print(f"  {name}: {values[0]:.4f} / " + " / ".join(f"{q:.4f}" for q in qs))

    broken = [(s, v) for s, v in verdicts if not v.ok]
    rate = 100.0 * len(broken) / max(1, len(verdicts))
    print(f"mode: {mode}; {elapsed:.1f} s ({len(verdicts) / max(elapsed, 1e-9):.1f} tunes/s)")
    print(f"false-broken: {len(broken)} of {len(verdicts)} = {rate:.2f}% (target <= 0.5%)")
    by_reason: dict[str, list[tuple[Sample, str]]] = defaultdict(list)
    for s, v in broken:
        for reason, detail in zip(v.reasons, v.details, strict=True):
            by_reason[reason].append((s, detail))
    for reason, hits in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        print(f"  {reason}: {len(hits)}")
        for s, detail in hits[:4]:
            print(f"    {s.id} {Path(s.source).name}#{s.index} {s.title[:40]!r}: {detail[:90]}")

    if not args.text_only and FOLK_RNN is None:
        print("folk-rnn: not found (no ../shared/data next to the repository)")
    if not args.text_only and folk:
        counts = Counter(" + ".join(j.verdict.reasons) or "ok" for j in folk)
        print(
            f"folk-rnn ({len(folk)} samples, full pipeline, "
            f"{elapsed_folk:.1f} s): " + ", ".join(f"{k} {v}" for k, v in counts.most_common())
        )
    print("degenerate examples (text checks):")
    caught = Counter()
    for name, (text, want) in degenerate_examples().items():
        v = text_verdict(Sample(sample_id(text), text, "synthetic", 0), settings)
        caught[want in v.reasons] += 1
        print(f"  {name}: {'caught' if want in v.reasons else 'MISSED'} {list(v.reasons)}")
    print(f"degenerate caught: {caught[True]} of {sum(caught.values())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
