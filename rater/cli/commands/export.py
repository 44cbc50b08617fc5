"""`rater export`: journals -> a training file (oa, trl, text); says what was left out."""

from __future__ import annotations

import argparse

from rater.analysis.export import FORMATS, overwrites_input
from rater.cli.options import export_options
from rater.core.errors import ExportError
from rater.rating.journal import read_journals


def run(args: argparse.Namespace) -> int:
    clash = overwrites_input(args.out, args.ratings)
    if clash is not None:
        raise ExportError(f"{args.out}: --out is the input journal {clash}; choose another file")
    ratings = read_journals(args.ratings)  # readers never modify a journal
    result = FORMATS[args.format].export(ratings, args.out, export_options(args))
    print(
        f"{args.out}: wrote {result.written} {result.unit} ({args.format}) "
        f"from {len(ratings)} records in {len(args.ratings)} journal(s)"
    )
    for why, n in result.dropped.items():
        print(f"  dropped {n}: {why}")
    return 0
