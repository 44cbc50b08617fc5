"""`rater ab-report`: the blind A/B verdict, which source won how often, with 95% CIs:
people's decisions first, the same with the automatic ones beside them."""

from __future__ import annotations

import argparse

from rater.analysis.games import GameTable
from rater.analysis.plot.ranks import winrate_chart
from rater.analysis.rank import head_to_head, people_first, source_winrates
from rater.cli import plotting
from rater.cli.sources import input_names, ratings_of
from rater.core.errors import RankError
from rater.core.printable import printable

PLOT_TITLE = "Blind A/B: each generator's win rate against the others"


def run(args: argparse.Namespace) -> int:
    plotting.check_plot_out(args, args.ratings)
    keep_broken = not args.drop_broken
    games = GameTable.collect(ratings_of(args, tokens=False, texts=False), keep_broken)
    if not len(games):
        raise RankError("no usable rating records in " + input_names(args))
    rows = people_first(head_to_head, games, keep_broken)
    if not rows:
        raise RankError("no record compares samples from two different sources")
    for w in rows:
        print(printable(w.sentence()))
    plotting.emit(
        args,
        lambda: [winrate_chart(people_first(source_winrates, games, keep_broken), PLOT_TITLE)],
    )
    return 0
