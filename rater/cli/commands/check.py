"""`rater check`: the verdict for every sample, as a table or as JSON lines for scripts.

The table is one line per sample at any width, so it can be read piped into a pager or a
file at 80 columns: id, verdict and source keep their width, the title and the first words of
why share what is left, and anything cut ends in `…`. `--json` has every field in full.

Rows are printed as the verdicts come (each sample read once, no audio:
`rater.audio.reading`), in input order, and nothing is kept of a sample once its row is
out, so a million samples take minutes and flat memory. The columns are sized on the first
`SIZING_ROWS` rows. When the rows go to a file or a pipe, or with `--json`, a progress line
with the rate goes to the terminal on stderr.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size

from rater.audio.pipeline import judge_stream
from rater.cli.options import render_and_checks, warn
from rater.cli.progress import Rate
from rater.core.corpus import iter_samples
from rater.core.printable import json_text, printable
from rater.core.records import Judged

ID_WIDTH = 16
MAX_VERDICT = 40  # a few reasons; all of them are in --json
MAX_SOURCE = 40
MAX_TITLE = 40
MIN_WHY = 20
GAP = 2
FLOORS = {"verdict": 12, "source": 10, "title": 5}  # "unrenderable"; a short name + "#123"
SIZING_ROWS = 200  # rows that size the table's columns (the rest are cut to them)
SIZING_SECONDS = 1.0  # ... or as many as came in this long


def run(args: argparse.Namespace) -> int:
    render_settings, check_settings = render_and_checks(args, args.kind)  # checked first
    samples = iter_samples(args.samples, kind=args.kind, text_field=args.text_field)
    judged = judge_stream(samples, render_settings, check_settings, warn=warn)
    with Rate("checked", shown=args.json or not sys.stdout.isatty()) as rate:
        counted = rate.count(judged)
        if args.json:
            for j in counted:
                sys.stdout.write(json_text(_fields(j)) + "\n")
            return 0
        _table(counted)
    return 0


def _fields(j: Judged) -> dict[str, object]:
    """One sample's line of `--json`: everything in full."""
    return {
        "id": j.sample.id,
        "ok": j.verdict.ok,
        "reasons": list(j.verdict.reasons),
        "details": list(j.verdict.details),
        "notes": list(j.verdict.notes),
        "source": j.sample.source,
        "number": j.sample.number,
        "title": j.sample.title,
    }


class Row(NamedTuple):
    id: str
    verdict: str
    source: str
    title: str
    why: str


HEADS = Row("id", "verdict", "source", "title", "why")


def _row(j: Judged) -> Row:
    v = j.verdict
    why = "; ".join(v.details + tuple(f"note: {n}" for n in v.notes))
    return Row(
        id=j.sample.id,
        verdict="ok" if v.ok else ", ".join(v.reasons),
        source=f"{os.path.basename(j.sample.source)}#{j.sample.number}",
        title=j.sample.title or "-",
        why=why,
    )


def cut(text: str, width: int, keep_end: int = 0) -> str:
    """`text` on one line in exactly `width` terminal cells, cut with `…` when longer (before
    its last `keep_end` characters, so a source keeps its `#number`)."""
    text = " ".join(printable(text).split())
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    tail = text[-keep_end:] if 0 < keep_end < width - 1 else ""
    return set_cell_size(text, width - 1 - cell_len(tail)) + "…" + tail


class Widths(NamedTuple):
    id: int
    verdict: int
    source: int
    title: int
    why: int


def widths(rows: list[Row], total: int) -> Widths:
    """Column widths that fit `total` columns. Each column asks for what its longest cell
    needs (up to a cap); while they do not fit beside `MIN_WHY` columns of why, the widest
    of verdict, source and title gives up a column (down to its floor); why gets the rest."""
    want = {
        "verdict": min(max(cell_len(r.verdict) for r in rows), MAX_VERDICT),
        "source": min(max(cell_len(printable(r.source)) for r in rows), MAX_SOURCE),
        "title": min(max(cell_len(printable(r.title)) for r in rows), MAX_TITLE),
    }
    room = total - ID_WIDTH - 4 * GAP
    while sum(want.values()) + MIN_WHY > room:
        shrinkable = [k for k in want if want[k] > FLOORS[k]]
        if not shrinkable:
            break
        want[max(shrinkable, key=lambda k: want[k])] -= 1
    why = max(room - sum(want.values()), 1)
    return Widths(ID_WIDTH, want["verdict"], want["source"], want["title"], why)


def line(row: Row, w: Widths) -> str:
    """One table line: every cell cut to its width (the source keeps its `#number`)."""
    number = len(row.source) - row.source.rfind("#")
    cells = [
        cut(row.id, w.id),
        cut(row.verdict, w.verdict),
        cut(row.source, w.source, keep_end=number),
        cut(row.title, w.title),
        cut(row.why, w.why),
    ]
    return (" " * GAP).join(cells).rstrip()


def _table(judged: Iterable[Judged]) -> None:
    """The table, row by row as verdicts come (columns sized on the first rows), then the
    summary."""
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    reasons: Counter[str] = Counter()
    total = ok = 0
    stream = iter(judged)
    first = _first(stream)
    w = widths([HEADS, *map(_row, first)], console.width)
    if first:
        console.print(Text(line(HEADS, w), style="bold"), no_wrap=True, crop=True)
    start = w.id + GAP
    for j in itertools.chain(first, stream):
        total += 1
        ok += j.verdict.ok
        reasons.update(j.verdict.reasons)
        row = _row(j)
        text = Text(line(row, w))
        text.stylize("green" if row.verdict == "ok" else "red", start, start + w.verdict)
        console.print(text, no_wrap=True, crop=True)
    summary = ", ".join(f"{r} {n}" for r, n in reasons.most_common())
    console.print(
        Text(
            f"{total} samples: {ok} ok, {total - ok} broken"
            + (f" ({printable(summary)})" if summary else "")
            + "; --json gives every field in full"
        )
    )


def _first(stream: Iterator[Judged]) -> list[Judged]:
    """The rows that size the columns: up to `SIZING_ROWS`, or those that came within
    `SIZING_SECONDS`."""
    first: list[Judged] = []
    start = time.monotonic()
    for j in stream:
        first.append(j)
        if len(first) >= SIZING_ROWS or time.monotonic() - start > SIZING_SECONDS:
            break
    return first
