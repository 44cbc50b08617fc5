"""One live rating session per (journal, rater).

The default rater name is the login name, so the same person opening a second window on the
same corpus would rate every pair a second time, under the same name, sometimes the other
way round (14 of 24 pairs in one try), and every export would train on both. A session
therefore holds a lock for as long as it runs; a second session of the same rater on the
same journal stops before its screen opens, with one line naming the process that holds it.
Different raters share a journal freely (each follows what the others append:
`rating.follow`).

The lock is on the journal file itself, not on a name: an open-file-description lock
(`F_OFD_SETLK`) on one byte far past the end of the journal, at an offset chosen by the
rater's name. However the journal is named - a relative path, `..`, a symlink, a hard link
in another folder - it is the same file, so it is the same lock; and the kernel releases it
when its process dies, however it dies. It does not meet the short `flock`s appends take.

Beside the journal (the file a symlink points to) a small note `.rater.<hash>.lock`, keyed by
the journal's device, inode and the rater, holds the holder's pid, host and start time for
that message; it is made without following a symlink (a name planted there is left alone)
and removed when the session ends. Opening the journal is also the first write into its
folder, so a read-only folder is found here, before the screen, not at the first key.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import socket
import struct
from datetime import datetime
from pathlib import Path

from rater.core.errors import JournalError
from rater.core.files import open_regular, read_regular
from rater.core.jsonread import loads
from rater.core.printable import printable

_BASE = 1 << 62  # lock offsets start here: far past the end of any journal
_NOTE_BYTES = 4096


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _flock(kind: int, offset: int) -> bytes:
    """A `struct flock` for one byte at `offset` (l_pid 0, as OFD locks require)."""
    return struct.pack("hhqqi4x", kind, os.SEEK_SET, offset, 1, 0)


class SessionLock:
    """Held from `acquire` to `release` (or the end of the process)."""

    def __init__(self, journal: str | os.PathLike[str], rater: str) -> None:
        self.journal = Path(journal)
        self.rater = rater
        self.path: Path | None = None  # the note naming the holder, once known
        self._fd: int | None = None  # the journal, holding the lock
        self._note: int | None = None

    def acquire(self) -> SessionLock:
        """Take the lock, or raise JournalError naming the session that has it."""
        if self._fd is not None:
            return self
        try:
            fd = os.open(self.journal, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise JournalError(
                f"{self.journal}: cannot start a rating session: cannot write in "
                f"{self.journal.parent} ({exc.strerror})"
            ) from exc
        st = os.fstat(fd)
        key = f"{st.st_dev}:{st.st_ino}:{self.rater}"
        offset = _BASE + int(_digest(key)[:10], 16)
        self.path = self.journal.resolve().with_name(f".rater.{_digest(key)[:16]}.lock")
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(fcntl.F_WRLCK, offset))
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise JournalError(f"{self.journal}: cannot lock ({exc.strerror})") from exc
            raise JournalError(self._busy(_read(self.path))) from None
        self._fd = fd
        self._note = _write(self.path, self.rater)
        return self

    def _busy(self, holder: dict[str, object]) -> str:
        who = ""
        if holder.get("pid"):
            host, since = holder.get("host", "?"), holder.get("since", "?")
            who = f" (pid {holder['pid']} on {host}, since {since})"
        return printable(
            f"{self.journal}: rater {self.rater!r} already has a rating session open on this "
            f"journal{who}; finish that one first, or rate under another name with --rater"
        )

    def release(self) -> None:
        if self._fd is None:
            return
        if self._note is not None and self.path is not None:
            try:
                if os.lstat(self.path).st_ino == os.fstat(self._note).st_ino:
                    os.unlink(self.path)  # ours: nobody else's file is ever removed
            except OSError:
                pass  # gone, or a read-only folder by now: only the note is left
            os.close(self._note)
            self._note = None
        os.close(self._fd)  # releases the lock
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _write(path: Path, rater: str) -> int | None:
    """The holder's note (best effort: the lock holds without it, only the message naming
    the holder is poorer); its descriptor, or None when it could not be made."""
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now().isoformat(timespec="seconds"),
        "rater": rater,
    }
    try:
        fd = open_regular(path, os.O_RDWR | os.O_CREAT)
    except OSError:
        return None  # a symlink or a hard link planted at the name: left alone
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
    except OSError:
        pass
    return fd


def _read(path: Path) -> dict[str, object]:

    data = read_regular(path, _NOTE_BYTES)
    try:
        info = loads(data) if data else {}
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}
