"""The text-level pieces of the ABC reader (`rater.core.abc.reader`): where the header ends
and where the music ends, comments, note lengths, tuplets, chords cut by a line break.

Apart from the reader so that each stays short; none of these knows about bars.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

MAX_DIGITS = 4  # longer numbers in a note length are not music (and would make huge Fractions)
FIELD_LINE = re.compile(r"^\s*([A-Za-z]):(?![|:])(.*)$")  # `A:|` is music: a note and a repeat
NOTE = re.compile(r"(\^\^|\^|__|_|=)?([A-Ga-g])([,']*)")
NUMBER = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def body_start(lines: list[str]) -> int:
    """Index of the first body line: after the first `K:` line, or, when music (a line with
    a bar line) comes first, at the first line that is neither a field nor a comment
    (generator output often has no `X:` and no `K:`). Other lines before a `K:` are not
    music: a `%%` directive continued on the next line, a field that lost its letter."""
    first_other: int | None = None
    for i, line in enumerate(lines):
        m = FIELD_LINE.match(line)
        if m:
            if m.group(1) == "K":
                return i + 1
            continue
        if not line.strip() or line.lstrip().startswith("%"):
            continue
        first_other = i if first_other is None else first_other
        if "|" in strip_comment(line):
            break
    return first_other if first_other is not None else len(lines)


def last_char(body_lines: list[str]) -> str:
    """The last music character of the body: not a bar line when the text stops inside a
    bar (notes, or a chord, decoration or slur a generator began when its length ran out)."""
    for line in reversed(body_lines):
        if FIELD_LINE.match(line):
            continue
        music = strip_comment(line).rstrip().rstrip("\\").rstrip()
        if music:
            return music[-1]
    return ""


def tuplet_q(p: int, compound: bool) -> int:
    """How many notes a (p tuplet takes the time of (ABC 2.1, 4.13): 3 for 2, 4 and 8; 2 for
    3 and 6; else 3 in a compound meter (6/8, 9/8, 12/8: `fields.compound`), 2 otherwise."""
    if p in (2, 4, 8):
        return 3
    if p in (3, 6):
        return 2
    return 3 if compound else 2


ONE = Fraction(1)
_SUFFIX = re.compile(r"[0-9]*(?:/[0-9]*)*")


def note_length(s: str, j: int) -> tuple[int, Fraction]:
    """Parse a note length multiplier at s[j]: `2`, `/`, `//`, `3/2`, `/4`."""
    m = _SUFFIX.match(s, j)
    text = m.group(0) if m else ""
    if not text:
        return j, ONE
    if len(text) <= 12:  # the lengths real tunes use: a handful, looked up once each
        return j + len(text), _length(text)
    return _parse_length(s, j)


@lru_cache(maxsize=1024)
def _length(text: str) -> Fraction:
    return _parse_length(text, 0)[1]


def _parse_length(s: str, j: int) -> tuple[int, Fraction]:
    num, den = 1, 1
    m = NUMBER.match(s, j)
    if m:
        num = int(m.group(0))
        j = m.end()
        while j < len(s) and s[j] in "0123456789":  # absurdly long numbers: skip the rest
            j += 1
    while j < len(s) and s[j] == "/":
        m = NUMBER.match(s, j + 1)
        if m:
            den *= max(1, int(m.group(0)))
            j = m.end()
        else:
            den *= 2
            j += 1
        if den > 1 << 16:
            break
    return j, Fraction(num, den)


def open_chord(text: str) -> bool:
    """Whether `text` ends inside a chord: a `[` holding notes, or nothing yet, with no `]`
    after it (`[Ge][` / `Af]` is one chord cut by a line break)."""
    at = text.rfind("[")
    if at < 0 or "]" in text[at:]:
        return False
    return not text[at + 1 :].strip() or bool(NOTE.match(text, at + 1))


def strip_comment(line: str) -> str:
    cut = line.find("%")
    while cut > 0 and line[cut - 1] == "\\":
        cut = line.find("%", cut + 1)
    return line if cut < 0 else line[:cut]
