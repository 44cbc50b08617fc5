"""Notes -> a small braille picture of pitch over time, for the rating screen.

A rater compares two tunes faster when the shape of each (range, density, repetition, long
silences) is visible before or while it plays. Braille cells pack a 2 x 4 dot grid into one
character, so a 48 x 10 cell picture has 96 time steps and 40 pitch steps: enough for the
range of a folk tune without scaling. Pure function of the notes, so it is tested without a UI.
"""

from __future__ import annotations

from collections.abc import Sequence

from rater.core.records import NoteEvent

BRAILLE_BASE = 0x2800
# Dot bits by (column, row) inside one braille cell; row 0 is the top.
_DOT_BITS = (
    (0x01, 0x02, 0x04, 0x40),
    (0x08, 0x10, 0x20, 0x80),
)
EMPTY_TEXT = "(no notes)"


def piano_roll(
    notes: Sequence[NoteEvent],
    width: int = 48,
    height: int = 10,
    seconds: float | None = None,
) -> list[str]:
    """`height` lines of exactly `width` characters; high pitches at the top, time to the right.

    `seconds` fixes the time axis (so two clips of different length are drawn to one scale);
    by default it ends with the last note. A pitch range wider than the picture is scaled
    down; a narrower one is centred so a one-note drone sits in the middle, not at the floor.
    """
    if width < 1 or height < 1:
        raise ValueError("piano roll needs width and height >= 1")
    blank = [" " * width for _ in range(height)]
    notes = [n for n in notes if n.end > n.start]
    if not notes:
        middle = height // 2
        blank[middle] = EMPTY_TEXT[:width].center(width)
        return blank
    dots_x, dots_y = width * 2, height * 4
    span = seconds if seconds and seconds > 0 else max(n.end for n in notes)
    low = min(n.pitch for n in notes)
    high = max(n.pitch for n in notes)
    pitch_span = high - low + 1
    if pitch_span <= dots_y:
        offset = (dots_y - pitch_span) // 2

        def row_of(pitch: int) -> int:
            return dots_y - 1 - (offset + pitch - low)
    else:
        scale = dots_y / pitch_span

        def row_of(pitch: int) -> int:
            return dots_y - 1 - min(dots_y - 1, int((pitch - low) * scale))

    cells = [[0] * width for _ in range(height)]
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
        for x in range(x0, min(x1, dots_x)):
            cells[y // 4][x // 2] |= _DOT_BITS[x % 2][y % 4]
    return ["".join(chr(BRAILLE_BASE + bits) if bits else " " for bits in row) for row in cells]
