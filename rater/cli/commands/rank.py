"""`rater rank`: Bradley-Terry scores with standard errors, and win rates per source.

People first: the game count and every win rate give people's decisions, with the automatic
ones (a broken sample lost) beside them (`analysis.rank.PeopleFirst`); the table's W/L/T is
people's, and `+auto` what the automatic records add. The scores use every game unless
`--drop-broken` (a broken sample belongs at the bottom)."""

from __future__ import annotations

import argparse
import csv
import os
from collections.abc import Iterator, Mapping
from typing import IO

from rater.analysis.bt import PRIOR_SD
from rater.analysis.games import GameTable
from rater.analysis.plot import ranks
from rater.analysis.plot.chart import Chart
from rater.analysis.rank import (
    PeopleFirst,
    Ranking,
    fit,
    head_to_head,
    people_counts,
    people_first,
    source_winrates,
)
from rater.cli import plotting
from rater.cli.sources import Ratings, ratings_of
from rater.core.errors import RankError
from rater.core.files import check_output, write_output
from rater.core.printable import printable
from rater.core.records import Rating
from rater.core.settings import check_option

# With model scores as prior means, the prior says how far a sample's true score strays from
# its model score: about a logit (the model's held-out accuracy of ~0.8-0.9 on the demo and
# bench tasks leaves about that much unexplained), not the 3 logits an uninformed prior needs.
MODEL_PRIOR_SD = 1.0


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    check_option("top", args.top)
    if args.csv:
        check_output(args.csv, RankError, args.ratings, "--csv", "input journal")
    plotting.check_plot_out(args, args.ratings)
    texts: dict[str, str] | None = {} if args.model else None
    # The games, held compactly (each sample's title kept once): never the records.
    games = GameTable.collect(_texts(ratings_of(args, tokens=False), texts))
    keep_broken = not args.drop_broken
    prior = model_prior(args.model, texts) if texts is not None else None
    sd = MODEL_PRIOR_SD if prior is not None else PRIOR_SD
    ranking = fit(games, prior_sd=sd, include_broken=keep_broken, prior_mean=prior)
    if args.csv:
        write_csv(ranking, args.csv)
    console = Console()
    rows = ranking.rows[: args.top]
    people, people_games = people_counts(games)
    auto = ranking.games - people_games
    table = Table(
        title=f"Bradley-Terry scores (top {len(rows)} of {len(ranking.rows)})",
        caption="W/L/T: people's decisions"
        + ("; +auto: what the automatic ones add" if auto else ""),
    )
    columns = (
        ["#", "id", "title", "score", "se", "W/L/T"] + (["+auto"] if auto else []) + ["source"]
    )
    for name in columns:
        left = name in ("id", "title", "source")
        table.add_column(
            name, justify="left" if left else "right", no_wrap=name in ("id", "score", "se")
        )
    for k, r in enumerate(rows, 1):
        w, lo, t = people.get(r.id, (0, 0, 0))
        cells: list[str | Text] = [
            str(k),
            Text(printable(r.id)),
            Text(printable(r.title)[:40]),
            f"{r.score:+.2f}",
            f"{r.se:.2f}",
            f"{w}/{lo}/{t}",
        ]
        if auto:
            cells.append(f"+{r.wins - w}/+{r.losses - lo}" if (r.wins, r.losses) != (w, lo) else "")
        source = os.path.basename(r.source) + (f"#{r.number}" if r.number else "")
        table.add_row(*cells, Text(printable(source)))
    console.print(table)
    if prior is not None:
        console.print(
            f"prior means: preference model scores from {args.model} ({len(prior)} samples)",
            highlight=False,
            markup=False,
        )
    console.print(
        f"people {people_games} games, with automatic {ranking.games} "
        f"({auto} automatic: a broken sample lost); prior sd {ranking.prior_sd:g}; "
        f"standard errors {ranking.se_method}; csv: {printable(args.csv or '-')}",
        highlight=False,
        markup=False,
    )
    rates = people_first(source_winrates, games, keep_broken)
    if rates:
        console.print("Win rates against other sources:", highlight=False)
        for row in rates:
            console.print(f"  {printable(row.sentence())}", highlight=False, markup=False)
    if args.by_source:
        console.print("Blind A/B, head to head:", highlight=False)
        for row in people_first(head_to_head, games, keep_broken):
            console.print(printable(row.sentence()), highlight=False, markup=False)
        if not rates:
            console.print("no games between samples of different sources", highlight=False)
    plotting.emit(args, lambda: charts(ranking, rates, args.top, args.by_source))
    return 0


def charts(ranking: Ranking, rates: list[PeopleFirst], top: int, by_source: bool) -> list[Chart]:
    """The top samples with their intervals; with `--by-source`, each source's best side by
    side and each source's win rate against the others."""
    if not by_source:
        return [ranks.top_chart(ranking, top)]
    title = "Win rate of each source against the others"
    return [ranks.by_source_chart(ranking, top), ranks.winrate_chart(rates, title)]


def model_prior(path: str, texts: Mapping[str, str]) -> dict[str, float]:
    """Each rated sample's preference-model score (centred), by id: the prior mean of its
    Bradley-Terry score, so a sample with few comparisons sits where the model puts it.
    Each tune is read as for `rater model score`."""
    from rater.analysis.model import modelfile
    from rater.analysis.model.features import contents
    from rater.core.records import Sample

    model = modelfile.load(path)
    f = model.features
    if not texts:
        return {}
    samples = [Sample(sid, text, "", 0, kind=f.kind) for sid, text in texts.items()]
    scores = model.score(contents(samples, f.kind))
    scores = scores - scores.mean()
    return {s.id: float(v) for s, v in zip(samples, scores, strict=True)}


def _texts(records: Ratings, texts: dict[str, str] | None) -> Iterator[Rating]:
    """The records, keeping each rated sample's text in `texts` (for `--model`) as they
    pass: the texts of a large journal would be most of what rank holds in memory."""
    for r in records:
        if texts is not None:
            for sample_id, text in zip(r.ids, r.texts, strict=True):
                if text and sample_id not in texts:
                    texts[sample_id] = text
        yield r


def write_csv(ranking: Ranking, path: str) -> None:
    def write(f: IO[str]) -> None:
        out = csv.writer(f)
        out.writerow(["id", "score", "se", "wins", "losses", "ties", "source", "number"])
        for r in ranking.rows:
            out.writerow(
                [
                    *(r.id, f"{r.score:.6f}", f"{r.se:.6f}", r.wins, r.losses, r.ties),
                    *(r.source, r.number or ""),
                ]
            )

    write_output(path, write, RankError, newline="")
