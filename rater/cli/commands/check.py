"""`rater check`: the verdict for every sample, as a table or as JSON lines for scripts."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

from rater.core.printable import json_text, printable
from rater.core.records import Judged


def run(args: argparse.Namespace) -> int:
    from rater.audio.pipeline import judge_all
    from rater.cli.options import render_and_checks, warn
    from rater.core.corpus import read_samples

    render_settings, check_settings = render_and_checks(args, args.kind)  # checked first
    samples = read_samples(args.samples, kind=args.kind)
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
                "index": j.sample.index,
                "title": j.sample.title,
            }
            sys.stdout.write(json_text(line) + "\n")
        return 0
    _table(judged)
    return 0


def _table(judged: list[Judged]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False)
    for name in ("verdict", "id", "title", "source"):
        table.add_column(name, no_wrap=True)
    table.add_column("why", overflow="fold")
    reasons: Counter[str] = Counter()
    for j in judged:
        v = j.verdict
        reasons.update(v.reasons)
        verdict = Text("ok", "green") if v.ok else Text(printable(", ".join(v.reasons)), "red")
        source = f"{os.path.basename(j.sample.source)}#{j.sample.index + 1}"
        table.add_row(
            verdict,
            j.sample.id,
            Text(printable(j.sample.title) or "-"),
            Text(printable(source)),
            Text(printable("; ".join(v.details + tuple(f"note: {n}" for n in v.notes)))),
        )
    console = Console(highlight=False)
    console.print(table)
    ok = sum(1 for j in judged if j.verdict.ok)
    summary = ", ".join(f"{r} {n}" for r, n in reasons.most_common())
    console.print(
        Text(
            f"{len(judged)} samples: {ok} ok, {len(judged) - ok} broken"
            + (f" ({printable(summary)})" if summary else "")
        )
    )
