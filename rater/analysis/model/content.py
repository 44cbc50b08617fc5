"""What of a sample the preference model may read: its music, never its name.

A title, composer, source book or transcriber (T:, C:, S:, Z:, ...) would let a model learn
who wrote a tune instead of how it sounds, and an id or file name would let it memorise the
samples it was shown rather than generalise to ones nobody heard. So the model reads the tune
body and only the header fields that change the music (key, meter, unit length, tempo), with
comments, annotations and lyrics removed; the notes it reads come from parsing that music.
Two samples that differ only in such metadata have the same content and the same score.
"""

from __future__ import annotations

import re

MUSIC_FIELDS = frozenset("KMLQ")  # key, meter, unit note length, tempo

_FIELD_LINE = re.compile(r"^\s*([A-Za-z+]):")
_INLINE_FIELD = re.compile(r"\[([A-Za-z]):[^\]\n]*\]")
_ANNOTATION = re.compile(r'"[\^_<>@][^"\n]*"')  # "^text": printed words, not chord symbols
_COMMENT = re.compile(r"%.*$")
_BLANKS = re.compile(r"[ \t]+")


def content_text(text: str, kind: str = "abc") -> str:
    """The part of a sample the model reads (see the module docstring).

    ABC: header and body lines minus every field line except K:/M:/L:/Q:, minus comments,
    `%%` directives, inline fields other than those four, and text annotations; runs of
    blanks collapsed (they only change engraving). Other kinds (poems, replies) are read whole.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("⏎", "\n")
    if kind != "abc":
        return text.strip()
    kept: list[str] = []
    for line in text.split("\n"):
        m = _FIELD_LINE.match(line)
        if m:
            if m.group(1) in MUSIC_FIELDS:
                kept.append(f"{m.group(1)}:{_BLANKS.sub(' ', line.split(':', 1)[1]).strip()}")
            continue
        line = _COMMENT.sub("", line)
        line = _INLINE_FIELD.sub(lambda f: f.group(0) if f.group(1) in MUSIC_FIELDS else "", line)
        line = _BLANKS.sub(" ", _ANNOTATION.sub("", line)).strip()
        if line:
            kept.append(line)
    return "\n".join(kept)


def split_header(content: str) -> tuple[dict[str, str], str]:
    """(the first value of each music field, the body lines) of `content_text` output."""
    fields: dict[str, str] = {}
    body: list[str] = []
    for line in content.split("\n"):
        if len(line) > 1 and line[1] == ":" and line[0] in MUSIC_FIELDS:
            fields.setdefault(line[0], line[2:].strip())
        else:
            body.append(line)
    return fields, "\n".join(body)
