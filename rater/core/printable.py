"""Untrusted text made safe for a terminal: the one rule every printing or drawing place uses.

Sample texts, titles, sources, rater names and reasons come from files someone else may have
written (SPEC, "Trust boundaries"), and a terminal acts on some characters instead of showing
them: ESC starts escape sequences (colours, cursor moves, `ESC ] 2 ;` retitles the window,
`ESC ] 52 ;` writes the clipboard), the C1 controls U+0080..U+009F are the same sequences in
8-bit form, CR and BS overwrite what was drawn, and bidi controls (U+202E...) reorder what a
person reads. So before such text reaches a terminal, every character of the Unicode
categories Cc (controls), Cf (format: bidi, zero-width), Cs (lone surrogates, which cannot
even be encoded) and Zl/Zp is removed. Tabs and other spacing controls become a space; line
breaks (CR LF, CR, NEL, U+2028, U+2029) become LF where lines are kept, else a space. The visible
rest stays, so `ESC[31mRED` shows as `[31mRED`: what the file tried, without its effect.

Markup is the other half: Rich reads `[b]` in a plain `str` as markup (and `Tune [/]`
raises). Print untrusted text as `rich.text.Text(printable(x))` or with `markup=False`,
never as a markup string.

`json_text` is the same rule for JSON output meant for both scripts and terminals (`check
--json`): the characters are escaped (`\\u001b`), not removed, so the data is unchanged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

UNSAFE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # categories a terminal must never get
_SPACES = {"\t": " ", "\x0b": " ", "\x0c": " "}
_NON_ASCII_OR_DEL = re.compile(r"[^\x00-\x7e]")
_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")


def _clean(line: str) -> str:
    if line.isprintable():  # the common case: nothing to do, in C
        return line
    out = []
    for ch in line:
        if ch in _SPACES:
            out.append(" ")
        elif ch == " " or unicodedata.category(ch) not in UNSAFE:
            out.append(ch)
    return "".join(out)


def printable(text: str, *, lines: bool = False) -> str:
    """`text` without control, format and separator characters (see the module docstring).

    With `lines=True` line breaks are kept as LF; otherwise each becomes a space, for
    one-line places (titles, table cells, status lines).
    """
    text = _BREAKS.sub("\n", text)
    if lines:
        return "\n".join(_clean(line) for line in text.split("\n"))
    return " ".join(_clean(line) for line in text.split("\n"))


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch != "\x7f" and unicodedata.category(ch) not in UNSAFE:
        return ch
    code = ord(ch)
    if code > 0xFFFF:  # JSON spells astral characters as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_text(obj: Any) -> str:
    """`json.dumps(obj, ensure_ascii=False)` with every unsafe character escaped: readable
    (non-ASCII letters stay), lossless (a JSON reader gets the same strings) and inert in a
    terminal. Lone surrogates are escaped too, so writing the line never fails to encode."""
    text = json.dumps(obj, ensure_ascii=False)  # C0 controls are escaped already
    return _NON_ASCII_OR_DEL.sub(_escape, text)
