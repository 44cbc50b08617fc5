"""How fast the preference model learns a simulated rater's taste, from random pairs and
from pairs the model chooses (`rater.analysis.model.choose`).

Corpus (bench/model_corpus.py, seeded): human-written tunes from music21's O'Neill's and
Ryan's collections, and tunes from an order-5 character Markov chain trained on other tunes
of those books: moderate temperature (0.7, 1.0), low-temperature loops (0.05-0.2) and
high-temperature noise (6, 12). The simulated rater's taste is set by origin only (human >
Markov > loops > noise, utilities 1.5, 0.5, -0.5, -1.5, each decision sigmoid of the
difference), never by the features. Each repetition holds out TEST samples the rater never
sees; the model is fitted on the first N ratings and scores them:
- AUC: held-out human-written tunes against all generated ones;
- ordering accuracy: held-out pairs of different origins ordered as the taste orders them.

Strategies, same rater and held-out set:
- random: the seed workflow's `halves` round, then uniformly random pairs;
- model: BOOT pairs from `halves` (there is no model yet), then every BATCH ratings a
  refit (`learn.final_model`, what `rater model fit` fits last) and BATCH pairs from
  `choose.choose_pairs` (the interactive strategy would refit after every decision;
  12 repetitions up to 400 ratings, ratings to AUC 0.9 for good: batches of 5 needed 105,
  of 2 60; `--boot 4` 25, random pairs 165);
- naive baseline (random pairs): logistic regression on hashed character 1-3-gram count
  differences of the whole text, what the issue's baseline figures came from.
Fits use the fixed L2 setting of `rater model fit` (DEFAULT_C), the music features'
scaling fitted on the pool (unlabelled samples, as the CLI does on the journal's samples).
"Ratings to AUC 0.9" is per repetition the first grid point from which the AUC stays at
or above 0.9 (a fit on ten ratings is sometimes lucky), then the median.

Measured (20 repetitions, `--reps 20`, load 4-6 on 2 cores, ~30 min), medians at
100/200/300/400/800 ratings: held-out AUC random pairs 0.890 0.926 0.942 0.962 0.988,
model pairs 0.944 0.968 0.979 0.988 0.994; naive n-gram baseline 0.797 0.814 0.837 0.851
0.879; ordering accuracy random 0.872 0.905 0.924 0.941 0.969, model 0.904 0.944 0.958
0.971 0.980. Ratings to AUC 0.9: random 165, model 45 (0.27 of random's).

On branch i15b (8 repetitions, `--reps 8 --live`, load 2.8-3.9 on 2 cores, 17 min):
medians at 100/200/300/400/800 ratings: held-out AUC random pairs 0.886 0.925 0.940 0.955
0.984, model pairs 0.945 0.973 0.981 0.990 0.994, live source (the shipped ModelSource,
settle every 2 decisions) 0.955 0.957 0.970 0.971 0.982; naive baseline 0.782 0.803 0.831
0.845 0.870; ordering accuracy random 0.848 0.902 0.922 0.938 0.971, model 0.909 0.950
0.963 0.971 0.979, live 0.918 0.932 0.942 0.947 0.954. Ratings to AUC 0.9 for good
(median of repetitions): random 205, model 45 (0.22 of random's), live 25 (0.12; but 2 of
8 repetitions needed 250-300, and its AUC from 300 ratings on trails the model loop's).

    nice -n 10 .venv/bin/python bench/model_sim.py [--reps 20] [--max-ratings 800]
        [--boot 10] [--batch 2] [--live]
"""

from __future__ import annotations

import argparse
import statistics
import time

import model_corpus as mc
import numpy as np

from rater.analysis.model import fit, learn
from rater.analysis.model.choose import choose_pairs
from rater.analysis.model.features import Scaling, design, rows_of
from rater.core.settings import DEFAULT_C, FeatureSettings
from rater.rating.pairing import model as model_pairing

COUNTS = {"human": 1400, "markov": 700, "loops": 350, "noise": 350}
TEST = 600
TABLE = (100, 200, 300, 400, 800)
GRID = (*range(10, 200, 10), 200, 250, 300, 350, 400, 500, 600, 700, 800)
BOOT = model_pairing.BOOT  # the shipped strategy's constants, so the two cannot drift
BATCH = model_pairing.BATCH  # the TUI refits after every decision; 2 halves the run time
TARGET = 0.9


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(positive, scores))


def ordering(scores: np.ndarray, utility: np.ndarray) -> float:
    """Share of pairs of different origins whose scores are ordered as the taste orders them."""
    better = utility[:, None] > utility[None, :]
    right = (scores[:, None] > scores[None, :]) & better
    ties = (scores[:, None] == scores[None, :]) & better
    return float((right.sum() + 0.5 * ties.sum()) / better.sum())


class World:
    """The corpus as feature rows, origins and utilities (built once per run)."""

    def __init__(self, seed: int) -> None:
        self.tunes = mc.build(seed, COUNTS, max_body=420)
        samples = [t.sample for t in self.tunes]
        self.settings = FeatureSettings()
        self.rows = rows_of(samples, self.settings)
        self.utility = np.array([mc.UTILITY[t.origin] for t in self.tunes])
        self.human = np.array([t.origin == "human" for t in self.tunes])
        from sklearn.feature_extraction.text import HashingVectorizer

        naive = HashingVectorizer(analyzer="char", ngram_range=(1, 3), alternate_sign=False)
        self.naive = naive.transform([s.text for s in samples])

    def matrix(self, pool: np.ndarray) -> tuple[object, Scaling]:
        """Every sample's row, the music scaled as fitted on the pool."""
        return design(self.rows, self.settings, Scaling.fit(self.rows.music[pool]))


def decide(rng: np.random.Generator, world: World, a: int, b: int) -> tuple[int, int]:
    """(winner, loser) by the simulated rater."""
    p_a = 1.0 / (1.0 + np.exp(world.utility[b] - world.utility[a]))
    return (a, b) if rng.random() < p_a else (b, a)


def halves(pool: np.ndarray, rng: np.random.Generator) -> list[tuple[int, int]]:
    order = rng.permutation(pool)
    half = len(order) // 2
    return [(int(order[k]), int(order[k + half])) for k in range(half)]


def games_of(ratings: list[tuple[int, int]]) -> fit.Games:
    arr = np.array(ratings, dtype=int).reshape(-1, 2)
    return fit.Games(arr[:, 0], arr[:, 1], np.zeros(len(arr), bool))


def random_ratings(world: World, pool: np.ndarray, n: int, seed: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    asked = halves(pool, rng)[:n]
    seen = {frozenset(p) for p in asked}
    while len(asked) < n:
        a, b = (int(i) for i in rng.choice(pool, 2, replace=False))
        if frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            asked.append((a, b))
    return [decide(rng, world, a, b) for a, b in asked]


def model_ratings(
    world: World,
    pool: np.ndarray,
    n: int,
    seed: int,
    x: object,
    scaling: Scaling,
    boot: int = BOOT,
    batch: int = BATCH,
) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    ratings = [decide(rng, world, a, b) for a, b in halves(pool, rng)[:boot]]
    local = {int(g): k for k, g in enumerate(pool)}
    xp = x[pool]  # type: ignore[index]
    while len(ratings) < n:
        model = learn.final_model(x, games_of(ratings), DEFAULT_C, world.settings, scaling)
        counts = np.zeros(len(pool))
        for a, b in ratings:
            counts[[local[a], local[b]]] += 1
        decided = {frozenset((local[a], local[b])) for a, b in ratings}
        chosen = choose_pairs(model, xp, min(batch, n - len(ratings)), counts, decided, seed)
        if not chosen:
            break
        seed += 1
        ratings += [decide(rng, world, int(pool[i]), int(pool[j])) for i, j in chosen]
    return ratings


def live_ratings(
    world: World, pool: np.ndarray, n: int, seed: int, settle_every: int = BATCH
) -> list[tuple[int, int]]:
    """The shipped strategy itself (`--pairing model`'s ModelSource, deferred refits): real
    journal records through `record`, `settle` every `settle_every` decisions (the TUI
    settles after every pair it shows)."""
    from rater.rating import outcome
    from rater.rating.pairing.model import ModelSource

    rng = np.random.default_rng(seed)
    by_id = {world.tunes[int(i)].sample.id: int(i) for i in pool}
    source = ModelSource(
        [world.tunes[int(i)].sample for i in pool],
        seed,
        defer_refit=True,
    )
    out: list[tuple[int, int]] = []
    while len(out) < n:
        pair = source.next_pair()
        if pair is None:
            break
        a, b = by_id[pair.a.id], by_id[pair.b.id]
        won = decide(rng, world, a, b)
        source.record(outcome.decide(pair, 0 if won[0] == a else 1, "sim"))
        out.append(won)
        if len(out) % settle_every == 0:
            source.settle()
    return out


def evaluate(
    world: World, x: object, ratings: list[tuple[int, int]], test: np.ndarray, naive: bool
) -> dict[int, tuple[float, float, float]]:
    """Per grid point: (AUC, ordering accuracy, naive baseline AUC or NaN)."""
    out = {}
    for n in GRID:
        if n > len(ratings):
            break
        games = games_of(ratings[:n])
        w = fit.train(x, games, DEFAULT_C)
        s = np.asarray(x[test] @ w).ravel()  # type: ignore[index]
        base = float("nan")
        if naive and n in TABLE:
            wb = fit.train(world.naive, games, 1.0)
            base = auc(np.asarray(world.naive[test] @ wb).ravel(), world.human[test])
        out[n] = (auc(s, world.human[test]), ordering(s, world.utility[test]), base)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--max-ratings", type=int, default=800)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--boot", type=int, default=BOOT, help="halves pairs before the first fit")
    ap.add_argument("--batch", type=int, default=BATCH, help="model pairs chosen per refit")
    ap.add_argument(
        "--live", action="store_true", help="also the shipped ModelSource (`--pairing model`)"
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    world = World(args.seed)
    print(
        f"{len(world.tunes)} tunes ({', '.join(f'{k} {v}' for k, v in COUNTS.items())}), "
        f"{TEST} held out per repetition; built in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    results: dict[str, list[dict]] = {"random": [], "model": []}
    if args.live:
        results["live"] = []
    for rep in range(args.reps):
        rng = np.random.default_rng(rep)
        order = rng.permutation(len(world.tunes))
        test, pool = order[:TEST], order[TEST:]
        x, scaling = world.matrix(pool)
        t1 = time.perf_counter()
        rand = random_ratings(world, pool, args.max_ratings, rep)
        chosen = model_ratings(
            world, pool, args.max_ratings, rep, x, scaling, args.boot, args.batch
        )
        results["random"].append(evaluate(world, x, rand, test, naive=True))
        results["model"].append(evaluate(world, x, chosen, test, naive=False))
        if args.live:
            live = live_ratings(world, pool, args.max_ratings, rep, args.batch)
            results["live"].append(evaluate(world, x, live, test, naive=False))
        print(f"repetition {rep + 1}/{args.reps}: {time.perf_counter() - t1:.0f} s", flush=True)
    report(results, args.max_ratings)


def needed(curve: dict[int, tuple[float, float, float]]) -> float:
    """The first grid point from which the AUC stays >= TARGET (one lucky early fit on ten
    ratings does not count as having learned the taste)."""
    points = sorted(curve)
    for k, n in enumerate(points):
        if all(curve[m][0] >= TARGET for m in points[k:]):
            return n
    return float("inf")


def needed_curve(curve: dict[int, float]) -> float:
    return needed({n: (v, 0.0, 0.0) for n, v in curve.items()})


def report(results: dict[str, list[dict]], max_ratings: int) -> None:
    cols = [n for n in TABLE if n <= max_ratings]
    print(f"medians over {len(results['random'])} repetitions; ratings: " + " ".join(
        f"{n:>6}" for n in cols))  # fmt: skip
    for label, key, k in (
        ("held-out AUC, random pairs", "random", 0),
        ("held-out AUC, model pairs", "model", 0),
        ("ordering acc., random pairs", "random", 1),
        ("ordering acc., model pairs", "model", 1),
        ("naive n-gram AUC, random", "random", 2),
        ("held-out AUC, live source", "live", 0),
        ("ordering acc., live source", "live", 1),
    ):
        if key not in results:
            continue
        vals = [statistics.median(r[n][k] for r in results[key]) for n in cols]
        print(f"  {label:<28}" + " ".join(f"{v:6.3f}" for v in vals))
    need = {k: [needed(r) for r in results[k]] for k in results}
    for k, v in need.items():
        shown = ", ".join(f"{x:g}" for x in v)
        print(
            f"  ratings to AUC >= {TARGET} for good, {k}: median {statistics.median(v):g} ({shown})"
        )
    for k in results:
        curve = {n: statistics.median(r[n][0] for r in results[k]) for n in results[k][0]}
        print(f"  median AUC curve >= {TARGET} for good from, {k}: {needed_curve(curve):g}")
    base = statistics.median(need["random"])
    for k in results:
        if k == "random":
            continue
        med = statistics.median(need[k])
        ratio = med / base if base and np.isfinite(base) else float("nan")
        print(f"  {k} / random ratings needed: {ratio:.2f} (target <= 0.6)")
    at300 = statistics.median(r[300][0] for r in results["random"]) if 300 in cols else None
    if at300 is not None:
        print(f"  random pairs, AUC after 300 ratings: {at300:.3f} (target >= {TARGET})")


if __name__ == "__main__":
    main()
