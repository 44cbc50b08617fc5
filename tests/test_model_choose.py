"""The pair chooser: informative, diverse, never a decided pair, new samples included."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rater.analysis.model import fit, learn, music
from rater.analysis.model.choose import choose_pairs, pool_variance_drop
from rater.analysis.model.features import Scaling, design, rows_of
from rater.analysis.model.preference import PreferenceModel
from rater.core.records import Sample
from rater.core.settings import FeatureSettings


def world(n: int = 80, seed: int = 0) -> tuple[PreferenceModel, Any, np.ndarray]:
    """Text samples whose taste is 'more x wins'; a model fitted on 40 games among the first
    20 samples, so most candidates were never compared."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 12, n)
    texts = [f"{'x' * int(k)} {'y' * int(12 - k)} tune {i % 7}" for i, k in enumerate(counts)]
    settings = FeatureSettings(kind="text", use_music=False)
    samples = [Sample(str(k), t, "", k, kind="text") for k, t in enumerate(texts)]
    x, scaling = design(rows_of(samples, settings), settings)
    a, b = rng.integers(0, 20, 60), rng.integers(0, 20, 60)
    keep = (a != b) & (counts[a] != counts[b])
    first = np.where(counts[a] > counts[b], a, b)[keep][:40]
    second = np.where(counts[a] > counts[b], b, a)[keep][:40]
    games = fit.Games(first, second, np.zeros(len(first), bool))
    model = learn.final_model(x, games, 1.0, settings, scaling)
    played = np.bincount(np.r_[first, second], minlength=n)
    return model, x, played


def test_embedding_distance_is_the_variance_of_the_difference() -> None:
    model, x, _ = world()
    y = model.embed(x)
    diff = x[:10] - x[10:20]
    dist = np.asarray((y[:10] - y[10:20]).multiply(y[:10] - y[10:20]).sum(axis=1)).ravel()
    assert np.allclose(dist, model.variance(diff), rtol=1e-6)


def test_pairs_are_distinct_usable_new_and_not_decided() -> None:
    model, x, played = world()
    decided = {frozenset((i, i + 1)) for i in range(0, 78, 2)}
    usable = np.ones(x.shape[0], bool)
    usable[[5, 50, 60]] = False
    pairs = choose_pairs(model, x, 10, played, decided, seed=1, usable=usable)
    flat = [i for p in pairs for i in p]
    assert len(pairs) == 10 and len(set(flat)) == 20
    assert not {frozenset(p) for p in pairs} & decided
    assert not set(flat) & {5, 50, 60}
    assert any(played[i] == 0 for i in flat)  # samples never compared come in
    assert pairs == choose_pairs(model, x, 10, played, decided, seed=1, usable=usable)


def dense_world(n: int = 60, seed: int = 0) -> tuple[PreferenceModel, Any]:
    """Music-only features (random, dense): small enough for the posterior by hand."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    settings = FeatureSettings(use_text=False, hash_bits=8)
    m = len(music.NAMES)
    raw = rng.normal(size=(n, m))
    x = sp.hstack([sp.csr_matrix(raw), sp.csr_matrix((n, 2**8))], format="csr")
    truth = rng.normal(size=m)
    a, b = rng.integers(0, n, 80), rng.integers(0, n, 80)
    keep = a != b
    a_wins = raw[a] @ truth > raw[b] @ truth
    games = fit.Games(
        np.where(a_wins, a, b)[keep], np.where(a_wins, b, a)[keep], np.zeros(keep.sum(), bool)
    )
    scaling = Scaling((0.0,) * m, (1.0,) * m)
    return learn.final_model(x, games, 0.3, settings, scaling), x


def test_pool_variance_drop_is_the_rank_one_update() -> None:
    """What a comparison takes off the pool's summed score variance, against the posterior
    covariance updated by hand."""
    model, x = dense_world()
    m = len(music.NAMES)
    cov = model.covariance[0]
    pool = np.arange(x.shape[0])
    anchors, partners = np.array([0, 1, 2]), np.array([10, 11, 12, 13])
    scores = model.scores(x)
    y = model.embed(x)
    dense = x[:, :m].toarray()
    p = 1 / (1 + np.exp(-(scores[anchors][:, None] - scores[partners][None, :])))
    v = np.array([[(dense[a] - dense[b]) @ cov @ (dense[a] - dense[b]) for b in partners]
                  for a in anchors])  # fmt: skip
    got = pool_variance_drop(y, pool, anchors, partners, p, v)
    for i, a in enumerate(anchors):
        for j, b in enumerate(partners):
            d = dense[a] - dense[b]
            h = p[i, j] * (1 - p[i, j])
            after = cov - h * np.outer(cov @ d, cov @ d) / (1 + h * d @ cov @ d)
            want = np.einsum("ik,kl,il->", dense, cov - after, dense)
            assert got[i, j] == pytest.approx(want, rel=1e-6)


def test_it_prefers_pairs_that_shrink_the_pool_uncertainty() -> None:
    """Chosen pairs take far more off the pool's uncertainty than random ones would, and a
    pair of identical contents (nothing to learn) is never chosen."""
    model, x, played = world(n=120, seed=2)
    scores = model.scores(x)
    y = model.embed(x)
    pool = np.arange(120)
    pairs = choose_pairs(model, x, 15, played, seed=3)
    rng = np.random.default_rng(4)

    def drop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-(scores[a] - scores[b])))
        v = model.variance(x[a] - x[b])
        return np.array([
            pool_variance_drop(y, pool, a[k : k + 1], b[k : k + 1], p[k : k + 1, None],
                               v[k : k + 1, None])[0, 0]
            for k in range(len(a))
        ])  # fmt: skip

    chosen = drop(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    a, b = rng.integers(0, 120, 300), rng.integers(0, 120, 300)
    assert chosen.mean() > 2 * drop(a[a != b], b[a != b]).mean()
    assert all((x[i] != x[j]).nnz for i, j in pairs)


def test_nothing_to_choose_from() -> None:
    model, x, played = world()
    none = np.zeros(x.shape[0], bool)
    assert choose_pairs(model, x, 5, played, usable=none) == []
    assert choose_pairs(model, x, 0, played) == []


def test_choosing_at_any_size_scores_and_embeds_a_bounded_set_of_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 25: at 50,000 samples a choice must cost what it costs at a few thousand. The
    same pool below POOL gives the same pairs as ever; above it, only a bounded set of rows
    is scored and embedded, and the pairs are still usable, distinct and new."""
    import scipy.sparse as sp

    from rater.analysis.model import choose

    model, x, played = world()
    small = choose_pairs(model, x, 4, played, seed=2)
    seen: list[int] = []
    embed = PreferenceModel.embed
    monkeypatch.setattr(
        PreferenceModel, "embed", lambda self, m: seen.append(m.shape[0]) or embed(self, m)
    )
    monkeypatch.setattr(choose, "POOL", 200)
    assert choose_pairs(model, x, 4, played, seed=2) == small  # 80 rows: the whole pool
    big = sp.vstack([x] * 100, format="csr")  # 8,000 rows
    counts = np.tile(played, 100)
    pairs = choose_pairs(model, big, 4, counts, seed=2)
    assert seen[-1] <= 200 + 4 * 4 + choose.PARTNERS
    flat = [i for p in pairs for i in p]
    assert len(pairs) == 4 and len(set(flat)) == 8 and max(flat) < big.shape[0]
