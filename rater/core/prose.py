"""Whether a text is ABC music at all, or prose or code that a generator wrote instead.

A language model asked for a tune may answer with a refusal, a chat answer, a poem, Python
or Markdown. Read as ABC, such a text still has notes: every a to g is one, and the other
lowercase letters read as decoration symbols, so the bar reader finds music in "I am sorry,
I cannot write music" and the renderer plays 18 notes of it. What tells them apart is how
many of the body's letters are notes: in ABC nearly all of them are (decorations, rests
and chord symbols aside), in English about a third (a, b, c, d, e, f and g make up ~34% of
English letters). Measured on the body (header fields, comments, chord symbols and
annotations, decorations and inline fields left out; rests not counted): every one of the
12,916 tunes of music21's collections (O'Neill's 1850, Ryan's Mammoth, Nottingham, Essen,
Aird's Airs, miscFolk) has at least 76% notes, folk-rnn's 256 samples at least 98%, and
1,200 generated refusals, chat answers, Python and Markdown snippets
(`tests/prose_snippets.py`) at most 45%. `CheckSettings.min_note_share` sits between.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rater.core.settings import CheckSettings

NOTE_LETTERS = frozenset("ABCDEFGabcdefg")
REST_LETTERS = frozenset("zZxXy")  # rests, invisible rests, the spacer y
_FIELD = re.compile(r"^\s*[A-Za-z+]:")
_QUOTED = re.compile(r'"[^"\n]*"')
_DECORATION = re.compile(r"![^!\n]*!|\+[^+\n]*\+")
_INLINE_FIELD = re.compile(r"\[[A-Za-z]:[^\]\n]*\]")
# A line of code: a statement keyword, a call or an assignment, a block opener or closer,
# a fence, or an indented block.
_CODE = re.compile(
    r"^\s*(?:def|class|import|from|return|if|elif|else|for|while|with|try|except|raise|"
    r"print|function|const|let|var|public|private|#include)\b"
    r"|^\s*```|^\s*[A-Za-z_][\w.\[\]'\"]*\s*[-+*/]?=\s*\S|\):\s*$|[{}]\s*$|^\s*[{}]|\w\(.*\)"
    r"|^ {4,}\S"
)

# A line of Markdown: a heading, a list item, a quote, bold text.
_MARKDOWN = re.compile(r"^\s*(?:#{1,6}\s|[-*+]\s+\w|>\s|\d+\.\s+\w|\*\*\w)")


def _music(line: str) -> str:
    """The letters a line's notes could be among: comments, chord symbols, annotations,
    decorations and inline fields removed."""
    line = line.split("%", 1)[0]
    return _INLINE_FIELD.sub(" ", _DECORATION.sub(" ", _QUOTED.sub(" ", line)))


def body_lines(text: str) -> list[str]:
    """The lines of `text` that are neither header fields nor comments, and not blank."""
    return [
        line
        for line in text.split("\n")
        if line.strip() and not _FIELD.match(line) and not line.lstrip().startswith("%")
    ]


def letter_counts(line: str) -> tuple[int, int]:
    """(letters that are not rests, of which notes) in a body line."""
    letters = [c for c in _music(line) if c.isalpha() and c not in REST_LETTERS]
    return len(letters), sum(1 for c in letters if c in NOTE_LETTERS)


def not_music(text: str, settings: CheckSettings) -> str | None:
    """A detail ("no ABC music: 3 lines of prose") when `text`'s body is prose or code."""
    lines = body_lines(text)
    counts = [letter_counts(line) for line in lines]
    letters = sum(n for n, _ in counts)
    notes = sum(k for _, k in counts)
    if letters < settings.min_prose_letters or notes >= settings.min_note_share * letters:
        return None
    kinds = {"prose": 0, "code": 0, "music": 0}
    for line, (n, k) in zip(lines, counts, strict=True):
        code = _CODE.search(line) is not None
        music = n > 0 and k >= settings.min_note_share * n and not code
        music = music and not _MARKDOWN.match(line)
        kinds["music" if music else "code" if code else "prose"] += 1
    said = _lines([(kinds[kind], kind) for kind in ("prose", "code") if kinds[kind]])
    if kinds["music"]:
        return f"mostly not ABC music: {said}, {kinds['music']} of music"
    return f"no ABC music: {said}"


def _lines(counts: list[tuple[int, str]]) -> str:
    """[(3, "prose"), (2, "code")] -> "3 lines of prose, 2 of code"."""
    (n, kind), *rest = counts
    head = f"{n} line{'' if n == 1 else 's'} of {kind}"
    return ", ".join([head, *(f"{m} of {k}" for m, k in rest)])
