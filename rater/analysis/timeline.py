"""People's decisions as series over time: when each was made, how long it took, what was
heard. The shapes `rater stats --plot` and the rating screen's live stats draw (pace,
decide times, seconds heard) come from here; the single figures (ratings per active hour,
median decide time) stay in `stats` and `quality`.

Only a person's decisions count (auto-ratings of broken samples took nobody's time), each
once (a tie's two records are one decision).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rater.analysis.stats import parse_time
from rater.core.records import Rating
from rater.core.rules import iter_decisions

# Bin widths of the pace series, in seconds: the narrowest that keeps a span in MAX_BINS.
NICE_SECONDS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MAX_BINS = 30


@dataclass
class Timeline:
    """A tally: `add` one decision at a time (a journal is read once, as a stream)."""

    times: list[float] = field(default_factory=list)  # POSIX seconds
    decide_seconds: list[float] = field(default_factory=list)
    heard: list[tuple[float, float]] = field(default_factory=list)  # seconds of A, of B

    def add(self, decision: Sequence[Rating]) -> None:
        r = decision[0]
        if r.broken:
            return
        when = parse_time(r.time)
        if when is not None:
            self.times.append(when.timestamp())
        seconds = r.extra.get("decide_seconds")
        if isinstance(seconds, int | float) and math.isfinite(seconds):
            self.decide_seconds.append(float(seconds))
        heard = r.extra.get("heard")
        if isinstance(heard, list | tuple) and len(heard) == 2:
            self.heard.append((float(heard[0]), float(heard[1])))


def timeline(ratings: Iterable[Rating]) -> Timeline:
    t = Timeline()
    for decision in iter_decisions(ratings):
        t.add(decision)
    return t


@dataclass(frozen=True)
class Pace:
    """Decisions counted in bins of `bin_seconds` from `start` (POSIX seconds)."""

    start: float
    bin_seconds: int
    counts: tuple[int, ...]

    def per_hour(self) -> list[float]:
        return [c * 3600.0 / self.bin_seconds for c in self.counts]


def pace(times: Iterable[float], max_bins: int = MAX_BINS) -> Pace | None:
    """The decisions' times in the narrowest NICE_SECONDS bins that cover their span in
    `max_bins` (a break shows as bins at zero); None without decisions."""
    stamps = sorted(times)
    if not stamps:
        return None
    start, span = stamps[0], stamps[-1] - stamps[0]
    width = next((w for w in NICE_SECONDS if span / w < max_bins), None)
    if width is None:  # longer than MAX_BINS days: whole days, as many as it takes
        width = NICE_SECONDS[-1] * math.ceil(span / NICE_SECONDS[-1] / max_bins + 1e-9)
    counts = [0] * (int(span // width) + 1)
    for t in stamps:
        counts[min(len(counts) - 1, int((t - start) // width))] += 1
    return Pace(start, width, tuple(counts))


@dataclass(frozen=True)
class Bin:
    lo: float
    hi: float  # math.inf: the last bin holds everything from `lo` on
    count: int

    def label(self) -> str:
        if math.isinf(self.hi):
            return f">={_num(self.lo)}"
        return f"{_num(self.lo)}{'..' if self.lo < 0 else '-'}{_num(self.hi)}"


def _num(x: float) -> str:
    return f"{x:g}"


STEPS = (0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600)


def histogram(values: Sequence[float], bins: int = 12, cap: float | None = None) -> list[Bin]:
    """Counts in at most `bins` equal bins, from 0 (or from below the least value, when some
    are negative), of a width from STEPS. When some values pass `cap` (a decision left on
    screen over lunch), the bins stop at the first edge from `cap` on and one last, open bin
    holds the rest."""
    if not values:
        return []
    top, low = max(values), min(0.0, min(values))
    over = cap is not None and top > cap
    if over:
        top, bins = float(cap), bins - 1  # type: ignore[arg-type]
    step = next((s for s in STEPS if (top - low) / s <= bins - (low < 0)), STEPS[-1])
    start = math.floor(low / step) * step
    n = max(1, math.ceil((top - start) / step))
    counts = [0] * (n + over)
    for v in values:
        k = int((v - start) // step)
        counts[n if over and k >= n else min(n - 1, max(0, k))] += 1
    out = [Bin(start + k * step, start + (k + 1) * step, counts[k]) for k in range(n)]
    if over:
        out.append(Bin(start + n * step, math.inf, counts[n]))
    return out


def quantile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (nearest rank) of non-empty `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]
