"""One journal line <-> one `Rating`: compact JSON out, strict checks in.

Every field the readers index or do arithmetic on is checked when a line is read, so a
hand-edited or foreign line is one error naming its line, never a traceback in export,
rank or stats. Kept apart from `journal` (files, locks, torn tails) because this is the format.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rater.core.bpe import DEFAULT_PAD, N_VOCAB, in_vocabulary
from rater.core.jsonread import check, loads
from rater.core.records import Rating

# How every record line starts (spaces aside); a torn first write is a prefix of it.
RECORD_START = b'{"query":['

_SAMPLE0 = b'],"sample0":['
_SAMPLE1 = b'],"sample1":['
_DIGITS = b"0123456789,"
_LEADING_ZERO = re.compile(rb"(?:^|,)0[0-9]")  # not JSON
# An id of the compact arrays outside `bpe.in_vocabulary` (>= 50257, except 50259): six or
# more digits, or five from 50257 up. Exact, as the arrays hold no leading zeros.
assert (N_VOCAB, DEFAULT_PAD) == (50257, 50259)
_OUT_OF_VOCABULARY = re.compile(rb"\d{6}|5025[78]|502[6-9]\d|50[3-9]\d\d|5[1-9]\d{3}|[6-9]\d{4}")
_KNOWN = frozenset(Rating.__dataclass_fields__) - {"extra"}


def _ints(seg: bytes) -> bool:
    """`seg` is the inside of a compact JSON array of non-negative integers."""
    if not seg:
        return True
    if seg.translate(None, _DIGITS) or seg[0] == 44 or seg[-1] == 44 or b",," in seg:
        return False
    if (b",0" in seg or seg[0] == 48) and _LEADING_ZERO.search(seg):
        return False
    return _OUT_OF_VOCABULARY.search(seg) is None  # else parsed whole: the precise error


def _token_arrays(raw: bytes) -> tuple[int, bool, bool] | None:
    """Where the token arrays end and whether sample0 / sample1 hold any, for a line that
    starts as `encode_line` writes it; None for any other spelling."""
    if not raw.startswith(RECORD_START):
        return None
    a = raw.find(_SAMPLE0, len(RECORD_START))
    b = raw.find(_SAMPLE1, a + len(_SAMPLE0)) if a >= 0 else -1
    c = raw.find(b"],", b + len(_SAMPLE1)) if b >= 0 else -1
    if c < 0:
        return None
    s0, s1 = a + len(_SAMPLE0), b + len(_SAMPLE1)
    if _ints(raw[len(RECORD_START) : a]) and _ints(raw[s0:b]) and _ints(raw[s1:c]):
        return c + 2, b > s0, c > s1
    return None


def encode_line(rating: Rating) -> bytes:
    """Compact UTF-8 JSON. A lone surrogate (a `--rater` or file name that was not UTF-8,
    which Python decodes with surrogateescape) is written as its JSON escape (`\\udcff`),
    so the line is valid UTF-8 and reads back to the same string."""
    text = json.dumps(rating.to_json(), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace") + b"\n"


def parse_line(raw: bytes) -> Rating:
    """One line -> Rating; ValueError (with the reason) when it is not a record: the one
    JSON rule (`core.jsonread`: size, depth, finite numbers), then every field."""
    d = loads(raw, walk=False)  # ValueError with the reason
    if not isinstance(d, dict):
        raise ValueError("not a JSON object")
    _check_fields(d)
    return _rating(d)


def _rating(d: dict[str, Any]) -> Rating:
    try:
        return Rating.from_json(d)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"missing or bad field {exc}") from exc


def parse_head(raw: bytes, texts: bool = True, names: dict[str, str] | None = None) -> Rating:
    """One line -> its record without token ids (`query`, `sample0`, `sample1` are empty),
    and without `texts` unless asked: what the session, rank and stats read.

    Token arrays are most of a line and, as Python ints, most of a parsed record's memory,
    so in a line as `encode_line` writes it the token arrays are only checked (compact
    non-negative JSON integers, found with `bytes` methods) and the rest is parsed. Any
    other spelling (negative ids, spaces) is parsed whole, so a bad line gets the same error
    as from `parse_line`. `names` shares equal id, source and rater strings between records
    (a sample is in many records).
    """
    arrays = _token_arrays(raw)
    d: Any = None
    if arrays is not None:
        try:
            d = loads(b"{" + raw[arrays[0] :], walk=False)
        except ValueError:
            d = None
    if arrays is None or not isinstance(d, dict) or {"query", "sample0", "sample1"} & d.keys():
        r = parse_line(raw)  # the precise error, or an unusual but valid spelling
        d = {**r.to_json(), "query": [], "sample0": [], "sample1": []}
        lengths = (len(r.sample0), len(r.sample1))
    else:
        d["query"], d["sample0"], d["sample1"] = [], [], []
        lengths = (int(arrays[1]), int(arrays[2]))
    _check_fields(d, lengths)
    if not texts:
        d.pop("texts", None)
    if names is not None:
        for key in ("ids", "sources"):
            if isinstance(d.get(key), list):
                d[key] = [names.setdefault(x, x) for x in d[key]]
        d["rater"] = names.setdefault(str(d.get("rater", "")), str(d.get("rater", "")))
    return _rating(d)


def _is_int(x: object) -> bool:
    return type(x) is int  # bool and float are not token ids or labels


def _is_number(x: object) -> bool:
    """A sample's number in its source (from 1; 0: not known)."""
    return _is_int(x) and x >= 0  # type: ignore[operator]


def _check_fields(d: dict[str, Any], lengths: tuple[int, int] | None = None) -> None:
    """`lengths`: whether sample0 / sample1 hold tokens, when the arrays were checked apart."""
    for name in ("query", "sample0", "sample1"):
        if name not in d:
            raise ValueError(f"missing field {name!r}")
        v = d[name]
        if not isinstance(v, list) or (v and set(map(type, v)) != {int}):
            raise ValueError(f"{name} must be a list of token ids")
        if not in_vocabulary(v):
            raise ValueError(f"{name} holds a token id outside GPT-2's vocabulary (0..50256)")
    best = d.get("best")
    if not _is_int(best) or best not in (0, 1):
        raise ValueError(f"best must be 0 or 1, got {json.dumps(best)}")
    for name, required in (("ids", True), ("texts", False), ("sources", False)):
        v = d.get(name)
        if v is None and not required:
            continue  # missing -> ("", "")
        if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)):
            raise ValueError(f"{name} must be a list of 2 strings")
    numbers = d.get("numbers")
    if numbers is not None and not (
        isinstance(numbers, list) and len(numbers) == 2 and all(_is_number(n) for n in numbers)
    ):
        raise ValueError("numbers must be a list of 2 non-negative ints")
    reasons = d.get("reasons")
    if reasons is not None and not (
        isinstance(reasons, list)
        and len(reasons) == 2
        and all(isinstance(side, list) for side in reasons)
        and all(isinstance(x, str) for side in reasons for x in side)
    ):
        raise ValueError("reasons must be 2 lists of strings")
    lines = d.get("decision_lines", 1)
    if not (_is_int(lines) and lines >= 1):  # type: ignore[operator]
        raise ValueError("decision_lines must be a positive int")
    if "decision" in d and not isinstance(d["decision"], str):
        raise ValueError("decision must be a string")
    if d.get("broken", 0) not in (0, 1) or not _is_int(d.get("broken", 0)):
        raise ValueError("broken must be 0 or 1")
    if "tie" in d and not isinstance(d["tie"], bool):
        raise ValueError("tie must be true or false")
    _check_listening(d)
    _check_pairing(d)
    if "elided" in d:
        _check_elided(d, lengths or (len(d["sample0"]), len(d["sample1"])))
    for key, value in d.items():  # fields rater does not read: kept, so held to the rule
        if key not in _KNOWN and isinstance(value, list | dict):
            check(value)


def _check_elided(d: dict[str, Any], lengths: tuple[int, int]) -> None:
    """A side left out of the record (`core.rules.elided`): only in automatic records, and
    with neither its text nor its tokens, so nothing can train on half a sample."""
    sides = d["elided"]
    if not (
        isinstance(sides, list)
        and sides
        and all(_is_int(k) and k in (0, 1) for k in sides)
        and len(set(sides)) == len(sides)
    ):
        raise ValueError("elided must be a list of the sides 0 and/or 1")
    if d.get("broken") != 1:
        raise ValueError("elided is only for automatic (broken) records")
    texts = d.get("texts") or ["", ""]
    for k in sides:
        if lengths[k] or texts[k]:
            raise ValueError(f"elided side {k} must have no text and no tokens")


def _is_seconds(x: object) -> bool:
    return type(x) in (int, float) and 0 <= x < float("inf")  # type: ignore[operator]


def _check_listening(d: dict[str, object]) -> None:
    """The fields of how a person decided (`rater.rating.listening`, hidden re-checks),
    which stats and the text export read."""
    heard = d.get("heard")
    if heard is not None and not (
        isinstance(heard, list) and len(heard) == 2 and all(_is_seconds(x) for x in heard)
    ):
        raise ValueError("heard must be 2 non-negative numbers of seconds")
    if "decide_seconds" in d and not _is_seconds(d["decide_seconds"]):
        raise ValueError("decide_seconds must be a non-negative number")
    replays = d.get("replays", 0)
    if not (_is_int(replays) and replays >= 0):  # type: ignore[operator]
        raise ValueError("replays must be a non-negative int")
    for name in ("note", "recheck_of"):
        if name in d and not isinstance(d[name], str):
            raise ValueError(f"{name} must be a string")


def _check_pairing(d: dict[str, object]) -> None:
    """How the record's pair was chosen (`core.rules.pairing_of`), which `rater rate` and
    `rater autorate` follow, and whether the screen named the samples' sources."""
    if "pairing" in d and not (isinstance(d["pairing"], str) and d["pairing"]):
        raise ValueError("pairing must be a strategy name")
    if "seed" in d and not _is_int(d["seed"]):
        raise ValueError("seed must be an int")
    if "show_source" in d and not isinstance(d["show_source"], bool):
        raise ValueError("show_source must be true or false")
