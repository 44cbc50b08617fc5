"""Files that must not be tricked: a private temporary folder, and new files made safely.

Shared by the stages that write into the cache folder (render clips and entries, the BPE
merge table, the demo corpus), which may have been made by someone else. Clips go to the
render cache; when the cache cannot be written they go to a folder only this
process can use (`private_dir`: `mkdtemp`, mode 0700, a name nobody can guess), removed when
the process exits. A shared, predictable folder such as `$TMPDIR/rater-clips-<uid>` would
accept a folder someone else made and follow symlinks planted in it.

`new_file` makes every temporary file rater writes before renaming it into place: a fresh
random name opened with `O_CREAT | O_EXCL | O_NOFOLLOW` (an existing name or a planted
symlink is never opened); the caller removes it on any failure (`discard`), so a full disk
leaves no temporary files behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

from rater.core.errors import StorageError
from rater.core.files import make_folders

_LOCK = threading.Lock()
_PRIVATE: Path | None = None
_OWNER = 0  # the pid that made _PRIVATE: a forked child must not remove its parent's folder


def private_dir() -> Path:
    """This process's private clip folder, made on first use and removed at exit."""
    global _PRIVATE, _OWNER
    with _LOCK:
        if _PRIVATE is None or _OWNER != os.getpid() or not _PRIVATE.is_dir():
            try:
                _PRIVATE = Path(tempfile.mkdtemp(prefix="rater-clips-"))
            except OSError as exc:
                raise StorageError(
                    f"cannot make a private temporary folder in {tempfile.gettempdir()}: "
                    f"{exc.strerror or exc}"
                ) from None
            _OWNER = os.getpid()
            atexit.register(_remove, _PRIVATE, _OWNER)
        return _PRIVATE


def _remove(path: Path, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


def new_file(folder: str | os.PathLike[str], prefix: str, suffix: str) -> tuple[int, Path]:
    """(an open descriptor, its path) of a new file in `folder` nobody else could have made.

    `mkstemp` tries random names with O_CREAT | O_EXCL | O_NOFOLLOW, so neither an existing
    file nor a symlink planted at a name is ever opened. Mode 0600.
    """
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    return fd, Path(name)


def discard(path: Path | None) -> None:
    """Remove a temporary file after a failure; a folder that refuses (read-only) is left."""
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def write_new(dest: Path, payload: bytes) -> None:
    """`payload` into a new temporary file beside `dest`, renamed to `dest` (its folder made
    if needed); OSError when that fails, with no temporary file left."""

    make_folders(dest.parent)
    tmp: Path | None = None
    try:
        fd, tmp = new_file(dest.parent, f".{dest.name}.", ".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, dest)
        tmp = None
    finally:
        discard(tmp)
