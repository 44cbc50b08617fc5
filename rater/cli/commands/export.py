"""`rater export`: journals -> a training file (oa, trl, text); says how many rows are
people's decisions and how many automatic, what was left out, what was cut, and how long
the longest pair is (both consumers lose long pairs silently)."""

from __future__ import annotations

import argparse

from rater.analysis.export import FORMATS, TRL_MAX_LENGTH, ExportResult
from rater.cli.options import export_options
from rater.cli.sources import input_names, ratings_of
from rater.core.errors import ExportError
from rater.core.files import check_output
from rater.core.settings import ExportOptions


def run(args: argparse.Namespace) -> int:
    check_output(args.out, ExportError, args.ratings, what="input journal")
    opts = export_options(args)
    ratings = ratings_of(args)  # streamed (never held whole), never modified
    result = FORMATS[args.format].export(ratings, args.out, opts)
    people = result.written - result.automatic
    print(
        f"{args.out}: people {people}, with automatic {result.written} {result.unit} written "
        f"({args.format}; automatic: a broken sample lost) from {ratings.count} records in "
        + (f"{len(args.ratings)} journal(s)" if args.ratings else input_names(args))
    )
    for why, n in result.dropped.items():
        print(f"  dropped {n}: {why}")
    for line in report(result, args.format, opts):
        print(f"  {line}")
    return 0


def report(result: ExportResult, fmt: str, opts: ExportOptions) -> list[str]:
    """Truncation counts and the longest pair, for every format."""
    if fmt == "oa":
        kept = {"keep-end": "kept their end", "keep-start": "kept their start"}
        how = kept.get(opts.long_query, "dropped")
        cut = (
            f"truncated {result.queries_truncated} of {result.written} queries "
            f"(longer than {opts.query_length} tokens; {how}), "
            f"{result.responses_truncated} of {2 * result.written} responses "
            f"(longer than {opts.response_length} tokens; kept their start)"
        )
    else:
        cut = "truncated 0 queries and 0 responses (whole texts are written)"
    longest = (
        f"longest: query {result.longest_query}, response {result.longest_response}, "
        f"query + response {result.longest_pair} GPT-2 tokens"
    )
    lines = [cut, longest]
    if fmt == "trl":
        lines.append(
            f"{result.over_trl_max_length} rows longer than TRL's default max_length "
            f"{TRL_MAX_LENGTH} with its EOS (RewardTrainer drops them; raise max_length)"
        )
    return lines
