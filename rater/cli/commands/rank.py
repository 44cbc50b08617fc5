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
from typing import IO, TYPE_CHECKING

from rater.analysis.bt import MODEL_PRIOR_SD, PRIOR_SD
from rater.analysis.games import GameTable
from rater.analysis.model import modelfile
from rater.analysis.model.score import prior_means
from rater.analysis.plot import ranks
from rater.analysis.plot.chart import Chart
from rater.analysis.pooled import SourceCurve, source_curve
from rater.analysis.rank import (
    Best,
    PeopleFirst,
    Ranking,
    fit,
    head_to_head,
    people_counts,
    people_first,
    source_winrates,
)
from rater.analysis.samplesfile import write_samples
from rater.cli import plotting
from rater.cli.sources import Ratings, ratings_of
from rater.core.errors import RankError
from rater.core.files import check_output, write_output
from rater.core.printable import printable
from rater.core.records import Rating
from rater.core.settings import check_option

if TYPE_CHECKING:
    from rich.console import Console


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    check_option("top", args.top)
    check_outputs(args)
    texts: dict[str, str] | None = {} if args.model else None
    # The games, held compactly (each sample's title kept once): never the records.
    records = ratings_of(args, tokens=False)
    games = GameTable.collect(_texts(records, texts))
    keep_broken = not args.drop_broken
    prior = model_prior(args.model, texts) if texts is not None else None
    sd = MODEL_PRIOR_SD if prior is not None else PRIOR_SD
    best = args.best or 0
    ranking = fit(games, prior_sd=sd, include_broken=keep_broken, prior_mean=prior, best=best)
    if args.csv:
        write_csv(ranking, args.csv)
    written = write_best(ranking, records, args.out) if args.out else 0
    console = Console()
    rows = ranking.rows[: args.top]
    people, people_games = people_counts(games)
    auto = ranking.games - people_games
    table = Table(
        title=f"Bradley-Terry scores (top {len(rows)} of {len(ranking.rows)})",
        caption="W/L/T: people's decisions"
        + ("; +auto: what the automatic ones add" if auto else ""),
    )
    columns = ["#", "id", "title", "score", "se", "W/L/T"] + (["+auto"] if auto else [])
    columns += (["p_best"] if best else []) + ["source"]
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
        if r.p_best is not None:
            cells.append(f"{r.p_best:.2f}")
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
    if ranking.best is not None:
        console.print(best_line(ranking.best), highlight=False, markup=False)
    if args.out:
        console.print(
            f"wrote the best {written} as samples to {printable(args.out)}",
            highlight=False,
            markup=False,
        )
    rates = people_first(source_winrates, games, keep_broken)
    if rates:
        console.print("Win rates against other sources:", highlight=False)
        for row in rates:
            console.print(f"  {printable(row.sentence())}", highlight=False, markup=False)
    curve = None
    if args.by_source:
        curve = source_curve([g for g in games if keep_broken or not g.broken])
        print_curve(console, curve)
        console.print("Blind A/B, head to head:", highlight=False)
        for row in people_first(head_to_head, games, keep_broken):
            console.print(printable(row.sentence()), highlight=False, markup=False)
        if not rates:
            console.print("no games between samples of different sources", highlight=False)
    plotting.emit(args, lambda: charts(ranking, rates, args.top, curve))
    return 0


def charts(
    ranking: Ranking, rates: list[PeopleFirst], top: int, curve: SourceCurve | None
) -> list[Chart]:
    """The top samples with their intervals; with `--by-source`, the progress curve (each
    source's mean with its interval, in order), each source's best side by side and each
    source's win rate against the others."""
    if curve is None:
        return [ranks.top_chart(ranking, top)]
    title = "Win rate of each source against the others"
    return [
        ranks.progress_chart(curve),
        ranks.by_source_chart(ranking, top),
        ranks.winrate_chart(rates, title),
    ]


def model_prior(path: str, texts: Mapping[str, str]) -> dict[str, float]:
    """Each rated sample's preference-model score (centred), by id: the prior mean of its
    Bradley-Terry score (`analysis.model.score.prior_means`), each tune read as for
    `rater model score`."""
    return prior_means(modelfile.load(path), texts)


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
        best = ranking.best is not None
        head = ["id", "score", "se", "wins", "losses", "ties", "source", "number"]
        out.writerow(head + ["p_best"] * best)
        for r in ranking.rows:
            out.writerow(
                [
                    *(r.id, f"{r.score:.6f}", f"{r.se:.6f}", r.wins, r.losses, r.ties),
                    *(r.source, r.number or ""),
                    *([f"{r.p_best:.4f}"] if best and r.p_best is not None else []),
                ]
            )

    write_output(path, write, RankError, newline="")


def check_outputs(args: argparse.Namespace) -> None:
    """Before any work: each output can be written, is no input, and they differ."""
    check_option("best", args.best)
    if args.out and not args.best:
        raise RankError("--out writes the best K samples: give --best K")
    if args.csv:
        check_output(args.csv, RankError, args.ratings, "--csv", "input journal")
    if args.out:
        taken = [*args.ratings, *([args.csv] if args.csv else [])]
        check_output(args.out, RankError, taken, "--out", "input or output")
    if args.plot_out:
        taken = [*args.ratings, *(f for f in (args.csv, args.out) if f)]
        check_output(args.plot_out, RankError, taken, "--plot-out", "input or output")


def best_line(best: Best) -> str:
    how = "full covariance" if best.method == "laplace" else "marginals for the largest blocks"
    return (
        f"best {best.k}: {100 * best.sure:.0f}% sure (the expected share of the {best.k} "
        f"with the highest p_best that truly are among the best {best.k}; "
        f"{best.draws} Laplace posterior draws, {how})"
    )


def write_best(ranking: Ranking, records: Ratings, out: str) -> int:
    """The best K (highest p_best first) as a samples file, each with its id, source,
    number, score and p_best as ABC comments; the texts come from a second pass over the
    records (rank keeps only titles in memory). Returns how many were written."""
    assert ranking.best is not None
    wanted = set(ranking.best.ids)
    texts: dict[str, str] = {}
    for r in records:
        for sid, text in zip(r.ids, r.texts, strict=True):
            if sid in wanted and text and sid not in texts:
                texts[sid] = text
        if len(texts) == len(wanted):
            break
    rows = ranking.by_id()
    chosen = [sid for sid in ranking.best.ids if sid in texts]
    notes = []
    for place, sid in enumerate(chosen, 1):
        row = rows[sid]
        where = row.source + (f" #{row.number}" if row.number else "")
        notes.append(
            {
                "rank": f"{place} of the best {ranking.best.k}",
                "id": sid,
                "source": where,
                "score": f"{row.score:+.3f} (se {row.se:.3f})",
                "p_best": f"{row.p_best or 0.0:.3f}",
            }
        )
    write_samples([texts[sid] for sid in chosen], out, RankError, notes=notes)
    return len(chosen)


def print_curve(console: Console, curve: SourceCurve) -> None:
    """Each source's mean (relative to the average source) with its 95% interval, and the
    probability that it is better than the source before it."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Sources in order: hierarchical Bradley-Terry (partial pooling)")
    for name in ("source", "samples", "games", "mean", "95% interval", "P(> previous)"):
        table.add_column(name, justify="left" if name == "source" else "right")
    for row in curve.rows:
        better = "" if row.p_better is None else f"{row.p_better:.2f}"
        table.add_row(
            Text(printable(row.source)),
            str(row.samples),
            str(row.games),
            f"{row.mean:+.2f}",
            f"{row.lo:+.2f} .. {row.hi:+.2f}",
            better,
        )
    console.print(table)
    console.print(
        f"means relative to the average source; samples stray from their source's mean by "
        f"about {curve.tau:.2f} logits (sd, estimated)",
        highlight=False,
        markup=False,
    )
