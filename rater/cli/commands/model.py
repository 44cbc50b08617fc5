"""`rater model fit` / `rater model score`: a preference model over sample content.

Thin: the learning is `rater.analysis.model.learn`, the scoring `rater.analysis.model.score`;
this reads the inputs and prints. The music features come from each tune's one reading
(`rater.core.abc`), computed in worker processes (`rater.analysis.model.rows`); scoring
judges samples on that reading too (`rater.audio.render.parse_one`: no audio).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterable

from rater.analysis.model import learn, modelfile
from rater.analysis.model.fit import Accuracy
from rater.analysis.model.learn import Report
from rater.analysis.model.score import Ranking, Scored, write_csv, write_samples
from rater.analysis.plot import models
from rater.cli import options, plotting
from rater.cli.progress import Rate
from rater.cli.sources import input_names, ratings_of, samples_of
from rater.core import checks
from rater.core.corpus import iter_samples
from rater.core.errors import ModelError
from rater.core.files import check_output
from rater.core.printable import printable
from rater.core.records import Sample
from rater.core.settings import TOP_ROWS, check_option
from rater.rating.scoring import score_stream


def run(args: argparse.Namespace) -> int:
    return _fit(args) if args.model_command == "fit" else _score(args)


def _fit(args: argparse.Namespace) -> int:
    check_output(args.out, ModelError, args.ratings, what="input journal")
    plotting.check_plot_out(args, args.ratings)
    settings = options.fit_settings(args)
    features = options.feature_settings(args)
    t0 = time.perf_counter()
    found = learn.content_games(
        ratings_of(args, tokens=False), kind=features.kind, drop_broken=not args.with_auto
    )
    seconds = {"journals": time.perf_counter() - t0}
    for why, n in found.skipped.items():
        print(f"  left out {n} records: {why}")
    if not len(found.games) or bool(found.games.tie.all()):
        names = input_names(args)
        raise ModelError(f"no usable ratings in {names} (need decided comparisons with texts)")
    model, report = learn.fit_model(found.samples, found.games, features, settings)
    modelfile.save(model, args.out)
    _print_report(report, args.out, args.with_auto)
    seconds.update(report.seconds)
    parts = ", ".join(f"{k} {v:.1f}" for k, v in seconds.items())
    print(f"took {sum(seconds.values()):.1f} s ({parts})")
    plotting.emit(args, lambda: [models.curve_chart(report), models.weights_chart(report)])
    return 0


def _print_report(r: Report, out: str, with_auto: bool = False) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)

    def say(line: str) -> None:
        console.print(Text(line), soft_wrap=True)

    who = "people's and automatic" if with_auto else "people's"
    say(
        f"{out}: preference model fitted on {r.games} {who} ratings ({r.ties} ties) among "
        f"{r.samples} samples (L2 C={r.C:g})"
    )
    say(
        f"held-out pairwise accuracy: {_accuracy(r.accuracy)} on {r.accuracy.n} decided pairs "
        f"of samples never seen in training ({r.folds} folds by sample)"
    )
    say("learning curve (held-out accuracy with a share of the ratings):")
    for point in r.curve:
        say(f"  {point.share:>4.0%} of the ratings: {_accuracy(point)}, {point.n} test pairs")
    say(f"  {_verdict(r.curve)}")
    say("what the ratings reward (logits per standard deviation of the feature):")
    for reason in r.reasons:
        say(f"  {reason.weight:+.2f}  {printable(reason.phrase)}")
    say(f"share of the score spread: music {1 - r.text_share:.0%}, text n-grams {r.text_share:.0%}")


def _accuracy(a: Accuracy) -> str:
    if not a.n:
        return "none (no held-out pair has both samples in one fold)"
    lo, hi = a.interval
    return f"{a.value:.3f} (95% CI {lo:.3f}-{hi:.3f})"


def _verdict(curve: tuple[Accuracy, ...]) -> str:
    """One line answering "would more ratings help?" and "is this learnable at all?"."""
    last = curve[-1]
    lo, hi = last.interval
    if last.n == 0:
        return "too few ratings to test on held-out samples: rate more"
    if lo <= 0.5:
        return (
            "not distinguishable from chance on held-out samples: the ratings are noisy, or "
            "what they reward is not in the features (or there are too few)"
        )
    if len(curve) > 1 and curve[-2].n and last.value - curve[-2].value > (hi - lo) / 4:
        return "still rising with more ratings: more ratings should help"
    return "flat over the last doubling: more ratings of this kind will help little"


def _score(args: argparse.Namespace) -> int:
    if args.out and not args.top:
        raise ModelError("--out writes the --top N best samples: give --top N")
    for option, path in (("--out", args.out), ("--csv", args.csv)):
        if path:
            check_output(path, ModelError, [*args.samples, args.model], option)
    check_option("top", args.top)
    check_option("workers", args.workers)
    model = modelfile.load(args.model)
    kind = model.features.kind
    if args.samples:  # a stream: one file's texts at a time
        samples: Iterable[Sample] = iter_samples(args.samples, kind, args.text_field)
    else:
        samples = samples_of(args, kind)
    settings = checks.default_settings(args.blacklist, model.features.dialect)
    shown = args.top or TOP_ROWS
    ranking = Ranking(keep=max(shown, args.top or 0))
    with Rate("scored", shown=True) as rate:
        for row in rate.count(score_stream(samples, model, settings, args.workers)):
            ranking.add(row)
    if args.csv:
        write_csv(ranking.rows(), args.csv)
    best = ranking.best()
    if args.out:
        write_samples([r for r in best if r.verdict.ok][: args.top], args.out, kind)
    _print_table(best, shown, len(ranking))
    ok = len(ranking) - sum(ranking.broken)
    print(
        f"{len(ranking)} samples scored ({ok} ok, {len(ranking) - ok} broken, ranked last); "
        f"csv: {args.csv or '-'}"
        + (f"; best {min(args.top, ok)} written to {args.out}" if args.out else "")
    )
    return 0


def _print_table(rows: list[Scored], top: int, total: int) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"model scores (top {min(top, total)} of {total})")
    for name in ("#", "id", "title", "score", "verdict", "source"):
        table.add_column(name, no_wrap=name in ("id", "score"))
    for k, r in enumerate(rows[:top], 1):
        table.add_row(
            str(k),
            r.sample.id,
            Text(printable(r.sample.title[:40])),
            f"{r.score:+.2f}",
            Text("ok" if r.verdict.ok else ",".join(r.verdict.reasons)),
            Text(printable(os.path.basename(r.sample.source))),
        )
    Console(highlight=False).print(table)
