"""The records of one reading of an ABC tune (`rater.core.abc.parse` returns a `Tune`).

Two views of the same reading, so that what the checks judge is what is heard:

- **as written** (`Tune.bars`, for the checks and the bar-level features): the bars of the
  first voice in text order, repeats *not* expanded - a written-out loop is what a
  degenerate generator does, a `:|` sign is not. Each bar is a tuple of `(pitch, duration)`
  events, so the same bar spelled `c/c/f/c/`, `c/ c/ f/ c/` or, under `L:1/16`, `c2c2f2c2` is
  one bar. `pitch` is a MIDI number with the key signature and the bar's accidentals applied
  (a chord counts as its highest note) or None for a rest; `duration` a `Fraction` of a whole
  note (unit length, tuplets, broken rhythm applied; tied notes of one pitch merged within
  the bar). Grace notes, chord symbols, decorations, slurs and spacing are left out.
- **as played** (`Bar.sounds`, `Bar.mark`, `Voice`): every note of every voice with its
  place in its bar, and the signs at each bar line that decide the playing order (repeats,
  variant endings, parts). `rater.core.abc.playing.perform` lays them out in playing order
  as a `Performance`: notes in whole notes from the start, and the tempo map.

All records are frozen, hashable and picklable.

- `Tune.fields`: every field line and inline field as `(letter, value)` in text order.
- `Bar.meter`: the length of a full bar under the meter in force (None for `M:none` or no
  meter); `Bar.closed`: False only for the last bar when the text stops inside it;
  `Bar.boundary`: the bar touches a repeat sign, a double bar or an ending (where real tunes
  put their pickup and short closing bars); `Bar.barline`: the bar line that ends it as
  written ("" when a line end or the end of the text did).
- `Tune.unread` / `Tune.chars`: body characters that are not ABC music / all body characters
  read; `Tune.stops_in_bar`: the music does not end with a bar line (`Tune.last_char` is the
  last music character).
- `Tune.slurs`: slurs opened and never closed plus closed and never opened (tuplets apart);
  `Tune.short_repeats`: repeat sections (`|: ... :|`) of one or two bars. Transcriptions get
  these right; text pieced together by a generator often does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

Event = tuple[int | None, Fraction]  # (MIDI pitch or None for a rest, whole notes)


@dataclass(frozen=True)
class Sound:
    """One note as written, in its bar: `at` whole notes after the bar's start, `length`
    whole notes long; `tie`: it goes on into the next note of its pitch (`A2-A`, `A-|A`)."""

    at: Fraction
    length: Fraction
    pitch: int
    tie: bool = False


@dataclass(frozen=True)
class Mark:
    """The signs at a bar line that change the playing order: the end of a repeated
    section (`:|`, `::`), the start of one (`|:`, `::`), the start of a variant ending and
    the passes it is played on (`|1`, `:|2`, `[1,3`, `[1-3`), a double or thick bar line
    (`||`, `|]`, `[|`: a variant ending stops there) and the start of a part (`P:A`)."""

    close: bool = False
    open: bool = False
    ending: tuple[int, ...] = ()
    stop: bool = False
    part: str = ""


NO_MARK = Mark()


@dataclass(frozen=True)
class Bar:
    """One bar: see the module docstring for `events`, `meter`, `closed`, `boundary` and
    `barline`. `sounds`: every note of the bar as played (chords note by note, overlaid
    voices `&` included); `tempos`: tempo changes inside it as (whole notes after the bar's
    start, quarter notes per minute); `mark`: the signs at the bar line before it."""

    events: tuple[Event, ...]
    meter: Fraction | None = None
    closed: bool = True
    boundary: bool = False
    barline: str = "|"  # the bar line that ends it, as written ("" if none: line end, text end)
    sounds: tuple[Sound, ...] = ()
    tempos: tuple[tuple[Fraction, float], ...] = ()
    mark: Mark = NO_MARK

    @cached_property
    def duration(self) -> Fraction:
        """The bar's length (its events' lengths added; kept once computed: checks and
        playing ask often)."""
        return sum((d for _, d in self.events), Fraction(0))

    @cached_property
    def sounding(self) -> Fraction:
        """Where its last note ends (whole notes after the bar's start; 0: no notes)."""
        return max((s.at + s.length for s in self.sounds), default=Fraction(0))

    @property
    def full(self) -> bool | None:
        """Whether the bar's notes add up to the meter (None when there is no meter)."""
        return None if self.meter is None else self.duration == self.meter

    @property
    def notes(self) -> tuple[Event, ...]:
        """The events without rests: what `c2 z2` and `c2 z/z/z` share."""
        return tuple(e for e in self.events if e[0] is not None)


@dataclass(frozen=True)
class Voice:
    """One voice's bars in text order; `end`: the signs after its last bar (a final `:|`)."""

    name: str
    bars: tuple[Bar, ...] = ()
    end: Mark = NO_MARK


@dataclass(frozen=True)
class Tune:
    """A sample read once: the first voice's bars for the checks, every voice for playing.

    `dialect` is the dialect the text was read in (`rater.core.abc.dialect.Dialect`);
    `tempo` the written tempo at the start (quarter notes per minute; abc2midi's 120 when
    there is no `Q:`); `parts` the header's `P:` playing order, expanded (`ABAB`), "" for none.
    """

    fields: tuple[tuple[str, str], ...] = ()
    bars: tuple[Bar, ...] = ()
    voices: tuple[Voice, ...] = ()
    unread: int = 0  # body characters that are not ABC music
    chars: int = 0  # body characters read as music (field and comment lines left out)
    stops_in_bar: bool = False  # the music does not end with a bar line
    last_char: str = ""  # the last music character of the body ("" when there is none)
    slurs: int = 0  # unbalanced slurs: `(` never closed plus `)` never opened
    short_repeats: int = 0  # repeat sections of one or two bars
    dialect: str = "abc"
    tempo: float = 120.0
    parts: str = ""

    def field_values(self, letter: str) -> list[str]:
        return [v for k, v in self.fields if k == letter]

    def inner_bars(self) -> tuple[Bar, ...]:
        """Bars that should be full: not the first or last, not next to a repeat sign,
        double bar or ending (pickups and their closing bars sit there), under a meter."""
        return tuple(b for b in self.bars[1:-1] if b.meter is not None and not b.boundary)

    @property
    def meter_fit(self) -> float | None:
        """Share of the inner bars whose notes add up to the meter (None: no inner bars)."""
        inner = self.inner_bars()
        return sum(1 for b in inner if b.full) / len(inner) if inner else None


@dataclass(frozen=True)
class Note:
    """A note of the performance: `start` and `length` in whole notes of written time from
    the start of the tune (repeats expanded), `voice` the index of its voice."""

    start: Fraction
    length: Fraction
    pitch: int
    voice: int = 0


@dataclass(frozen=True)
class Tempo:
    """From `at` (whole notes of written time) on, `qpm` quarter notes per minute."""

    at: Fraction
    qpm: float


@dataclass(frozen=True)
class Performance:
    """A tune in playing order: its notes by start, the tempo map (the first entry at 0),
    where its last bar ends and where its last note ends (whole notes; rests at the end lie
    between the two); `bars`: where each bar of the first voice starts as played (repeats,
    endings and parts played out: the note picture's bar lines). `seconds(at)`: written
    time in seconds."""

    notes: tuple[Note, ...]
    tempos: tuple[Tempo, ...]
    end: Fraction
    sounding: Fraction = Fraction(0)
    bars: tuple[Fraction, ...] = ()

    def seconds(self, at: Fraction | float) -> float:
        total, last = 0.0, self.tempos[0]
        for t in self.tempos[1:]:
            if t.at > at:
                break
            total += float(t.at - last.at) * 240.0 / last.qpm
            last = t
        return total + float(at - last.at) * 240.0 / last.qpm

    @property
    def music_seconds(self) -> float:
        """Seconds of written time until the last note ends (trailing rests not heard)."""
        return self.seconds(self.sounding)
