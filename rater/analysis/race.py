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

The model is the prior of the samples never compared only (`model_prior`); a compared
sample has `rank`'s prior, so that how sure the best K are rests on the decisions, as
`rank --best` says it. A model learnt from a few dozen decisions is compressed and partly
wrong: with its scores as every sample's prior mean and a fixed sd of 1 logit (`rank
--model`'s), the best 2 of 16 poems, every pair decided once, were only "71% sure"; with
the sd fitted to every sample by moments, "99% sure" when 3 of the 5 were right.
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
MIN_PRIOR_SD = 0.3  # the least a sample may stray from its model score (logits)
WELL_COMPARED = 4  # games that make a sample's score the decisions' more than the prior's
MIN_WELL = 10  # well-compared samples needed before the model's scores are trusted


@dataclass(frozen=True)
class Race:
    """One refit's answer: the pairs to ask, and the best K as `analysis.best` gives them."""

    pairs: tuple[tuple[int, int], ...]
    best: best.BestK
    scores: np.ndarray  # the MAP scores (the fit's order): a warm start for the next refit


@one_thread
def model_prior(
    n: int,
    win: np.ndarray,
    los: np.ndarray,
    tie: np.ndarray,
    guide: np.ndarray,
    floor: float = MIN_PRIOR_SD,
) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's prior (means, sds): `rank`'s N(0, PRIOR_SD^2) for a sample with a game;
    for one never compared, a + b * guide (the model's scores, any scale) and sd tau. a, b
    and tau come from the samples with WELL_COMPARED games or more, whose scores (a fit
    without the model) hardly depend on the prior: a weighted regression on `guide`
    (weights 1 / (var_i + tau^2)), tau^2 the weighted mean of the squared residuals beyond
    their own variances (Fay-Herriot moments); b >= 0 (a model that gets it backwards adds
    nothing), tau from `floor` to PRIOR_SD. Fewer than MIN_WELL such samples: no model."""
    import numpy as np

    guide = np.asarray(guide, dtype=float)
    mean, sd = np.zeros(n), np.full(n, bt.PRIOR_SD)
    played = np.bincount(win, minlength=n) + np.bincount(los, minlength=n)
    well = played >= WELL_COMPARED
    if well.sum() < MIN_WELL:
        return mean, sd
    plain = bt.fit_arrays(n, win, los, tie, bt.PRIOR_SD, tol=1e-6)
    var = 1.0 / bt.hessian(n, win, los, np.ones(len(win)), plain, bt.PRIOR_SD).diagonal()
    design = np.c_[np.ones(n), guide]
    y, x, v = plain[well], design[well], var[well]
    tau2 = 1.0
    coef = np.zeros(2)
    for _ in range(50):
        w = 1.0 / (v + tau2)
        coef = np.linalg.lstsq(x * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
        if coef[1] < 0:
            coef = np.array([np.average(y, weights=w), 0.0])
        resid = y - x @ coef
        new = float(np.clip(np.sum(w * (resid**2 - v)) / np.sum(w), floor**2, bt.PRIOR_SD**2))
        done = abs(new - tau2) < 1e-4
        tau2 = new
        if done:
            break
    never = played == 0
    mean[never] = (design @ coef)[never]
    sd[never] = np.sqrt(tau2)
    return mean, sd


def race(
    n: int,
    win: np.ndarray,
    los: np.ndarray,
    tie: np.ndarray,
    k: int,
    batch: int,
    *,
    prior_mean: np.ndarray | None = None,
    prior_sd: float | np.ndarray = bt.PRIOR_SD,
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
    sd = None if np.ndim(prior_sd) == 0 else np.asarray(prior_sd, dtype=float)
    scores = bt.fit_arrays(
        n, win, los, tie, float(np.max(prior_sd)), x0=x0, tol=1e-6, mean=prior_mean, sd=sd
    )
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
