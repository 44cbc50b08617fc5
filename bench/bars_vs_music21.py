"""Where the bar-by-bar view of a tune should come from: rater's own reader
(`rater.core.abc_reader`) or the measures of music21's ABC import (what the render worker
parses). Run once to choose.

For a seeded sample of real tunes from each music21 collection, both readers give bars as
(pitch, duration) events (music21: the first part's Measures; chords as their top note,
grace notes and chord symbols dropped, ties within a bar merged, like rater.core.bars).
Printed per collection:
- time per tune for each reader (music21 without beaming, as the renderer runs it);
- tunes where both give the same number of bars, and the share of bars (aligned in order)
  with the same length and with the same events;
- the share of inner bars that add up to the meter under each reader;
- how often each reader fails (exception) or finds no bars.
Then the same on the 256 folk-rnn samples, whose tokens are written apart (`g 2 f`).

    nice -n 10 .venv/bin/python bench/bars_vs_music21.py [--per-set 150]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from fractions import Fraction
from typing import Any

from _shared_data import folk_rnn, missing_reason  # bench/_shared_data.py

from rater.audio.render import _parse, prepare_abc
from rater.core.abc_reader import parse
from rater.core.bars import Bar
from rater.core.corpus import read_samples
from rater.core.demo import music21_corpus_dir
from rater.core.records import Sample

SETS = ("oneills1850", "ryansMammoth", "essenFolksong", "airdsAirs", "miscFolk")


def music21_bars(text: str) -> list[tuple[tuple[Any, Fraction], ...]]:
    """The first part's measures as rater.core.bars-style events (top note of chords, no grace
    notes or chord symbols, ties merged within the measure; durations in whole notes)."""
    header, body = prepare_abc(text)
    score = _parse(header + body)
    parts = list(score.parts) if hasattr(score, "parts") and score.parts else [score]
    out = []
    for m in parts[0].getElementsByClass("Measure"):
        events: list[list] = []
        for el in m.notesAndRests:
            if el.duration.isGrace or "ChordSymbol" in el.classes:
                continue
            d = Fraction(el.quarterLength).limit_denominator(1000) / 4
            if d <= 0:
                continue
            if el.isRest:
                pitch = None
            elif el.isChord:
                pitch = max(int(p.midi) for p in el.pitches)
            else:
                pitch = int(el.pitch.midi)
            tie = getattr(el, "tie", None)
            if events and events[-1][2] and events[-1][0] == pitch:
                events[-1][1] += d
                events[-1][2] = tie is not None and tie.type in ("start", "continue")
                continue
            events.append([pitch, d, tie is not None and tie.type in ("start", "continue")])
        if events:
            out.append(tuple((p, d) for p, d, _ in events))
    return out


def rater_bars(text: str) -> tuple[list[tuple], list[Bar]]:
    bars = list(parse(text).bars)
    return [b.events for b in bars], bars


def compare(samples: list[Sample]) -> dict[str, float]:
    t_r = t_m = 0.0
    same_count = bars_total = same_len = same_events = m21_fail = 0
    fits_r: list[float] = []
    fits_m: list[float] = []
    for s in samples:
        t0 = time.perf_counter()
        ours, bars = rater_bars(s.text)
        t_r += time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            theirs = music21_bars(s.text)
        except Exception:
            m21_fail += 1
            theirs = []
        t_m += time.perf_counter() - t0
        same_count += len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=False):
            bars_total += 1
            same_len += sum(d for _, d in a) == sum(d for _, d in b)
            same_events += a == b
        meter = bars[0].meter if bars else None
        if meter and len(ours) > 2 and len(theirs) > 2:
            inner_r = ours[1:-1]
            inner_m = theirs[1:-1]
            fits_r.append(sum(sum(d for _, d in b) == meter for b in inner_r) / len(inner_r))
            fits_m.append(sum(sum(d for _, d in b) == meter for b in inner_m) / len(inner_m))
    n = max(1, len(samples))
    return {
        "tunes": len(samples),
        "ms_rater": 1000 * t_r / n,
        "ms_music21": 1000 * t_m / n,
        "same_bar_count": same_count / n,
        "same_length": same_len / max(1, bars_total),
        "same_events": same_events / max(1, bars_total),
        "fit_rater": sum(fits_r) / max(1, len(fits_r)),
        "fit_music21": sum(fits_m) / max(1, len(fits_m)),
        "music21_fail": m21_fail,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-set", type=int, default=150)
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args()
    base = music21_corpus_dir()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.per_set} tunes per collection")
    head = (
        f"{'set':<14}{'tunes':>6}{'ms rater':>9}{'ms m21':>8}{'same #bars':>11}"
        f"{'same len':>9}{'same notes':>11}{'fit rater':>10}{'fit m21':>8}{'m21 fail':>9}"
    )
    print(head)
    folk = folk_rnn()
    groups = [(name, read_samples([str(base / name)])) for name in SETS]
    if folk is not None:
        groups.append(("folk-rnn", read_samples([str(folk)])))
    else:
        print(f"folk-rnn: skipped, {missing_reason('folk-rnn')}")
    for name, tunes in groups:
        rng = random.Random(f"{args.seed}:{name}")
        picked = rng.sample(tunes, min(args.per_set, len(tunes)))
        r = compare(picked)
        print(
            f"{name:<14}{r['tunes']:>6}{r['ms_rater']:>9.2f}{r['ms_music21']:>8.1f}"
            f"{r['same_bar_count']:>11.1%}{r['same_length']:>9.1%}{r['same_events']:>11.1%}"
            f"{r['fit_rater']:>10.1%}{r['fit_music21']:>8.1%}{r['music21_fail']:>9}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
