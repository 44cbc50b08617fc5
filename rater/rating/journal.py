"""The ratings journal: append-only JSONL, one best_of_2 record per line.

A rating costs a person ~20 s of attention, so none may be lost: every decision is written in
one `os.write` on an O_APPEND descriptor and fsync'd before `append` returns, under an
exclusive `flock` so concurrent writers never interleave. A crash mid-write can only leave a
torn *last* line; a writer (a rating session, autorate) moves it to `<name>.torn` (appended
there, never dropped) when it opens the journal, while readers (stats, rank, export) only read
around it and leave the file alone. A last line that is a whole record cut just before its
newline is kept (the newline is added). Nothing is repaired unless line 1 is a rating record,
so a file that is not a journal is never cut. Any other bad line is an error naming the line,
never skipped.

The lines of one decision (a tie is two) share a `"decision"` id, which is how `undo` knows
how many lines to take back.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from rater.core.errors import JournalError
from rater.core.records import Rating
from rater.core.rules import decided_pairs
from rater.rating.lines import RECORD_START, encode_line, parse_line

_CHUNK = 1 << 16


def _with_decision(ratings: Sequence[Rating]) -> list[Rating]:
    """Give the records of one decision a shared id (kept if the caller already set one)."""
    ids = {r.extra.get("decision") for r in ratings}
    if len(ids) == 1 and None not in ids:
        return list(ratings)
    tag: dict[str, object] = {"decision": uuid.uuid4().hex[:16]}
    if len(ratings) > 1:
        tag["decision_lines"] = len(ratings)  # lets the tail check spot half a tie
    return [replace(r, extra={**r.extra, **tag}) for r in ratings]


class Journal:
    """One ratings file. Cheap to construct; every method takes the lock for its duration.

    A writer (the default) sets a torn tail aside when it opens the file. `read_only=True` is
    for commands that only read: the file is never modified, a torn tail is read around and
    `torn_ignored` says so (the CLI warns).
    """

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.torn_path = self.path.with_name(self.path.name + ".torn")
        self.read_only = read_only
        self._readonly = read_only
        self.set_aside = 0  # torn tails this object moved to `torn_path` (the CLI warns)
        self.torn_ignored = False  # a torn tail was read around, not moved (the CLI warns)
        if self.path.is_dir():
            raise JournalError(f"{self.path}: is a directory, not a ratings journal")
        if self.path.exists() and not read_only:
            with self._locked() as fd:
                self._repair_tail(fd)

    # -- locking and repair -------------------------------------------------------------

    @contextmanager
    def _locked(self, create: bool = False) -> Iterator[int]:
        """The journal's fd under an exclusive lock; a read-only journal (someone else's
        file being exported) is opened read-only under a shared lock instead."""
        if self.read_only and create:
            raise JournalError(f"{self.path}: opened read-only, cannot write")
        self._readonly = self.read_only
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
            if self.read_only:
                fd = os.open(self.path, os.O_RDONLY)
            else:
                try:
                    fd = os.open(self.path, flags, 0o644)
                except OSError as exc:
                    if create or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                        raise
                    fd = os.open(self.path, os.O_RDONLY)
                    self._readonly = True
        except OSError as exc:
            msg = f"{self.path}: cannot open ratings journal ({exc.strerror})"
            raise JournalError(msg) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_SH if self._readonly else fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def _tail_start(self, fd: int, size: int) -> int:
        """Offset just after the last newline (0 if there is none)."""
        end = size
        while end > 0:
            start = max(0, end - _CHUNK)
            chunk = os.pread(fd, end - start, start)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                return start + nl + 1
            end = start
        return 0

    def _set_aside(self, fd: int, start: int, size: int) -> None:
        """Move bytes [start, size) to the side file, durably, then cut them off the journal."""
        torn = os.pread(fd, size - start, start)
        self.set_aside += 1
        try:
            side = os.open(self.torn_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(side, torn.rstrip(b"\n") + b"\n")
                os.fsync(side)
            finally:
                os.close(side)
            os.ftruncate(fd, start)
            os.fsync(fd)
        except OSError as exc:
            raise JournalError(
                f"{self.path}: cannot set aside a torn last line ({exc.strerror})"
            ) from exc

    def _repair_tail(self, fd: int) -> tuple[int, bool]:
        """Set aside a torn last line (no final newline and not a whole record) and the lines
        of an incomplete last decision; a whole last record missing only its newline gets it.

        Returns (end of the complete records, whether the last one still lacks its newline,
        which only happens when the file could not be touched). A torn write is a prefix of
        one payload, so only the end of the file can be affected.
        """
        size = os.fstat(fd).st_size
        end, unterminated = self._complete(fd, size)
        if end == size and not unterminated:
            return end, False
        self._check_is_journal(fd, size)
        if self._readonly:  # cannot (or must not) touch it: read around the torn tail
            self.torn_ignored = self.torn_ignored or end < size
            return end, unterminated
        if unterminated:
            self._terminate(fd)
            return size + 1, False
        self._set_aside(fd, end, size)
        return end, False

    def _complete(self, fd: int, size: int) -> tuple[int, bool]:
        """(where the complete records end, whether the last of them lacks its newline)."""
        if not size:
            return 0, False
        if os.pread(fd, 1, size - 1) == b"\n":
            return self._complete_end(fd, size), False
        start = self._tail_start(fd, size)
        try:
            parse_line(os.pread(fd, size - start, start))
        except ValueError:
            return (self._complete_end(fd, start) if start else 0), False
        # A write cut right before its newline still holds a whole record.
        end = self._complete_end(fd, size, terminated=False)
        return end, end == size

    def _check_is_journal(self, fd: int, size: int) -> None:
        """Refuse to repair anything but a ratings journal: cutting the "torn tail" off a
        tune file or a binary someone passed by mistake would destroy it."""
        parts: list[bytes] = []
        offset, terminated = 0, False
        while offset < size:
            chunk = os.pread(fd, min(_CHUNK, size - offset), offset)
            if not chunk:
                break
            nl = chunk.find(b"\n")
            if nl >= 0:
                parts.append(chunk[:nl])
                terminated = True
                break
            parts.append(chunk)
            offset += len(chunk)
        first = b"".join(parts)
        try:
            parse_line(first)
            return
        except ValueError:
            pass
        # The only line, torn during the very first write: a prefix of a record's start.
        head = first[:64].replace(b" ", b"")[: len(RECORD_START)]
        if not terminated and RECORD_START.startswith(head):
            return
        raise JournalError(f"{self.path}: not a ratings journal (line 1 is not a rating record)")

    def _terminate(self, fd: int) -> None:
        try:
            os.write(fd, b"\n")
            os.fsync(fd)
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot end the last line ({exc.strerror})") from exc

    def _complete_end(self, fd: int, end: int, terminated: bool = True) -> int:
        """Where the complete records end, given that [0, end) holds whole lines (the last
        one without its newline when not `terminated`)."""
        start = self._tail_start(fd, end - 1 if terminated else end)
        try:
            last = parse_line(os.pread(fd, end - start, start))
        except ValueError:
            # A torn write never ends in a newline, so a complete but invalid last line was
            # not torn by us: leave it for the strict reader to report, never move it.
            return end
        # A large multi-line decision (a tie) can be cut between its lines; half a tie would
        # read as a plain win, so the incomplete group goes to the side file as well.
        want = int(last.extra.get("decision_lines", 1))
        have = 1
        while have < want and start > 0:
            prev = self._tail_start(fd, start - 1)
            try:
                r = parse_line(os.pread(fd, start - prev, prev))
            except ValueError:
                break
            if r.extra.get("decision") != last.extra.get("decision"):
                break
            start, have = prev, have + 1
        return end if have >= want else start

    # -- reading --------------------------------------------------------------------------

    def _read(self, fd: int, end: int, unterminated: bool = False) -> list[tuple[int, Rating]]:
        """(offset, record) per line of [0, end), strictly (the tail was checked already)."""
        data = os.pread(fd, end, 0) + (b"\n" if unterminated else b"")
        out: list[tuple[int, Rating]] = []
        offset = 0
        for lineno, raw in enumerate(data.split(b"\n")[:-1], start=1):
            try:
                out.append((offset, parse_line(raw)))
            except ValueError as exc:
                raise JournalError(f"{self.path}:{lineno}: not a rating record ({exc})") from exc
            offset += len(raw) + 1
        return out

    def records(self) -> list[Rating]:
        """Every record in file order."""
        if not self.path.exists():
            return []
        with self._locked() as fd:
            return [r for _, r in self._read(fd, *self._repair_tail(fd))]

    def decided(self) -> set[frozenset[str]]:
        """Pairs (as id sets) that already have a decision, so resume can skip them."""
        return decided_pairs(self.records())

    # -- writing --------------------------------------------------------------------------

    def append(self, ratings: Sequence[Rating]) -> list[Rating]:
        """Write one decision durably; returns the records as written (with decision id)."""
        if not ratings:
            return []
        written = _with_decision(ratings)
        self._write(b"".join(encode_line(r) for r in written))
        return written

    def append_many(self, decisions: Sequence[Sequence[Rating]]) -> list[list[Rating]]:
        """Several decisions in one write + fsync (batch auto-rating of a large corpus)."""
        written = [_with_decision(d) for d in decisions if d]
        if written:
            self._write(b"".join(encode_line(r) for d in written for r in d))
        return written

    def _write(self, payload: bytes) -> None:
        with self._locked(create=True) as fd:
            self._repair_tail(fd)  # never append after a torn line
            size = os.fstat(fd).st_size
            try:
                view = memoryview(payload)
                while view:  # normally one write; a short write is finished or undone
                    n = os.write(fd, view)
                    view = view[n:]
                os.fsync(fd)
            except OSError as exc:
                self._undo_partial(fd, size, exc)

    def _undo_partial(self, fd: int, size: int, exc: OSError) -> None:
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        except OSError:
            raise JournalError(
                f"{self.path}: rating NOT saved ({exc.strerror}); a partial line may remain "
                "and will be set aside into the .torn file on the next start"
            ) from exc
        raise JournalError(
            f"{self.path}: rating NOT saved ({exc.strerror}); earlier ratings are intact"
        ) from exc

    def undo(self, expect_decision: str | None = None) -> list[Rating]:
        """Remove the last decision (both lines of a tie); returns what was removed.

        Several raters may append to one journal, so a session passes the id of its own last
        decision: if someone else wrote after it, nothing is removed (JournalError).
        """
        if not self.path.exists():
            return []
        with self._locked() as fd:
            if self._readonly:
                raise JournalError(f"{self.path}: read-only, cannot undo")
            lines = self._read(fd, *self._repair_tail(fd))
            if not lines:
                return []
            last = lines[-1][1].extra.get("decision")
            if expect_decision is not None and last != expect_decision:
                raise JournalError(
                    f"the last decision in {self.path} is not yours (another rater wrote "
                    "after it); nothing undone"
                )
            cut = len(lines) - 1
            if last is not None:
                while cut > 0 and lines[cut - 1][1].extra.get("decision") == last:
                    cut -= 1
            try:
                os.ftruncate(fd, lines[cut][0])
                os.fsync(fd)
            except OSError as exc:
                raise JournalError(f"{self.path}: cannot undo ({exc.strerror})") from exc
            return [r for _, r in lines[cut:]]


def _stderr(message: str) -> None:
    print(f"rater: {message}", file=sys.stderr)


def read_journals(
    paths: Sequence[str | os.PathLike[str]], warn: Callable[[str], None] = _stderr
) -> list[Rating]:
    """Records of several journals, in the order given (export, rank and stats read these).

    Readers never change a journal: a torn tail is read around, with one warning per file.
    """
    out: list[Rating] = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise JournalError(f"{path}: no such ratings journal")
        journal = Journal(path, read_only=True)
        out.extend(journal.records())
        if journal.torn_ignored:
            warn(f"{path}: torn last line ignored (it is set aside when rating resumes)")
    return out
