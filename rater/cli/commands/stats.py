"""`rater stats`: counts by outcome, broken reasons, raters, sources, agreement, and the
quality of each rater's ratings (decide time, early decisions, self-agreement on hidden
re-checks); `--json` prints the same as one JSON object for scripts."""

from __future__ import annotations

import argparse
import json

from rater.analysis import quality
from rater.analysis.agreement import agreement_summary
from rater.analysis.stats import render, summarise
from rater.cli.sources import ratings_of


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    ratings = list(ratings_of(args, tokens=False, texts=False))
    stats, agreement = summarise(ratings), agreement_summary(ratings)
    raters = quality.rater_quality(ratings)
    if args.json:
        print(json.dumps(quality.report_json(stats, agreement, raters)))  # ASCII: no raw controls
        return 0
    console = Console()
    for item in [*render(stats, agreement), *quality.render(raters)]:
        console.print(item)
    return 0
