"""Generator dialects of ABC: text a model wrote in a form of its own, read as the tune it meant.

folk-rnn (Sturm et al.) was trained on ABC split into tokens and writes its tunes that way:
every token apart (`g c' b g 2 f | g 2 a b 2 g |`, `(3 A B c`, `a 2< f 2`), keys as
`K:Cmaj`, `K:Cdor`, and no `L:` line, because its training tunes were all normalised to
`L:1/8`. Under ABC 2.1 a length after a space belongs to no note (`g 2` is `g` and a stray
`2`), and the default unit under a meter below 3/4 is 1/16, so read as standard ABC almost
every folk-rnn tune plays with the wrong rhythm, and its 2/4 tunes at twice the speed. Read
in its own dialect, the tokens are joined (`g2`, `(3ABc`, `a2<f2`) and `L:1/8` is added.

`detect` decides from the text alone and errs towards standard ABC: a text is folk-rnn's
only when it has no `L:` field, its body tokens (between spaces) are folk-rnn's (2% strays
allowed; a quarter of them or more single notes), and it shows a token form standard ABC
does not write - a length, tuplet or broken-rhythm sign standing alone, or a `K:` of tonic
and mode written together. None of the 12,978 tunes of music21's ABC collections is read as folk-rnn
(tests/test_dialect.py); all 256 folk-rnn samples in `../shared/data/folk-rnn` are.
"""

from __future__ import annotations

import re
from enum import StrEnum

from rater.core.abc.text import FIELD_LINE, body_start, strip_comment


class Dialect(StrEnum):
    AUTO = "auto"  # decide per sample (`detect`)
    ABC = "abc"  # ABC 2.1 as written
    FOLKRNN = "folkrnn"  # folk-rnn's space-separated tokens


DIALECTS = tuple(d.value for d in Dialect)

_NOTE = r"(?:\^\^|\^|__|_|=)?[A-Ga-g][,']*"
_LENGTH = r"(?:\d{1,2}(?:/\d{1,2})?|/\d{0,2})"
_ALONE = re.compile(rf"^(?:{_LENGTH}|{_LENGTH}?[<>]{{1,3}}|\(\d)$", re.ASCII)
_TOKEN = re.compile(
    rf"^(?:{_NOTE}|[zx]|{_LENGTH}|{_LENGTH}?[<>]{{1,3}}|\(\d|[()\[\]]"
    r"|:*\|[|\]:]*\d?|::|:?\[\d|\[\||\|\d|:\|\d|[MK]:[^|:\s]\S*)$",
    re.ASCII,
)
_SINGLE_NOTE = re.compile(rf"^(?:{_NOTE}|[zx])$", re.ASCII)
_BAR = re.compile(r"^(?::*\|[|\]:]*\d?|::|:?\[\d|\[\||:\|\d)$", re.ASCII)
_FIELD_TOKEN = re.compile(r"^[A-Za-z]:[^|:\s]\S*$", re.ASCII)  # `M:3/2` inside the tune
_MODE_KEY = re.compile(r"^[A-G][#b]?(?:maj|min|dor|mix|phr|lyd|loc|aeo|ion)$", re.ASCII)
MIN_TOKENS = 8
STRAY_SHARE = 0.02  # tokens outside folk-rnn's vocabulary a folk-rnn sample may hold


def detect(text: str) -> Dialect:
    """`Dialect.FOLKRNN` when the text is written in folk-rnn's token form (see the module
    docstring), else `Dialect.ABC`."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = body_start(lines)
    keys: list[str] = []
    tokens: list[str] = []
    for n, line in enumerate(lines):
        m = FIELD_LINE.match(line)
        if m:
            if m.group(1) == "L":
                return Dialect.ABC
            if m.group(1) == "K":
                keys.append(m.group(2).strip())
            continue
        if n >= start:
            body = strip_comment(line)
            if "[L:" in body:
                return Dialect.ABC
            tokens.extend(body.split())
    stray = sum(1 for t in tokens if not _TOKEN.match(t))
    if not tokens or stray > STRAY_SHARE * len(tokens):
        return Dialect.ABC
    if sum(1 for t in tokens if _SINGLE_NOTE.match(t)) < len(tokens) / 4:
        return Dialect.ABC
    apart = any(_ALONE.match(t) for t in tokens)
    mode_key = any(_MODE_KEY.match(k) for k in keys)
    # both signs, or one of them over enough tokens to tell (`G A` alone tells nothing)
    if (apart and mode_key) or (len(tokens) >= MIN_TOKENS and (apart or mode_key)):
        return Dialect.FOLKRNN
    return Dialect.ABC


def resolve(text: str, dialect: str) -> Dialect:
    """The dialect `text` is read in: `dialect` itself, or the detected one for `auto`."""
    d = Dialect(dialect)
    return detect(text) if d is Dialect.AUTO else d


def standard(text: str, dialect: Dialect) -> str:
    """The text as standard ABC: folk-rnn's tokens joined (a space kept around bar lines, so
    a stray length after one never becomes a variant ending) and `L:1/8` added when there
    is no `L:`; any other dialect's text unchanged."""
    if dialect is not Dialect.FOLKRNN:
        return text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = body_start(lines)
    out: list[str] = []
    has_unit = False
    for n, line in enumerate(lines):
        m = FIELD_LINE.match(line)
        if m:
            if m.group(1) == "L":
                has_unit = True
            elif m.group(1) == "K" and not has_unit and n < start:
                out.append("L:1/8")
                has_unit = True
            out.append(line)
            continue
        if n < start:
            out.append(line)
            continue
        pieces = (_piece(t) for t in strip_comment(line).split())
        out.append(" ".join("".join(pieces).split()))
    if not has_unit:
        out.insert(0, "L:1/8")
    return "\n".join(out)


def _piece(token: str) -> str:
    """A token as it is joined: bar lines apart, a field inside the tune as an inline field
    (folk-rnn writes a change of meter as a token: `M:3/2`), anything else as it is."""
    if _BAR.match(token):
        return f" {token} "
    if _FIELD_TOKEN.match(token):
        return f" [{token}] "
    return token
