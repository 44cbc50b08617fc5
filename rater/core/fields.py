"""ABC field values: what a `K:`, `M:`, `L:` or `Q:` value may look like, and key signatures.

A generator that has lost track of where it is writes music into a header field
(`K:d/d/aae/d/|^cA(B/^c/)...`); music21 reads the key as best it can and renders the rest,
so the sample would pass. Each of these four fields has a small grammar (ABC 2.1 plus the
variants found in the real tunes shipped with music21), and a value outside it is not a value
of its kind. The grammars are liberal about spacing, case and extra clef/transpose words:
they exist to catch music and garbage, not to police style.
"""

from __future__ import annotations

import re

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
    r"^(?:(?:\^\^|\^|__|_|=)[A-Ga-g]|exp|[A-Za-z]+=\S+|(?:treble|bass|alto|tenor|perc|none)"
    r"\d?(?:[+-]8)?)$",
    re.IGNORECASE | re.ASCII,
)
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
        acc = re.match(r"^(\^\^|\^|__|_|=)([A-Ga-g])$", word)
        if acc:
            alters[acc.group(2).upper()] = {"^^": 2, "^": 1, "=": 0, "__": -2, "_": -1}[
                acc.group(1)
            ]
    return alters
