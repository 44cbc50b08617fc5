"""`rater demo`: the rating TUI on the built-in demo corpus, journal in ratings/demo.jsonl."""

from __future__ import annotations

import argparse
from pathlib import Path

from rater.cli.commands.rate import run_tui
from rater.core import demo


def run(args: argparse.Namespace) -> int:

    ratings = Path(args.ratings) if args.ratings else Path("ratings") / "demo.jsonl"
    return run_tui(args, [str(demo.demo_corpus())], ratings, kind="abc")
