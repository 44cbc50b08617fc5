"""Notes -> a braille picture of pitch over time a musician can read, for the rating screen.

A rater compares two tunes faster when the shape of each (range, density, repetition, long
silences) is visible before or while it plays. Braille cells pack a 2 x 4 dot grid into one
character, so a 48 x 10 cell picture has 96 time steps and 40 pitch steps: enough for the
range of a folk tune without scaling.

`note_picture` adds what makes it readable as music: pitch labels at the left (every C in
view, C4 = MIDI 60; or the lowest and highest notes' names when no C is), the tune's own bar
lines as dotted columns (`bars`: when each bar starts, in clip seconds, from the reading of
the tune), bar numbers under them when there is a row to spare, and the column a playhead
time falls in (`Picture.column`; the widget marks it). The whole clip is in view: the time
axis runs to `seconds` (both panels share one) or to the last note. Pure functions of their
inputs, so they are tested without a UI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rater.core.records import NoteEvent

BRAILLE_BASE = 0x2800
# Dot bits by (column, row) inside one braille cell; row 0 is the top.
_DOT_BITS = (
    (0x01, 0x02, 0x04, 0x40),
    (0x08, 0x10, 0x20, 0x80),
)
EMPTY_TEXT = "(no notes)"
NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
NUMBER_ROWS = 4  # a picture this tall or taller gives its last row to the bar numbers
MIN_BRAILLE = 8  # cells of music a picture keeps; narrower, it has no pitch labels


def pitch_name(pitch: int) -> str:
    """MIDI pitch -> scientific pitch name: 60 is C4, 61 C#4, 69 A4."""
    return f"{NAMES[pitch % 12]}{pitch // 12 - 1}"


def _pitch_rows(low: int, high: int, dots_y: int) -> Callable[[int], int | None]:
    """Pitch -> dot row (0 at the top), or None outside the picture. A range wider than
    the picture is scaled down; a narrower one is centred, so a one-note drone sits in
    the middle, not at the floor."""
    span = high - low + 1
    if span <= dots_y:
        offset = (dots_y - span) // 2

        def centred(pitch: int) -> int | None:
            row = dots_y - 1 - (offset + pitch - low)
            return row if 0 <= row < dots_y else None

        return centred
    scale = dots_y / span

    def scaled(pitch: int) -> int | None:
        if not low <= pitch <= high:
            return None
        return dots_y - 1 - min(dots_y - 1, int((pitch - low) * scale))

    return scaled


def piano_roll(
    notes: Sequence[NoteEvent],
    width: int = 48,
    height: int = 10,
    seconds: float | None = None,
    bars: Sequence[float] = (),
) -> list[str]:
    """`height` lines of exactly `width` braille cells; high pitches at the top, time to the
    right. `seconds` fixes the time axis (so two clips of different length are drawn to one
    scale); by default it ends with the last note. `bars`: bar starts (seconds), each drawn
    as a faint dotted column (one dot in each cell, the second row of four), so a note
    crossing it still reads as a note."""
    if width < 1 or height < 1:
        raise ValueError("piano roll needs width and height >= 1")
    blank = [" " * width for _ in range(height)]
    notes = [n for n in notes if n.end > n.start]
    if not notes:
        middle = height // 2
        blank[middle] = EMPTY_TEXT[:width].center(width)
        return blank
    dots_x, dots_y = width * 2, height * 4
    span = _span(notes, seconds)
    row_of = _pitch_rows(min(n.pitch for n in notes), max(n.pitch for n in notes), dots_y)
    cells = [[0] * width for _ in range(height)]
    for t in bars:
        x = int(t / span * dots_x)
        if 0 < x < dots_x:  # the picture's left edge is the clip's start, not a bar line
            for y in range(1, dots_y, 4):
                cells[y // 4][x // 2] |= _DOT_BITS[x % 2][y % 4]
    for note in notes:
        if note.start >= span:
            continue
        x0 = int(note.start / span * dots_x)
        x1 = max(x0 + 1, int(min(note.end, span) / span * dots_x))
        # Leave a one-dot gap before the next note where there is room, so repeated notes
        # read as separate notes rather than one long line.
        if x1 - x0 > 1:
            x1 -= 1
        y = row_of(note.pitch)
        if y is None:
            continue
        for x in range(x0, min(x1, dots_x)):
            cells[y // 4][x // 2] |= _DOT_BITS[x % 2][y % 4]
    return ["".join(chr(BRAILLE_BASE + bits) if bits else " " for bits in row) for row in cells]


def _span(notes: Sequence[NoteEvent], seconds: float | None) -> float:
    return seconds if seconds and seconds > 0 else max(n.end for n in notes)


@dataclass(frozen=True)
class Picture:
    """Lines of exactly the width asked for: a label gutter of `gutter` columns, then the
    braille music over `span` seconds, and (on tall pictures) a row of bar numbers."""

    lines: list[str]
    gutter: int
    span: float
    cells: int  # braille columns

    def column(self, seconds: float) -> int | None:
        """The screen column of a time in the clip (the playhead's), None outside it."""
        if self.cells <= 0 or self.span <= 0 or not 0 <= seconds <= self.span:
            return None
        return self.gutter + min(self.cells - 1, int(seconds / self.span * self.cells))


def note_picture(
    notes: Sequence[NoteEvent],
    width: int,
    height: int,
    seconds: float | None = None,
    bars: Sequence[float] = (),
) -> Picture:
    """The piano roll with its axes (see the module docstring), `height` lines of `width`."""
    if width < 1 or height < 1:
        raise ValueError("piano roll needs width and height >= 1")
    sounding = [n for n in notes if n.end > n.start]
    if not sounding:
        return Picture(piano_roll((), width, height), 0, 0.0, 0)
    low, high = min(n.pitch for n in sounding), max(n.pitch for n in sounding)
    numbers = height >= NUMBER_ROWS and bool(bars)
    rows = height - numbers
    labels = _labels(low, high, rows)
    gutter = max(map(len, labels.values())) + 1 if width >= MIN_BRAILLE + 4 else 0
    cells = width - gutter
    span = _span(sounding, seconds)
    music = piano_roll(sounding, cells, rows, span, bars)
    lines = [(labels.get(k, "") if gutter else "").rjust(gutter - 1) + " " * (gutter > 0) + line
             for k, line in enumerate(music)]  # fmt: skip
    if numbers:
        lines.append(" " * gutter + _bar_numbers(bars, span, cells))
    return Picture(lines, gutter, span, cells)


def _labels(low: int, high: int, rows: int) -> dict[int, str]:
    """Cell row -> pitch name: each C whose dot row is in view (one label a row), else
    the lowest and highest notes'."""
    row_of = _pitch_rows(low, high, rows * 4)
    out: dict[int, str] = {}
    for pitch in range(0, 128, 12):
        y = row_of(pitch)
        if y is not None:
            out.setdefault(y // 4, pitch_name(pitch))
    if not out:
        for pitch in (high, low):
            y = row_of(pitch)
            if y is not None:
                out.setdefault(y // 4, pitch_name(pitch))
    return out


def _bar_numbers(bars: Sequence[float], span: float, cells: int) -> str:
    """Each bar's number (1 = the first bar) under its line, where it fits."""
    row = [" "] * cells
    free = 0  # the first column a number may use (numbers never touch)
    for k, t in enumerate(bars, 1):
        col = int(t / span * cells) if span > 0 else 0
        text = str(k)
        if col >= free and col + len(text) <= cells:
            row[col : col + len(text)] = text
            free = col + len(text) + 1
    return "".join(row)
