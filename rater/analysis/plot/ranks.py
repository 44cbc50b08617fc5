"""Charts of `rater rank` and `rater ab-report`: scores and win rates with their intervals."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from rater.analysis.plot.chart import Chart, Kind, Point, Series
from rater.analysis.pooled import SourceCurve, natural_key
from rater.analysis.rank import PeopleFirst, Ranking, Score, WinRate
from rater.core.printable import printable

BY_SOURCE_MOST = 40  # rows of the by-source chart, all sources together


def source_names(sources: Sequence[str]) -> dict[str, str]:
    """How each source is shown: its file name, or the whole path where two share one."""
    base = {s: os.path.basename(s) or s or "(no source)" for s in sources}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    return {s: printable(name if counts[name] == 1 else s or name) for s, name in base.items()}


def _sample_label(rank: int, score: Score) -> str:
    return f"#{rank} {printable(score.title) or score.id}"


def top_chart(ranking: Ranking, top: int) -> Chart:
    """The `top` best samples, best at the top: score and its 95% interval."""
    rows = ranking.rows[: max(0, top)]
    points = tuple(Point(k, r.score, *r.interval) for k, r in enumerate(rows, 1))
    return Chart(
        Kind.DOTS,
        f"Bradley-Terry scores, top {len(rows)} of {len(ranking.rows)}: 95% intervals",
        "score (logits)",
        (Series("samples", points),),
        ticks=tuple(_sample_label(k, r) for k, r in enumerate(rows, 1)),
        reference=(0.0,),
        empty="no samples to rank",
    )


def progress_chart(curve: SourceCurve) -> Chart:
    """The progress curve of `rank --by-source`: each source's mean (relative to the average
    source) with its 95% interval, sources in natural order along the x axis."""
    names = source_names([row.source for row in curve.rows])
    points = tuple(Point(k, row.mean, row.lo, row.hi) for k, row in enumerate(curve.rows, 1))
    return Chart(
        Kind.CURVE,
        "Each source's mean score (hierarchical Bradley-Terry): 95% intervals, in order",
        "source",
        (Series("sources", points),),
        ticks=tuple(names[row.source] for row in curve.rows),
        reference=(0.0,),
        empty="no sources to compare",
    )


def by_source_chart(ranking: Ranking, top: int) -> Chart:
    """One series per source, sources in natural order (iter-2 before iter-10): each
    source's best samples with their 95% intervals, side by side."""
    rank_of = {r.id: k for k, r in enumerate(ranking.rows, 1)}
    groups: dict[str, list[Score]] = {}
    for r in ranking.rows:
        groups.setdefault(r.source, []).append(r)
    order = sorted(groups, key=natural_key)
    names = source_names(order)
    each = max(1, min(max(3, math.ceil(top / max(1, len(order)))), BY_SOURCE_MOST // len(order)))
    series, ticks = [], []
    for source in order:
        points = []
        for r in groups[source][:each]:
            ticks.append(_sample_label(rank_of[r.id], r))
            points.append(Point(len(ticks), r.score, *r.interval))
        series.append(Series(names[source], tuple(points)))
    return Chart(
        Kind.DOTS,
        f"Best {each} of each source: Bradley-Terry scores with 95% intervals",
        "score (logits)",
        tuple(series),
        ticks=tuple(ticks),
        reference=(0.0,),
        empty="no samples to rank",
    )


def winrate_chart(rows: Sequence[PeopleFirst], title: str) -> Chart:
    """Each source's win rate against the others (ties apart), Wilson 95% interval, sources
    in natural order, 50% marked. People's decisions first; where automatic ones (a broken
    sample lost) change it, the rate with them on the row below, as a second series."""
    shown = sorted(rows, key=lambda row: natural_key(row.people.source))
    names = source_names([row.people.source for row in shown])
    people: list[Point] = []
    with_auto: list[Point] = []
    ticks: list[str] = []
    for row in shown:
        p, a = row.people, row.with_auto
        if p.decisive:
            ticks.append(f"{names[p.source]} {p.wins}/{p.decisive}")
            people.append(_rate(len(ticks), p))
        if not row.dropped and a.decisive and (a.decisive, a.ties) != (p.decisive, p.ties):
            ticks.append(f"{'' if p.decisive else names[p.source]} +auto {a.wins}/{a.decisive}")
            with_auto.append(_rate(len(ticks), a))
    series = [Series("people", tuple(people))]
    if with_auto:
        series.append(Series("with automatic decisions", tuple(with_auto)))
    return Chart(
        Kind.DOTS,
        title,
        "win rate (decisive games; 95% Wilson interval)",
        tuple(series),
        ticks=tuple(ticks),
        reference=(0.5,),
        limits=(0.0, 1.0),
        empty="no decisive games between samples of different sources",
    )


def _rate(row: int, w: WinRate) -> Point:
    lo, hi = w.ci or (0.0, 1.0)
    return Point(row, w.rate or 0.0, lo, hi)
