"""Lines of an open journal file, forwards in chunks or backwards from an offset.

A journal can be hundreds of MB (tens of thousands of decisions), so nothing here reads a
whole file: forward scans hold one chunk plus the line being assembled, and the backward
steps (the tail check, undo) read only as far back as the line they look for starts.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

CHUNK = 1 << 20  # forward reads
BACK_CHUNK = 1 << 13  # backward reads: a line is a few KB
_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


def not_a_file(path: Path) -> str | None:
    """Why `path` (which exists) cannot be a journal, or None for a regular file: a FIFO
    or a device can be read only once and not seeked (`os.pread` fails)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a ratings journal"
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        return f"is {kind}, not a ratings journal (a journal is a regular .jsonl file)"
    return None


def lines(fd: int, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line without its newline) for every line in [start, end); a last line
    without a newline is yielded too. Stops early if the file shrinks meanwhile."""
    pos = start
    parts: list[bytes] = []  # pieces of a line longer than one chunk
    line_at = start
    while pos < end:
        chunk = os.pread(fd, min(CHUNK, end - pos), pos)
        if not chunk:
            break
        begin = 0
        while (nl := chunk.find(b"\n", begin)) >= 0:
            if parts:
                parts.append(chunk[begin:nl])
                yield line_at, b"".join(parts)
                parts = []
            else:
                yield line_at, chunk[begin:nl]
            begin = nl + 1
            line_at = pos + begin
        if begin < len(chunk):
            parts.append(chunk[begin:])
        pos += len(chunk)
    if parts:
        yield line_at, b"".join(parts)


def line_start(fd: int, end: int) -> int:
    """Offset just after the last newline before `end` (0 if there is none): where the
    line that ends at `end` starts."""
    stop = end
    while stop > 0:
        begin = max(0, stop - BACK_CHUNK)
        chunk = os.pread(fd, stop - begin, begin)
        nl = chunk.rfind(b"\n")
        if nl >= 0:
            return begin + nl + 1
        stop = begin
    return 0


def line_before(fd: int, end: int) -> tuple[int, bytes]:
    """(offset, line) of the whole line that ends with the newline at `end - 1`."""
    start = line_start(fd, end - 1)
    return start, os.pread(fd, end - 1 - start, start)
