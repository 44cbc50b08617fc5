"""The ratings journal: append-only JSONL, one best_of_2 record per line.

A rating costs a person ~20 s of attention, so none may be lost: every decision is written in
one `os.write` on an O_APPEND descriptor and fsync'd before `append` returns, under an
exclusive `flock` so concurrent writers never interleave. A crash mid-write can only leave a
torn *last* line; a writer (a rating session, autorate) moves it to `<name>.torn` (appended
there, never dropped) when it opens the journal and counts it in `set_aside` (the CLI warns),
while readers (stats, rank, export) only read around it and leave the file alone. A last line
that is a whole record cut just before its newline is kept (the newline is added). Nothing is
repaired unless line 1 is a rating record, so a file that is not a journal is never cut. Any
other bad line is an error naming the line, never skipped. Only regular files are journals:
a FIFO or a device is refused with one line (it cannot be read twice, nor seeked).

Journals grow to hundreds of MB, so nothing reads one whole: records are read line by line
(`iter_records`; without their token ids where those are not needed), and undo walks back
from the end over the lines of the last decision only. The lines of one decision (a tie is
two) share a `"decision"` id, which is how `undo` knows how many lines to take back.

A writer that other processes may write beside (a session, autorate) `follow`s the file
(`rater.rating.follow`): it reads the new tail before it writes, and `unless_decided` writes
nothing for a pair that a record in the journal already decides.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from rater.core.errors import JournalError
from rater.core.files import make_folders, open_regular
from rater.core.records import Rating
from rater.rating import journal_index, scan, tail
from rater.rating.follow import Follower, pair_key
from rater.rating.history import History
from rater.rating.lines import encode_line, parse_head, parse_line
from rater.rating.scan import not_a_file


def with_decision(ratings: Sequence[Rating]) -> list[Rating]:
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
        self._follow: Follower | None = None
        why = not_a_file(self.path)
        if why:
            raise JournalError(f"{self.path}: {why}")
        if self.path.exists() and not read_only:
            with self._locked() as fd:
                self._repair_tail(fd)

    def torn_warning(self) -> str:
        """What the CLI and the screen say once `set_aside` moved a torn tail."""
        return (
            f"{self.path}: a torn last line (from a crash mid-write) was set aside into "
            f"{self.torn_path}; every whole rating is kept"
        )

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
                make_folders(self.path.parent)
            # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below)
            flags = os.O_RDWR | os.O_APPEND | os.O_NONBLOCK | (os.O_CREAT if create else 0)
            if self.read_only:
                fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            else:
                try:
                    fd = os.open(self.path, flags, 0o644)
                except OSError as exc:
                    if create or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                        raise
                    fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
                    self._readonly = True
        except OSError as exc:
            msg = f"{self.path}: cannot open ratings journal ({exc.strerror})"
            raise JournalError(msg) from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise JournalError(f"{self.path}: {not_a_file(self.path) or 'not a file'}")
            fcntl.flock(fd, fcntl.LOCK_SH if self._readonly else fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def _set_aside(self, fd: int, start: int, size: int) -> None:
        """Move bytes [start, size) to the side file, durably, then cut them off the journal."""
        torn = os.pread(fd, size - start, start)
        self.set_aside += 1
        try:
            # never through a symlink or into a hard-linked file planted at that name
            side = open_regular(self.torn_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                os.write(side, torn.rstrip(b"\n") + b"\n")
                os.fsync(side)
            finally:
                os.close(side)
            os.ftruncate(fd, start)
            os.fsync(fd)
        except OSError as exc:
            raise JournalError(
                f"{self.path}: cannot set aside a torn last line into {self.torn_path} "
                f"({exc.strerror})"
            ) from exc

    def _repair_tail(self, fd: int) -> tuple[int, bool]:
        """Set aside a torn last line (no final newline and not a whole record) and the lines
        of an incomplete last decision; a whole last record missing only its newline gets it.

        Returns (end of the complete records, whether the last one still lacks its newline,
        which only happens when the file could not be touched). A torn write is a prefix of
        one payload, so only the end of the file can be affected.
        """
        size = os.fstat(fd).st_size
        end, unterminated = tail.complete(fd, size)
        if end == size and not unterminated:
            return end, False
        if not tail.starts_like_a_journal(fd, size):
            raise JournalError(
                f"{self.path}: not a ratings journal (line 1 is not a rating record)"
            )
        if self._readonly:  # cannot (or must not) touch it: read around the torn tail
            self.torn_ignored = self.torn_ignored or end < size
            return end, unterminated
        if unterminated:
            self._terminate(fd)
            return size + 1, False
        self._set_aside(fd, end, size)
        return end, False

    def _terminate(self, fd: int) -> None:
        try:
            os.write(fd, b"\n")
            os.fsync(fd)
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot end the last line ({exc.strerror})") from exc

    # -- reading --------------------------------------------------------------------------

    def _scan(
        self,
        fd: int,
        start: int,
        end: int,
        line: int = 1,
        *,
        tokens: bool = True,
        texts: bool = True,
    ) -> Iterator[tuple[int, bytes, Rating]]:
        """(offset, line, record) per line of [start, end), strictly; `line` numbers the
        first one for error messages."""
        names: dict[str, str] = {}
        for offset, raw in scan.lines(fd, start, end):
            try:
                record = parse_line(raw) if tokens else parse_head(raw, texts, names)
            except ValueError as exc:
                raise JournalError(f"{self.path}:{line}: not a rating record ({exc})") from exc
            if tokens and not texts:
                record = replace(record, texts=("", ""))
            yield offset, raw, record
            line += 1

    def iter_records(self, *, tokens: bool = True, texts: bool = True) -> Iterator[Rating]:
        """Every record in file order, read line by line. Without `tokens` the records have
        empty token lists (what rank, stats and the session need), without `texts` empty
        texts. The journal stays locked (shared, for a reader) until the iteration ends."""
        if not self.path.exists():
            return
        with self._locked() as fd:
            end, _ = self._repair_tail(fd)
            for _, _, record in self._scan(fd, 0, end, tokens=tokens, texts=texts):
                yield record

    def records(self) -> list[Rating]:
        """Every record in file order (small journals and tests; see `iter_records`)."""
        return list(self.iter_records())

    def decided(self) -> set[frozenset[str]]:
        """Pairs (as id sets) that already have a decision, so resume can skip them."""
        follower = self._following()
        return {frozenset(key) for key in follower.pairs}

    # -- following (see rater.rating.follow) -----------------------------------------------

    def follow(self) -> list[Rating]:
        """Every record without tokens and texts, and from now on follow the file: `news`
        and `is_decided` see what other writers append."""
        self._follow = Follower()
        if self.path.exists():
            with self._locked() as fd:
                self._catch_up(fd)
        return self._follow.take()

    def history(self) -> History:
        """What the records so far tell a session (`rating.history`), and from now on follow
        the file as `follow` does. The journal's side index (`rating.journal_index`) holds
        that of its start, so only the lines appended since it was made are read (and the
        index written again); without a usable index the journal is read whole."""
        self._follow = Follower()

        def records() -> list[Rating]:
            return list(self.iter_records(tokens=False, texts=False))

        history = History(records)
        if not self.path.exists():
            return history
        with self._locked() as fd:
            end, _ = self._repair_tail(fd)
            now = journal_index.stamp(fd, end)
            found = journal_index.load(self.path, fd, now, records)
            if found is not None:
                history, self._follow = found.history, found.follower
            if found is None or found.stamp != now:
                self._catch_up(fd)
                history.add(self._follow.take())
                if not self._readonly:
                    journal_index.save(self.path, now, history, self._follow)
        return history

    def news(self) -> list[Rating]:
        """Records (without tokens and texts) other writers appended since `follow` or the
        last `news`: one `fstat` and a small read when there are none."""
        if self._follow is None:
            return self.follow()
        if self.path.exists():
            with self._locked() as fd:
                self._catch_up(fd)
        return self._follow.take()

    def is_decided(self, ids: Iterable[str]) -> bool:
        """Whether a record in the journal (as last read) decides this pair."""
        return self._following().decided(ids)

    def _following(self) -> Follower:
        if self._follow is None:
            self.follow()
        assert self._follow is not None
        return self._follow

    def _catch_up(self, fd: int) -> None:
        assert self._follow is not None
        end, _ = self._repair_tail(fd)

        def heads(fd: int, start: int, end: int, line: int) -> Iterator[tuple[int, bytes, Rating]]:
            return self._scan(fd, start, end, line, tokens=False, texts=False)

        self._follow.catch_up(fd, end, heads)

    # -- writing --------------------------------------------------------------------------

    def append(self, ratings: Sequence[Rating], *, unless_decided: bool = False) -> list[Rating]:
        """Write one decision durably; returns the records as written (with decision id).

        `unless_decided`: write nothing (and return []) when the journal, read to its end
        under the lock, already decides this pair (an automatic record another process
        may have written meanwhile)."""
        written = self.append_many([ratings], unless_decided=unless_decided)
        return written[0] if written else []

    def append_many(
        self, decisions: Sequence[Sequence[Rating]], *, unless_decided: bool = False
    ) -> list[list[Rating]]:
        """Several decisions in one write + fsync (batch auto-rating of a large corpus); with
        `unless_decided`, those whose pair is already decided are left out."""
        wanted = [with_decision(d) for d in decisions if d]
        if not wanted:
            return []
        if unless_decided and self._follow is None:
            self.follow()
        with self._locked(create=True) as fd:
            self._repair_tail(fd)  # never append after a torn line
            if self._follow is not None:
                self._catch_up(fd)
            if unless_decided:
                wanted = self._undecided(wanted)
            lines = [encode_line(r) for d in wanted for r in d]
            if lines:
                size = os.fstat(fd).st_size
                self._write(fd, b"".join(lines), size)
                if self._follow is not None:
                    self._follow.wrote(size, lines, [r for d in wanted for r in d])
        return wanted

    def _undecided(self, decisions: list[list[Rating]]) -> list[list[Rating]]:
        assert self._follow is not None
        keys = set()
        out = []
        for d in decisions:
            key = pair_key(d[0].ids)
            if key not in keys and not self._follow.decided(key):
                keys.add(key)
                out.append(d)
        return out

    def _write(self, fd: int, payload: bytes, size: int) -> None:
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

    def check_writable(self) -> None:
        """Fail now, in one line, if ratings could not be saved here (a read-only file or
        folder): a rating session checks before its screen opens, not at the first key."""
        try:
            if self.path.exists():
                os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
                return
            make_folders(self.path.parent)
            probe = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.probe")
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.unlink(probe)
        except OSError as exc:
            where = self.path if self.path.exists() else self.path.parent
            raise JournalError(
                f"{self.path}: ratings cannot be saved: {where} is not writable ({exc.strerror})"
            ) from exc

    # -- undo -----------------------------------------------------------------------------

    def _last_decision(self, fd: int, end: int) -> tuple[int, list[Rating]]:
        """(where it starts, its records) for the last decision in [0, end)."""
        try:
            lines = tail.last_decision(fd, end)
            return lines[0][0], [parse_line(raw) for _, raw in lines]
        except ValueError as exc:
            raise JournalError(f"{self.path}: {exc}") from exc

    def last_decision(self) -> list[Rating]:
        """The records of the last decision in the journal ([] if it is empty)."""
        if not self.path.exists():
            return []
        with self._locked() as fd:
            end, _ = self._repair_tail(fd)
            return self._last_decision(fd, end)[1] if end else []

    def undo(self, expect_decision: str | None = None) -> list[Rating]:
        """Remove the last decision (both lines of a tie); returns what was removed.

        Several raters may append to one journal, so a session passes the id of its own last
        decision: if someone else wrote after it, nothing is removed (JournalError). Only the
        lines of that decision are read, however long the journal.
        """
        if not self.path.exists():
            return []
        with self._locked() as fd:
            if self._readonly:
                raise JournalError(f"{self.path}: read-only, cannot undo")
            end, _ = self._repair_tail(fd)
            if not end:
                return []
            start, removed = self._last_decision(fd, end)
            last = removed[-1].extra.get("decision")
            if expect_decision is not None and last != expect_decision:
                raise JournalError(
                    f"the last decision in {self.path} is not yours (another rater wrote "
                    "after it); nothing undone"
                )
            try:
                os.ftruncate(fd, start)
                os.fsync(fd)
            except OSError as exc:
                raise JournalError(f"{self.path}: cannot undo ({exc.strerror})") from exc
            if self._follow is not None:
                self._follow.cut(fd, start)
            return removed
