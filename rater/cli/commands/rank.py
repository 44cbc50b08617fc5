"""`rater rank`: Bradley-Terry scores with standard errors, and win rates per source."""

from __future__ import annotations

import argparse
import csv
import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import IO

from rater.analysis.bt import PRIOR_SD
from rater.analysis.rank import Ranking, fit, head_to_head, source_winrates
from rater.cli.sources import Ratings, ratings_of
from rater.core.corpus import title_of
from rater.core.errors import RankError
from rater.core.files import check_output, write_output
from rater.core.printable import printable
from rater.core.records import Rating

# With model scores as prior means, the prior says how far a sample's true score strays from
# its model score: about a logit (the model's held-out accuracy of ~0.8-0.9 on the demo and
# bench tasks leaves about that much unexplained), not the 3 logits an uninformed prior needs.
MODEL_PRIOR_SD = 1.0


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if args.csv:
        check_output(args.csv, RankError, args.ratings, "--csv", "input journal")
    titles: dict[str, str] = {}
    texts: dict[str, str] | None = {} if args.model else None
    records = ratings_of(args, tokens=False)
    ratings = list(_without_texts(records, titles, texts))
    keep_broken = not args.drop_broken
    prior = model_prior(args.model, texts) if texts is not None else None
    sd = MODEL_PRIOR_SD if prior is not None else PRIOR_SD
    ranking = fit(ratings, prior_sd=sd, include_broken=keep_broken, prior_mean=prior, titles=titles)
    if args.csv:
        write_csv(ranking, args.csv)
    console = Console()
    rows = ranking.rows[: max(0, args.top)]
    table = Table(title=f"Bradley-Terry scores (top {len(rows)} of {len(ranking.rows)})")
    for name, justify in (
        ("#", "right"),
        ("id", "left"),
        ("title", "left"),
        ("score", "right"),
        ("se", "right"),
        ("W/L/T", "right"),
        ("source", "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=name in ("id", "score", "se"))  # type: ignore[arg-type]
    for k, r in enumerate(rows, 1):
        table.add_row(
            str(k),
            Text(printable(r.id)),
            Text(printable(r.title)[:40]),
            f"{r.score:+.2f}",
            f"{r.se:.2f}",
            f"{r.wins}/{r.losses}/{r.ties}",
            Text(printable(os.path.basename(r.source) + (f"#{r.number}" if r.number else ""))),
        )
    console.print(table)
    if prior is not None:
        console.print(
            f"prior means: preference model scores from {args.model} ({len(prior)} samples)",
            highlight=False,
            markup=False,
        )
    console.print(
        f"{ranking.games} games; prior sd {ranking.prior_sd:g}; "
        f"standard errors {ranking.se_method}; csv: {printable(args.csv or '-')}",
        highlight=False,
        markup=False,
    )
    rates = source_winrates(ratings, keep_broken)
    if rates:
        console.print("Win rates against other sources:", highlight=False)
        for w in rates:
            console.print(f"  {printable(w.sentence())}", highlight=False, markup=False)
    if args.by_source:
        console.print("Blind A/B, head to head:", highlight=False)
        for w in head_to_head(ratings, keep_broken):
            console.print(printable(w.sentence()), highlight=False, markup=False)
        if not rates:
            console.print("no games between samples of different sources", highlight=False)
    return 0


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


def _without_texts(
    records: Ratings, titles: dict[str, str], texts: dict[str, str] | None = None
) -> Iterator[Rating]:
    """The records without their texts, keeping only each sample's title (and, for
    `--model`, its text in `texts`): the texts of a large journal would be most of what rank
    holds in memory."""
    for r in records:
        for sample_id, text in zip(r.ids, r.texts, strict=True):
            if text and sample_id not in titles:
                titles[sample_id] = title_of(text, first_line=True)
                if texts is not None:
                    texts[sample_id] = text
        yield replace(r, texts=("", ""))


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
