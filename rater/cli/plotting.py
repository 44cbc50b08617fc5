"""`--plot` and `--plot-out FILE` on the commands whose output is a shape (rank, ab-report,
stats, model fit): the options, the terminal's size and colour, and where the charts go.

On a terminal the charts are in colour at its width (at most `PlotSettings.max_width`);
piped, under `NO_COLOR` or `TERM=dumb`, they are plain characters at 80 columns (or
`$COLUMNS`). `--plot-out` keeps the same charts, plain, in a file written like every other
output (`core.files`: a device, a FIFO or a folder is refused before any work).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import IO

from rater.analysis.plot.chart import Chart, texts
from rater.core.errors import PlotError
from rater.core.files import check_output, write_output
from rater.core.settings import MIN_PLOT_WIDTH, PlotSettings


def add_plot_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--plot", action="store_true", help=f"draw {what} in the terminal (plain when piped)"
    )
    p.add_argument(
        "--plot-out", metavar="FILE.txt", help="write the same charts to FILE, plain characters"
    )


def wanted(args: argparse.Namespace) -> bool:
    return bool(args.plot or args.plot_out)


def check_plot_out(args: argparse.Namespace, inputs: Sequence[str] = ()) -> None:
    """Refuse an unusable `--plot-out` before any work (as `--out` and `--csv` are)."""
    if args.plot_out:
        check_output(args.plot_out, PlotError, inputs, "--plot-out", "input journal")


def color_wanted(stream: IO[str]) -> bool:
    """Colour only on a terminal that has not asked for none (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_settings(stream: IO[str] | None = None) -> PlotSettings:
    """The chart size and colour for `stream` (stdout): its width, or $COLUMNS, or 80."""
    stream = stream or sys.stdout
    width = shutil.get_terminal_size((PlotSettings.width, 24)).columns
    return PlotSettings(width=max(MIN_PLOT_WIDTH, width), color=color_wanted(stream))


def emit(args: argparse.Namespace, make: Callable[[], list[Chart]]) -> None:
    """Draw the charts `make` builds where the options say: the terminal, a file, both."""
    if not wanted(args):
        return
    charts = make()
    settings = terminal_settings()
    if args.plot:
        print()
        print(texts(charts, settings), end="")
    if args.plot_out:
        plain = PlotSettings(width=settings.width, color=False)
        body = texts(charts, plain)
        write_output(args.plot_out, lambda f: f.write(body), PlotError)
        print(f"charts: {args.plot_out}", file=sys.stderr)  # stdout may be --json
