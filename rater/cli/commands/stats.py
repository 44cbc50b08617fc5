"""`rater stats`: counts by outcome, broken reasons, raters, sources, agreement."""

from __future__ import annotations

import argparse

from rater.analysis.agreement import agreement_summary
from rater.analysis.stats import render, summarise
from rater.rating.reading import read_journals


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    ratings = read_journals(args.ratings, tokens=False, texts=False)
    console = Console()
    for item in render(summarise(ratings), agreement_summary(ratings)):
        console.print(item)
    return 0
