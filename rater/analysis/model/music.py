"""Music features of one sample, each with a name a musician can read.

They come from the one reading of the tune every stage shares (`rater.core.abc`): the notes
of the clip the rater hears (the renderer plays the same `clip`) and the bars as written
(`rater.core.features`, what the checks judge). Each feature is a plain number; `FEATURES`
gives, for each, what a positive and a negative weight mean in words ("more stepwise
motion", "fewer repeated bars"), which is how `rater model fit` explains what the ratings
reward.

The melody is the highest note at each onset: generator output is mostly one voice, and a
chord's top note is what the ear follows. Samples with no notes (text that is not music)
get NaN for the note features (the model puts the training mean there) and `parsed` = 0,
so the model can weigh that on its own.
"""

from __future__ import annotations

import bisect
import math
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rater.core import features as bar_stats
from rater.core.abc import Clip, Tune, fields
from rater.core.records import NoteEvent


@dataclass(frozen=True)
class Feature:
    name: str
    more: str  # what a positive weight rewards
    less: str  # what a negative weight rewards


FEATURES: tuple[Feature, ...] = (
    Feature("parsed", "tunes that parse into notes", "tunes that do not parse"),
    Feature("length", "longer tunes", "shorter tunes"),
    Feature("density", "more notes per second", "fewer notes per second"),
    Feature("range", "a wider pitch range", "a narrower pitch range"),
    Feature("register", "a higher register", "a lower register"),
    Feature("repeated_notes", "more repeated notes", "fewer repeated notes"),
    Feature("steps", "more stepwise motion", "less stepwise motion"),
    Feature("thirds", "more leaps of a third", "fewer leaps of a third"),
    Feature("leaps", "more leaps of a fourth to an octave", "fewer leaps of a fourth to an octave"),
    Feature("wide_leaps", "more leaps wider than an octave", "fewer leaps wider than an octave"),
    Feature("zigzag", "a more zigzag melody", "a smoother melodic line"),
    Feature("pitch_variety", "more varied pitches", "fewer distinct pitches"),
    Feature("in_key", "more notes in the key", "more notes outside the key"),
    Feature("key_clarity", "a clearer sense of key", "a vaguer sense of key"),
    Feature("key_steady", "a steadier key", "a key that wanders"),
    Feature("major", "major keys", "minor keys"),
    Feature("rhythm_variety", "more varied note lengths", "plainer rhythm"),
    Feature("odd_lengths", "more unusual note lengths", "fewer unusual note lengths"),
    Feature("silence", "more silence between notes", "less silence between notes"),
    Feature("chords", "more chords", "fewer chords"),
    Feature("motifs", "more repeated motifs", "fewer repeated motifs"),
    Feature("pitch_runs", "longer runs of one pitch", "shorter runs of one pitch"),
    Feature("bar_fit", "more bars that fill the meter", "more bars that do not fill the meter"),
    Feature("repeated_bars", "more repeated bars", "fewer repeated bars"),
    Feature("bar_runs", "longer runs of the same bar", "shorter runs of the same bar"),
    Feature("repeat_signs", "more repeat signs (sections)", "fewer repeat signs"),
    Feature("final_bar", "an ending bar line", "no ending bar line"),
    Feature("tonic_end", "ending on the key note", "ending away from the key note"),
    Feature("compressible", "more predictable notation", "less predictable notation"),
    Feature("stray_symbols", "more stray (non-ABC) symbols", "fewer stray (non-ABC) symbols"),
)
NAMES = tuple(f.name for f in FEATURES)

# Krumhansl-Kessler key profiles (probe-tone ratings), C major and C minor.
_MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)
_SCALES = ((0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10))  # major, natural minor
_PLAIN_RATIOS = (1 / 4, 1 / 3, 3 / 8, 1 / 2, 2 / 3, 3 / 4, 1.0, 4 / 3, 3 / 2, 2.0, 3.0, 4.0, 6.0)


def _centred(profile: Sequence[float]) -> list[float]:
    mean = sum(profile) / len(profile)
    dev = [p - mean for p in profile]
    norm = math.sqrt(sum(d * d for d in dev))
    return [d / norm for d in dev]


_PROFILES = [
    (_centred(prof[-k:] + prof[:-k]), frozenset((k + s) % 12 for s in scale))
    for prof, scale in ((_MAJOR, _SCALES[0]), (_MINOR, _SCALES[1]))
    for k in range(12)
]


def features(tune: Tune, clip: Clip, body: str) -> list[float]:
    """The values of FEATURES, in order, for one sample: its reading, the clip a rater hears
    of it, and the body of its content text (`content.split_header`)."""
    out = dict.fromkeys(NAMES, math.nan)
    out["parsed"] = 0.0
    if clip.notes:
        out.update(_note_features(clip.notes, clip.music_seconds))
    out.update(_bar_features(tune))
    out["compressible"] = _compress_ratio(body)
    return [out[n] for n in NAMES]


def _bar_features(tune: Tune) -> dict[str, float]:
    """bar_fit, repeated_bars, bar_runs, repeat_signs, final_bar, tonic_end, stray_symbols
    (NaN where the tune does not say), from the bars as written (`rater.core.features`)."""
    nan = math.nan
    f = bar_stats.features(tune)
    marks = [b.mark for b in tune.bars] + ([tune.voices[0].end] if tune.voices else [])
    last = tune.bars[-1] if tune.bars else None
    keys = tune.field_values("K")
    key_note = fields.tonic(keys[-1]) if keys else None
    pitches = [p for b in tune.bars for p, _ in b.events if p is not None]
    return {
        "bar_fit": f.meter_share if f.meter_share is not None else nan,
        "repeated_bars": 1.0 - f.distinct_share if f.bars else nan,
        "bar_runs": math.log(f.longest_run) if f.longest_run else nan,
        "repeat_signs": math.log1p(sum(m.open + m.close for m in marks)),
        "final_bar": float(last is not None and _final(last.barline)),
        "tonic_end": nan
        if key_note is None or not pitches
        else float(pitches[-1] % 12 == key_note),
        "stray_symbols": tune.unread / tune.chars if tune.chars else nan,
    }


def _final(barline: str) -> bool:
    """A bar line a tune ends on: thick (`|]`), double (`||`) or a repeat (`:|`)."""
    return "]" in barline or "||" in barline or barline.startswith(":")


def _melody(notes: Sequence[NoteEvent]) -> tuple[list[float], list[float], list[int], float]:
    """(onsets, durations, pitches) of the top line, and the share of onsets with a chord."""
    top: dict[float, NoteEvent] = {}
    count: Counter[float] = Counter()
    for n in notes:
        t = round(n.start, 3)
        count[t] += 1
        if t not in top or n.pitch > top[t].pitch:
            top[t] = n
    onsets = sorted(top)
    chords = sum(1 for t in onsets if count[t] > 1) / len(onsets)
    return (
        onsets,
        [max(1e-3, top[t].end - top[t].start) for t in onsets],
        [top[t].pitch for t in onsets],
        chords,
    )


def _note_features(notes: Sequence[NoteEvent], music_seconds: float) -> dict[str, float]:
    onsets, durs, pitches, chords = _melody(notes)
    n = len(pitches)
    clip = max(max(x.end for x in notes), 1e-3)
    out: dict[str, float] = {"parsed": 1.0, "chords": chords}
    out["length"] = math.log1p(max(music_seconds, clip))
    out["density"] = n / clip
    out["range"] = float(max(pitches) - min(pitches))
    out["register"] = sum(pitches) / n - 60.0
    ivs = [b - a for a, b in zip(pitches, pitches[1:], strict=False)]
    if ivs:
        size = [abs(i) for i in ivs]
        m = len(ivs)
        out["repeated_notes"] = sum(1 for s in size if s == 0) / m
        out["steps"] = sum(1 for s in size if 1 <= s <= 2) / m
        out["thirds"] = sum(1 for s in size if 3 <= s <= 4) / m
        out["leaps"] = sum(1 for s in size if 5 <= s <= 12) / m
        out["wide_leaps"] = sum(1 for s in size if s > 12) / m
        moves = [i for i in ivs if i]
        turns = sum(1 for a, b in zip(moves, moves[1:], strict=False) if (a > 0) != (b > 0))
        out["zigzag"] = turns / max(1, len(moves) - 1)
    weights = [0.0] * 12
    for p, d in zip(pitches, durs, strict=True):
        weights[p % 12] += d
    out["pitch_variety"] = _entropy(weights)
    clarity, scale, major = _key(weights)
    out["key_clarity"] = clarity
    out["major"] = 1.0 if major else 0.0
    total = sum(weights)
    out["in_key"] = sum(weights[k] for k in scale) / total if total else 0.0
    out["key_steady"] = _key_steadiness(pitches, durs)
    out.update(_rhythm(onsets, durs, clip))
    out["motifs"] = _motifs(ivs, durs)
    run = longest = 1
    for i in ivs:
        run = run + 1 if i == 0 else 1
        longest = max(longest, run)
    out["pitch_runs"] = math.log(longest)
    return out


def _entropy(weights: Sequence[float]) -> float:
    total = sum(weights)
    if total <= 0:
        return 0.0
    return -sum(w / total * math.log(w / total) for w in weights if w > 0)


def _key(weights: Sequence[float]) -> tuple[float, frozenset[int], bool]:
    """(correlation with the best-fitting key profile, that key's scale, whether major)."""
    mean = sum(weights) / 12
    dev = [w - mean for w in weights]
    norm = math.sqrt(sum(d * d for d in dev))
    if norm == 0:
        return 0.0, _PROFILES[0][1], True
    best, pick = -2.0, 0
    for k, (profile, _) in enumerate(_PROFILES):
        r = sum(a * b for a, b in zip(dev, profile, strict=True)) / norm
        if r > best:
            best, pick = r, k
    return best, _PROFILES[pick][1], pick < 12


def _key_steadiness(pitches: Sequence[int], durs: Sequence[float]) -> float:
    """How alike the pitch-class profiles of the clip's two halves are (cosine, 0..1)."""
    half = len(pitches) // 2
    if half < 4:
        return 1.0
    a, b = [0.0] * 12, [0.0] * 12
    for k, (p, d) in enumerate(zip(pitches, durs, strict=True)):
        (a if k < half else b)[p % 12] += d
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(x * x for x in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / (na * nb) if na and nb else 0.0


def _rhythm(onsets: Sequence[float], durs: Sequence[float], clip: float) -> dict[str, float]:
    """Note-length variety, unusual lengths (not simple ratios of the commonest), silence."""
    lengths = [b - a for a, b in zip(onsets, onsets[1:], strict=False)] or list(durs)
    unit = Counter(round(x, 2) for x in lengths).most_common(1)[0][0] or 1e-3
    ratios = [x / unit for x in lengths]
    kinds = Counter(round(math.log2(max(r, 1e-3)) * 4) for r in ratios)  # quarter octaves
    odd = 0
    for r in ratios:
        k = bisect.bisect(_PLAIN_RATIOS, r)
        near = _PLAIN_RATIOS[max(0, k - 1) : k + 1]
        odd += min(abs(r - p) / p for p in near) > 0.08
    sounding = 0.0
    end = 0.0
    for t, d in zip(onsets, durs, strict=True):
        sounding += max(0.0, t + d - max(t, end))
        end = max(end, t + d)
    return {
        "rhythm_variety": _entropy(list(kinds.values())),
        "odd_lengths": odd / len(ratios),
        "silence": max(0.0, 1.0 - sounding / clip),
    }


def _motifs(ivs: Sequence[int], durs: Sequence[float]) -> float:
    """Share of 4-note shapes (intervals and length ratios) that occur more than once."""
    if len(ivs) < 4:
        return 0.0
    shape = [(i, round(durs[k + 1] / durs[k], 1)) for k, i in enumerate(ivs)]
    grams = [tuple(shape[k : k + 3]) for k in range(len(shape) - 2)]
    counts = Counter(grams)
    return sum(1 for g in grams if counts[g] > 1) / len(grams)


def _compress_ratio(body: str) -> float:
    data = body.encode("utf-8")
    return len(data) / len(zlib.compress(data, 6)) if data else 0.0
