"""Charts of `rater stats` (and of the rating screen's live stats): the pace of decisions,
how long they took, what was heard, and each rater's self-agreement on hidden re-checks."""

from __future__ import annotations

from collections.abc import Sequence

from rater.analysis.plot.chart import Chart, Kind, Point, Series
from rater.analysis.quality import FLAG_BELOW, RaterQuality
from rater.analysis.timeline import Bin, histogram, pace, quantile
from rater.core.printable import printable

DECIDE_CAP = 120.0  # seconds: longer decisions (a pair left on screen) share the last bin
TAIL = 0.95  # and so do the slowest 5%, so the bins resolve where most decisions are


def pace_chart(times: Sequence[float], title: str = "Decisions per hour") -> Chart:
    """Decisions per hour in each bin of the time since the first decision."""
    p = pace(times)
    if p is None:
        return Chart(Kind.CURVE, title, "", (), empty="no decisions by a person yet")
    minutes = p.bin_seconds * len(p.counts) <= 3 * 3600
    unit, name = (60.0, "minutes") if minutes else (3600.0, "hours")
    width = f"{p.bin_seconds // 60} min" if p.bin_seconds < 3600 else f"{p.bin_seconds // 3600} h"
    points = tuple(Point(k * p.bin_seconds / unit, rate) for k, rate in enumerate(p.per_hour()))
    return Chart(
        Kind.CURVE,
        f"{title} ({len(times)} decisions, {width} bins)",
        f"{name} since the first decision",
        (Series("per hour", points),),
        limits=(0.0, max(p.y for p in points) * 1.1),
    )


def sitting_chart(times: Sequence[float], start: float) -> Chart:
    """A sitting's pace as it goes: decisions so far against minutes since it began (the
    slope is the pace; per-hour bins say little in a sitting's first minutes)."""
    title = f"Your pace: {len(times)} decisions"
    if not times:
        return Chart(Kind.CURVE, title, "", (), empty="no decisions in this sitting yet")
    ordered = sorted(times)
    seconds = max(0.0, ordered[-1] - start)
    if seconds >= 1:
        took = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
        title += f" in {took} ({len(ordered) * 3600 / seconds:.0f}/h)"
    points = ((0.0, 0.0), *((max(0.0, t - start) / 60.0, k) for k, t in enumerate(ordered, 1)))
    return Chart(
        Kind.CURVE,
        title,
        "minutes into this sitting",
        (Series("decisions", tuple(Point(x, y) for x, y in points)),),
        limits=(0.0, len(ordered) * 1.1),
    )


def _bars(
    bins: Sequence[Sequence[Bin]], labels: Sequence[str]
) -> tuple[tuple[str, ...], tuple[Series, ...]]:
    """Series of bin counts on one set of bins (the longest series' labels)."""
    longest = max(bins, key=len)
    ticks = tuple(b.label() for b in longest)
    series = tuple(
        Series(label, tuple(Point(k, b.count) for k, b in enumerate(one, 1)))
        for label, one in zip(labels, bins, strict=True)
    )
    return ticks, series


def decide_chart(seconds: Sequence[float]) -> Chart:
    """How long decisions took: a histogram of the seconds from a pair appearing to the key."""
    cap = min(DECIDE_CAP, quantile(seconds, TAIL)) if seconds else None
    ticks, series = _bars([histogram(seconds, cap=cap)], ["decisions"])
    return Chart(
        Kind.BARS,
        f"Seconds to decide ({len(seconds)} decisions)",
        "seconds from the pair appearing to the key",
        series if seconds else (),
        ticks=ticks,
        empty="no decide times in these journals",
    )


def heard_chart(heard: Sequence[tuple[float, float]]) -> Chart:
    """Seconds of clip A and of clip B that had played at the key: one bar of each per bin,
    both on the same bins."""
    if not heard:
        return Chart(Kind.BARS, "Seconds heard", "", (), empty="no listening data yet")
    a = [h[0] for h in heard]
    b = [h[1] for h in heard]
    both = histogram(a + b)
    edges = [x.lo for x in both]
    step = both[0].hi - both[0].lo

    def on_bins(values: list[float]) -> list[Bin]:
        counts = [0] * len(edges)
        for v in values:
            counts[min(len(edges) - 1, max(0, int(v // step)))] += 1
        return [Bin(x.lo, x.hi, c) for x, c in zip(both, counts, strict=True)]

    ticks, series = _bars([on_bins(a), on_bins(b)], ["clip A", "clip B"])
    return Chart(
        Kind.BARS,
        f"Seconds heard at the key ({len(heard)} decisions)",
        "seconds of the clip that had played (replays included)",
        series,
        ticks=ticks,
    )


def agreement_chart(raters: Sequence[RaterQuality]) -> Chart:
    """Each rater's self-agreement on hidden re-checks, k of n with its Wilson 95% interval;
    a rater whose interval lies below FLAG_BELOW is flagged."""
    rows = [q for q in raters if q.rechecks]
    points, ticks = [], []
    for k, q in enumerate(rows, 1):
        lo, hi = q.interval or (0.0, 1.0)
        points.append(Point(k, q.self_agreement or 0.0, lo, hi))
        flag = " FLAG" if q.flagged else ""
        ticks.append(f"{printable(q.rater)} {q.agreed}/{q.rechecks}{flag}")
    return Chart(
        Kind.DOTS,
        f"Self-agreement on re-checks (flag below {FLAG_BELOW:g})",
        "share of re-checks answered as the first time (95% Wilson interval)",
        (Series("self-agreement", tuple(points)),),
        ticks=tuple(ticks),
        reference=(0.5, FLAG_BELOW),
        limits=(0.0, 1.0),
        empty="no hidden re-checks yet (rater rate --recheck P)",
    )
