"""`rater check`: the verdict for every sample, as a table or as JSON lines for scripts.

The table is one line per sample at any width, so it can be read piped into a pager or a
file at 80 columns: id, verdict and source keep their width, the title and the first words of
why share what is left, and anything cut ends in `…`. `--json` has every field in full.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size

from rater.audio.pipeline import judge_all
from rater.cli.options import render_and_checks, warn
from rater.core.corpus import read_samples
from rater.core.printable import json_text, printable
from rater.core.records import Judged

ID_WIDTH = 16
MAX_VERDICT = 40  # a few reasons; all of them are in --json
MAX_SOURCE = 40
MAX_TITLE = 40
MIN_WHY = 20
GAP = 2
FLOORS = {"verdict": 12, "source": 10, "title": 5}  # "unrenderable"; a short name + "#123"


def run(args: argparse.Namespace) -> int:

    render_settings, check_settings = render_and_checks(args, args.kind)  # checked first
    samples = read_samples(args.samples, kind=args.kind, text_field=args.text_field)
    judged = judge_all(samples, render_settings, check_settings, warn=warn)
    if args.json:
        for j in judged:
            line = {
                "id": j.sample.id,
                "ok": j.verdict.ok,
                "reasons": list(j.verdict.reasons),
                "details": list(j.verdict.details),
                "notes": list(j.verdict.notes),
                "source": j.sample.source,
                "number": j.sample.number,
                "title": j.sample.title,
            }
            sys.stdout.write(json_text(line) + "\n")
        return 0
    _table(judged)
    return 0


class Row(NamedTuple):
    id: str
    verdict: str
    source: str
    title: str
    why: str


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


def _table(judged: list[Judged]) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    rows = [_row(j) for j in judged]
    reasons: Counter[str] = Counter(r for j in judged for r in j.verdict.reasons)
    if rows:
        heads = Row("id", "verdict", "source", "title", "why")
        w = widths([heads, *rows], console.width)
        console.print(Text(line(heads, w), style="bold"), no_wrap=True, crop=True)
        start = w.id + GAP
        for row in rows:
            text = Text(line(row, w))
            text.stylize("green" if row.verdict == "ok" else "red", start, start + w.verdict)
            console.print(text, no_wrap=True, crop=True)
    ok = sum(1 for j in judged if j.verdict.ok)
    summary = ", ".join(f"{r} {n}" for r, n in reasons.most_common())
    console.print(
        Text(
            f"{len(judged)} samples: {ok} ok, {len(judged) - ok} broken"
            + (f" ({printable(summary)})" if summary else "")
            + "; --json gives every field in full"
        )
    )
