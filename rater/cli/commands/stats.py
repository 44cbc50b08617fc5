"""`rater stats`: counts by outcome, broken reasons, raters, sources, agreement, and the
quality of each rater's ratings (decide time, early decisions, self-agreement on hidden
re-checks); `--json` prints the same as one JSON object for scripts; `--plot` draws the
pace, decide times, seconds heard and each rater's self-agreement."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator

from rater.analysis import quality
from rater.analysis.agreement import agreement_summary
from rater.analysis.games import GameTable
from rater.analysis.plot import sessions
from rater.analysis.plot.chart import Chart
from rater.analysis.stats import Summary, tables
from rater.analysis.timeline import Timeline
from rater.cli import plotting
from rater.cli.sources import ratings_of
from rater.core.errors import PlotError
from rater.core.records import Rating
from rater.core.rules import iter_decisions


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    if args.json and args.plot:
        raise PlotError("--plot draws for a person and --json is for scripts: use --plot-out FILE")
    plotting.check_plot_out(args, args.ratings)
    # One pass over the records, each decision handed to every tally as it is read: nothing
    # is held per record but a few numbers (a journal of hundreds of MB stays well under
    # twice its size in memory; bench/journal_scale.py --small). The charts' series (three
    # numbers per person's decision) only when charts are asked for.
    summary, tally = Summary(), quality.QualityTally()
    series = Timeline()
    plot = plotting.wanted(args)

    def tapped(records: Iterable[Rating]) -> Iterator[Rating]:
        for decision in iter_decisions(records):
            summary.add(decision)
            tally.add(decision)
            if plot:
                series.add(decision)
            yield from decision

    games = GameTable.collect(tapped(ratings_of(args, tokens=False, texts=False)))
    stats, agreement, raters = summary.result(), agreement_summary(games), tally.result()
    if args.json:
        print(json.dumps(quality.report_json(stats, agreement, raters)))  # ASCII: no raw controls
    else:
        console = Console()
        for item in [*tables(stats, agreement), *quality.tables(raters)]:
            console.print(item)
    plotting.emit(args, lambda: charts(series, raters))
    return 0


def charts(series: Timeline, raters: list[quality.RaterQuality]) -> list[Chart]:
    return [
        sessions.pace_chart(series.times),
        sessions.decide_chart(series.decide_seconds),
        sessions.heard_chart(series.heard),
        sessions.agreement_chart(raters),
    ]
