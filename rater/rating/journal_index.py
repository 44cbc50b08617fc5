"""A journal's side index: the facts of its records so far (`rating.history.History`) and how
far they go, so a session starts without reading the whole journal.

The index is `.<journal name>.index` beside the journal. It is a cache: deleting it loses
nothing, and it is used only for the journal it was made from - the same file (device and
inode) - and only as far as it is still that file's start: the line it ends on must still
be where it was (the last bytes of a line hold its decision id). When the journal's size and
modification time are still the index's, nothing is read; when the journal grew, only the
new lines are, and the index is written again; anything else (the journal cut by an undo,
rewritten, replaced) and the journal is read whole and the index made anew.

The index is untrusted like every file in a folder others can write: it is opened without
following a symlink (a regular file with one link: `core.files.open_regular`), read bounded,
parsed by the one JSON rule (`core.jsonread`) and checked field by field (`History.from_json`);
anything wrong is no index at all. It is written to a new temporary file (O_EXCL,
O_NOFOLLOW: `core.scratch`) renamed over the old one, so a reader never sees half of one; a
folder that cannot be written keeps no index, and the session starts as before.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from rater.core import scratch
from rater.core.files import open_regular
from rater.core.jsonread import loads
from rater.core.records import Rating
from rater.rating.follow import MARKS, TAIL, Follower, Mark
from rater.rating.history import History

FORMAT = 1
MIN_READ = 64 << 20  # an index may be as large as its journal, and at least this


class Stamp(NamedTuple):
    """Which file, in which state: an index is valid only for the journal it names."""

    dev: int
    ino: int
    size: int
    mtime_ns: int


def stamp(fd: int, size: int) -> Stamp:
    st = os.fstat(fd)
    return Stamp(st.st_dev, st.st_ino, size, st.st_mtime_ns)


def path_of(journal: Path) -> Path:
    return journal.with_name(f".{journal.name}.index")


class Index(NamedTuple):
    """A loaded index: the history of the journal's first `follower.seen` bytes."""

    stamp: Stamp
    history: History
    follower: Follower


def load(journal: Path, fd: int, now: Stamp, records: Callable[[], list[Rating]]) -> Index | None:
    """The index of the journal open at `fd` (in state `now`), if there is a valid one and
    the journal still starts with what it indexed; else None."""
    try:
        index = open_regular(path_of(journal), os.O_RDONLY)
    except OSError:
        return None
    try:
        limit = max(MIN_READ, now.size)
        raw = os.read(index, limit + 1)
    except OSError:
        return None
    finally:
        os.close(index)
    try:
        found = _parse(loads(raw, limit), records)
    except (ValueError, TypeError, KeyError):
        return None
    if found.stamp[:2] != now[:2] or found.follower.seen > now.size:
        return None  # another file at that name, or cut below what was indexed
    if found.stamp != now and not found.follower.intact(fd, now.size):
        return None  # rewritten: read it again
    return found


def save(journal: Path, now: Stamp, history: History, follower: Follower) -> None:
    """Write the index of the journal's first `follower.seen` bytes (best effort: a folder
    that cannot be written keeps none)."""
    data = {
        "format": FORMAT,
        "stamp": list(now),
        "seen": follower.seen,
        "marks": [
            [m.end, base64.b64encode(m.tail).decode("ascii"), *m.key] for m in follower.marks
        ],
        "history": history.to_json(),
    }
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "replace")
    target = path_of(journal)
    tmp: Path | None = None
    try:
        fd, tmp = scratch.new_file(target.parent, f".{target.name}.", ".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, target)  # a symlink at the name is replaced, never written through
        tmp = None
    except OSError:
        pass  # a read-only folder: no index, the next start reads the journal
    finally:
        scratch.discard(tmp)


def _parse(data: Any, records: Callable[[], list[Rating]]) -> Index:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not an index")
    raw_stamp = data["stamp"]
    if not isinstance(raw_stamp, list) or len(raw_stamp) != 4:
        raise ValueError("stamp")
    found = Stamp(*(_int(x) for x in raw_stamp))
    history = History.from_json(data["history"], records)
    seen = _int(data["seen"])
    marks = data["marks"]
    if not isinstance(marks, list) or len(marks) > MARKS:
        raise ValueError("marks")
    follower = Follower(seen=seen, line=history.lines, pairs=history.pairs.copy())
    for item in marks:
        if not isinstance(item, list) or len(item) != 4:
            raise ValueError("mark")
        end, tail, a, b = item
        if not isinstance(tail, str) or not isinstance(a, str) or not isinstance(b, str):
            raise ValueError("mark")
        raw = base64.b64decode(tail.encode("ascii"), validate=True)
        if len(raw) > TAIL or not 0 < _int(end) <= seen:
            raise ValueError("mark")
        follower.marks.append(Mark(end, raw, (a, b)))
    if history.lines and (not follower.marks or follower.marks[-1].end != seen):
        raise ValueError("the marks do not end where the index does")
    return Index(found, history, follower)


def _int(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("not a count")
    return value
