"""Racing pairs for the best K (`analysis.race`): who is asked, and who is not."""

from __future__ import annotations

import numpy as np

from rater.analysis.race import race


def ladder(n: int, rounds: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Games among n samples of quality k (sample k beats j < k most of the time)."""
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, n * rounds)
    j = (i + rng.integers(1, n, n * rounds)) % n
    first = rng.random(len(i)) < 1 / (1 + np.exp(0.8 * (j - i)))
    return np.where(first, i, j), np.where(first, j, i)


def test_pairs_are_about_the_boundary_of_the_best_k() -> None:
    n, k = 30, 5
    win, los = ladder(n, 8)
    out = race(n, win, los, np.zeros(len(win), bool), k, 6)
    asked = [x for pair in out.pairs for x in pair]
    assert len(out.pairs) == 6 and len(set(asked)) == 12  # each sample once per batch
    # the sure losers (the bottom half) are never asked about
    assert all(x >= n // 2 for x in asked), out.pairs
    p = out.best.p_best
    doubtful = np.argsort(-(p * (1 - p)))[:6]
    assert {int(d) for d in doubtful} & set(asked)
    assert sorted(out.best.chosen.tolist()) == list(range(n - k, n)) or out.best.sure < 0.9


def test_pairs_already_asked_are_not_asked_again() -> None:
    n, k = 12, 3
    win, los = ladder(n, 6)
    partners = [set(range(n)) - {s} for s in range(n)]  # everyone met everyone
    out = race(n, win, los, np.zeros(len(win), bool), k, 4, partners=partners)
    assert out.pairs == ()
    partners[11] = set()  # sample 11 may meet anyone again: only pairs with it are asked
    out = race(n, win, los, np.zeros(len(win), bool), k, 4, partners=partners)
    assert out.pairs and all(11 in pair for pair in out.pairs)


def test_a_never_compared_sample_the_model_ranks_high_enters_the_race() -> None:
    n, k = 40, 3
    win, los = ladder(n - 1, 8)  # sample 39 has no games
    tie = np.zeros(len(win), bool)
    mean = np.zeros(n)
    level = np.sort(race(n, win, los, tie, k, 1, prior_mean=mean, prior_sd=1.0).scores)
    mean[n - 1] = level[-k]  # the model puts it among the best k, as close as it gets
    out = race(n, win, los, tie, k, 3, prior_mean=mean, prior_sd=1.0)
    assert 0.2 < out.best.p_best[n - 1] < 0.8
    assert any(n - 1 in pair for pair in out.pairs)
    mean[n - 1] = level[0]  # ... and among the worst: it is never asked about
    out = race(n, win, los, tie, k, 3, prior_mean=mean, prior_sd=1.0)
    assert out.best.p_best[n - 1] == 0.0
    assert all(n - 1 not in pair for pair in out.pairs)


def test_unusable_samples_are_never_paired() -> None:
    n = 20
    win, los = ladder(n, 5)
    usable = np.ones(n, bool)
    usable[[18, 19]] = False
    out = race(n, win, los, np.zeros(len(win), bool), 3, 5, usable=usable)
    assert out.pairs and all(18 not in p and 19 not in p for p in out.pairs)
