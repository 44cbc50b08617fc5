"""Racing for the best K: which comparisons settle the top of a corpus soonest.

A pure function of the games so far, for the `top` pairing strategy to wrap (as `choose`
is for `model`). The posterior is `rank`'s Bradley-Terry fit, with the preference model's
scores as prior means when there is a model, so that a sample never compared sits where
the model puts it (and the model's confidence decides how far it may stray: `prior_sd`).
From posterior draws (`analysis.best`) each sample gets `p_best`, its probability of being
among the best K; the samples whose membership is least certain (p_best(1 - p_best)
largest) are the anchors, never-compared samples that the model ranks high among them.
Each anchor is compared with its closest challenger across the boundary of the best K in
a Thompson draw (a sample of the posterior): if the draw puts the anchor in, the challenger
is the outsider nearest to it in that draw, else the insider nearest to it. Comparisons
that decide membership are asked; those among the sure winners or the sure losers are not.
Each sample appears at most once per batch, a pair already asked is never asked again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rater.analysis import best, bt
from rater.analysis.threads import one_thread

if TYPE_CHECKING:
    import numpy as np

DRAWS = 256  # posterior draws per refit: p_best within +-0.03 (one sd at p = 0.5)


@dataclass(frozen=True)
class Race:
    """One refit's answer: the pairs to ask, and the best K as `analysis.best` gives them."""

    pairs: tuple[tuple[int, int], ...]
    best: best.BestK
    scores: np.ndarray  # the MAP scores (the fit's order): a warm start for the next refit


@one_thread
def race(
    n: int,
    win: np.ndarray,
    los: np.ndarray,
    tie: np.ndarray,
    k: int,
    batch: int,
    *,
    prior_mean: np.ndarray | None = None,
    prior_sd: float = bt.PRIOR_SD,
    usable: np.ndarray | None = None,
    partners: Sequence[Collection[int]] = (),
    x0: np.ndarray | None = None,
    seed: int = 0,
    draws: int = DRAWS,
) -> Race:
    """Up to `batch` pairs (indices) that race for the best `k` of `n` samples (see the
    module docstring); `partners[i]`: whom sample i was paired with already (never again);
    `usable`: who may be paired."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ok = np.ones(n, bool) if usable is None else np.asarray(usable, bool)
    scores = bt.fit_arrays(n, win, los, tie, prior_sd, x0=x0, tol=1e-6, mean=prior_mean)
    h = bt.hessian(n, win, los, np.ones(len(win)), scores, prior_sd)
    chunks, method = best.laplace_draws(h, scores, draws, rng)
    kept: list[np.ndarray] = []

    def keep_some() -> Iterator[np.ndarray]:
        for chunk in chunks:
            if len(kept) < batch:
                kept.extend(chunk[: batch - len(kept)])
            yield chunk

    answer = best.best_k(scores, keep_some(), k, method)
    p = answer.p_best
    doubt = np.where(ok, p * (1.0 - p), -1.0)
    anchors = np.lexsort((rng.random(n), -doubt))
    taken = np.zeros(n, bool)
    pairs: list[tuple[int, int]] = []
    draw_no = 0
    for anchor in anchors:
        if len(pairs) >= batch or doubt[anchor] <= 0 or draw_no >= len(kept):
            break
        a = int(anchor)
        if taken[a]:
            continue
        theta = kept[draw_no]
        inside = np.zeros(n, bool)
        inside[np.argpartition(-theta, min(k, n) - 1)[: min(k, n)]] = True
        free = ok & ~taken
        free[a] = False
        if a < len(partners) and partners[a]:
            free[list(partners[a])] = False
        across = free & (inside != inside[a])
        pool = across if across.any() else free
        if not pool.any():
            continue
        gap = np.where(pool, np.abs(theta - theta[a]), np.inf)
        b = int(np.argmin(gap))
        pairs.append((a, b))
        taken[[a, b]] = True
        draw_no += 1
    return Race(tuple(pairs), answer, scores)
