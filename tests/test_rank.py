"""Bradley-Terry fit, win rates and the `rank` / `ab-report` commands, on known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rater.analysis import bt, rank
from rater.cli import main
from rater.core.errors import RankError
from rater.core.records import Rating


def rec(
    a: str,
    b: str,
    best: int = 0,
    *,
    tie: bool = False,
    rater: str = "ann",
    sources: tuple[str, str] = ("", ""),
    broken: int = 0,
) -> Rating:
    return Rating(
        query=[],
        sample0=[1],
        sample1=[2],
        best=best,
        ids=(a, b),
        texts=(f"X:1\nT:Tune {a}\nK:C\nabc|", f"X:1\nT:Tune {b}\nK:C\ncba|"),
        sources=sources,
        rater=rater,
        broken=broken,
        tie=tie,
    )


def tie(a: str, b: str, **kw: object) -> list[Rating]:
    """A tie as the journal writes it: two records, one each way."""
    return [rec(a, b, 0, tie=True, **kw), rec(a, b, 1, tie=True, **kw)]  # type: ignore[arg-type]


def scores(ranking: rank.Ranking) -> dict[str, float]:
    return {r.id: r.score for r in ranking.rows}


def test_three_cycle_gives_equal_scores() -> None:
    ranking = rank.fit([rec("a", "b"), rec("b", "c"), rec("c", "a")])
    s = scores(ranking)
    assert max(s.values()) - min(s.values()) < 1e-9
    assert len({round(r.se, 9) for r in ranking.rows}) == 1


def test_disconnected_components_stay_finite_and_comparable() -> None:
    ratings = [rec("a", "b")] * 3 + [rec("c", "d")] * 3 + [rec("e", "f")]
    s = scores(rank.fit(ratings))
    assert s["a"] == pytest.approx(s["c"], abs=1e-9)  # same evidence, same score
    assert s["a"] + s["b"] == pytest.approx(0.0, abs=1e-9)  # the prior centres each piece
    assert s["a"] > s["e"] > 0 > s["f"] > s["b"]
    # even a one-sided record of 200 games stays bounded: the prior holds it
    lopsided = scores(rank.fit([rec("x", "y")] * 200))
    assert 3.0 < lopsided["x"] < 10.0


def test_all_ties_give_equal_scores_and_tie_counts() -> None:
    ratings = tie("a", "b") + tie("b", "c") + tie("c", "a") + tie("a", "d")
    ranking = rank.fit(ratings)
    assert all(abs(r.score) < 1e-9 for r in ranking.rows)
    a = ranking.by_id()["a"]
    assert (a.wins, a.losses, a.ties) == (0, 0, 3)
    assert ranking.games == 4


def test_never_compared_sample_sits_at_the_prior() -> None:
    ranking = rank.fit([rec("a", "b"), rec("b", "c")], prior_sd=2.0, extra_ids=["z"])
    z = ranking.by_id()["z"]
    assert z.score == 0.0
    assert z.se == pytest.approx(2.0)
    assert all(z.se > r.se for r in ranking.rows if r.id != "z")


def test_clear_winner_ranks_first() -> None:
    ratings = [rec("a", o) for o in "bcde" for _ in range(2)]
    ratings += [rec("b", "c"), rec("d", "b"), rec("c", "e"), rec("e", "d", 1)]
    ranking = rank.fit(ratings)
    assert ranking.rows[0].id == "a"
    assert ranking.rows[0].wins == 8 and ranking.rows[0].losses == 0


def test_two_tie_records_count_as_one_tie() -> None:
    ranking = rank.fit(tie("a", "b") + [rec("a", "b")])
    a, b = ranking.by_id()["a"], ranking.by_id()["b"]
    assert (a.wins, a.losses, a.ties) == (1, 0, 1)
    assert (b.wins, b.losses, b.ties) == (0, 1, 1)
    one_tie = bt.fit_arrays(2, np.array([0, 0]), np.array([1, 1]), np.array([True, False]))
    two_ties = bt.fit_arrays(
        2, np.array([0, 0, 0]), np.array([1, 1, 1]), np.array([True, True, False])
    )
    assert a.score == pytest.approx(one_tie[0], abs=1e-9)
    assert a.score != pytest.approx(two_ties[0], abs=1e-3)


def test_lone_tie_record_still_counts_once() -> None:
    ranking = rank.fit([rec("a", "b", 0, tie=True)])
    assert ranking.by_id()["a"].ties == 1 and ranking.by_id()["a"].wins == 0
    assert ranking.by_id()["a"].score == pytest.approx(0.0, abs=1e-12)


def test_map_matches_choix_on_connected_data() -> None:
    choix = pytest.importorskip("choix")
    rng = np.random.default_rng(3)
    n, m, sd = 20, 150, 2.0
    q = rng.normal(size=n)
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = i != j
    i, j = i[keep], j[keep]
    wins = rng.random(len(i)) < 1 / (1 + np.exp(q[j] - q[i]))
    win, los = np.where(wins, i, j), np.where(wins, j, i)
    ours = bt.fit_arrays(n, win, los, prior_sd=sd)
    # choix penalises alpha * sum(theta^2); the same prior is alpha = 1 / (2 sd^2)
    theirs = choix.opt_pairwise(n, list(zip(win, los, strict=True)), alpha=1 / (2 * sd**2))
    assert np.max(np.abs(ours - theirs)) < 1e-3


def test_standard_errors_are_the_inverse_hessian_diagonal() -> None:
    ranking = rank.fit([rec("a", "b")], prior_sd=2.0)
    d = ranking.by_id()["a"].score - ranking.by_id()["b"].score
    p = 1 / (1 + math.exp(-d))
    w, prec = p * (1 - p), 0.25
    h = np.array([[w + prec, -w], [-w, w + prec]])
    expected = math.sqrt(np.linalg.inv(h)[0, 0])
    assert ranking.by_id()["a"].se == pytest.approx(expected, rel=1e-9)
    assert ranking.se_method == "exact"


def exact_variances(n: int, win: np.ndarray, los: np.ndarray, s: np.ndarray, sd: float):  # type: ignore[no-untyped-def]
    p = 1 / (1 + np.exp(-(s[win] - s[los])))
    h = np.eye(n) / sd**2
    for a, b, w in zip(win, los, p * (1 - p), strict=True):
        h[a, a] += w
        h[b, b] += w
        h[a, b] -= w
        h[b, a] -= w
    return np.diag(np.linalg.inv(h))


def test_big_tree_components_get_exact_variances_by_belief_propagation() -> None:
    rng = np.random.default_rng(0)
    n = 150  # one random tree: bigger than a batched block, no loops
    parent = np.array([rng.integers(0, k) for k in range(1, n)])
    child = np.arange(1, n)
    flip = rng.random(n - 1) < 0.5
    win, los = np.where(flip, parent, child), np.where(flip, child, parent)
    s = bt.fit_arrays(n, win, los, prior_sd=2.0)
    var, method = bt.variances(n, win, los, np.ones(n - 1), s, 2.0)
    assert method == "exact"
    assert np.allclose(var, exact_variances(n, win, los, s, 2.0), rtol=1e-8)


def test_big_loopy_components_beyond_the_limit_are_approximate_but_close() -> None:
    rng = np.random.default_rng(1)
    n, m = 120, 600
    win, los = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = win != los
    win, los = win[keep], los[keep]
    s = bt.fit_arrays(n, win, los, prior_sd=2.0)
    exact = exact_variances(n, win, los, s, 2.0)
    var, method = bt.variances(n, win, los, np.ones(len(win)), s, 2.0)
    assert method == "exact" and np.allclose(var, exact, rtol=1e-8)
    var, method = bt.variances(n, win, los, np.ones(len(win)), s, 2.0, exact_max=100)
    assert method == "approx"
    ratio = np.sqrt(var / exact)
    assert 0.85 < ratio.min() and ratio.max() <= 1.0 + 1e-9  # a slight underestimate


def test_broken_records_can_be_left_out() -> None:
    ratings = [rec("a", "b"), rec("c", "a", broken=1)]
    assert rank.fit(ratings).by_id()["a"].losses == 1
    assert "c" not in rank.fit(ratings, include_broken=False).by_id()


def test_no_usable_records_is_a_rank_error() -> None:
    with pytest.raises(RankError):
        rank.fit([])


def test_wilson_interval_known_values() -> None:
    lo, hi = rank.wilson(0, 10) or (9, 9)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = rank.wilson(5, 10) or (9, 9)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert rank.wilson(0, 0) is None


def test_head_to_head_counts_cross_source_games_and_ties_apart() -> None:
    ab = ("gen-a.abc", "gen-b.abc")
    ba = ("gen-b.abc", "gen-a.abc")
    ratings = [
        rec("a1", "b1", 0, sources=ab),  # A wins
        rec("b2", "a2", 1, sources=ba),  # A wins (shown on the right)
        rec("b3", "a3", 0, sources=ba),  # B wins
        *tie("a4", "b4", sources=ab),  # one tie
        rec("a5", "a6", 0, sources=("gen-a.abc", "gen-a.abc")),  # same source: ignored
    ]
    (row,) = rank.head_to_head(ratings)
    assert (row.source, row.opponent, row.wins, row.losses, row.ties) == (
        "gen-a.abc",
        "gen-b.abc",
        2,
        1,
        1,
    )
    assert row.sentence().startswith("gen-a.abc won 2 of 3 (66.7%, 95% CI 20.8–93.9%)")
    per_source = {w.source: w for w in rank.source_winrates(ratings)}
    assert (per_source["gen-b.abc"].wins, per_source["gen-b.abc"].ties) == (1, 1)


def write_journal(path, ratings: list[Rating]) -> str:  # type: ignore[no-untyped-def]
    path.write_text("".join(json.dumps(r.to_json()) + "\n" for r in ratings))
    return str(path)


def test_rank_command_table_and_csv(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ab = ("gen-a.abc", "gen-b.abc")
    journal = write_journal(
        tmp_path / "r.jsonl",
        [rec("a1", "b1", 0, sources=ab), rec("a1", "b2", 0, sources=ab), *tie("b1", "b2")],
    )
    out = tmp_path / "scores.csv"
    assert main(["rank", journal, "--csv", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "id,score,se,wins,losses,ties,source,number"
    assert len(lines) == 4 and lines[1].startswith("a1,")
    assert lines[1].endswith(",2,0,0,gen-a.abc,")  # no number in this hand-made journal
    shown = capsys.readouterr().out
    assert "Tune a1" in shown and "gen-a.abc against the other sources: people 2/2" in shown


def test_ab_report_command(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ab = ("gen-a.abc", "gen-b.abc")
    journal = write_journal(
        tmp_path / "r.jsonl", [rec("a1", "b1", 1, sources=ab), *tie("a2", "b2", sources=ab)]
    )
    assert main(["ab-report", journal]) == 0
    shown = capsys.readouterr().out
    assert "gen-a.abc against gen-b.abc: people 0/1" in shown and "1 tie" in shown


def test_commands_without_usable_records_fail_in_one_line(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    for command in ("rank", "ab-report"):
        assert main([command, str(empty)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("rater: ") and "\n" not in err


def test_drop_broken_leaves_auto_ratings_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ab = ("gen-a.abc", "gen-b.abc")
    journal = write_journal(
        tmp_path / "r.jsonl",
        [rec("a1", "b1", 0, sources=ab), rec("a2", "b2", 1, sources=ab, broken=1)],
    )
    out = tmp_path / "s.csv"
    assert main(["rank", journal, "--csv", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 5
    assert main(["rank", journal, "--csv", str(out), "--drop-broken"]) == 0
    assert [ln.split(",")[0] for ln in out.read_text().splitlines()[1:]] == ["a1", "b1"]


def test_rank_csv_that_is_an_input_journal_is_refused(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    journal = write_journal(tmp_path / "r.jsonl", [rec("a1", "b1", 0)])
    before = (tmp_path / "r.jsonl").read_bytes()
    for csv in (journal, str(tmp_path / "." / "r.jsonl")):
        assert main(["rank", journal, "--csv", csv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("rater: ") and err.count("\n") == 1 and "input journal" in err
    assert (tmp_path / "r.jsonl").read_bytes() == before


def issue_21_journal(path) -> str:  # type: ignore[no-untyped-def]
    """The blind A/B of issue 21: people decided 9 pairs (model_a won 5), and 6 pairs were
    auto-rated because model_b's sample was broken (model_a "won" all 6): with the
    automatic ones mixed in, model_a won 11 of 15 (73.3%); people say 5 of 9 (55.6%)."""
    ab, ba = ("model_a.txt", "model_b.txt"), ("model_b.txt", "model_a.txt")
    ratings = [rec(f"a{k}", f"b{k}", 0, sources=ab) for k in range(3)]  # A side won: model_a
    ratings += [rec(f"b{k}", f"a{k}", 1, sources=ba) for k in range(3, 5)]  # model_a on B
    ratings += [rec(f"a{k}", f"b{k}", 1, sources=ab) for k in range(5, 9)]  # model_b won 4
    ratings += [rec(f"a{k}", f"b{k}", 0, sources=ab, broken=1) for k in range(9, 15)]
    return write_journal(path, ratings)


def test_people_first_in_ab_report_and_rank(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    journal = issue_21_journal(tmp_path / "r.jsonl")
    assert main(["ab-report", journal]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("model_a.txt against model_b.txt: people 5/9 (55.6%")
    assert ", with automatic 11/15 (73.3%" in line
    assert line.index("people 5/9") < line.index("with automatic 11/15")
    assert main(["rank", journal, "--by-source"]) == 0
    out = capsys.readouterr().out
    assert "people 9 games, with automatic 15 (6 automatic" in out
    assert "model_a.txt against the other sources: people 5/9 (55.6%" in out
    assert "model_a.txt against model_b.txt: people 5/9 (55.6%" in out
    assert out.count("with automatic 11/15 (73.3%") == 2
    assert main(["ab-report", journal, "--drop-broken"]) == 0  # people only, said so
    dropped = capsys.readouterr().out
    assert "people 5/9 (55.6%" in dropped and "automatic decisions left out" in dropped


def test_people_first_in_stats(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    journal = issue_21_journal(tmp_path / "r.jsonl")
    assert main(["stats", journal, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert (got["human_decisions"], got["decisions"]) == (9, 15)
    assert got["people_sources"] == {"model_a.txt": 9, "model_b.txt": 9}
    assert got["sources"] == {"model_a.txt": 15, "model_b.txt": 15}
    assert main(["stats", journal]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.strip("│ ").startswith("decisions"))
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells == ["decisions", "9", "15"]  # people first, the automatic ones beside
