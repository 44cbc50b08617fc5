"""One journal line <-> one `Rating`: compact JSON out, strict checks in.

Every field the readers index or do arithmetic on is checked when a line is read, so a
hand-edited or foreign line is one error naming its line, never a traceback in export,
rank or stats. Kept apart from `journal` (files, locks, torn tails) because this is the format.
"""

from __future__ import annotations

import json

from rater.core.records import Rating

# How every record line starts (spaces aside); a torn first write is a prefix of it.
RECORD_START = b'{"query":['


def encode_line(rating: Rating) -> bytes:
    text = json.dumps(rating.to_json(), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


def parse_line(raw: bytes) -> Rating:
    """One line -> Rating; ValueError (with the reason) when it is not a record."""
    try:
        d = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid JSON: {exc}") from exc
    if not isinstance(d, dict):
        raise ValueError("not a JSON object")
    _check_fields(d)
    try:
        return Rating.from_json(d)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"missing or bad field {exc}") from exc


def _is_int(x: object) -> bool:
    return type(x) is int  # bool and float are not token ids or labels


def _check_fields(d: dict[str, object]) -> None:
    for name in ("query", "sample0", "sample1"):
        if name not in d:
            raise ValueError(f"missing field {name!r}")
        v = d[name]
        if not isinstance(v, list) or not all(_is_int(x) for x in v):
            raise ValueError(f"{name} must be a list of token ids")
    best = d.get("best")
    if not _is_int(best) or best not in (0, 1):
        raise ValueError(f"best must be 0 or 1, got {json.dumps(best)}")
    for name, required in (("ids", True), ("texts", False), ("sources", False)):
        v = d.get(name)
        if v is None and not required:
            continue  # missing -> ("", "")
        if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)):
            raise ValueError(f"{name} must be a list of 2 strings")
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
