"""Bradley-Terry on feature differences: learning which content wins, and how well.

A decision "a beat b" says sigmoid(w . (f(a) - f(b))) should be high: logistic regression
without an intercept on the difference rows (scikit-learn's LogisticRegression, L2). A tie is
half a win each way. Each decisive row gets a random sign (a flipped row is the same
evidence) so both classes are present whatever the order the journal stored pairs in.

How good the model is must be measured on samples it has not seen, since that is what it is
for (scoring a generator's new output): the cross-validation folds are folds of *samples*;
a held-out pair has both samples in the held-out fold, and training uses only pairs with
neither, so no held-out sample is ever seen in training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

LARGE = 10_000  # games from which 3 folds replace 5: a third of the cost, test pairs aplenty

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Games:
    """Decisions as sample indices: `first` won unless `tie`."""

    first: np.ndarray
    second: np.ndarray
    tie: np.ndarray

    def __len__(self) -> int:
        return len(self.first)

    def take(self, mask: np.ndarray) -> Games:
        return Games(self.first[mask], self.second[mask], self.tie[mask])


@dataclass(frozen=True)
class Rows:
    """Logistic-regression rows of games: feature differences, labels, weights, and which
    game each row came from (so cross-validation can select rows by game)."""

    diff: Any
    y: np.ndarray
    weight: np.ndarray
    game: np.ndarray

    def take(self, games: np.ndarray) -> Rows:
        """The rows of the games in the boolean mask `games`."""
        keep = games[self.game]
        return Rows(self.diff[keep], self.y[keep], self.weight[keep], self.game[keep])


def rows(x: Any, games: Games, seed: int = 0) -> Rows:
    """Decisive games one row each with a random sign; ties two rows of weight 1/2 with
    opposite labels."""
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    dec, tie = np.flatnonzero(~games.tie), np.flatnonzero(games.tie)
    game = np.r_[dec, tie, tie]
    flip = rng.random(len(dec)) < 0.5
    if len(dec) > 1 and not tie.size and (flip.all() or not flip.any()):
        flip[0] = not flip[0]  # both labels present, or the solver refuses (1 in 2^(n-1))
    sign = np.r_[np.where(flip, -1.0, 1.0), np.ones(2 * len(tie))]
    y = np.r_[(~flip).astype(int), np.ones(len(tie), int), np.zeros(len(tie), int)]
    diff = sp.csr_matrix(sp.diags(sign) @ (x[games.first[game]] - x[games.second[game]]))
    weight = np.r_[np.ones(len(dec)), np.full(2 * len(tie), 0.5)]
    return Rows(diff, y, weight, game)


def fit_rows(r: Rows, C: float) -> np.ndarray:
    """Weights w (one per feature column) with sigmoid(w . row) = P(label 1), L2 penalty.

    Only the columns some row uses are handed to the solver (the others get weight 0 anyway
    under L2), which keeps a fit on 100 ratings of 2^18 hashed columns fast; BLAS runs
    single-threaded, since these are small vector operations that threads only slow down on
    a busy machine (10x measured on 2 shared cores). Newton-CG: the music block is
    correlated (condition number ~600), where L-BFGS took 158 iterations (6.6 s at 25,000
    games) and Newton-CG 6 (4.0 s) to an objective within 2e-4 of the optimum.
    """
    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    coef = np.zeros(r.diff.shape[1])
    if not len(r.y):
        return coef
    diff, y, w = r.diff, r.y, r.weight
    if len(set(y.tolist())) < 2:  # one decisive game: a fit needs both labels
        diff, y, w = sp.vstack([diff, -diff], format="csr"), np.r_[y, 1 - y], np.r_[w, w] / 2
    used = np.flatnonzero(np.bincount(diff.indices, minlength=diff.shape[1]))
    model = LogisticRegression(C=C, fit_intercept=False, solver="newton-cg", tol=1e-3)
    with threadpool_limits(1):
        model.fit(diff[:, used], y, sample_weight=w)
    coef[used] = model.coef_.ravel()
    return coef


def train(x: Any, games: Games, C: float, seed: int = 0) -> np.ndarray:
    """Weights w so that sigmoid(w . (x_a - x_b)) = P(a beats b), from the games."""
    return fit_rows(rows(x, games, seed), C)


def correct(scores: np.ndarray, games: Games) -> tuple[float, int]:
    """(decisive games the scores order right, decisive games); equal scores count half."""
    import numpy as np

    dec = ~games.tie
    d = scores[games.first[dec]] - scores[games.second[dec]]
    return float(np.sum(d > 0) + 0.5 * np.sum(d == 0)), int(dec.sum())


@dataclass(frozen=True)
class Accuracy:
    """Held-out pairwise accuracy: k of n decisive games ordered right, Wilson 95% interval."""

    right: float
    n: int
    share: float = 1.0  # of the ratings used (the learning curve)
    train_games: int = 0  # games the fold models were trained on, summed over folds
    games: int = 0  # the games this share is: the learning curve's x

    @property
    def value(self) -> float:
        return self.right / self.n if self.n else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        if not self.n:
            return (math.nan, math.nan)
        n, p, z = self.n, self.right / self.n, Z95
        den = 1 + z * z / n
        mid = (p + z * z / (2 * n)) / den
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
        return max(0.0, mid - half), min(1.0, mid + half)


def folds_for(games: int, folds: int | None) -> int:
    """The fold count to use: the one asked for, else 5, or 3 for LARGE or more games
    (three folds test a third of the games and train each model on 4/9 of them, which is
    plenty at that size and cuts cross-validation's time 2.4-fold)."""
    if folds is not None:
        return folds
    return 3 if games >= LARGE else 5


def sample_folds(n_samples: int, folds: int, seed: int) -> np.ndarray:
    """Fold number of every sample (scikit-learn KFold over the samples, shuffled)."""
    import numpy as np
    from sklearn.model_selection import KFold

    fold = np.zeros(n_samples, dtype=int)
    k = max(2, min(folds, n_samples))
    for f, (_, test) in enumerate(KFold(k, shuffle=True, random_state=seed).split(fold)):
        fold[test] = f
    return fold


def split(games: Games, fold: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(train mask, test mask) for fold k: test pairs lie inside the fold, training pairs
    entirely outside it; pairs that straddle it are in neither."""
    a, b = fold[games.first] == k, fold[games.second] == k
    return ~a & ~b, a & b


def cross_validate(
    x: Any,
    games: Games,
    C: float,
    folds: int = 5,
    seed: int = 0,
    share: float = 1.0,
    prepared: Rows | None = None,
) -> Accuracy:
    """Pairwise accuracy on held-out samples (see the module docstring), training on a
    random `share` of the games; `prepared` = rows(x, games, seed), to reuse."""
    import numpy as np

    every = prepared if prepared is not None else rows(x, games, seed)
    use = np.ones(len(games), bool)
    if share < 1.0:
        use[:] = False
        pick = np.random.default_rng(seed + 1).permutation(len(games))
        use[pick[: max(1, round(share * len(games)))]] = True
    fold = sample_folds(x.shape[0], folds, seed)
    right, n, trained = 0.0, 0, 0
    for k in range(int(fold.max()) + 1):
        tr, te = split(games, fold, k)
        tr, te = tr & use, te & use
        if not te.any() or not tr.any():
            continue
        w = fit_rows(every.take(tr), C)
        r, m = correct(x @ w, games.take(te))
        right, n, trained = right + r, n + m, trained + int(tr.sum())
    return Accuracy(right, n, share, trained, int(use.sum()))
