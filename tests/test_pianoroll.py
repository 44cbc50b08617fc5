"""The piano roll: a pure function from notes to braille lines, checked dot by dot."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rater.core.records import NoteEvent
from rater.tui.pianoroll import BRAILLE_BASE, EMPTY_TEXT, piano_roll


def dots(lines: list[str]) -> list[tuple[int, int]]:
    """(x, y) of every raised dot, y = 0 at the top; decodes the braille bit layout."""
    layout = {
        0x01: (0, 0),
        0x02: (0, 1),
        0x04: (0, 2),
        0x40: (0, 3),
        0x08: (1, 0),
        0x10: (1, 1),
        0x20: (1, 2),
        0x80: (1, 3),
    }
    out = []
    for row, line in enumerate(lines):
        for col, ch in enumerate(line):
            bits = ord(ch) - BRAILLE_BASE if ch != " " else 0
            for bit, (dx, dy) in layout.items():
                if bits & bit:
                    out.append((col * 2 + dx, row * 4 + dy))
    return out


def test_shape_and_alphabet() -> None:
    notes = [NoteEvent(i * 0.5, i * 0.5 + 0.4, 60 + i) for i in range(12)]
    lines = piano_roll(notes, width=40, height=8)
    assert len(lines) == 8
    assert all(len(line) == 40 for line in lines)
    assert all(ch == " " or 0x2800 <= ord(ch) <= 0x28FF for line in lines for ch in line)


def test_rising_scale_goes_up_and_right() -> None:
    notes = [NoteEvent(i, i + 1, 60 + 2 * i) for i in range(8)]
    points = dots(piano_roll(notes, width=32, height=8))
    assert points
    # The mean height of the first notes' dots is below (larger y) the last notes'.
    first = [y for x, y in points if x < 8]
    last = [y for x, y in points if x >= 56]
    assert sum(first) / len(first) > sum(last) / len(last)


def test_one_pitch_is_one_row_in_the_middle() -> None:
    notes = [NoteEvent(0.0, 1.0, 67), NoteEvent(1.0, 2.0, 67)]
    points = dots(piano_roll(notes, width=20, height=4))
    rows = {y for _, y in points}
    assert len(rows) == 1
    assert rows.pop() in (7, 8)  # centred in 16 dot rows
    # Two notes of one pitch stay two notes: a gap of at least one dot between them.
    xs = sorted({x for x, _ in points})
    assert len(xs) < 40 and xs[0] == 0


def test_time_axis_can_be_fixed() -> None:
    notes = [NoteEvent(0.0, 1.0, 60)]
    full = dots(piano_roll(notes, width=20, height=2))
    half = dots(piano_roll(notes, width=20, height=2, seconds=2.0))
    assert max(x for x, _ in full) > 30
    assert max(x for x, _ in half) < 20


def test_wide_range_is_scaled_into_the_picture() -> None:
    notes = [NoteEvent(0, 1, 21), NoteEvent(1, 2, 108)]
    points = dots(piano_roll(notes, width=10, height=2))
    ys = {y for _, y in points}
    assert min(ys) == 0 and max(ys) == 7


def test_no_notes_says_so() -> None:
    lines = piano_roll([], width=30, height=5)
    assert len(lines) == 5 and all(len(line) == 30 for line in lines)
    assert EMPTY_TEXT in "".join(lines)


def test_bad_size_is_refused() -> None:
    with pytest.raises(ValueError):
        piano_roll([], width=0, height=3)


@given(
    st.lists(
        st.tuples(
            st.floats(0, 30, allow_nan=False),
            st.floats(0.01, 5, allow_nan=False),
            st.integers(0, 127),
        ),
        max_size=60,
    ),
    st.integers(1, 60),
    st.integers(1, 12),
)
def test_any_notes_fit_the_box(
    raw: list[tuple[float, float, int]], width: int, height: int
) -> None:
    notes = [NoteEvent(s, s + d, p) for s, d, p in raw]
    lines = piano_roll(notes, width=width, height=height)
    assert len(lines) == height
    assert all(len(line) == width for line in lines)


def test_note_picture_has_pitch_labels_bar_lines_and_numbers() -> None:
    """A scale from D4 to D5 over 9 s, bars each second: C4 and C5 labelled on their rows,
    a dotted column at each bar line, bar numbers under them, the playhead's column."""
    from rater.tui.pianoroll import note_picture, pitch_name

    assert [pitch_name(p) for p in (60, 61, 69, 72, 21)] == ["C4", "C#4", "A4", "C5", "A0"]
    steps = [0, 2, 4, 5, 7, 9, 11, 12]
    notes = [NoteEvent(i * 0.25, i * 0.25 + 0.2, 62 + steps[i % 8]) for i in range(36)]
    bars = [float(k) for k in range(9)]
    picture = note_picture(notes, width=38, height=7, seconds=9.0, bars=bars)
    assert len(picture.lines) == 7 and all(len(line) == 38 for line in picture.lines)
    labels = {k: line[: picture.gutter].strip() for k, line in enumerate(picture.lines[:-1])}
    # 13 pitches (62..74) centred in 24 dot rows: offset 5, C5 (72) on dot row 8 -> cell
    # row 2, C4 (60) on dot row 20 -> cell row 5
    assert {k: v for k, v in labels.items() if v} == {2: "C5", 5: "C4"}
    music = [line[picture.gutter :] for line in picture.lines[:-1]]
    for t in bars[1:]:  # 35 cells over 9 s: bar k's dot column 2 * 35 * k / 9
        x = int(t / 9.0 * 70)
        assert all(ord(row[x // 2]) - BRAILLE_BASE & (0x10 if x % 2 else 0x02) for row in music)
    numbers = picture.lines[-1][picture.gutter :]
    assert numbers.split() == [str(k) for k in range(1, 10)]
    assert numbers.index("5") == int(4.0 / 9.0 * 35)
    assert picture.column(4.5) == picture.gutter + int(4.5 / 9.0 * 35)
    assert picture.column(9.5) is None


def test_a_small_picture_keeps_its_axes() -> None:
    """Two rows (the rating screen at 80 x 24): no room for bar numbers, still the pitch
    labels and the bar lines."""
    from rater.tui.pianoroll import note_picture

    notes = [NoteEvent(i * 0.5, i * 0.5 + 0.4, 60 + (i * 5) % 14) for i in range(18)]
    picture = note_picture(notes, width=36, height=2, seconds=9.0, bars=[0.0, 3.0, 6.0])
    assert len(picture.lines) == 2 and picture.gutter == 3
    # 14 pitches (60..73) in 8 dot rows, scaled by 8/14: C5 (72) on dot row 7 - int(12 * 8 /
    # 14) = 1 (cell row 0), C4 (60) on dot row 7 (cell row 1)
    assert [line[:3].strip() for line in picture.lines] == ["C5", "C4"]
    music = [line[3:] for line in picture.lines]
    x = int(3.0 / 9.0 * 66)
    assert all(ord(row[x // 2]) - BRAILLE_BASE & (0x10 if x % 2 else 0x02) for row in music)
    narrow = note_picture(notes, width=10, height=2, seconds=9.0)
    assert narrow.gutter == 0 and all(len(line) == 10 for line in narrow.lines)


@given(
    st.lists(
        st.tuples(st.floats(0, 30, allow_nan=False), st.floats(0.01, 5, allow_nan=False),
                  st.integers(0, 127)),
        max_size=40,
    ),
    st.lists(st.floats(0, 40, allow_nan=False), max_size=20),
    st.integers(1, 60),
    st.integers(1, 12),
)  # fmt: skip
def test_any_picture_fits_its_box(raw, bars, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    from rater.tui.pianoroll import note_picture

    notes = [NoteEvent(s, s + d, p) for s, d, p in raw]
    picture = note_picture(notes, width=width, height=height, bars=sorted(bars))
    assert len(picture.lines) == height
    assert all(len(line) == width for line in picture.lines)
