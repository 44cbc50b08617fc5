"""What a writing `Journal` knows of its file while other processes append to it too.

A rating session and `rater autorate` (or another rater's session) may write one journal at
the same time. Each writer follows the file: it remembers how far it has read and which pairs
the records so far decide, reads only the new tail (from that offset) when it looks again,
and does so under the journal's lock before it writes, so an automatic record is never
written for a pair another process decided meanwhile. The tail is cheap: one `fstat` and a
48-byte read when nothing changed.

Another writer may also take lines back (its `u`, or a torn tail set aside). Each of the last
MARKS lines read is remembered by where it ends and its last bytes (which hold its decision
id), so a file that shrank or was rewritten below the known end is noticed and followed back
to the last line that is still there; beyond that the file is read again from the start.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from rater.core.records import Rating

MARKS = 256  # lines remembered for noticing another writer's undo
TAIL = 48  # bytes of a line's end kept to recognise it: the decision id is there

Scan = Callable[[int, int, int, int], Iterator[tuple[int, bytes, Rating]]]


def pair_key(ids: Iterable[str]) -> tuple[str, str]:
    a, b = ids
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Mark:
    end: int  # offset just after the line's newline
    tail: bytes  # the line's last TAIL bytes, newline included
    key: tuple[str, str]


@dataclass
class Follower:
    """How far a journal was read, what it decides, and which decisions this writer made."""

    seen: int = 0  # offset up to which the file was read
    line: int = 0  # lines up to `seen`
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # lines per pair
    own: set[str] = field(default_factory=set)  # decision ids this writer wrote
    pending: list[Rating] = field(default_factory=list)  # others' records not yet reported
    marks: deque[Mark] = field(default_factory=lambda: deque(maxlen=MARKS))

    def decided(self, ids: Iterable[str]) -> bool:
        return self.pairs[pair_key(ids)] > 0

    def catch_up(self, fd: int, end: int, scan: Scan) -> list[Rating]:
        """Read [seen, end) (after following back any lines taken away); returns the records
        other writers appended, which also wait in `pending` until taken."""
        if not self.intact(fd, end):
            self._rewind(fd, end)
        new: list[Rating] = []
        for offset, raw, record in scan(fd, self.seen, end, self.line + 1):
            self.add(offset + len(raw) + 1, raw, record)
            decision = record.extra.get("decision")
            if decision is None or decision not in self.own:
                new.append(record)
        self.pending.extend(new)
        return new

    def add(self, end: int, raw: bytes, record: Rating) -> None:
        key = pair_key(record.ids)
        self.pairs[key] += 1
        self.line += 1
        self.seen = end
        self.marks.append(Mark(end, (raw + b"\n")[-TAIL:], key))

    def wrote(self, start: int, lines: list[bytes], records: list[Rating]) -> None:
        """This writer appended `lines` at `start` (right after catching up, under the lock)."""
        for raw, record in zip(lines, records, strict=True):
            start += len(raw)
            self.add(start, raw[:-1], record)
            if "decision" in record.extra:
                self.own.add(record.extra["decision"])

    def cut(self, fd: int, size: int) -> None:
        """The file was cut to `size` (this writer's undo)."""
        self._rewind(fd, size)

    def take(self) -> list[Rating]:
        out, self.pending = self.pending, []
        return out

    def intact(self, fd: int, size: int) -> bool:
        """Whether the file (of `size` bytes) still holds what was read, where it was."""
        if self.seen > size:
            return False
        if not self.marks:
            return self.seen == 0
        mark = self.marks[-1]
        return _still_there(fd, mark, size)

    def _rewind(self, fd: int, size: int) -> None:
        while self.marks and not _still_there(fd, self.marks[-1], size):
            mark = self.marks.pop()
            self.pairs[mark.key] -= 1
            if self.pairs[mark.key] <= 0:
                del self.pairs[mark.key]
            self.line -= 1
        if self.marks:
            self.seen = self.marks[-1].end
            return
        # More was taken away than the marks remember: read the file again from its start.
        self.seen = self.line = 0
        self.pairs.clear()


def _still_there(fd: int, mark: Mark, size: int) -> bool:
    return mark.end <= size and os.pread(fd, len(mark.tail), mark.end - len(mark.tail)) == mark.tail
