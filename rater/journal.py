"""The ratings journal: append-only JSONL, one best_of_2 record per line.

A rating costs a person ~20 s of attention, so none may be lost: every decision is written in
one `os.write` on an O_APPEND descriptor and fsync'd before `append` returns, under an
exclusive `flock` so concurrent writers never interleave. A crash mid-write can only leave a
torn *last* line; it is moved to `<name>.torn` (appended there, never dropped) the next time
the journal is opened. Any other bad line is an error naming the line, never skipped.

The lines of one decision (a tie is two) share a `"decision"` id, which is how `undo` knows
how many lines to take back.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from rater.errors import JournalError
from rater.records import Rating

_CHUNK = 1 << 16


def _line(rating: Rating) -> bytes:
    text = json.dumps(rating.to_json(), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


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
    """One ratings file. Cheap to construct; every method takes the lock for its duration."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.torn_path = self.path.with_name(self.path.name + ".torn")
        self._readonly = False
        self.set_aside = 0  # torn tails this object moved to `torn_path` (the CLI warns)
        if self.path.is_dir():
            raise JournalError(f"{self.path}: is a directory, not a ratings journal")
        if self.path.exists():
            with self._locked() as fd:
                self._repair_tail(fd)

    # -- locking and repair -------------------------------------------------------------

    @contextmanager
    def _locked(self, create: bool = False) -> Iterator[int]:
        """The journal's fd under an exclusive lock; a read-only journal (someone else's
        file being exported) is opened read-only under a shared lock instead."""
        self._readonly = False
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
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

    def _repair_tail(self, fd: int) -> int:
        """Set aside a torn last line (no final newline, or a final line that is not a record)
        and the lines of an incomplete last decision.

        A torn write is a prefix of one payload, so only the end of the file can be affected.
        """
        size = os.fstat(fd).st_size
        cut = size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            cut = self._tail_start(fd, size)
        if cut:
            cut = self._complete_end(fd, cut)
        if cut < size:
            if self._readonly:  # cannot move it: read around it and leave the file alone
                return cut
            self._set_aside(fd, cut, size)
        return cut

    def _complete_end(self, fd: int, end: int) -> int:
        """Where the complete records end, given that [0, end) ends with a newline."""
        start = self._tail_start(fd, end - 1)
        try:
            last = _parse(os.pread(fd, end - start, start))
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
                r = _parse(os.pread(fd, start - prev, prev))
            except ValueError:
                break
            if r.extra.get("decision") != last.extra.get("decision"):
                break
            start, have = prev, have + 1
        return end if have >= want else start

    # -- reading --------------------------------------------------------------------------

    def _read(self, fd: int, end: int) -> list[tuple[int, Rating]]:
        """(offset, record) per line of [0, end), strictly (the tail was checked already)."""
        data = os.pread(fd, end, 0)
        out: list[tuple[int, Rating]] = []
        offset = 0
        for lineno, raw in enumerate(data.split(b"\n")[:-1], start=1):
            try:
                out.append((offset, _parse(raw)))
            except ValueError as exc:
                raise JournalError(f"{self.path}:{lineno}: not a rating record ({exc})") from exc
            offset += len(raw) + 1
        return out

    def records(self) -> list[Rating]:
        """Every record in file order."""
        if not self.path.exists():
            return []
        with self._locked() as fd:
            return [r for _, r in self._read(fd, self._repair_tail(fd))]

    def decided(self) -> set[frozenset[str]]:
        """Pairs (as id sets) that already have a decision, so resume can skip them."""
        return {frozenset(r.ids) for r in self.records()}

    # -- writing --------------------------------------------------------------------------

    def append(self, ratings: Sequence[Rating]) -> list[Rating]:
        """Write one decision durably; returns the records as written (with decision id)."""
        if not ratings:
            return []
        written = _with_decision(ratings)
        self._write(b"".join(_line(r) for r in written))
        return written

    def append_many(self, decisions: Sequence[Sequence[Rating]]) -> list[list[Rating]]:
        """Several decisions in one write + fsync (batch auto-rating of a large corpus)."""
        written = [_with_decision(d) for d in decisions if d]
        if written:
            self._write(b"".join(_line(r) for d in written for r in d))
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

    def undo(self) -> list[Rating]:
        """Remove the last decision (both lines of a tie); returns what was removed."""
        if not self.path.exists():
            return []
        with self._locked() as fd:
            lines = self._read(fd, self._repair_tail(fd))
            if self._readonly:
                raise JournalError(f"{self.path}: read-only, cannot undo")
            if not lines:
                return []
            last = lines[-1][1].extra.get("decision")
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


def _parse(raw: bytes) -> Rating:
    """One line -> Rating; ValueError (with the reason) when it is not a record."""
    try:
        d = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid JSON: {exc}") from exc
    if not isinstance(d, dict):
        raise ValueError("not a JSON object")
    try:
        rating = Rating.from_json(d)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"missing or bad field {exc}") from exc
    for name in ("query", "sample0", "sample1"):
        if not all(type(x) is int for x in getattr(rating, name)):
            raise ValueError(f"{name} must be a list of token ids")
    if rating.best not in (0, 1):
        raise ValueError(f"best must be 0 or 1, got {rating.best}")
    return rating


def read_journals(paths: Sequence[str | os.PathLike[str]]) -> list[Rating]:
    """Records of several journals, in the order given (export, rank and stats read these)."""
    out: list[Rating] = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise JournalError(f"{path}: no such ratings journal")
        out.extend(Journal(path).records())
    return out
