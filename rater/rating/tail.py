"""The end of a journal file: where its complete records end, and its last decision.

A crash mid-write can only tear the *last* line (or leave half of a tie), so everything
`Journal` needs to know to repair or undo is found by reading backwards from the end, as far
as one decision reaches, never by reading the file: `u` on a 200 MB journal reads a few KB.
"""

from __future__ import annotations

import os

from rater.rating import scan
from rater.rating.lines import RECORD_START, parse_head


def complete(fd: int, size: int) -> tuple[int, bool]:
    """(where the complete records end, whether the last of them lacks its newline)."""
    if not size:
        return 0, False
    if os.pread(fd, 1, size - 1) == b"\n":
        return complete_end(fd, size), False
    start = scan.line_start(fd, size)
    try:
        parse_head(os.pread(fd, size - start, start))
    except ValueError:
        return (complete_end(fd, start) if start else 0), False
    # A write cut right before its newline still holds a whole record.
    end = complete_end(fd, size, terminated=False)
    return end, end == size


def complete_end(fd: int, end: int, terminated: bool = True) -> int:
    """Where the complete records end, given that [0, end) holds whole lines (the last one
    without its newline when not `terminated`)."""
    start = scan.line_start(fd, end - 1 if terminated else end)
    try:
        last = parse_head(os.pread(fd, end - start, start))
    except ValueError:
        # A torn write never ends in a newline, so a complete but invalid last line was not
        # torn by us: leave it for the strict reader to report, never move it.
        return end
    # A large multi-line decision (a tie) can be cut between its lines; half a tie would
    # read as a plain win, so the incomplete group goes to the side file as well.
    want = int(last.extra.get("decision_lines", 1))
    have = 1
    while have < want and start > 0:
        prev, raw = scan.line_before(fd, start)
        try:
            r = parse_head(raw)
        except ValueError:
            break
        if r.extra.get("decision") != last.extra.get("decision"):
            break
        start, have = prev, have + 1
    return end if have >= want else start


def starts_like_a_journal(fd: int, size: int) -> bool:
    """Line 1 is a rating record, or the only line is a prefix of one (the very first write,
    torn): only then may a "torn tail" be cut off. Cutting one off a tune file or a binary
    someone passed by mistake would destroy it."""
    _, first = next(scan.lines(fd, 0, size), (0, b""))
    terminated = len(first) < size
    try:
        parse_head(first)
        return True
    except ValueError:
        pass
    head = first[:64].replace(b" ", b"")[: len(RECORD_START)]
    return not terminated and RECORD_START.startswith(head)


def last_decision(fd: int, end: int) -> list[tuple[int, bytes]]:
    """(offset, line) of the lines of the last decision in [0, end), in file order: read
    backwards, line by line, while they share its decision id (a line without one is a
    decision of its own). ValueError (with the offset) if a line is not a record."""
    start, raw = scan.line_before(fd, end)
    lines = [(start, raw)]
    decision = _decision(raw, start)
    while decision is not None and start > 0:
        prev, raw = scan.line_before(fd, start)
        if _decision(raw, prev) != decision:
            break
        start = prev
        lines.append((start, raw))
    return lines[::-1]


def _decision(raw: bytes, offset: int) -> str | None:
    try:
        return parse_head(raw).extra.get("decision")
    except ValueError as exc:
        raise ValueError(f"byte {offset}: not a rating record ({exc})") from exc
