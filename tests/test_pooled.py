"""Each source's mean with its interval (`rank --by-source`): the hierarchical fit recovers
known means, its Polya-Gamma draws are right, sources sort naturally."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from rater.analysis import polya
from rater.analysis.pooled import natural_key, source_curve
from rater.cli import main
from rater.core.errors import RankError

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from pooled_sim import project  # noqa: E402  (the bench's simulated projects)
from test_rank import rec  # noqa: E402


def test_sources_sort_naturally() -> None:
    names = ["run/iter-10.abc", "run/iter-2.abc", "run/iter-1.abc", "base.abc"]
    assert sorted(names, key=natural_key) == [
        "base.abc",
        "run/iter-1.abc",
        "run/iter-2.abc",
        "run/iter-10.abc",
    ]


@pytest.mark.parametrize(("b", "c"), [(1.0, 0.0), (1.0, 3.0), (2.0, 0.5), (0.5, 8.0)])
def test_polya_gamma_draws_have_the_known_mean(b: float, c: float) -> None:
    """E PG(b, c) = b / (2c) tanh(c / 2) (b / 4 at c = 0)."""
    x = polya.polya_gamma(np.full(100_000, b), np.full(100_000, c), np.random.default_rng(0))
    mean = b / 4 if c == 0 else b / (2 * c) * np.tanh(c / 2)
    assert x.mean() == pytest.approx(mean, rel=0.01)


def test_intervals_cover_the_true_means_without_shrinking_them() -> None:
    """Projects whose samples have 3 games each, where the Laplace approximation shrank the
    differences between sources (estimated against true: slope 0.83-0.87) and its intervals
    covered 0.79 (see analysis/polya.py); bench/pooled_sim.py runs 200 projects."""
    rng = np.random.default_rng(7)
    hits, true_all, est_all = [], [], []
    for _ in range(8):
        mu, _tau, games = project(rng, sources=3, per=60, rounds=3)
        curve = source_curve(games, draws=400)
        true = mu - mu.mean()
        hits += [r.lo <= t <= r.hi for r, t in zip(curve.rows, true, strict=True)]
        true_all += list(true)
        est_all += [r.mean for r in curve.rows]
    assert sum(hits) >= 21, hits  # of 24
    slope = np.polyfit(true_all, est_all, 1)[0]
    assert 0.9 < slope < 1.2, slope


def test_a_clear_progression_is_recovered_in_order() -> None:
    rng = np.random.default_rng(3)
    mu = np.array([-1.5, -0.5, 0.5, 1.5])
    group = np.repeat(np.arange(4), 40)
    score = mu[group] + rng.normal(0.0, 0.5, len(group))
    from rater.analysis.games import Game

    games = []
    for _ in range(6):
        order = rng.permutation(len(group))
        for a, b in zip(order[:80], order[80:], strict=True):
            w, lo = (a, b) if rng.random() < 1 / (1 + np.exp(score[b] - score[a])) else (b, a)
            names = (f"iter-{2 ** group[w]}", f"iter-{2 ** group[lo]}")  # 1, 2, 4, 8
            games.append(Game(f"s{w}", f"s{lo}", False, names, "sim", False))
    curve = source_curve(games, draws=300)
    assert [r.source for r in curve.rows] == ["iter-1", "iter-2", "iter-4", "iter-8"]
    means = [r.mean for r in curve.rows]
    assert means == sorted(means)
    assert all(r.p_better is not None and r.p_better > 0.95 for r in curve.rows[1:])
    assert all(r.lo < m < r.hi for r, m in zip(curve.rows, mu - mu.mean(), strict=True))
    assert curve.rows[0].samples == 40 and curve.rows[0].p_better is None


def test_rank_by_source_prints_the_curve_in_natural_order(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    names = ["iter-10.abc", "iter-2.abc", "iter-9.abc"]
    level = {"iter-2.abc": -1.0, "iter-9.abc": 0.0, "iter-10.abc": 1.0}
    ids = [(f"{name[:-4]}-{k}", name) for name in names for k in range(12)]
    lines = []
    for _ in range(300):
        (a, sa), (b, sb) = (ids[k] for k in rng.choice(len(ids), 2, replace=False))
        first = rng.random() < 1 / (1 + np.exp(level[sb] - level[sa]))
        lines.append(json.dumps(rec(a, b, 0 if first else 1, sources=(sa, sb)).to_json()))
    journal = tmp_path / "r.jsonl"
    journal.write_text("\n".join(lines) + "\n")
    assert main(["rank", str(journal), "--by-source"]) == 0
    out = capsys.readouterr().out
    out = out[out.index("Sources in order") :]
    at = [out.index(f"│ {name}") for name in ("iter-2.abc", "iter-9.abc", "iter-10.abc")]
    assert at == sorted(at)
    assert "95% interval" in out and "P(> previous)" in out


def test_one_source_is_a_one_line_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    journal = tmp_path / "r.jsonl"
    journal.write_text(json.dumps(rec("a", "b", 0, sources=("g.abc", "g.abc")).to_json()) + "\n")
    assert main(["rank", str(journal), "--by-source"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at least two sources" in err
    with pytest.raises(RankError):
        source_curve([])
