"""Which comparisons would teach the preference model most: a pure function of a fitted
model and candidate samples, for the `model` pairing strategy to wrap.

The model is for scoring samples nobody rated, so a comparison is worth what it takes off
the uncertainty of the scores of the candidate pool: with the Laplace posterior S of the
weights, one more comparison of a and b (feature difference d, predicted p = P(a wins),
h = p(1-p)) is a rank-one update, and the summed variance of the pool's scores drops by
h |X S d|^2 / (1 + h d'Sd) (V-optimal design). A pair the model already calls with
confidence (h small) teaches little; so does a pair whose features barely differ, or
differ only where the model is sure, or only in directions no other sample shares (two
outliers of noise: big parameter uncertainty, nothing in the pool depends on it). In
bench/model_sim.py this criterion reached held-out AUC 0.9 with 45 ratings against 85 for
p(1-p) d'Sd (the expected information about the weights) and 205 for random pairs
(medians of 8 repetitions).

The work is bounded whatever the corpus: `ANCHORS_PER_PAIR` anchors per pair asked for,
`PARTNERS` partners, and the pool's variance summed over a random `POOL` of its samples
(an unbiased estimate of the whole pool's, up to a factor that does not change which pair
wins); only those rows are scored and embedded, so choosing at 50,000 samples costs what it
costs at 2,000.

Candidates are drawn partly from the least-compared samples, so samples never compared
keep entering, and each sample appears at most once per batch, so one refit's batch is not
ten variations of one question. With y = the rows after `PreferenceModel.embed`,
d'Sd = |y_a - y_b|^2 and X S d = Y (y_a - y_b), so a block of anchors x partners costs a
few sparse products; the text block of Y'Y is taken as diagonal, like its precision.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from rater.analysis.model.preference import M, PreferenceModel

if TYPE_CHECKING:
    import numpy as np

ANCHORS_PER_PAIR = 4  # anchors considered per pair asked for
PARTNERS = 96  # partners each anchor is weighed against
POOL = 2048  # pool rows whose variance a comparison is judged by; a larger pool is sampled


def pool_variance_drop(
    y: Any,
    pool: np.ndarray,
    anchors: np.ndarray,
    partners: np.ndarray,
    p: np.ndarray,
    v: np.ndarray,
) -> np.ndarray:
    """How much one comparison of each (anchor, partner) would shrink the summed posterior
    variance of the pool's scores (see the module docstring); `y`: embedded rows, `p`, `v`:
    predicted win chance and difference variance per (anchor, partner)."""
    import numpy as np

    yp_all = y[pool]
    dense = yp_all[:, :M].toarray()
    g_m = dense.T @ dense
    text = yp_all[:, M:]
    g_t = np.asarray(text.multiply(text).sum(axis=0)).ravel()
    am, pm = y[anchors][:, :M].toarray(), y[partners][:, :M].toarray()
    d = am[:, None, :] - pm[None, :, :]
    q = np.einsum("ijk,kl,ijl->ij", d, g_m, d)
    at, pt = y[anchors][:, M:], y[partners][:, M:]
    qa = np.asarray(at.multiply(at) @ g_t).ravel()
    qp = np.asarray(pt.multiply(pt) @ g_t).ravel()
    cross = (at.multiply(g_t[None, :]).tocsr() @ pt.T).toarray()
    q = q + np.maximum(qa[:, None] + qp[None, :] - 2 * cross, 0.0)
    h = p * (1.0 - p)
    return h * q / (1.0 + h * v)


def choose_pairs(
    model: PreferenceModel,
    x: Any,
    n: int,
    counts: np.ndarray,
    decided: Collection[frozenset[int]] = (),
    seed: int = 0,
    usable: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Up to n pairs of row indices of `x` (candidate feature rows, `model.matrix`), most
    informative first. `counts[i]`: comparisons candidate i already has; `decided`: pairs
    never to ask again; `usable`: a mask of candidates that may be paired (default all)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    total = x.shape[0]
    ok = np.ones(total, bool) if usable is None else np.asarray(usable, bool)
    pool = np.flatnonzero(ok)
    if len(pool) < 2 or n <= 0:
        return []
    k = min(len(pool), max(2, ANCHORS_PER_PAIR * n))
    fewest = pool[np.lexsort((rng.random(len(pool)), np.asarray(counts)[pool]))][: k // 2]
    rest = np.setdiff1d(pool, fewest)
    anchors = np.r_[fewest, rng.choice(rest, min(len(rest), k - len(fewest)), replace=False)]
    partners = rng.choice(pool, min(len(pool), PARTNERS), replace=False)
    # the work is bounded at any corpus size: only these rows are scored and embedded
    judged = pool if len(pool) <= POOL else rng.choice(pool, POOL, replace=False)
    rows = np.unique(np.r_[anchors, partners, judged])
    at = np.asarray(np.searchsorted(rows, anchors))
    pt = np.asarray(np.searchsorted(rows, partners))
    some = x[rows]
    scores = model.scores(some)
    y = model.embed(some)
    ya, yp = y[at], y[pt]
    qa = np.asarray(ya.multiply(ya).sum(axis=1)).ravel()
    qp = np.asarray(yp.multiply(yp).sum(axis=1)).ravel()
    v = np.maximum(qa[:, None] + qp[None, :] - 2 * (ya @ yp.T).toarray(), 0.0)
    p = 1.0 / (1.0 + np.exp(-(scores[at][:, None] - scores[pt][None, :])))
    gain = pool_variance_drop(y, np.asarray(np.searchsorted(rows, judged)), at, pt, p, v)
    gain[anchors[:, None] == partners[None, :]] = -1.0
    out: list[tuple[int, int]] = []
    taken: set[int] = set()
    for flat in np.argsort(-gain, axis=None):
        i, j = divmod(int(flat), len(partners))
        a, b = int(anchors[i]), int(partners[j])
        if gain[i, j] < 0 or a in taken or b in taken or frozenset((a, b)) in decided:
            continue
        out.append((a, b))
        taken.update((a, b))
        if len(out) == n:
            break
    return out
