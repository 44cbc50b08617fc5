"""`rater rank`: Bradley-Terry scores with standard errors, and win rates per source."""

from __future__ import annotations

import argparse
import csv
import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import IO, TYPE_CHECKING

from rater.analysis.bt import MODEL_PRIOR_SD, PRIOR_SD
from rater.analysis.pooled import SourceCurve, source_curve
from rater.analysis.rank import Best, Ranking, fit, games, head_to_head, source_winrates
from rater.analysis.samplesfile import write_samples
from rater.cli.sources import Ratings, ratings_of
from rater.core.corpus import title_of
from rater.core.errors import RankError
from rater.core.files import check_output, write_output
from rater.core.printable import printable
from rater.core.records import Rating

if TYPE_CHECKING:
    from rich.console import Console


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    check_outputs(args)
    titles: dict[str, str] = {}
    texts: dict[str, str] | None = {} if args.model else None
    records = ratings_of(args, tokens=False)
    ratings = list(_without_texts(records, titles, texts))
    keep_broken = not args.drop_broken
    prior = model_prior(args.model, texts) if texts is not None else None
    sd = MODEL_PRIOR_SD if prior is not None else PRIOR_SD
    ranking = fit(
        ratings,
        prior_sd=sd,
        include_broken=keep_broken,
        prior_mean=prior,
        titles=titles,
        best=args.best or 0,
    )
    if args.csv:
        write_csv(ranking, args.csv)
    written = write_best(ranking, records, args.out) if args.out else 0
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
        *((("p_best", "right"),) if args.best else ()),
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
            *((f"{r.p_best:.2f}",) if r.p_best is not None else ()),
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
    if ranking.best is not None:
        console.print(best_line(ranking.best), highlight=False, markup=False)
    if args.out:
        console.print(
            f"wrote the best {written} as samples to {printable(args.out)}",
            highlight=False,
            markup=False,
        )
    rates = source_winrates(ratings, keep_broken)
    if rates:
        console.print("Win rates against other sources:", highlight=False)
        for w in rates:
            console.print(f"  {printable(w.sentence())}", highlight=False, markup=False)
    if args.by_source:
        print_curve(console, source_curve(games(ratings, keep_broken)))
        console.print("Blind A/B, head to head:", highlight=False)
        for w in head_to_head(ratings, keep_broken):
            console.print(printable(w.sentence()), highlight=False, markup=False)
        if not rates:
            console.print("no games between samples of different sources", highlight=False)
    return 0


def model_prior(path: str, texts: Mapping[str, str]) -> dict[str, float]:
    """Each rated sample's preference-model score (centred), by id: the prior mean of its
    Bradley-Terry score, so a sample with few comparisons sits where the model puts it.
    Notes come from the render cache (or a parse), as for `rater model score`."""
    from rater.analysis.model import modelfile
    from rater.analysis.model.features import contents
    from rater.audio.notes import clip_notes
    from rater.core.records import Sample
    from rater.core.settings import NoteSettings

    model = modelfile.load(path)
    f = model.features
    if not texts:
        return {}
    samples = [Sample(sid, text, "", 0, kind=f.kind) for sid, text in texts.items()]
    renders = {}
    if f.kind == "abc" and f.use_music:
        renders = clip_notes(samples, NoteSettings(clip_seconds=f.clip_seconds, speed=f.speed))
    scores = model.score(contents(samples, renders, f.kind))
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
    if args.best is not None and args.best < 1:
        raise RankError("--best must be at least 1")
    if args.out and not args.best:
        raise RankError("--out writes the best K samples: give --best K")
    if args.csv:
        check_output(args.csv, RankError, args.ratings, "--csv", "input journal")
    if args.out:
        taken = [*args.ratings, *([args.csv] if args.csv else [])]
        check_output(args.out, RankError, taken, "--out", "input or output")


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
