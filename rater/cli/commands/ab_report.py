"""`rater ab-report`: the blind A/B verdict, which source won how often, with 95% CIs."""

from __future__ import annotations

import argparse

from rater.analysis.rank import games, head_to_head
from rater.cli.sources import input_names, ratings_of
from rater.core.errors import RankError
from rater.core.printable import printable


def run(args: argparse.Namespace) -> int:
    ratings = list(ratings_of(args, tokens=False, texts=False))
    keep_broken = not args.drop_broken
    if not games(ratings, keep_broken):
        raise RankError("no usable rating records in " + input_names(args))
    rows = head_to_head(ratings, keep_broken)
    if not rows:
        raise RankError("no record compares samples from two different sources")
    for w in rows:
        print(printable(w.sentence()))
    return 0
