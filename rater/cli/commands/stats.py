"""`rater stats`: counts by outcome, broken reasons, raters, sources, agreement, and the
quality of each rater's ratings (decide time, early decisions, self-agreement on hidden
re-checks); `--json` prints the same as one JSON object for scripts; `--plot` draws the
pace, decide times, seconds heard and each rater's self-agreement."""

from __future__ import annotations

import argparse
import json

from rater.analysis import quality
from rater.analysis.agreement import agreement_summary
from rater.analysis.plot import sessions
from rater.analysis.plot.chart import Chart
from rater.analysis.stats import render, summarise
from rater.analysis.timeline import Timeline, timeline
from rater.cli import plotting
from rater.cli.sources import ratings_of
from rater.core.errors import PlotError


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    if args.json and args.plot:
        raise PlotError("--plot draws for a person and --json is for scripts: use --plot-out FILE")
    plotting.check_plot_out(args, args.ratings)
    ratings = list(ratings_of(args, tokens=False, texts=False))
    stats, agreement = summarise(ratings), agreement_summary(ratings)
    raters = quality.rater_quality(ratings)
    if args.json:
        print(json.dumps(quality.report_json(stats, agreement, raters)))  # ASCII: no raw controls
    else:
        console = Console()
        for item in [*render(stats, agreement), *quality.render(raters)]:
            console.print(item)
    plotting.emit(args, lambda: charts(timeline(ratings), raters))
    return 0


def charts(series: Timeline, raters: list[quality.RaterQuality]) -> list[Chart]:
    return [
        sessions.pace_chart(series.times),
        sessions.decide_chart(series.decide_seconds),
        sessions.heard_chart(series.heard),
        sessions.agreement_chart(raters),
    ]
