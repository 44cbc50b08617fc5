"""The command line: `rater COMMAND ...`, a thin layer over the library (see `main`)."""

from __future__ import annotations

from rater.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
