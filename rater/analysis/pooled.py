"""Each source's mean quality with its interval: a hierarchical Bradley-Terry fit.

A source is a generator iteration (the file its samples came from). Each sample's score is
its source's mean plus its own offset, s_i = mu_g + u_i, with u_i ~ N(0, tau^2) and a weak
prior mu_g ~ N(0, PRIOR_SD^2): partial pooling, so a sample with few comparisons is pulled
towards its source and a source's mean is learnt from all of its samples. tau (how far
samples stray from their source) is not known and is sampled with the rest: the posterior
is drawn by MCMC (`analysis.polya`, Polya-Gamma Gibbs), not approximated at its mode, whose
intervals were too narrow with a few games per sample (see `polya`'s docstring).

Only differences of scores are identified (the level is the prior's), so a source's mean
is reported relative to the average of all sources' means; P(better than the one before)
compares consecutive sources in natural order (`iter-2` before `iter-10`).

Measured by `bench/pooled_sim.py` (200 simulated projects whose true source means and
offsets are known): see its docstring for the 95% intervals' coverage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rater.analysis import bt, polya
from rater.analysis.games import Game
from rater.analysis.rank import Z95
from rater.core.errors import RankError

NO_SOURCE = "(no source)"


@dataclass(frozen=True)
class SourceMean:
    """One source: its mean relative to the average source, a 95% interval, and the
    probability that it is better than the source before it (None for the first)."""

    source: str
    mean: float
    lo: float
    hi: float
    p_better: float | None
    samples: int
    games: int  # games its samples played (a game between two of its samples counts once)

    @property
    def interval(self) -> tuple[float, float]:
        return self.lo, self.hi


@dataclass(frozen=True)
class SourceCurve:
    """Sources in natural order with their means; `tau`: the posterior mean of how far a
    sample strays from its source's mean (logits)."""

    rows: tuple[SourceMean, ...]
    tau: float
    games: int


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Numbers inside a name compare as numbers, letters regardless of case: `iter-2`
    before `Iter-3` before `iter-10`."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in re.split(r"(\d+)", name)
        if part
    )


def source_curve(games: Sequence[Game], draws: int = 1000, seed: int = 0) -> SourceCurve:
    """The hierarchical fit of `games` (see the module docstring); `draws` kept posterior
    draws (`seed` makes them repeatable)."""
    import numpy as np

    if not games:
        raise RankError("no usable rating records to rank")
    index: dict[str, int] = {}
    source_of: dict[str, str] = {}
    for g in games:
        for sid, src in zip((g.winner, g.loser), g.sources, strict=True):
            index.setdefault(sid, len(index))
            if sid not in source_of or not source_of[sid]:
                source_of[sid] = src
    names = sorted({source_of[s] or NO_SOURCE for s in index}, key=natural_key)
    if len(names) < 2:
        raise RankError("--by-source needs samples from at least two sources")
    col = {name: k for k, name in enumerate(names)}
    n, groups = len(index), len(names)
    group = np.array([col[source_of[s] or NO_SOURCE] for s in index], dtype=np.int64)
    win = np.fromiter((index[g.winner] for g in games), dtype=np.int64, count=len(games))
    los = np.fromiter((index[g.loser] for g in games), dtype=np.int64, count=len(games))
    tie = np.fromiter((g.tie for g in games), dtype=bool, count=len(games))
    i, j, a, m = bt.pair_counts(n, win, los, tie)
    drawn = polya.sample(n, i, j, a, m, group, keep=draws, seed=seed)
    centred = drawn.mu - drawn.mu.mean(axis=1, keepdims=True)  # relative to the average
    tail = 100 * (1.0 - math.erf(Z95 / math.sqrt(2))) / 2
    lo, hi = np.percentile(centred, [tail, 100 - tail], axis=0)
    played = np.bincount(group[win], minlength=groups) + np.bincount(group[los], minlength=groups)
    played -= np.bincount(group[win][group[win] == group[los]], minlength=groups)
    counts = np.bincount(group, minlength=groups)
    rows = []
    for k, name in enumerate(names):
        better = float(np.mean(drawn.mu[:, k] > drawn.mu[:, k - 1])) if k else None
        rows.append(
            SourceMean(
                name,
                float(centred[:, k].mean()),
                float(lo[k]),
                float(hi[k]),
                better,
                int(counts[k]),
                int(played[k]),
            )
        )
    return SourceCurve(tuple(rows), float(drawn.tau.mean()), len(games))
