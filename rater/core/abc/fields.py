"""ABC field values: what a `K:`, `M:`, `L:` or `Q:` value may look like, and what it means:
key signatures, bar and unit lengths, tempos, a `P:` playing order.

A generator that has lost track of where it is writes music into a header field
(`K:d/d/aae/d/|^cA(B/^c/)...`); a player reads the key as best it can and plays the rest,
so the sample would pass. Each of these four fields has a small grammar (ABC 2.1 plus the
variants found in the real tunes shipped with music21), and a value outside it is not a value
of its kind. The grammars are liberal about spacing, case and extra clef/transpose words:
they exist to catch music and garbage, not to police style.
"""

from __future__ import annotations

import re
from fractions import Fraction

# Tonic position on the circle of fifths (C = 0) and each mode's offset from major.
_FIFTHS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F": -1}
_MODES = {
    "maj": 0, "ion": 0, "mix": -1, "dor": -2, "min": -3, "aeo": -3, "m": -3, "phr": -4,
    "lyd": 1, "loc": -5,
}  # fmt: skip
_SHARP_ORDER = "FCGDAEB"
_KEY = re.compile(
    r"^(?:(?P<tonic>[A-G])(?P<acc>[#b]?)\s*(?P<mode>(?:maj|min|ion|aeo|mix|dor|phr|lyd|loc)"
    r"[a-z]*|m(?![a-z]))?|(?P<none>none)|(?P<hp>HP|Hp))?(?=\s|$)",
    re.IGNORECASE | re.ASCII,
)
_KEY_EXTRA = re.compile(
    r"^(?:(?:(?:\^\^|\^|__|_|=)[A-Ga-g])+|exp|[A-Za-z]+=\S+|(?:treble|bass|alto|tenor|perc|none)"
    r"\d?(?:[+-]8)?)$",
    re.IGNORECASE | re.ASCII,
)
_KEY_ACCIDENTAL = re.compile(r"(\^\^|\^|__|_|=)([A-Ga-g])", re.ASCII)
_METER = re.compile(
    r"^(?:C\|?|none|\(?\d{1,2}(?:\s*\+\s*\d{1,2})*\)?\s*/\s*\d{1,2})$", re.I | re.ASCII
)
_UNIT = re.compile(r"^\d{1,3}(?:\s*/\s*\d{1,4})?$", re.ASCII)
_TEMPO = re.compile(
    r"^(?:(?:\d{1,2}\s*/\s*\d{1,3}\s*)+=\s*\d{1,4}|\d{1,4}|[A-Ga-g]\d{0,2}\s*=\s*\d{1,4})$",
    re.ASCII,
)
_QUOTED = re.compile(r'"[^"]*"')


def _comment_free(value: str) -> str:
    return value.split("%", 1)[0].strip()


def valid(letter: str, value: str) -> bool:
    """Whether `value` is a value of field `letter`'s kind (fields other than K, M, L, Q:
    always True - titles, notes and sources are free text)."""
    v = _comment_free(value)
    if letter == "K":
        return valid_key(v)
    if letter == "M":
        return bool(_METER.match(v)) or all(_METER.match(p) for p in v.split()) and bool(v)
    if letter == "L":
        return bool(_UNIT.match(v))
    if letter == "Q":
        words = _QUOTED.sub(" ", v).strip()
        return (bool(words) and bool(_TEMPO.match(words))) or (not words and '"' in v)
    return True


def valid_key(value: str) -> bool:
    """A key: tonic + mode (or `none`, `HP`), then accidentals and clef words, or empty."""
    v = _comment_free(value)
    if "|" in v:
        return False
    m = _KEY.match(v)
    if m is None:
        return False
    rest = v[m.end() :].split()
    return all(_KEY_EXTRA.match(word) for word in rest)


_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def tonic(value: str) -> int | None:
    """The pitch class (C = 0) of a `K:` value's key note; None for none, HP or garbage."""
    m = _KEY.match(_comment_free(value))
    if not m or not m.group("tonic"):
        return None
    shift = {"#": 1, "b": -1}.get(m.group("acc") or "", 0)
    return (_PITCH_CLASS[m.group("tonic").upper()] + shift) % 12


def signature(value: str) -> dict[str, int]:
    """Upper-case note letter -> semitone alteration that the key `value` gives it.

    Unknown or garbage keys give no alterations (C major), as abc2midi does.
    """
    v = _comment_free(value)
    m = _KEY.match(v)
    alters: dict[str, int] = {}
    if m and m.group("hp"):
        return {"F": 1, "C": 1}
    if m and m.group("tonic"):
        fifths = _FIFTHS[m.group("tonic").upper()]
        fifths += {"#": 7, "b": -7}.get(m.group("acc") or "", 0)
        mode = (m.group("mode") or "maj").lower()
        fifths += _MODES.get(mode if mode == "m" else mode[:3], 0)
        fifths = max(-7, min(7, fifths))
        for letter in _SHARP_ORDER[:fifths] if fifths > 0 else _SHARP_ORDER[::-1][:-fifths]:
            alters[letter] = 1 if fifths > 0 else -1
    for word in v[m.end() if m else 0 :].split():
        if _KEY_EXTRA.match(word) and word[:1] in "^_=":  # `^f`, also glued: `^f^c^a`
            for acc, letter in _KEY_ACCIDENTAL.findall(word):
                alters[letter.upper()] = {"^^": 2, "^": 1, "=": 0, "__": -2, "_": -1}[acc]
    return alters


def meter_length(value: str) -> Fraction | None:
    """Length of a full bar for an `M:` value, in whole notes; None for none/free/unreadable."""
    v = value.split("%")[0].strip()
    if v in ("C", "c", "C|", "c|"):
        return Fraction(1)
    m = re.match(r"^\(?(\d{1,3}(?:\s*\+\s*\d{1,3})*)\)?\s*/\s*(\d{1,3})", v, re.ASCII)
    if not m:
        return None
    num = sum(int(n) for n in re.findall(r"[0-9]+", m.group(1)))
    den = int(m.group(2))
    return Fraction(num, den) if num > 0 and den > 0 else None


def compound(value: str) -> bool:
    """Whether an `M:` value is a compound meter (6/8, 9/8, 12/8: a top number that divides
    by 3, above 3) - as written: 6/8 is compound, 3/4 is not, though both are 3/4 of a note."""
    m = re.match(r"^\s*(\d{1,3})\s*/", _comment_free(value), re.ASCII)
    return m is not None and int(m.group(1)) % 3 == 0 and int(m.group(1)) > 3


def beat_length(value: str) -> Fraction | None:
    """The note value an `M:` value counts in (`6/8`: an eighth; `C`: a quarter; `C|`: a
    half), in whole notes; None when there is no meter."""
    v = value.split("%")[0].strip()
    if v in ("C|", "c|"):
        return Fraction(1, 2)
    if v in ("C", "c"):
        return Fraction(1, 4)
    m = re.match(r"^\(?\d{1,3}(?:\s*\+\s*\d{1,3})*\)?\s*/\s*(\d{1,3})", v, re.ASCII)
    return Fraction(1, int(m.group(1))) if m and int(m.group(1)) > 0 else None


def unit_length(value: str) -> Fraction | None:
    m = re.match(r"^\s*(\d{1,4})\s*(?:/\s*(\d{1,4}))?\s*(?:%.*)?$", value, re.ASCII)
    if not m:
        return None
    num, den = int(m.group(1)), int(m.group(2) or 1)
    return Fraction(num, den) if num > 0 and den > 0 else None


def default_unit(meter: Fraction | None) -> Fraction:
    """ABC 2.1 (3.1.7): 1/16 when the meter is shorter than 3/4, else 1/8."""
    return Fraction(1, 16) if meter is not None and meter < Fraction(3, 4) else Fraction(1, 8)


_BEATS = re.compile(r"(\d{1,3})\s*/\s*(\d{1,3})", re.ASCII)
_OLD_TEMPO = re.compile(r"^C(\d{0,2})\s*=\s*(\d{1,5})", re.I | re.ASCII)


# The tempo words abc2midi plays (quarter notes per minute), when a `Q:` holds only one of
# them in quotes (`Q:"Andantino"`); other words leave the tempo unset.
TEMPO_WORDS = {
    "larghissimo": 40, "largo": 56, "adagio": 59, "lento": 62, "larghetto": 66,
    "adagietto": 76, "andante": 88, "andantino": 96, "moderato": 104, "allegretto": 112,
    "allegro": 120, "vivace": 168, "vivo": 180, "presto": 192, "allegrissimo": 208,
    "vivacissimo": 220, "prestissimo": 240,
}  # fmt: skip


def tempo(value: str, unit: Fraction) -> float | None:
    """Quarter notes per minute for a `Q:` value, None when it gives no number.

    `1/4=120`; `3/8=60` (the beat is 3/8); `1/4 3/8=40` (ABC 2.1: the beat is their sum);
    quoted words are text (`"Allegro" 1/4=120`), except one of `TEMPO_WORDS` alone. The old
    forms: `C=120`, `C2=120` (the beat is the unit length, times 2) and a bare `120`, which
    abc2midi plays as quarter notes per minute.
    """
    v = _QUOTED.sub(" ", _comment_free(value)).strip()
    if not v:
        words = _comment_free(value).strip().strip('"').strip().lower()
        return float(TEMPO_WORDS[words]) if words in TEMPO_WORDS else None
    if "=" in v:
        beats, _, number = v.partition("=")
        number = number.strip()
        if not number.isdigit() or len(number) > 5:
            return None
        old = _OLD_TEMPO.match(v)
        if old:
            beat = unit * (int(old.group(1)) if old.group(1) else 1)
        else:
            beat = sum((Fraction(int(a), int(b)) for a, b in _BEATS.findall(beats) if int(b)),
                       Fraction(0))  # fmt: skip
        return float(int(number) * beat * 4) if beat > 0 else None
    return float(v) if v.isdigit() and len(v) <= 5 else None


_PART_GROUP = re.compile(r"\(([A-Z]*)\)(\d*)")
_PART_ONE = re.compile(r"([A-Z])(\d*)")
_PARTS = re.compile(r"^[A-Z0-9()]+$")
MAX_PARTS = 200  # a playing order longer than this is not a tune's (P:(A9)9 ...)


def part_order(value: str) -> str:
    """A header `P:` value expanded to one letter per part played: `(AB)2C` -> `ABABC`,
    `A3` -> `AAA`; dots and spaces are only separators. At most `MAX_PARTS` letters. Parts
    are named by capital letters (ABC 2.1, 3.1.9): a value with other words is no order."""
    v = _comment_free(value).replace(".", "").replace(" ", "")
    if not _PARTS.match(v):
        return ""
    for _ in range(8):  # nested groups, innermost first
        grown = _PART_GROUP.sub(lambda m: m.group(1) * min(int(m.group(2) or 1), MAX_PARTS), v)
        if grown == v:
            break
        v = grown[: MAX_PARTS * 4]
    order = "".join(
        m.group(1) * min(int(m.group(2) or 1), MAX_PARTS) for m in _PART_ONE.finditer(v)
    )
    return order[:MAX_PARTS]
