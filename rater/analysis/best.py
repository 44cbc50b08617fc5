"""Which samples are the best K, and how sure that is: draws from the Bradley-Terry posterior.

Curation and reward models need the top of a corpus. A sample's `p_best` is the posterior
probability that it is among the best K: the share of posterior draws in which it is. The
set to show is the K samples with the highest `p_best` (it has the largest expected number
of right members), and how sure it is (`sure`, the status bar's "top 10: 87% sure") is the
mean `p_best` of its members: the expected share of the set that truly belongs to the best K,
i.e. its expected precision. `rater rate --until 0.9` stops at that confidence.

The draws come from the Laplace approximation of the posterior, N(MAP, H^-1) with H the
Hessian at the MAP fit (`bt.hessian`): exact covariance per connected component up to
DENSE_MAX samples (a Cholesky factor per block, blocks of one size in one batched call),
independent marginals (belief propagation, as `bt.variances`) beyond, where `method` says
"marginal". Checked against a Metropolis sampler of the exact posterior (tests/test_best.py)
on 8 cases of 12 samples with ~7 games each (best 3), where a Gaussian is at its worst: each
sample's `p_best` within 0.04-0.08 of the exact one, and `sure` 0.03-0.06 lower than the
exact posterior's (0.77 against 0.82, 0.56 against 0.59): less sure, never more.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rater.analysis import bt

if TYPE_CHECKING:
    import numpy as np

DRAWS = 2000  # rank's posterior draws: p_best within +-0.011 (one sd at p = 0.5)
DENSE_MAX = 3000  # components up to this size are drawn with their full covariance
CHUNK = 64  # draws made at once (memory: CHUNK x samples floats)


@dataclass(frozen=True)
class BestK:
    """The best-K answer for one fit: per-sample `p_best`, the chosen set, how sure it is."""

    k: int
    p_best: np.ndarray  # per sample (the fit's order)
    chosen: np.ndarray  # indices of the K samples with the highest p_best, best first
    sure: float  # mean p_best of `chosen`: its expected precision
    draws: int
    method: str  # "laplace" (full covariance per block) or "marginal" (somewhere)


def laplace_draws(
    h: Any,
    scores: np.ndarray,
    count: int,
    rng: np.random.Generator,
    dense_max: int = DENSE_MAX,
) -> tuple[Iterator[np.ndarray], str]:
    """Chunks (c x n) of draws from N(scores, H^-1), H the sparse posterior Hessian; and the
    method ("laplace", or "marginal" when a block beyond `dense_max` got its marginals)."""
    import numpy as np
    import scipy.sparse as sp
    from scipy.linalg import solve_triangular

    h = sp.csr_matrix(h)
    parts = bt.blocks(h)
    sizes = parts.sizes
    diag = h.diagonal()
    big = [int(c) for c in np.flatnonzero(sizes > dense_max)]
    method = "marginal" if big else "laplace"
    factors: list[tuple[np.ndarray, np.ndarray]] = []  # (members (k, s), L (k, s, s))
    for size in np.unique(sizes):
        comps = np.flatnonzero(sizes == size)
        if size == 1 or size > dense_max:
            continue
        if size <= bt.BATCH_MAX:
            stack, members = parts.stacked(h, comps, int(size))
            factors.append((members, np.linalg.cholesky(stack)))
            continue
        for c in comps:
            members = parts.members(int(c))
            chol = np.linalg.cholesky(h[members][:, members].toarray())
            factors.append((members[None, :], chol[None, :, :]))
    sd = 1.0 / np.sqrt(diag)  # singletons: exact; blocks beyond dense_max: below
    if big:
        members = np.concatenate([parts.members(c) for c in big])
        sub = h[members][:, members]
        sd[members] = np.sqrt(bt.gabp_variances(sub, sub.diagonal()))

    def chunks() -> Iterator[np.ndarray]:
        left = count
        while left > 0:
            c = min(CHUNK, left)
            left -= c
            out = scores[None, :] + rng.standard_normal((c, len(scores))) * sd[None, :]
            for members, chol in factors:
                z = rng.standard_normal((chol.shape[0], chol.shape[1], c))
                if chol.shape[0] == 1:
                    x = solve_triangular(chol[0], z[0], lower=True, trans="T")[None]
                else:
                    x = np.linalg.solve(np.swapaxes(chol, 1, 2), z)
                # x: (k, s, c) with covariance H_block^-1 per column
                out[:, members.ravel()] = scores[members.ravel()][None, :] + x.reshape(-1, c).T
            yield out

    return chunks(), method


def best_k(
    scores: np.ndarray, chunks: Iterator[np.ndarray], k: int, method: str = "laplace"
) -> BestK:
    """p_best of every sample from posterior draws (any number of chunks), the K samples
    with the highest p_best (ties: the higher score) and how sure that set is."""
    import numpy as np

    n = len(scores)
    k = max(0, min(k, n))
    hits = np.zeros(n)
    total = 0
    for draw in chunks:
        total += draw.shape[0]
        if k == 0:
            continue
        if k == n:
            hits += draw.shape[0]
            continue
        top = np.argpartition(-draw, k - 1, axis=1)[:, :k]
        hits += np.bincount(top.ravel(), minlength=n)
    p = hits / max(1, total)
    chosen = np.lexsort((-scores, -p))[:k]
    sure = float(p[chosen].mean()) if k else 1.0
    return BestK(k, p, chosen, sure, total, method)


def independent_draws(
    scores: np.ndarray, var: np.ndarray, count: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Chunks of draws from independent N(score, var) per sample: the quick version for a
    pairing strategy that has only each sample's precision at hand."""
    import numpy as np

    sd = np.sqrt(var)
    left = count
    while left > 0:
        c = min(CHUNK, left)
        left -= c
        yield scores[None, :] + rng.standard_normal((c, len(scores))) * sd[None, :]
