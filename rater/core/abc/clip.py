"""The notes a rater hears: the first seconds of a performance, sped up, in clip seconds.

A clip is the first `seconds` of music at the written tempo, played `speed` times faster
(pitch unchanged): a note belongs to it when it starts inside it, and is cut at its end.
The renderer synthesises these notes; the piano roll draws them; the preference model
reads its note features from them, so a model learns from what was heard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from rater.core.abc.records import Performance
from rater.core.records import NoteEvent


@dataclass(frozen=True)
class Clip:
    """`notes` in clip seconds (after the speed-up, MIDI pitches 0..127 only); `seconds`:
    the clip's length as played; `music_seconds`: the whole tune's, as played; `bars`:
    where the tune's bars start inside the clip (clip seconds)."""

    notes: tuple[NoteEvent, ...]
    seconds: float
    music_seconds: float
    bars: tuple[float, ...] = ()


def clip(performance: Performance, seconds: float, speed: float) -> Clip:
    music = performance.music_seconds
    length = min(music, seconds)
    at: Callable[[Fraction], float] = performance.seconds
    if len(performance.tempos) == 1:  # one tempo throughout (most tunes): a product will do
        per_whole = 240.0 / performance.tempos[0].qpm
        at = lambda whole: float(whole) * per_whole  # noqa: E731

    notes = []
    for n in performance.notes:
        start = at(n.start)
        if start >= length:
            break
        if 0 <= n.pitch <= 127:
            end = min(at(n.start + n.length), length)
            notes.append(NoteEvent(start / speed, end / speed, n.pitch))
    bars = tuple(at(b) / speed for b in performance.bars if at(b) < length)
    return Clip(tuple(notes), length / speed, music / speed, bars)
