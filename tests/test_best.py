"""The best K: p_best from posterior draws (checked against MCMC), `rank --best` and `--out`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from rater.analysis import best, bt, rank
from rater.cli import main
from rater.core.corpus import read_samples, sample_id
from rater.core.records import Rating


def games(seed: int, n: int = 12, m: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """m games among n samples of qualities ~ N(0, 1.2^2): ~7 games each, so the posterior
    is wide and skewed, where a Gaussian approximation is most likely to be off."""
    rng = np.random.default_rng(seed)
    q = rng.normal(0, 1.2, n)
    i = rng.integers(0, n, m)
    j = (i + rng.integers(1, n, m)) % n
    first = rng.random(m) < 1 / (1 + np.exp(q[j] - q[i]))
    return np.where(first, i, j), np.where(first, j, i)


def metropolis(
    n: int, win: np.ndarray, los: np.ndarray, cov: np.ndarray, steps: int = 5000
) -> np.ndarray:
    """Draws from the exact posterior (Bradley-Terry likelihood, N(0, PRIOR_SD^2) prior):
    64 random-walk Metropolis chains, proposals scaled 2.38^2/d (Roberts-Rosenthal)."""
    rng = np.random.default_rng(1)

    def log_post(s: np.ndarray) -> np.ndarray:
        d = s[:, win] - s[:, los]
        return -np.logaddexp(0, -d).sum(1) - 0.5 * (s * s).sum(1) / bt.PRIOR_SD**2

    root = np.linalg.cholesky(cov * 2.38**2 / n)
    s = rng.multivariate_normal(np.zeros(n), cov, 64)
    lp = log_post(s)
    kept = []
    for t in range(steps):
        prop = s + rng.standard_normal(s.shape) @ root.T
        lq = log_post(prop)
        ok = np.log(rng.random(len(s))) < lq - lp
        s[ok], lp[ok] = prop[ok], lq[ok]
        if t >= 1000:
            kept.append(s.copy())
    return np.concatenate(kept)


@pytest.mark.parametrize("seed", [0, 2])
def test_p_best_from_laplace_draws_agrees_with_mcmc(seed: int) -> None:
    n, k = 12, 3
    win, los = games(seed)
    s = bt.fit_arrays(n, win, los)
    h = bt.hessian(n, win, los, np.ones(len(win)), s, bt.PRIOR_SD)
    chunks, method = best.laplace_draws(h, s, 20_000, np.random.default_rng(0))
    laplace = best.best_k(s, chunks, k, method)
    draws = metropolis(n, win, los, np.linalg.inv(h.toarray()))
    top = np.argpartition(-draws, k - 1, axis=1)[:, :k]
    exact = np.bincount(top.ravel(), minlength=n) / len(draws)
    assert method == "laplace"
    # the case is uncertain: the MAP set alone (p = 0 or 1) would be far off
    map_only = np.isin(np.arange(n), np.argsort(-s)[:k]).astype(float)
    assert np.abs(map_only - exact).max() > 0.3
    assert np.abs(laplace.p_best - exact).max() < 0.1
    # the Gaussian is a little less sure than the exact posterior here, never more
    sure = np.sort(exact)[-k:].mean()
    assert sure - 0.08 < laplace.sure < sure + 0.01
    assert laplace.p_best.sum() == pytest.approx(k)


def test_best_k_chooses_the_highest_p_best_and_says_how_sure() -> None:
    scores = np.array([3.0, 2.9, 0.0, -1.0])
    var = np.array([0.01, 0.01, 4.0, 0.01])
    rng = np.random.default_rng(0)
    answer = best.best_k(scores, best.independent_draws(scores, var, 4000, rng), 2)
    assert sorted(answer.chosen.tolist()) == [0, 1]
    assert 0.7 < answer.sure < 1.0  # sample 2 is wide enough to be in the best 2 at times
    assert answer.p_best[3] == 0.0 and answer.p_best[2] > 0.05


def test_draws_of_separate_blocks_keep_their_own_covariance() -> None:
    """Two components of different sizes and a never-compared sample: each block's draws
    have the covariance H^-1 of that block."""
    n = 6
    win = np.array([0, 1, 0, 3, 3])
    los = np.array([1, 2, 2, 4, 4])
    s = bt.fit_arrays(n, win, los)
    h = bt.hessian(n, win, los, np.ones(len(win)), s, bt.PRIOR_SD)
    chunks, _ = best.laplace_draws(h, s, 40_000, np.random.default_rng(3))
    draws = np.concatenate(list(chunks))
    exact = np.linalg.inv(h.toarray())
    assert np.abs(np.cov(draws.T) - exact).max() < 0.25  # entries up to 9 (the prior)
    assert np.abs(draws.mean(0) - s).max() < 0.05


def rec(a: str, b: str, best: int = 0, source: str = "gen.abc") -> Rating:
    return Rating(
        query=[],
        sample0=[1],
        sample1=[2],
        best=best,
        ids=(sample_id(tune(a)), sample_id(tune(b))),
        texts=(tune(a), tune(b)),
        sources=(source, source),
        rater="ann",
        numbers=(int(a), int(b)),
    )


def tune(k: str) -> str:
    notes = "ABcdefga"
    return f"X:1\nT:Tune {k}\nM:4/4\nK:D\n{notes[int(k) % 8]}Bcd efga|gfed cBA{notes[int(k) // 8]}|"


def ladder(tmp_path: Path, n: int = 8) -> Path:
    """Sample k beats every sample below it, twice: the order is clear, the top less so."""
    ratings = [rec(str(hi), str(lo)) for hi in range(n) for lo in range(hi) for _ in range(2)]
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r.to_json()) + "\n" for r in ratings))
    return path


def test_rank_best_writes_p_best_and_the_best_as_samples(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    journal = ladder(tmp_path)
    csv, out = tmp_path / "s.csv", tmp_path / "best.abc"
    assert main(["rank", str(journal), "--best", "3", "--csv", str(csv), "--out", str(out)]) == 0
    lines = csv.read_text().splitlines()
    assert lines[0].endswith(",number,p_best")
    p = {ln.split(",")[0]: float(ln.split(",")[-1]) for ln in lines[1:]}
    assert sum(p.values()) == pytest.approx(3, abs=1e-6)
    top3 = [sample_id(tune(k)) for k in ("7", "6", "5")]
    assert min(p[i] for i in top3) > max(v for i, v in p.items() if i not in top3)
    shown = capsys.readouterr().out
    assert "best 3: " in shown and "% sure" in shown and "p_best" in shown
    # the file is a samples file with the same ids, best first, notes as comments
    written = read_samples([str(out)])
    assert [s.id for s in written] == top3
    text = out.read_text()
    assert f"% id: {top3[0]}" in text and "% source: gen.abc #7" in text
    assert "% score: +" in text and "% p_best: " in text
    assert all("%" not in s.text for s in written)


def test_rank_out_needs_best_and_refuses_what_is_not_a_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    journal = str(ladder(tmp_path, 4))
    fifo = tmp_path / "fifo.abc"
    os.mkfifo(fifo)
    link = tmp_path / "link.abc"
    link.symlink_to(tmp_path / "elsewhere.abc")
    cases = [
        (["--out", str(tmp_path / "b.abc")], "give --best K"),
        (["--best", "0"], "--best must be at least 1"),
        (["--best", "2", "--out", str(fifo)], "FIFO"),
        (["--best", "2", "--out", "/dev/null"], "device"),
        (["--best", "2", "--out", str(link)], "symlink"),
        (["--best", "2", "--out", journal], "input"),
    ]
    for extra, words in cases:
        assert main(["rank", journal, *extra]) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith("rater: ") and err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "elsewhere.abc").exists()


def test_a_source_with_a_line_break_stays_in_its_comment(tmp_path: Path) -> None:
    """Sources come from journals (untrusted): one cannot add lines to the tunes written."""
    r = rec("1", "0", source="evil\nX:9\nT:Injected\nK:C\nccc|")
    journal = tmp_path / "r.jsonl"
    journal.write_text(json.dumps(r.to_json()) + "\n")
    out = tmp_path / "b.abc"
    assert main(["rank", str(journal), "--best", "2", "--out", str(out)]) == 0
    written = read_samples([str(out)])
    assert [s.id for s in written] == [sample_id(tune("1")), sample_id(tune("0"))]
    assert "Injected" not in "".join(s.text for s in written)


def test_ranking_rows_carry_p_best_only_when_asked() -> None:
    ratings = [rec("1", "0"), rec("2", "1"), rec("2", "0")]
    assert all(r.p_best is None for r in rank.fit(ratings).rows)
    ranking = rank.fit(ratings, best=1, draws=500)
    assert ranking.best is not None and ranking.best.ids[0] == sample_id(tune("2"))
    assert all(r.p_best is not None for r in ranking.rows)
