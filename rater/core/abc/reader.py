"""ABC text -> `Tune`: one pure-Python pass over the text, bar by bar, every voice.

It reads ABC 2.1 the way abc2midi (abcMIDI, the reference player) plays it, measured note
for note by `bench/conformance.py`: accidentals last to the end of the bar in every octave
(2.1's default; `%%MIDI nobarlines` turns that off, as in abc2midi), a tie carries its note
over the bar line, broken rhythm works across slur ends (`G>)(B`) and leaves notes of unequal
lengths as written (ABC 2.1 leaves them undefined; abc2midi's choice), decorations never take a
note with them (`Hg>e`), quoted text never swallows one (`">"e3`), `x` rests have their
length, inline fields (`[K:]`, `[M:]`, `[L:]`, `[Q:]`, `[V:]`, `[P:]`) change what follows.
Without `L:` the unit is ABC 2.1's default (1/16 under a meter shorter than 3/4, else 1/8).
Grace notes (`{...}`) and chord symbols are left out and ornaments (`~`, `T`, `!trill!`)
play as the plain note; abc2midi's `-NGUI` leaves chord symbols out too. Also as abc2midi:
`%%MIDI transpose`/`rtranspose`, `K:... transpose=`, `%%MIDI ratio`; overlays (`&`) sound
from the start of their bar. Repeats and parts are written down here (`Mark`) and played
out by `rater.core.abc.playing`.

Line ends are not bar lines in ABC, but some transcriptions (Essen) end lines on full bars
without one, so for the checks a line end closes a bar that is already full (the notes
play on unchanged). Everything is best effort: `read` never raises, and what it cannot read
is counted in `Tune.unread`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from rater.core.abc import fields as abc_fields
from rater.core.abc.records import NO_MARK, Bar, Mark, Sound, Voice
from rater.core.abc.text import (
    FIELD_LINE,
    NOTE,
    NUMBER,
    ONE,
    body_start,
    note_length,
    open_chord,
    strip_comment,
    tuplet_q,
)

_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTAL = {"^^": 2, "^": 1, "=": 0, "__": -2, "_": -1}
_BARLINE = re.compile(
    r"\.?(?:\[\|[|:]*\]?|[|:]+\]?|\[(?=\d))(?:\s*\[(?=\d))?(\d+(?:[,-]\d+)*)?", re.ASCII
)
_TUPLET = re.compile(r"\(([0-9])(?::([0-9])?)?(?::([0-9])?)?")
_DECORATIONS = frozenset(".~HIJKLMNOPQRSTUVWhijklmnopqrstuvw")
_SKIP_PAIRS = {'"': '"', "!": "!", "+": "+", "{": "}"}
_LYRICS = frozenset("wW")
_MIDI = re.compile(r"^\s*%%MIDI\s+(\w+)\s*(-?\d+)?\s*(\d+)?", re.ASCII)
_TRANSPOSE = re.compile(r"(?:^|\s)transpose=(-?\d{1,2})\b", re.ASCII)
DEFAULT_QPM = 120.0  # abc2midi's tempo when a tune has no Q: field
MAX_VOICES = 32  # further voices (generator garbage: `[V:x]` ...) are read and dropped
MAX_ENDING = 16  # variant ending numbers above this are not a real tune's


@dataclass
class _Mark:
    """The signs seen at the bar line(s) before the bar being read."""

    close: bool = False
    open: bool = False
    ending: tuple[int, ...] = ()
    stop: bool = False
    part: str = ""

    def freeze(self) -> Mark:
        mark = Mark(self.close, self.open, self.ending, self.stop, self.part)
        return NO_MARK if mark == NO_MARK else mark


@dataclass(slots=True)
class _Event:
    """One note (its top pitch) or rest of the bar's line, while the bar is read: a tie to
    a note of the same pitch lengthens it (`Bar.events` keeps pitch and duration)."""

    pitch: int | None
    duration: Fraction
    tied: bool = False


@dataclass(slots=True)
class _Sounding:
    """One pitch heard, while the bar is read (`Sound` once the bar is closed); `base` is
    the pitch before accidentals carried over a tie (`_Voice.carry`)."""

    at: Fraction
    length: Fraction
    pitch: int
    tie: bool
    base: int


@dataclass(slots=True)
class _Last:
    """The last note or chord read: what broken rhythm and ties change."""

    event: _Event | None  # None for an overlaid voice's note (not on the bar's line)
    first: int  # its first `_Sounding` in the bar
    start: Fraction


@dataclass
class _Voice:
    """Mutable reading state of one voice (bars so far, the bar being read)."""

    name: str
    meter: Fraction | None
    unit: Fraction
    key: dict[str, int]
    transpose: int = 0
    compound: bool = False  # the meter as written is compound (`fields.compound`)
    bars: list[Bar] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    sounds: list[_Sounding] = field(default_factory=list)
    at: Fraction = Fraction(0)  # where the next note starts in the bar
    over_at: Fraction | None = None  # after `&`: an overlaid voice's place in the bar
    last: _Last | None = None
    accidentals: dict[str, int] = field(default_factory=dict)
    carry: dict[int, int] = field(default_factory=dict)  # tied over the bar line: base -> pitch
    mark: _Mark = field(default_factory=_Mark)
    tempos: list[tuple[Fraction, float]] = field(default_factory=list)
    boundary: bool = False
    repeat_from: int | None = None  # bars read when the open repeat section began
    short_repeats: int = 0
    repeating: bool = False  # a `|:` is open (no `:|` since)

    def repeat(self, closing: bool, opening: bool, shortest: int) -> None:
        """Count a repeat section of 1..`shortest` bars as it closes (`|: ... :|`)."""
        if closing and self.repeat_from is not None:
            if 0 < len(self.bars) - self.repeat_from <= shortest:
                self.short_repeats += 1
        if closing or opening:
            self.repeat_from = len(self.bars) if opening else None

    def close(
        self, closed: bool = True, boundary: bool = False, barline: str = "", signs: bool = True
    ) -> None:
        """End the bar being read; a boundary bar line marks the bars on both its sides.
        `signs=False`: no bar line ends it (a line end), so its accidentals go on."""
        if self.events:
            bar = Bar(
                tuple((e.pitch, e.duration) for e in self.events),
                self.meter,
                closed,
                self.boundary or boundary,
                barline,
                tuple(Sound(s.at, s.length, s.pitch, s.tie) for s in self.sounds),
                tuple(self.tempos),
                self.mark.freeze(),
            )
            self.bars.append(bar)
            self.carry = {
                s.base: s.pitch for s in self.sounds if s.tie and s.at + s.length == self.at
            }
            self.boundary = boundary
            self.mark = _Mark()
            self.tempos = []
        else:
            self.boundary = self.boundary or boundary
        self.events = []
        self.sounds = []
        self.at = Fraction(0)
        self.over_at = None
        self.last = None
        if signs:
            self.accidentals = {}

    def add(self, pitches: list[tuple[int, int]], length: Fraction, tied: list[bool]) -> None:
        """A note, chord (several pitches) or rest (none) of `length` whole notes."""
        if length <= 0:
            return
        if self.carry:
            pitches = [(self.carry.get(base, p), base) for p, base in pitches]
            self.carry = {}
        if self.over_at is not None:  # an overlaid voice: heard, not part of the bar's line
            start = self.over_at
            self.over_at += length
            event = None
        else:
            start = self.at
            self.at += length
            event = self._event(max((p for p, _ in pitches), default=None), length)
        first = len(self.sounds)
        for (p, base), tie in zip(pitches, tied, strict=True):
            self.sounds.append(_Sounding(start, length, p, tie, base))
        self.last = _Last(event, first, start)

    def _event(self, pitch: int | None, length: Fraction) -> _Event:
        last = self.events[-1] if self.events else None
        if last is not None and last.tied and last.pitch == pitch and pitch is not None:
            last.duration += length
            last.tied = False
            return last
        event = _Event(pitch, length)
        self.events.append(event)
        return event

    def last_length(self) -> Fraction | None:
        """The length of the last note or chord (None when there is none)."""
        if self.last is None:
            return None
        now = self.at if self.over_at is None else self.over_at
        return now - self.last.start

    def stretch(self, factor: Fraction) -> None:
        """Broken rhythm: the last note or chord takes `factor` times its length."""
        if self.last is None:
            return
        event, first, start = self.last.event, self.last.first, self.last.start
        now = self.at if self.over_at is None else self.over_at
        length = now - start
        grown = length * factor
        for s in self.sounds[first:]:
            s.length = grown
        if event is not None:
            event.duration += grown - length
        if self.over_at is None:
            self.at = start + grown
        else:
            self.over_at = start + grown

    def tie(self) -> None:
        if self.last is None:
            return
        event, first = self.last.event, self.last.first
        for s in self.sounds[first:]:
            s.tie = True
        if event is not None:
            event.tied = True


class Reader:
    """The body reader: one line at a time, one voice state per `V:`."""

    def __init__(
        self,
        fields: list[tuple[str, str]],
        meter: Fraction | None,
        unit: Fraction,
        key: dict[str, int],
        transpose: int = 0,
    ) -> None:
        self.fields = fields
        self.voices: dict[str, _Voice] = {}
        self.first = "1"
        self.voice = self.voices.setdefault(self.first, _Voice(self.first, meter, unit, key))
        self.voice.transpose = transpose
        self.spare: _Voice | None = None  # voices past MAX_VOICES are read into this one
        self.unread = 0
        self.chars = 0
        self.slurs_open = 0
        self.slurs_stray = 0  # `)` with no `(` open
        self.pending = ""  # a line that stopped inside a chord `[...`: read with the next one
        self.part = ""  # the part being read (`P:` in the body), for voices that start later
        self.transpose = 0  # `%%MIDI transpose`: every voice
        self.propagate = True  # `%%MIDI nobarlines` turns accidentals into one-note signs
        self.ratio = (Fraction(3, 2), Fraction(1, 2))  # `a>b` lengths; `%%MIDI ratio`
        self.tuplet_left, self.tuplet = 0, ONE
        # `a>b`: (first's factor, second's factor) until the second note is read; ABC 2.1
        # (4.4) leaves unequal notes undefined, and abc2midi plays them unchanged
        self.broken: tuple[Fraction, Fraction] | None = None

    def finish(self) -> dict:
        """The voices read, as `Tune` fields (header fields, tempo and dialect apart)."""
        if self.pending:
            self.music(self.pending)
        voices = []
        for v in self.voices.values():
            v.close(closed=False)
            voices.append(Voice(v.name, tuple(v.bars), v.mark.freeze()))
        first = self.voices[self.first]
        return {
            "fields": tuple(self.fields),
            "bars": tuple(first.bars),
            "voices": tuple(voices),
            "unread": self.unread,
            "chars": self.chars,
            "slurs": self.slurs_open + self.slurs_stray,
            "short_repeats": first.short_repeats,
        }

    def directive(self, line: str) -> None:
        """The `%%MIDI` directives that change which notes abc2midi plays."""
        m = _MIDI.match(line)
        if not m:
            return
        name, a, b = m.group(1), m.group(2), m.group(3)
        if name == "transpose" and a is not None:
            self.transpose = max(-48, min(48, int(a)))
        elif name == "rtranspose" and a is not None:
            self.transpose = max(-48, min(48, self.transpose + int(a)))
        elif name == "nobarlines":
            self.propagate = False
        elif name == "barlines":
            self.propagate = True
        elif name == "ratio" and a is not None and b is not None and int(a) > 0 and int(b) > 0:
            n, d = int(a), int(b)
            self.ratio = (Fraction(2 * n, n + d), Fraction(2 * d, n + d))

    def field(self, name: str, value: str) -> None:
        value = value.strip()
        self.fields.append((name, value))
        v = self.voice
        if name == "M":
            v.meter = abc_fields.meter_length(value)
            v.compound = abc_fields.compound(value)
        elif name == "L":
            v.unit = abc_fields.unit_length(value) or v.unit
        elif name == "K":
            v.key = abc_fields.signature(value)
            shift = _TRANSPOSE.search(value)
            v.transpose = int(shift.group(1)) if shift else v.transpose
        elif name == "Q":
            qpm = abc_fields.tempo(value, v.unit)
            if qpm is not None:
                v.tempos.append((v.at, qpm))
        elif name == "P":
            self.part = value[:1] if value[:1].isalpha() and value[:1].isupper() else ""
            for voice in self.voices.values():
                voice.mark.part = self.part
        elif name == "V":
            self._switch(value)

    def _switch(self, value: str) -> None:
        ident = value.split()[0] if value.split() else ""
        v = self.voice
        shift = _TRANSPOSE.search(value)
        if len(self.voices) == 1 and not self.voices[self.first].bars and not v.events:
            self.voices = {ident: v}  # the first V: names the first voice
            self.first = v.name = ident
        elif ident in self.voices:
            self.voice = self.voices[ident]
        elif len(self.voices) < MAX_VOICES:
            self.voice = _Voice(ident, v.meter, v.unit, dict(v.key), v.transpose, v.compound)
            self.voice.mark.part = self.part
            self.voices[ident] = self.voice
        else:
            self.spare = self.spare or _Voice(ident, v.meter, v.unit, dict(v.key))
            self.voice = self.spare
        if shift:
            self.voice.transpose = int(shift.group(1))

    def line(self, line: str) -> None:
        if line.lstrip().startswith("%%"):
            self.directive(line)
            return
        m = FIELD_LINE.match(line)
        if m:
            name = m.group(1)
            if name not in _LYRICS:
                self.field(name, m.group(2))
            return
        text = self.pending + strip_comment(line)
        self.pending = ""
        continued = text.rstrip().endswith("\\")
        if continued:
            text = text.rstrip()[:-1]
        if open_chord(text) and not continued and len(text) < 2000:
            self.pending = text  # hard-wrapped text: `[f3a` / `3]` on the next line
            return
        self.music(text)
        v = self.voice
        if not continued and v.meter is not None and v.events:
            if v.at == v.meter:
                v.close(signs=False)  # a full bar at a line end: a missing bar line (Essen)
            # A line end without a bar line ends a phrase (Essen writes one phrase a line):
            # the bars on both sides of it are a phrase's last bar and the next one's
            # pickup, which need not add up on their own.
            v.boundary = True

    def music(self, s: str) -> None:  # noqa: C901 - one dispatch loop reads clearer whole
        i, n = 0, len(s)
        self.chars += len(s.strip())
        while i < n:
            c = s[i]
            v = self.voice
            if c in " \t`y$*":
                i += 1
            elif c in _SKIP_PAIRS:
                end = s.find(_SKIP_PAIRS[c], i + 1)
                if end < 0:
                    self.unread += 1
                    i += 1
                else:
                    i = end + 1
            elif c == "[" and i + 2 < n and s[i + 2] == ":" and s[i + 1].isalpha():
                end = s.find("]", i)
                end = n if end < 0 else end
                self.field(s[i + 1], s[i + 3 : end])
                i = end + 1
            elif c in "|:" or (c == "[" and i + 1 < n and s[i + 1] in "|0123456789"):
                i = self._barline(s, i)
            elif c == "(":
                m = _TUPLET.match(s, i)
                if m:
                    p = int(m.group(1))
                    q = int(m.group(2)) if m.group(2) else tuplet_q(p, v.compound)
                    self.tuplet_left = int(m.group(3)) if m.group(3) else p
                    self.tuplet = Fraction(q, p) if p > 0 and q > 0 else Fraction(1)
                    i = m.end()
                else:
                    self.slurs_open += 1
                    i += 1
            elif c == ")":
                if self.slurs_open:
                    self.slurs_open -= 1
                else:
                    self.slurs_stray += 1
                i += 1
            elif c == "-":
                v.tie()
                i += 1
            elif c in "<>":
                j = i
                while j < n and s[j] == c:
                    j += 1
                k = min(j - i, 3)
                if k == 1:
                    longer, shorter = self.ratio
                else:
                    shorter = Fraction(1, 2**k)
                    longer = 2 - shorter
                first, second = (longer, shorter) if c == ">" else (shorter, longer)
                self.broken = (first, second) if v.last is not None else None
                i = j
            elif c == "&":
                v.over_at = Fraction(0)
                v.last = None
                i += 1
            elif c == "\\":
                i += 1
            else:
                i = self._note(s, i)

    def _barline(self, s: str, i: int) -> int:
        v = self.voice
        m = _BARLINE.match(s, i)
        if not m or m.end() == i:
            self.unread += 1
            return i + 1
        tok = m.group(0)
        numbers = m.group(1)
        sign = (tok[: m.start(1) - m.start()] if numbers is not None else tok).strip(". [")
        if "|" in sign or ":" in sign:
            boundary = ":" in tok or "||" in tok or "]" in tok or "[|" in tok
            v.close(True, boundary or numbers is not None, tok.strip())
            closing = sign.startswith(":") and sign != ":"
            opening = sign.endswith(":") and sign != ":"
            # `|: A |: B :|` - a section opened while one is open: abc2midi ends the first
            # there (as if `::`), so A is played twice too
            closing = closing or (opening and v.repeating)
            v.repeating = opening or (v.repeating and not closing)
            v.repeat(closing, opening, 2)
            v.mark.close = v.mark.close or closing
            v.mark.open = v.mark.open or opening
            v.mark.stop = v.mark.stop or "||" in sign or "]" in sign or "[|" in tok
        elif v.events:
            v.close(True, True, tok.strip())  # `[2` straight after a note: a bar line too
        if numbers is not None and sign != ":":  # `M:3/2` in a line: `:3` is no ending
            v.mark.ending = _ending(numbers)
            v.boundary = True
        elif tok.startswith("["):
            v.boundary = True
        return m.end()

    def _note(self, s: str, i: int) -> int:
        v = self.voice
        got = self._note_or_chord(s, i)
        if got is None:
            if s[i] not in _DECORATIONS:
                self.unread += 1
            return i + 1
        j, kind, pitches, tied, length = got
        if self.tuplet_left > 0:
            length *= self.tuplet
            self.tuplet_left -= 1
        if self.broken is not None:
            first, second = self.broken
            self.broken = None
            if kind != "bar-rest" and v.last_length() == length * v.unit:
                v.stretch(first)
                length *= second
        if kind == "bar-rest":
            for _ in range(min(max(1, int(length)), 64)):
                v.close()
                v.add([], v.meter or Fraction(1), [])
                v.close()
            return j
        v.add(pitches, length * v.unit, tied)
        return j

    def _note_or_chord(self, s: str, i: int) -> tuple | None:
        """(next index, kind, [(pitch, base pitch)], [tied], length in units) of the note,
        rest or chord at `s[i]`, else None."""
        c = s[i]
        if c in "zx":
            j, length = note_length(s, i + 1)
            return j, "rest", [], [], length
        if c in "ZX":
            m = NUMBER.match(s, i + 1)
            count = Fraction(int(m.group(0)) if m else 1)
            return (m.end() if m else i + 1), "bar-rest", [], [], count
        if c == "[":
            j = i + 1
            pitches: list[tuple[int, int]] = []
            tied: list[bool] = []
            first: Fraction | None = None
            while j < len(s) and s[j] != "]":
                m = NOTE.match(s, j)
                if m:
                    pitches.append(self._pitch(m))
                    tied.append(False)
                    j, length = note_length(s, m.end())
                    first = length if first is None else first
                elif s[j] == "-" and tied:
                    tied[-1] = True
                    j += 1
                elif s[j] in " ~.":
                    j += 1
                else:
                    break
            if j >= len(s) or s[j] != "]" or not pitches:
                return None
            j, mult = note_length(s, j + 1)
            return j, "chord", pitches, tied, (first or Fraction(1)) * mult
        m = NOTE.match(s, i)
        if not m:
            return None
        pitch = self._pitch(m)
        j, length = note_length(s, m.end())
        return j, "note", [pitch], [False], length

    def _pitch(self, m: re.Match) -> tuple[int, int]:
        """(MIDI pitch as played, the pitch of the letter and octave alone) of a note."""
        acc, letter, octave = m.group(1), m.group(2), m.group(3)
        v = self.voice
        upper = letter.upper()
        shift = 12 * (octave.count("'") - octave.count(","))
        base = 60 + _STEPS[upper] + (12 if letter.islower() else 0) + shift
        base += v.transpose + self.transpose
        if acc is not None:
            alter = _ACCIDENTAL[acc]
            if self.propagate:
                v.accidentals[upper] = alter
        else:
            alter = v.accidentals.get(upper, v.key.get(upper, 0))
        return base + alter, base


def _ending(text: str) -> tuple[int, ...]:
    """Pass numbers of a variant ending: `1`, `1,3`, `1-3`, `1,3,5-7`."""
    passes: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        if low.isdigit():
            top = int(high) if high.isdigit() else int(low)
            passes.extend(range(int(low), min(top, MAX_ENDING) + 1))
    return tuple(sorted(set(p for p in passes if 0 < p <= MAX_ENDING)))


def read(text: str) -> tuple[dict, float, str]:
    """(`Tune` fields, the written tempo, the header's part order) of standard ABC text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = body_start(lines)
    fields: list[tuple[str, str]] = []
    meter: Fraction | None = None
    compound = False
    unit: Fraction | None = None
    key: dict[str, int] = {}
    tempo_value: str | None = None
    parts = ""
    transpose = 0
    directives: list[str] = []
    for line in lines[:start]:
        if line.lstrip().startswith("%%"):
            directives.append(line)
            continue
        m = FIELD_LINE.match(line)
        if not m:
            continue
        name, value = m.group(1), m.group(2).strip()
        fields.append((name, value))
        if name == "M":
            meter = abc_fields.meter_length(value)
            compound = abc_fields.compound(value)
        elif name == "L":
            unit = abc_fields.unit_length(value) or unit
        elif name == "K":
            key = abc_fields.signature(value)
            shift = _TRANSPOSE.search(value)
            transpose = int(shift.group(1)) if shift else 0
        elif name == "Q":
            tempo_value = value
        elif name == "P" and not parts:
            parts = abc_fields.part_order(value)
    unit = unit or abc_fields.default_unit(meter)
    reader = Reader(fields, meter, unit, key, transpose)
    reader.voice.compound = compound
    for line in directives:
        reader.directive(line)
    for line in lines[start:]:
        reader.line(line)
    qpm = abc_fields.tempo(tempo_value, unit) if tempo_value is not None else None
    return reader.finish(), qpm if qpm is not None else DEFAULT_QPM, parts
