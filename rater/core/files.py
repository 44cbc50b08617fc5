"""Files in folders someone else can write to: read bounded, written without being tricked.

The cache folder, a journal's folder and an output's folder may hold what someone else put
there: a symlink to a victim file, a FIFO that blocks whoever opens it, /dev/zero behind a
familiar name, a hard link to a file of someone else's. So:

- a file rater reads from its cache is read only when it is a regular file (checked before
  it is opened, and again on the open descriptor), opened without following a symlink or
  waiting on a FIFO, and only up to a size limit (`read_regular`); anything else is a miss;
- a file rater keeps open to write beside a journal (the torn-tail side file, the session's
  note of who holds a journal) is opened without following a symlink and must be a regular
  file with one link (`open_regular`);
- an output the user names (`--out`, `--csv`) must be a regular file or a new path: a
  device, a FIFO or a folder is refused in one line before anything is written, and the
  file is written to a new temporary file renamed into place (`write_output`), so a crash
  never leaves half a training file and /dev/null is never replaced by a file.

New files rater keeps (cache entries, clips) are made by `scratch.new_file` (O_EXCL,
O_NOFOLLOW, random names) and renamed into place.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from rater.core.errors import RaterError

_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
    stat.S_IFLNK: "a symlink",
}
_QUIET = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # no symlink, no wait on a FIFO


def kind(mode: int) -> str | None:
    """What a file of this mode is ("a FIFO", "a device", ...), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes | None:
    """The bytes of `path` when it is a regular file (not a symlink, FIFO or device) of at
    most `limit` bytes; None for anything else, or when it cannot be read (a cache miss)."""
    try:
        if kind(os.lstat(path).st_mode) is not None:
            return None
        fd = os.open(path, os.O_RDONLY | _QUIET)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if kind(st.st_mode) is not None or st.st_size > limit:
            return None
        chunks, left = [], limit + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def open_regular(path: str | os.PathLike[str], flags: int, mode: int = 0o644) -> int:
    """`os.open(path, flags)` that never follows a symlink or waits on a FIFO, and returns a
    descriptor only of a regular file with one link (a hard link planted at the name would
    make rater write into someone else's file); OSError otherwise."""
    try:
        fd = os.open(path, flags | _QUIET, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "a symlink, not a file rater made", str(path)) from None
        raise
    st = os.fstat(fd)
    if kind(st.st_mode) is not None or st.st_nlink != 1:
        os.close(fd)
        what = kind(st.st_mode) or "a file with another name (a hard link)"
        raise OSError(errno.EPERM, f"{what}, not a file rater made", str(path))
    return fd


def make_folders(path: str | os.PathLike[str]) -> None:
    """`mkdir -p` without recursion: `Path.mkdir(parents=True)` and `os.makedirs` call
    themselves once per missing folder, and 1,500 missing folders raise RecursionError.
    OSError as they raise it (a file in the way: FileExistsError)."""
    folder = Path(path)
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    if not missing and not folder.is_dir():
        raise FileExistsError(errno.EEXIST, "File exists", str(folder))
    for folder in reversed(missing):  # under a file: NotADirectoryError, as mkdir says
        try:
            folder.mkdir()
        except FileExistsError:
            if not folder.is_dir():
                raise


def walk(root: str | os.PathLike[str]) -> Iterator[Path]:
    """Every path under `root` (as `Path.rglob("*")` gives them, symlinked folders not
    entered), without recursion, so a folder 1,500 levels deep is read like any other."""
    stack = [Path(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                found = list(entries)
        except OSError:
            continue
        for entry in found:
            yield Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))


def output_problem(out: str | os.PathLike[str]) -> str | None:
    """Why `out` cannot be written as an output (a device, a FIFO, a folder, a symlink to
    nothing), or None when it is a regular file, a symlink to one, or a new path."""
    if str(out).endswith(("/", os.sep)):
        return "is a directory; the output must name a file in it"
    try:
        st = os.stat(out)
    except FileNotFoundError:
        return "is a symlink to nothing, not a file" if os.path.islink(out) else None
    except OSError:
        return None  # the write itself says why (a missing folder, no permission)
    what = kind(st.st_mode)
    if what == "a directory":
        return "is a directory; the output must name a file in it"
    return None if what is None else f"is {what}, not a file"


def check_output(
    out: str | os.PathLike[str],
    error: type[RaterError],
    inputs: Sequence[str | os.PathLike[str]] = (),
    option: str = "--out",
    what: str = "input",
) -> None:
    """`error` in one line when `out` cannot be an output (see `output_problem`) or is one
    of the command's `inputs` (writing it would destroy what is being read). Called by the
    commands before their work, so a bad output costs nothing."""
    clash = overwrites_input(out, inputs)
    if clash is not None:
        raise error(f"{out}: {option} is the {what} {clash}; choose another file")
    why = output_problem(out)
    if why is not None:
        raise error(f"{out}: {why}")


def overwrites_input(
    out: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]]
) -> str | None:
    """The input that `out` names (same file, through links or `..`), else None."""
    target = Path(out)
    for p in inputs:
        src = Path(p)
        try:
            if target.exists() and src.exists() and os.path.samefile(target, src):
                return str(p)
        except OSError:
            pass
        if target.resolve() == src.resolve():
            return str(p)
    return None


def write_output(
    out: str | os.PathLike[str],
    write: Callable[[IO[str]], object],
    error: type[RaterError],
    newline: str = "\n",
) -> None:
    """Write an output file through a new temporary file beside it, fsync'd and renamed into
    place; `out` must be a regular file (a symlink to one is written through) or a new path.
    Any failure is `error` naming the file, with no temporary file left."""
    check_output(out, error)
    path = Path(os.path.realpath(out))
    try:
        make_folders(path.parent)
        fd, tmp = _create_temp(path)
    except OSError as exc:
        raise error(f"{out}: cannot write ({exc.strerror or exc})") from exc
    try:
        # backslashreplace: a file name that was not UTF-8 (a lone surrogate) is written as
        # its escape, as journals write it, rather than failing the whole file
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline=newline) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        check_output(path, error)  # still a file (or nothing) just before the rename
        os.replace(tmp, path)
    except OSError as exc:
        raise error(f"{out}: cannot write ({exc.strerror or exc})") from exc
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new file beside `path` with the mode the umask gives (0644 under umask 022), as
    open() would create it. mkstemp's 0600 would survive the rename, and a trainer running
    as another user, or in a container, could not read the export."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")
