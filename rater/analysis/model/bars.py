"""Bar structure of an ABC body, read from the text: do the bars fill the meter, do they
repeat, does the tune end properly.

The notes the render keeps are timed in seconds without bar lines, so the bars come from the
notation itself: note lengths are summed between bar lines (`L:` units, tuplets, chords) and
compared with what `M:` asks for. A light tokenizer is enough here: the numbers are features
for a model, and music21's full parse is what the render already paid for.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

_QUOTED = re.compile(r'"[^"\n]*"')
_DECORATION = re.compile(r"![^!\n]*!|\+[^+\n]*\+|\{[^}\n]*\}")  # and grace notes
_INLINE_FIELD = re.compile(r"\[[A-Za-z]:[^\]\n]*\]")
_TOKEN = re.compile(
    r"(?P<bar>:*\[?\|+\]?:*[0-9]*(?:[,-][0-9]+)*|::)"
    r"|(?P<ending>\[[0-9]+(?:[,-][0-9]+)*)"
    r"|(?P<chord>\[(?P<inner>[^\]\[|]*)\](?P<clen>[0-9]*/*[0-9]*))"
    r"|(?P<tuplet>\((?P<p>[2-9])(?::(?P<q>[0-9]?))?(?::(?P<r>[0-9]?))?)"
    r"|(?P<note>[_^=]*(?P<letter>[A-Ga-gzx])[,']*(?P<len>[0-9]*/*[0-9]*))"
)
_NOTE = re.compile(r"[_^=]*[A-Ga-g][,']*(?P<len>[0-9]*/*[0-9]*)")
_TUPLET_Q = {2: 3, 3: 2, 4: 3, 6: 2, 8: 3}  # p notes in the time of q (others: 2)
_ABC = frozenset(
    "ABCDEFGabcdefgzxyZ0123456789/|:[](){}<>^_=,'-.~ \n\\&!+\"HIJKLMNOPRSTUVWXhijklmnopqrstuvw"
)


@lru_cache(maxsize=4096)
def _length(text: str) -> float:
    """An ABC length suffix ("", "2", "/", "//", "3/2", "/4") in units of L:."""
    if not text:
        return 1.0
    num, _, rest = text.partition("/")
    n = int(num) if num else 1
    if "/" not in text:
        return float(n)
    slashes = min(1 + len(rest) - len(rest.lstrip("/")), 8)
    digits = rest.lstrip("/")
    return n / (int(digits) if digits and int(digits) else 2**slashes)


def _meter(value: str | None) -> float | None:
    """M: as a fraction of a whole note (None for "none" or nonsense)."""
    value = value.strip().split()[0] if value and value.strip() else ""
    if value in ("C", "C|"):
        return 1.0
    num, _, den = value.partition("/")
    try:
        top = sum(int(x) for x in num.replace("(", "").replace(")", "").split("+"))
        return top / int(den) if den and int(den) else None
    except ValueError:
        return None


def _unit(value: str | None, meter: float | None) -> float:
    """L: as a fraction of a whole note; the standard's default when missing."""
    try:
        num, _, den = (value or "").strip().partition("/")
        if num and den and int(num) and int(den):
            return int(num) / int(den)
    except ValueError:
        pass
    return 1 / 16 if meter is not None and meter < 0.75 else 1 / 8


def split_bars(body: str) -> list[tuple[str, float, str]]:
    """(notes of the bar, its length in L: units, the bar line that closes it) per bar."""
    music = _INLINE_FIELD.sub("", _DECORATION.sub("", _QUOTED.sub("", body)))
    out: list[tuple[str, float, str]] = []
    notes: list[str] = []
    length = 0.0
    factor, left = 1.0, 0
    for m in _TOKEN.finditer(music):
        kind = m.lastgroup
        if kind == "note":
            dur = _length(m.group("len"))
        elif kind == "chord":
            first = _NOTE.search(m.group("inner"))
            if first is None:
                continue
            dur = _length(first.group("len")) * _length(m.group("clen"))
        elif kind == "tuplet":
            p = int(m.group("p"))
            q = int(m.group("q")) if m.group("q") else _TUPLET_Q.get(p, 2)
            factor, left = q / p, int(m.group("r")) if m.group("r") else p
            continue
        else:  # a bar line or a variant ending
            if notes:
                out.append(("".join(notes), length, m.group(0)))
            notes, length = [], 0.0
            continue
        if left:
            dur *= factor
            left -= 1
        notes.append(m.group(0))
        length += dur
    if notes:
        out.append(("".join(notes), length, ""))
    return out


def bar_features(fields: dict[str, str], body: str) -> dict[str, float]:
    """bar_fit, repeated_bars, bar_runs, repeat_signs, final_bar, tonic_end, stray_symbols
    (NaN where the text does not say)."""
    nan = math.nan
    out = {"bar_fit": nan, "repeated_bars": nan, "bar_runs": nan, "final_bar": 0.0}
    chars = [c for c in _DECORATION.sub("", _QUOTED.sub("", body)) if not c.isspace()]
    out["stray_symbols"] = sum(1 for c in chars if c not in _ABC) / len(chars) if chars else nan
    out["repeat_signs"] = math.log1p(body.count("|:") + body.count(":|") + body.count("::"))
    out["tonic_end"] = _tonic_end(fields.get("K"), body)
    bars = split_bars(body)
    if not bars:
        return out
    out["final_bar"] = 1.0 if re.search(r"(\|\]|\|\||:\|)\s*$", body.rstrip()) else 0.0
    meter = _meter(fields.get("M"))
    if meter is not None:
        want = meter / _unit(fields.get("L"), meter)
        # a bar next to a section mark may be a pickup or the half bar that completes one
        inner = [b[1] for k, b in enumerate(bars[1:-1], 1) if b[2] == "|" and bars[k - 1][2] == "|"]
        inner = inner or [b[1] for b in bars[1:-1]] or [b[1] for b in bars]
        out["bar_fit"] = sum(1 for x in inner if abs(x - want) < 1e-6) / len(inner)
    seen: set[str] = set()
    repeats = 0
    run = longest = 1
    for k, (notes, _, _) in enumerate(bars):
        repeats += notes in seen
        seen.add(notes)
        if k:
            run = run + 1 if notes == bars[k - 1][0] else 1
            longest = max(longest, run)
    out["repeated_bars"] = repeats / len(bars)
    out["bar_runs"] = math.log(longest)
    return out


def _tonic_end(key: str | None, body: str) -> float:
    if not key or key[0].upper() not in "ABCDEFG":
        return math.nan
    letters = re.findall(r"[A-Ga-g]", _QUOTED.sub("", _DECORATION.sub("", body)))
    if not letters:
        return math.nan
    return 1.0 if letters[-1].upper() == key[0].upper() else 0.0
