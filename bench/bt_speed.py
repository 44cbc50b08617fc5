"""Bradley-Terry fit speed and agreement against `choix` (dev dependency), same data.

1. Sparse: 25,000 comparisons among 50,000 samples (outcomes drawn from BT with qualities
   ~ N(0, 1)). Our `rank.fit` on journal records (tie folding, MAP, standard errors) must
   take <= 1 s. choix's solvers are dense (an n x n matrix: 20 GB here), so choix runs
   per connected component, which is the same MAP problem because the Gaussian prior is
   isotropic: `opt_pairwise(alpha=1/(2 sd^2))` optimises exactly our objective.
2. Connected: 25,000 comparisons among 1,000 samples, one component. Both solvers see the
   whole problem; Spearman between our scores and choix's must be >= 0.99.

    .venv/bin/python bench/bt_speed.py
"""

from __future__ import annotations

import os
import time

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import spearmanr

from rater.analysis import bt, rank
from rater.core.records import Rating

PRIOR_SD = bt.PRIOR_SD
ALPHA = 1.0 / (2.0 * PRIOR_SD**2)  # choix penalises alpha * sum(theta^2)


def simulate(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = rng.normal(size=n)
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    clash = i == j
    j[clash] = (j[clash] + 1) % n
    first_wins = rng.random(m) < 1.0 / (1.0 + np.exp(q[j] - q[i]))
    return np.where(first_wins, i, j), np.where(first_wins, j, i)


def as_ratings(win: np.ndarray, los: np.ndarray) -> list[Rating]:
    return [
        Rating([], [], [], 0, (f"s{w}", f"s{lo}"), ("", "")) for w, lo in zip(win, los, strict=True)
    ]


def choix_by_component(n: int, win: np.ndarray, los: np.ndarray) -> np.ndarray:
    import choix

    graph = coo_matrix((np.ones(len(win)), (win, los)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    out = np.zeros(n)
    order = np.argsort(labels[win], kind="stable")
    comp_of_game = labels[win][order]
    bounds = np.flatnonzero(np.diff(comp_of_game)) + 1
    for games in np.split(order, bounds):
        members = np.unique(np.r_[win[games], los[games]])
        local = {g: k for k, g in enumerate(members)}
        data = [(local[w], local[lo]) for w, lo in zip(win[games], los[games], strict=True)]
        out[members] = choix.opt_pairwise(len(members), data, alpha=ALPHA)
    return out


def se_error(n: int, win: np.ndarray, los: np.ndarray, scores: np.ndarray) -> float:
    """Largest relative error of our standard errors against dense inverses, over the
    components big enough (> bt.BATCH_MAX) to be handled by belief propagation."""
    import scipy.sparse as sp

    var, _ = bt.variances(n, win, los, np.ones(len(win)), scores, PRIOR_SD)
    p = 1.0 / (1.0 + np.exp(-(scores[win] - scores[los])))
    w = p * (1.0 - p)
    h = sp.coo_matrix((np.r_[-w, -w], (np.r_[win, los], np.r_[los, win])), shape=(n, n))
    diag = np.bincount(win, w, n) + np.bincount(los, w, n) + 1.0 / PRIOR_SD**2
    h = (h + sp.diags(diag)).tocsr()
    _, labels = connected_components(h, directed=False)
    worst = 0.0
    for c in np.flatnonzero(np.bincount(labels) > bt.BATCH_MAX):
        members = np.flatnonzero(labels == c)
        exact = np.diag(np.linalg.inv(h[members][:, members].toarray()))
        worst = max(worst, float(np.max(np.abs(np.sqrt(var[members] / exact) - 1.0))))
    return worst


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t0


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)")
    n, m = 50_000, 25_000
    win, los = simulate(n, m, seed=0)
    ratings = as_ratings(win, los)
    _, cold = timed(rank.fit, ratings)  # includes importing numpy/scipy pieces
    warm = min(timed(rank.fit, ratings)[1] for _ in range(3))  # the machine is shared
    ranking = rank.fit(ratings)
    ours, arrays_only = timed(bt.fit_arrays, n, win, los, None, PRIOR_SD)
    ncomp, _ = connected_components(
        coo_matrix((np.ones(m), (win, los)), shape=(n, n)), directed=False
    )
    print(
        f"sparse: {m} comparisons among {n} samples ({ncomp} components, "
        f"{len(ranking.rows)} samples compared)"
    )
    print(
        f"  rank.fit on records (fold ties, MAP, standard errors {ranking.se_method}): "
        f"{warm:.3f} s warm, {cold:.3f} s first call  (target <= 1 s)"
    )
    print(f"  MAP scores only (fit_arrays): {arrays_only:.3f} s")
    print(
        f"  standard errors vs dense inverse, components > {bt.BATCH_MAX}: "
        f"max relative error {se_error(n, win, los, ours):.1e}"
    )
    theirs, t_choix = timed(choix_by_component, n, win, los)
    touched = np.unique(np.r_[win, los])
    print(
        f"  choix.opt_pairwise per component: {t_choix:.2f} s -> choix / ours (scores): "
        f"{t_choix / arrays_only:.0f}x; choix / ours (with SEs): {t_choix / warm:.0f}x"
    )
    print(
        f"  max |ours - choix| = {np.max(np.abs(ours - theirs)):.2e}; Spearman "
        f"{spearmanr(ours[touched], theirs[touched]).statistic:.4f}"
    )

    n, m = 1_000, 25_000
    win, los = simulate(n, m, seed=1)
    ncomp, _ = connected_components(
        coo_matrix((np.ones(m), (win, los)), shape=(n, n)), directed=False
    )
    assert ncomp == 1, "the connected data set must be one component"
    ours, t_ours = timed(bt.fit_arrays, n, win, los, None, PRIOR_SD)
    ranking, t_ours_se = timed(rank.fit, as_ratings(win, los))
    import choix

    data = list(zip(win.tolist(), los.tolist(), strict=True))
    opt, t_opt = timed(choix.opt_pairwise, n, data, ALPHA)
    ilsr, t_ilsr = timed(choix.ilsr_pairwise, n, data, 0.01)
    print(f"connected: {m} comparisons among {n} samples (1 component)")
    print(
        f"  ours: {t_ours:.3f} s (scores), {t_ours_se:.3f} s "
        f"(rank.fit with standard errors, {ranking.se_method})"
    )
    print(
        f"  choix.opt_pairwise: {t_opt:.2f} s ({t_opt / t_ours:.0f}x ours); "
        f"Spearman {spearmanr(ours, opt).statistic:.5f}; "
        f"max |diff| {np.max(np.abs(ours - opt)):.1e}"
    )
    print(
        f"  choix.ilsr_pairwise(alpha=0.01): {t_ilsr:.2f} s ({t_ilsr / t_ours:.0f}x ours); "
        f"Spearman {spearmanr(ours, ilsr).statistic:.5f}  (target >= 0.99)"
    )


if __name__ == "__main__":
    main()
