"""The `active` strategy: the next pair from the current Bradley-Terry fit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from rater.analysis import bt, rank
from rater.core.records import Pair, Rating, Sample
from rater.core.settings import PairingSettings
from rater.rating.pairing.adaptive import AdaptiveSource
from rater.rating.pairing.base import Job

if TYPE_CHECKING:
    import numpy as np

WINDOW = 0.5  # logit spread of partners around a sample (see ActiveSource)
BALANCE_FIRST = 5  # comparisons every sample gets before crowded ones get more
CROWD_BAND = 0.5  # logit half-width in which neighbours count as crowding a sample


class ActiveSource(AdaptiveSource):
    """Adaptive pairs from the current Bradley-Terry fit.

    The next pair takes the sample with the fewest comparisons (the most uncertain among
    equals, variance approximated by 1/H_ii) and the sample nearest to it in a posterior
    draw widened by WINDOW (Thompson sampling). Close pairs carry the most information
    (p(1-p) near 1/4 instead of ~0.18 for random pairs); the widening keeps partners varied,
    because a graph of nearest neighbours only is a long chain that orders distant samples
    badly. The draw's posterior part is capped at WINDOW^2: an uncertain sample's full draw
    lands far away when qualities are spread widely, and such a comparison is a foregone
    conclusion (bench/pairing_sim.py, share of random's comparisons, mean of 20 paired
    seeds: --spread 2 0.74 -> 0.70, --spread 3 0.70 -> 0.68, --spread 1 0.86 either way;
    the bench prints medians). Balanced counts matter for the same reason as the widening:
    an under-compared sample drags the ranking more than an over-compared one helps it. A
    pair already decided or proposed is never offered again; when every pair among usable
    samples is, `next_pair` returns None.

    Once every sample has BALANCE_FIRST comparisons, the next one goes to the sample whose
    uncertainty costs the most order: a sample's expected discordant pairs grow with how
    many others sit within its error (the crowding of scores near it) times its sd, and a
    comparison shrinks the sd by ~var^1.5, so `urgency` = crowding * var^1.5. Samples in the
    crowded middle get more comparisons than the few extremes (bench/pairing_sim.py: median
    10,900 instead of 11,250 comparisons to Kendall tau 0.8); the balanced start leaves the
    first BALANCE_FIRST * n / 2 pairs, hence the early top-10, as they were.

    `record` warm-starts Newton from the last scores, which takes one or two steps; with
    `refit_every` > 1 it only updates the variances in between (used by the simulation).
    With `wait_for_ready` it pairs only samples named by `mark_ready` (the session names
    them as they are judged, so a pair never waits for a render far down the queue); while
    usable samples are still to come, `next_pair` returns None and `waiting` is True.
    With `defer_refit` it never refits itself: the refit is a job (`prepare` / `adopt`, see
    `pairing.base`) that the rating screen runs in a worker thread, so a refit over 50,000
    samples (~40 ms) is never between a key press and the next pair; until it is in, pairs
    come from the last fit.
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        seed: int = PairingSettings.seed,
        history: Sequence[Rating] = (),
        prior_sd: float | None = None,
        refit_every: int = 1,
        defer_refit: bool = False,
        wait_for_ready: bool = False,
    ) -> None:
        import numpy as np

        super().__init__(samples, wait_for_ready)
        n = len(self._samples)
        self._prior_sd = prior_sd or bt.PRIOR_SD
        self._rng = np.random.default_rng(seed)
        self._win: list[int] = []
        self._los: list[int] = []
        self._tie: list[bool] = []
        self._scores = np.zeros(n)
        self._diag = np.full(n, 1.0 / self._prior_sd**2)  # H_ii: posterior precisions
        self._refit_every = max(1, refit_every)
        self._defer = defer_refit
        self._since = 0
        self.record(history)
        if self._since:
            self._refit()

    def _refit(self) -> None:
        self.adopt(self._fit_job()())

    def _fit_job(self) -> Job:
        import numpy as np

        return partial(
            _fit,
            len(self._samples),
            np.array(self._win, dtype=np.int64),
            np.array(self._los, dtype=np.int64),
            np.array(self._tie, dtype=bool),
            self._prior_sd,
            self._scores.copy(),
            len(self._win),
        )

    def record(self, ratings: Sequence[Rating]) -> None:

        self._note_pairs(ratings)
        added = 0
        for g in rank.games(ratings):
            if g.winner in self._index and g.loser in self._index:
                i, j = self._index[g.winner], self._index[g.loser]
                self._win.append(i)
                self._los.append(j)
                self._tie.append(g.tie)
                added += 1
                p = 1.0 / (1.0 + math.exp(self._scores[j] - self._scores[i]))
                self._diag[i] += p * (1 - p)  # until the next refit
                self._diag[j] += p * (1 - p)
        self._since += added
        if self._since >= self._refit_every and not self._defer:
            self._refit()

    def scores(self) -> dict[str, float]:
        """The current fit's score of every sample, by id (0 before any decision)."""
        return {s.id: float(v) for s, v in zip(self._samples, self._scores, strict=True)}

    def prepare(self) -> Job | None:
        """A refit when decisions arrived since the last one (with `defer_refit`)."""
        return self._fit_job() if self._since else None

    def adopt(self, result: object) -> None:
        assert isinstance(result, _Fit)
        self._scores, self._diag = result.scores, result.diag
        # decisions recorded while the job ran: in the variances until the next refit
        for i, j in zip(self._win[result.games :], self._los[result.games :], strict=True):
            p = 1.0 / (1.0 + math.exp(self._scores[j] - self._scores[i]))
            self._diag[i] += p * (1 - p)
            self._diag[j] += p * (1 - p)
        self._since = len(self._win) - result.games

    def next_pair(self) -> Pair | None:
        import numpy as np

        n = len(self._samples)
        usable = self._ok & self._ready
        if int(usable.sum()) < 2:
            return None
        var = 1.0 / self._diag
        if self._count[usable].min() < BALANCE_FIRST:
            # fewest comparisons first (ties: the most uncertain), so every sample keeps up
            order = np.lexsort((self._rng.random(n), -var, self._count))
        else:
            order = np.lexsort((self._rng.random(n), -urgency(self._scores, var, usable)))
        # partner: nearest in a draw widened by WINDOW, so pairs are close (informative)
        # but not always the same neighbours (a local-only graph ranks far pairs badly); the
        # posterior part is capped at WINDOW^2, or an uncertain sample's draw lands far away
        # and its comparisons are foregone conclusions
        spread = np.sqrt(np.minimum(var, WINDOW**2) + WINDOW**2)
        draw = self._scores + spread * self._rng.standard_normal(n)
        for i in order:
            i = int(i)
            if not usable[i]:
                continue
            allowed = usable.copy()
            allowed[i] = False
            if self._partners[i]:
                allowed[list(self._partners[i])] = False
            if not allowed.any():
                continue
            gap = np.where(allowed, np.abs(draw - draw[i]), np.inf)
            j = int(np.argmin(gap))
            self._pair_up(i, j)
            a, b = self._samples[i], self._samples[j]
            if self._rng.random() < 0.5:
                a, b = b, a
            return Pair(a=a, b=b)
        return None


@dataclass(frozen=True)
class _Fit:
    """A refit's result: scores, posterior precisions, and how many games it saw."""

    scores: np.ndarray
    diag: np.ndarray
    games: int


def _fit(
    n: int,
    win: np.ndarray,
    los: np.ndarray,
    tie: np.ndarray,
    prior_sd: float,
    x0: np.ndarray,
    games: int,
) -> _Fit:
    """The Bradley-Terry refit (any thread): warm-started from the last scores."""
    import numpy as np

    scores = bt.fit_arrays(n, win, los, tie, prior_sd, x0=x0, tol=1e-4)  # a guide, not a report
    diag = np.full(n, 1.0 / prior_sd**2)
    if len(win):
        p = 1.0 / (1.0 + np.exp(-(scores[win] - scores[los])))
        w = p * (1.0 - p)
        diag += np.bincount(win, w, n)
        diag += np.bincount(los, w, n)
    return _Fit(scores, diag, games)


def urgency(scores: np.ndarray, var: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """How much order one more comparison of each sample would settle: the usable samples
    scored within CROWD_BAND of it (per logit) times var^1.5 (see ActiveSource)."""
    import numpy as np

    usable = np.sort(scores[ok])
    crowd = np.searchsorted(usable, scores + CROWD_BAND) - np.searchsorted(
        usable, scores - CROWD_BAND
    )
    return crowd / (2 * CROWD_BAND) * var**1.5
