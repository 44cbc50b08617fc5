"""What the music of an ABC sample is, bar by bar: the records `rater.core.abc_reader` fills.

A diverged generator writes loops (one bar three to five times in a row, a 4-bar phrase
three times), and the same bar can be spelled many ways: `c/c/f/c/`, `c/ c/ f/ c/`,
`c/c/ f/c/` and, under `L:1/16`, `c2c2f2c2` are all the same four notes. So repetition and
rhythm are judged on what is played, not on the text: each bar becomes a tuple of
`(pitch, duration)` events. `rater.core.abc_reader.parse(text)` returns a `Tune`.

The records (for the checks in `rater.core.musiccheck`, and for anything else that wants
bar-level features, such as a preference model); all frozen, hashable, picklable:

- `Tune.fields`: every field line (`K:`, `M:`, `L:`, `Q:`, ...) and inline field (`[K:...]`)
  as `(letter, value)` in text order, header and body alike.
- `Tune.bars`: the bars of the first voice, in text order, repeats *not* expanded (a
  written-out repeat is what a looping generator does; a `:|` sign is not).
- `Bar.events`: `(pitch, duration)` pairs. `pitch` is a MIDI number with the key signature
  and the bar's accidentals applied (a chord counts as its highest note), or None for a
  rest; `duration` is a `Fraction` of a whole note (unit length, tuplets, broken rhythm
  applied; tied notes of one pitch merged within the bar). Grace notes, chord symbols,
  decorations, slurs and spacing are left out: they do not change what a bar is. Two bars
  with equal `events` sound the same.
- `Bar.meter`: the length of a full bar under the meter in force (a `Fraction` of a whole
  note; None for `M:none` or no meter); `Bar.closed`: False only for the last bar when the
  text stops inside it; `Bar.boundary`: the bar touches a repeat sign, a double bar or an
  ending (where real tunes put their pickup and short closing bars); `Bar.barline`: the bar
  line that ends it as written ("" when a line end or the end of the text did).
- `Tune.unread` / `Tune.chars`: body characters that are not ABC music / all body
  characters read; `Tune.stops_in_bar`: the music does not end with a bar line
  (`Tune.last_char` is the last music character).
- `Tune.slurs`: slurs opened and never closed plus closed and never opened (tuplets apart);
  `Tune.short_repeats`: repeat sections (`|: ... :|`) of one or two bars. Transcriptions
  get these right; text pieced together by a generator often does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

Event = tuple[int | None, Fraction]  # (MIDI pitch or None for a rest, whole notes)


@dataclass(frozen=True)
class Bar:
    """One bar as played: see the module docstring for the meaning of each field."""

    events: tuple[Event, ...]
    meter: Fraction | None = None
    closed: bool = True
    boundary: bool = False
    barline: str = "|"  # the bar line that ends it, as written ("" if none: line end, text end)

    @property
    def duration(self) -> Fraction:
        return sum((d for _, d in self.events), Fraction(0))

    @property
    def full(self) -> bool | None:
        """Whether the bar's notes add up to the meter (None when there is no meter)."""
        return None if self.meter is None else self.duration == self.meter

    @property
    def notes(self) -> tuple[Event, ...]:
        """The events without rests: what `c2 z2` and `c2 z2` share with `c2 z/z/z`."""
        return tuple(e for e in self.events if e[0] is not None)


@dataclass(frozen=True)
class Tune:
    """A sample read bar by bar: header and inline fields, bars of the first voice."""

    fields: tuple[tuple[str, str], ...] = ()
    bars: tuple[Bar, ...] = ()
    voices: int = 1
    unread: int = 0  # body characters that are not ABC music
    chars: int = 0  # body characters read as music (field and comment lines left out)
    stops_in_bar: bool = False  # the music does not end with a bar line
    last_char: str = ""  # the last music character of the body ("" when there is none)
    slurs: int = 0  # unbalanced slurs: `(` never closed plus `)` never opened
    short_repeats: int = 0  # repeat sections of one or two bars

    def field_values(self, letter: str) -> list[str]:
        return [v for k, v in self.fields if k == letter]

    def inner_bars(self) -> tuple[Bar, ...]:
        """Bars that should be full: not the first or last, not next to a repeat sign,
        double bar or ending (pickups and their closing bars sit there), under a meter."""
        return tuple(b for b in self.bars[1:-1] if b.meter is not None and not b.boundary)

    def starts(self) -> tuple[Fraction, ...]:
        """Where each bar starts, in whole notes from the start of the music, as written
        (the note picture's bar lines)."""
        out, at = [], Fraction(0)
        for bar in self.bars:
            out.append(at)
            at += bar.duration
        return tuple(out)

    @property
    def meter_fit(self) -> float | None:
        """Share of the inner bars whose notes add up to the meter (None: no inner bars)."""
        inner = self.inner_bars()
        return sum(1 for b in inner if b.full) / len(inner) if inner else None


def meter_length(value: str) -> Fraction | None:
    """Length of a full bar for an `M:` value, in whole notes; None for none/free/unreadable."""
    v = value.split("%")[0].strip()
    if v in ("C", "c"):
        return Fraction(1)
    if v in ("C|", "c|"):
        return Fraction(1)
    m = re.match(r"^\(?(\d{1,3}(?:\s*\+\s*\d{1,3})*)\)?\s*/\s*(\d{1,3})", v, re.ASCII)
    if not m:
        return None
    num = sum(int(n) for n in re.findall(r"[0-9]+", m.group(1)))
    den = int(m.group(2))
    return Fraction(num, den) if num > 0 and den > 0 else None


def beat_length(value: str) -> Fraction | None:
    """The note value an `M:` value counts in (`6/8`: an eighth; `C`: a quarter; `C|`: a
    half), in whole notes; None when there is no meter."""
    v = value.split("%")[0].strip()
    if v in ("C|", "c|"):
        return Fraction(1, 2)
    if v in ("C", "c"):
        return Fraction(1, 4)
    m = re.match(r"^\(?\d{1,3}(?:\s*\+\s*\d{1,3})*\)?\s*/\s*(\d{1,3})", v, re.ASCII)
    return Fraction(1, int(m.group(1))) if m and int(m.group(1)) > 0 else None


def unit_length(value: str) -> Fraction | None:
    m = re.match(r"^\s*(\d{1,4})\s*(?:/\s*(\d{1,4}))?\s*(?:%.*)?$", value, re.ASCII)
    if not m:
        return None
    num, den = int(m.group(1)), int(m.group(2) or 1)
    return Fraction(num, den) if num > 0 and den > 0 else None


def default_unit(meter: Fraction | None) -> Fraction:
    """The ABC standard: 1/16 when the meter is shorter than 3/4, else 1/8."""
    return Fraction(1, 16) if meter is not None and meter < Fraction(3, 4) else Fraction(1, 8)
