"""A chart as data (`Chart`), and its drawing with plotext.

A chart is built from figures the analysis functions already computed (a `Score`'s interval,
a `WinRate`'s Wilson interval, an `Accuracy`'s), so a picture can never disagree with the
table beside it; tests check the data exactly and the drawing by its characters. `draw`
takes any object with plotext's plotting calls: the `plotext` module itself (the command
line's `--plot`, `text`; the rating screen's live stats, `panel`, in the colours of
textual-plotext's theme for the app) or a textual-plotext figure, so all show one
drawing. plotext is imported where a chart is drawn, never at `rater --help`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rater.core.settings import PlotSettings


class Kind(StrEnum):
    DOTS = "dots"  # a value and its 95% interval per category, categories down the side
    CURVE = "curve"  # values (with intervals where there are some) against a number
    BARS = "bars"  # counts per bin (histograms): one bar per bin and series
    WEIGHTS = "weights"  # signed values per category, as horizontal bars


@dataclass(frozen=True)
class Point:
    """`x`: a category's position (1 = the first of `Chart.ticks`) or, on a curve, the number
    on the x axis; `y`: the value; `lo`..`hi`: its interval, where it has one."""

    x: float
    y: float
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Chart:
    kind: Kind
    title: str
    xlabel: str  # the value axis of DOTS and WEIGHTS, the x axis of CURVE and BARS
    series: tuple[Series, ...]
    ticks: tuple[str, ...] = ()  # category names by position (DOTS, BARS, WEIGHTS; CURVE: 1..n)
    reference: tuple[float, ...] = ()  # lines across the value axis (chance, a flag)
    limits: tuple[float, float] | None = None  # the value axis; None: the data's
    empty: str = "nothing to show"  # said instead of a chart without points

    @property
    def points(self) -> int:
        return sum(len(s.points) for s in self.series)

    def value_limits(self) -> tuple[float, float]:
        """The value axis: `limits`, else every value and interval end, with room around."""
        if self.limits is not None:
            return self.limits
        values = [v for s in self.series for p in s.points for v in (p.y, p.lo, p.hi)]
        finite = [v for v in values if v is not None and math.isfinite(v)]
        finite += list(self.reference)
        if self.kind in (Kind.BARS, Kind.WEIGHTS):
            finite.append(0.0)
        low, high = min(finite, default=0.0), max(finite, default=1.0)
        pad = (high - low) * 0.05 or 0.5
        if self.kind == Kind.BARS:
            return 0.0, high + pad
        return low - pad, high + pad


# One marker and colour per series, in this order (colour only on a terminal in colour).
MARKERS = "ox+*#@%&"
BAR_MARKS = ("█▓▒░", "#=%@")  # bars of each series: colour, plain
COLORS = ("cyan", "orange", "green", "magenta", "blue", "red", "yellow", "white")
MARKED_TICKS = 8  # a curve of this many measured points or fewer is labelled at each
LABEL_SHARE = 3  # category labels take at most 1/LABEL_SHARE of the width


FRAME_ROWS = 4  # the frame's top and bottom, the ticks and the axis label
MOST_ROWS = 45  # a chart of many categories gives each one row, not two


def height_of(chart: Chart, settings: PlotSettings) -> int:
    """Rows for the chart: `settings.height`; a chart of categories gets two rows for each
    (one where that would pass MOST_ROWS), so every category lands on a row of its own."""
    if chart.kind in (Kind.DOTS, Kind.WEIGHTS):
        n = len(chart.ticks)
        return _rows_each(n) * n + FRAME_ROWS
    return settings.height


def _rows_each(n: int) -> int:
    return 2 if 2 * n + FRAME_ROWS <= MOST_ROWS else 1


def draw(chart: Chart, plt: Any, color: bool, width: int) -> None:
    """Draw `chart` with plotext's calls on `plt` (the plotext module, or a figure). The
    title is the caller's to show (a line above; a widget's border): plotext leaves out a
    title longer than the plot area."""
    plt.xlabel(chart.xlabel)
    if chart.kind == Kind.DOTS:
        _dots(chart, plt, color, width)
    elif chart.kind == Kind.CURVE:
        _curve(chart, plt, color)
    elif chart.kind == Kind.BARS:
        _bars(chart, plt, color, width)
    else:
        _weights(chart, plt, color, width)


def _tint(k: int, color: bool) -> dict[str, str]:
    return {"color": COLORS[k % len(COLORS)]} if color else {}


def _labels(chart: Chart, width: int, color: bool) -> list[str]:
    most = max(6, width // LABEL_SHARE)
    cut = "…" if color else "~"
    return [t if len(t) <= most else t[: most - 1] + cut for t in chart.ticks]


def _dots(chart: Chart, plt: Any, color: bool, width: int) -> None:
    """Category k sits on row n + 1 - k, so the first is at the top; the value runs across."""
    n = len(chart.ticks)
    for k, series in enumerate(chart.series):
        tint = _tint(k, color)
        for p in series.points:
            if p.lo is not None and p.hi is not None:
                plt.plot([p.lo, p.hi], [n + 1 - p.x] * 2, marker="─" if color else "-", **tint)
        rows = [n + 1 - p.x for p in series.points]
        plt.scatter([p.y for p in series.points], rows, marker=MARKERS[k % len(MARKERS)], **tint)
    _categories(chart, plt, color, width)


def _categories(chart: Chart, plt: Any, color: bool, width: int) -> None:
    """The category axis down the side (the first category at the top), the value across."""
    n = len(chart.ticks)
    for value in chart.reference:
        plt.vertical_line(value)
    plt.xlim(*chart.value_limits())
    # Category k on canvas row 2k - 1 of 2n (two rows each) or k - 1 of n: exactly a row.
    plt.ylim(0.5 if n == 1 or _rows_each(n) == 2 else 1, n)
    plt.yticks([n + 1 - k for k in range(1, n + 1)], _labels(chart, width, color))


def _curve(chart: Chart, plt: Any, color: bool) -> None:
    whiskers = False
    for k, series in enumerate(chart.series):
        tint = _tint(k, color)
        xs, ys = [p.x for p in series.points], [p.y for p in series.points]
        if len(xs) > 1:
            plt.plot(xs, ys, marker="braille" if color else ".", **tint)
        for p in series.points:
            if p.lo is not None and p.hi is not None:
                whiskers = True
                plt.plot([p.x, p.x], [p.lo, p.hi], marker="│" if color else "|", **tint)
        if whiskers or len(xs) == 1:
            plt.scatter(xs, ys, marker=MARKERS[k % len(MARKERS)], **tint)
    for value in chart.reference:
        plt.horizontal_line(value)
    plt.ylim(*chart.value_limits())
    xs = sorted({p.x for s in chart.series for p in s.points})
    if whiskers or len(xs) == 1:  # a few measured points: room around them, ticks at them
        pad = (xs[-1] - xs[0]) * 0.04 or 1.0
        plt.xlim(xs[0] - pad, xs[-1] + pad)
        if len(xs) <= MARKED_TICKS:
            named = chart.ticks and all(x == int(x) and 1 <= x <= len(chart.ticks) for x in xs)
            plt.xticks(xs, [chart.ticks[int(x) - 1] if named else f"{x:g}" for x in xs])
    else:
        plt.xlim(xs[0], xs[-1])


def _bars(chart: Chart, plt: Any, color: bool, width: int) -> None:
    labels = _labels(chart, width, color)
    values = [[0.0] * len(labels) for _ in chart.series]
    for k, series in enumerate(chart.series):
        for p in series.points:
            values[k][int(p.x) - 1] = p.y
    marks = [_bar_mark(k, color) for k in range(len(values))]
    if len(chart.series) == 1:
        plt.bar(labels, values[0], width=0.8, marker=marks[0], **_tint(0, color))
    else:
        colors = [COLORS[k % len(COLORS)] for k in range(len(values))]
        tint = {"color": colors} if color else {}
        plt.multiple_bar(labels, values, width=0.8, marker=marks, **tint)
    top = chart.value_limits()[1]
    plt.ylim(0, top)
    plt.yticks(*_count_ticks(top))


def _weights(chart: Chart, plt: Any, color: bool, width: int) -> None:
    """A bar from 0 to each value, on its category's row (plotext's own horizontal bars
    straddle rows)."""
    n = len(chart.ticks)
    mark = _bar_mark(0, color)
    for p in chart.series[0].points:
        plt.plot([0.0, p.y], [n + 1 - p.x] * 2, marker=mark, **_tint(0, color))
    _categories(chart, plt, color, width)


def _bar_mark(k: int, color: bool) -> str:
    marks = BAR_MARKS[0 if color else 1]
    return marks[k % len(marks)]


def _count_ticks(top: float) -> tuple[list[float], list[str]]:
    """Whole numbers on a count axis (plotext would label 0.83 of a decision)."""
    step = max(1, math.ceil(top / 5))
    ticks = list(range(0, int(top) + 1, step))
    return [float(t) for t in ticks], [str(t) for t in ticks]


def key_line(chart: Chart, color: bool) -> str:
    """Which marker is which series (a chart of two or more series), one line."""
    if len(chart.series) < 2:
        return ""
    parts = []
    for k, series in enumerate(chart.series):
        mark = _bar_mark(k, color) if chart.kind == Kind.BARS else MARKERS[k % len(MARKERS)]
        if color:
            import plotext

            mark = plotext.colorize(mark, COLORS[k % len(COLORS)])
        parts.append(f"{mark} {series.label}")
    return "key: " + "   ".join(parts)


def text(chart: Chart, settings: PlotSettings) -> str:
    """The chart as lines of at most `settings.columns` characters: with colour escapes when
    `settings.color`, else plain (no escape sequence, no braille)."""
    import plotext

    width = settings.columns
    if not chart.points:
        return f"{_title(chart.title, width)}\n  ({chart.empty})"
    plotext.clear_figure()
    plotext.limit_size(False, False)  # our size, not the terminal's (a file, a tall chart)
    plotext.plotsize(width, height_of(chart, settings))
    plotext.theme("pro" if settings.color else "clear")
    draw(chart, plotext, settings.color, width)
    out = plotext.build()
    if not settings.color:
        out = plotext.uncolorize(out)
    lines = [line.rstrip() for line in out.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    key = key_line(chart, settings.color)
    return "\n".join([_title(chart.title, width), *lines, *([key] if key else [])])


def panel(chart: Chart, width: int, height: int, theme: tuple[str, Any]) -> str:
    """The chart's plot alone (its title is the panel's border) at exactly `width` x
    `height`, with colour escapes, in `theme` (a plotext theme's name and its colours, as
    textual-plotext made them from the app's theme); "" when there is nothing to draw."""
    import plotext
    from plotext._dict import themes

    if not chart.points or width < 8 or height < 4:
        return ""
    name, colours = theme
    themes.setdefault(name, colours)
    plotext.clear_figure()
    plotext.limit_size(False, False)
    plotext.plotsize(width, height)
    plotext.theme(name)
    draw(chart, plotext, True, width)
    return str(plotext.build())


def _title(title: str, width: int) -> str:
    return title if len(title) <= width else title[: width - 1] + "~"


def texts(charts: Sequence[Chart], settings: PlotSettings) -> str:
    """Several charts, a blank line apart."""
    return "\n\n".join(text(c, settings) for c in charts) + "\n"
