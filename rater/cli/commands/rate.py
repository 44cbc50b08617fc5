"""`rater rate SAMPLES...`: the rating TUI on a corpus; the journal is written as you go."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def default_journal(paths: list[str]) -> Path:
    """`ratings/<first corpus file stem>.jsonl` under the current directory."""
    first = Path(paths[0].rstrip("/"))
    return Path("ratings") / f"{first.stem or first.name or 'ratings'}.jsonl"


def run_tui(args: argparse.Namespace, paths: list[str], ratings: Path, kind: str) -> int:
    """Shared by `rate` and `demo`: everything that can fail on input fails before the screen."""
    from rater.cli.options import rate_settings
    from rater.core import corpus
    from rater.core.errors import CorpusError
    from rater.core.printable import printable
    from rater.rating.provenance import follow
    from rater.tui.build import make_app

    samples = corpus.read_samples(paths, kind=kind)
    if len(samples) < 2:
        raise CorpusError(
            f"{paths[0]}: need at least 2 distinct samples to rate, found {len(samples)}"
        )
    followed = follow(ratings, args.pairing, args.seed, args.prefix_chars)
    app = make_app(samples, ratings, rate_settings(args, kind, followed.settings))
    # above the screen, and after it in the scrollback
    for line in [*app.lifecycle.warnings, followed.line, app.session.resume_line()]:
        if line:
            print(f"rater: {printable(line)}", file=sys.stderr)
    summary = app.run()
    if app.error:
        print(f"rater: {printable(app.error)}", file=sys.stderr)
        return 2
    if summary:
        print(summary)
    return app.return_code or 0


def run(args: argparse.Namespace) -> int:
    ratings = Path(args.ratings) if args.ratings else default_journal(args.samples)
    return run_tui(args, list(args.samples), ratings, args.kind)
