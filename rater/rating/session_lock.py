"""One live rating session per (journal, rater).

The default rater name is the login name, so the same person opening a second window on the
same corpus would rate every pair a second time, under the same name, sometimes the other
way round (14 of 24 pairs in one try), and every export would train on both. A session
therefore holds an exclusive `flock` on a small lock file beside the journal for as long as
it runs; a second session of the same rater on the same journal stops before its screen
opens, with one line naming the process that holds it. Different raters share a journal
freely (each follows what the others append: `rating.follow`).

The lock file (`.<journal name>.<hash of the rater name>.lock`) holds the holder's pid, host
and start time for that message, and is removed when the session ends. The kernel releases
the lock when its process dies, however it dies, so a crash never leaves the journal locked.
Creating it is also the first write into the journal's folder, so a read-only folder is found
here, before the screen, not at the first key.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import socket
from datetime import datetime
from pathlib import Path

from rater.core.errors import JournalError
from rater.core.printable import printable


def lock_path(journal: Path, rater: str) -> Path:
    digest = hashlib.sha256(rater.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return journal.with_name(f".{journal.name}.{digest}.lock")


class SessionLock:
    """Held from `acquire` to `release` (or the end of the process)."""

    def __init__(self, journal: str | os.PathLike[str], rater: str) -> None:
        self.journal = Path(journal)
        self.rater = rater
        # by the file it names, so a symlink or another spelling of the path is the same lock
        self.path = lock_path(self.journal.resolve(), rater)
        self._fd: int | None = None

    def acquire(self) -> SessionLock:
        """Take the lock, or raise JournalError naming the session that has it."""
        while self._fd is None:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise JournalError(
                    f"{self.journal}: cannot start a rating session: cannot write in "
                    f"{self.path.parent} ({exc.strerror})"
                ) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read(fd)
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise JournalError(f"{self.path}: cannot lock ({exc.strerror})") from exc
                raise JournalError(self._busy(holder)) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # its holder removed it as we opened it: take the new one
                os.close(fd)
                continue
            self._fd = fd
            _write(fd, self.rater)
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
        try:
            os.unlink(self.path)  # while still holding it: a waiting opener retries
        except OSError:
            pass  # a read-only folder by now, say: the lock goes with the process anyway
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _write(fd: int, rater: str) -> None:
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now().isoformat(timespec="seconds"),
        "rater": rater,
    }
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
    except OSError:
        pass  # the lock holds without it; only the message naming the holder is poorer


def _read(fd: int) -> dict[str, object]:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
