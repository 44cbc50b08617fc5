"""`rater export`: journals -> a training file (oa, trl, text); says what was left out."""

from __future__ import annotations

import argparse
import sys

from rater.export import FORMATS, ExportOptions
from rater.journal import Journal


def run(args: argparse.Namespace) -> int:
    from rater.errors import JournalError

    ratings = []
    for path in args.ratings:
        journal = Journal(path)
        if not journal.path.is_file():
            raise JournalError(f"{path}: no such ratings journal")
        ratings.extend(journal.records())
        if journal.set_aside:
            print(
                f"rater: {path}: torn last line set aside into {journal.torn_path}", file=sys.stderr
            )
    opts = ExportOptions(
        query_length=args.query_length,
        response_length=args.response_length,
        pad_token=args.pad_token,
        batch_size=args.batch_size,
        drop_broken=args.drop_broken,
        drop_ties=getattr(args, "drop_ties", False),
    )
    result = FORMATS[args.format].export(ratings, args.out, opts)
    print(
        f"{args.out}: wrote {result.written} records ({args.format}) "
        f"from {len(ratings)} in {len(args.ratings)} journal(s)"
    )
    for why, n in result.dropped.items():
        print(f"  dropped {n}: {why}")
    return 0
