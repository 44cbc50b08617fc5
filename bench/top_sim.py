"""How many ratings until the best 10 of 1,000 samples are found, per pairing strategy; and
is `--pairing top`'s "x% sure" right?

Corpus (bench/model_corpus.py, as bench/model_sim.py builds it, 1,000 tunes): human-written
tunes from music21's O'Neill's and Ryan's collections and tunes of an order-5 Markov chain
(moderate temperature, low-temperature loops, high-temperature noise): 500, 250, 125, 125.
Hidden quality comes from content, never from ids: model_sim's simulated taste by origin
(human 1.5 > Markov 0.5 > loops -0.5 > noise -1.5) plus `--spread` (3.0) times a fixed
taste over each tune's music features (z-scored: more stepwise motion, bars that fill the
meter, a clear key, ending on the key note; fewer wide leaps, a smoother line; and a clear
key that ends on its key note, a product the preference model, linear, can only
approximate), scaled to sd 1. Each decision is Bradley-Terry on the hidden quality:
sigmoid(q_a - q_b). The best 10 span 8.56..6.59, the 11th and 12th 6.56 and 6.52: the
10th and 11th are 0.03 apart, which no strategy tells apart, and "found" allows one miss.
(A quadratic term that capped the top, or a spread of 1, packed the best 10 within 0.35
logits, neighbours 0.02 apart; at spread 2 `top` needed 63,000 ratings and random more
than 300,000, too long for ten repetitions here.)

Strategies, same hidden quality, each its shipped pair source with real journal records:
- random: `halves`, then uniformly random pairs never asked (bench/pairing_sim.py);
- halves: the seed workflow, one `halves` pass after another (seed, seed + 1, ...);
- active: `ActiveSource`; model: `ModelSource`; top: `TopSource --best 10`;
  the adaptive ones refit (`settle`) after every max(2, 1% of the ratings so far) decisions
  (the rating screen refits after each; refitting a preference model on 50,000 decisions
  after each of them would take the bench days); `top` races a new batch of that size.
"Found": the best 10 that `rater rank` would show (Bradley-Terry MAP, prior sd 3) hold at
least 9 of the true best 10 (precision >= 0.9) at a checkpoint (every 10% more ratings)
and at the two after it. Medians over `--reps` repetitions (each its own seed); a strategy
that does not get there within its cap counts as the cap (shown with ">").

Calibration: at every checkpoint, `top`'s own best 10 (its posterior, the model's scores
as prior means) and how sure it said it was, binned; and for `--until u`, the first moment
`sure` >= u: how many ratings that took and how often the set was right then (precision
of its set >= 0.9, and its mean precision).

    nice -n 10 .venv/bin/python bench/top_sim.py [--reps 10] [--strategies random halves
        active model top] [--max-ratings 2000000] [--model-max 100000] [--spread 3.0]
        [--first-rep 0] [--verbose]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import model_corpus as mc
import numpy as np
from pairing_sim import RandomSource

from rater.analysis import bt
from rater.analysis.model.features import contents, music_matrix
from rater.analysis.model.music import NAMES
from rater.core.records import Pair, Rating, Sample
from rater.core.settings import FeatureSettings
from rater.rating import outcome
from rater.rating.pairing import ActiveSource, ModelSource, halves
from rater.rating.pairing.top import TopSource

COUNTS = {"human": 500, "markov": 250, "loops": 125, "noise": 125}
K = 10
TARGET = 0.9
CONFIRM = 2  # checkpoints after the first that must hold the target too
UNTILS = (0.5, 0.7, 0.8, 0.9, 0.95)
VERBOSE = False
TASTE = {  # weights over z-scored music features (see the module docstring)
    "steps": 1.0,
    "bar_fit": 1.0,
    "key_clarity": 0.7,
    "tonic_end": 0.7,
    "wide_leaps": -0.7,
    "zigzag": -0.7,
}


class World:
    """The corpus, its notes and the hidden quality of every tune."""

    def __init__(self, seed: int, spread: float) -> None:
        self.tunes = mc.build(seed, COUNTS, max_body=420)[: sum(COUNTS.values())]
        self.samples = [t.sample for t in self.tunes]
        raw = music_matrix(contents(self.samples), FeatureSettings())
        sd = np.nanstd(raw, axis=0)
        z = np.nan_to_num((raw - np.nanmean(raw, axis=0)) / np.where(sd > 0, sd, 1.0))
        col = {name: k for k, name in enumerate(NAMES)}
        taste = sum(w * z[:, col[name]] for name, w in TASTE.items())
        taste += 0.7 * z[:, col["key_clarity"]] * z[:, col["tonic_end"]]  # not linear
        taste = (taste - taste.mean()) / taste.std()
        self.quality = np.array([mc.UTILITY[t.origin] for t in self.tunes]) + spread * taste
        self.index = {s.id: k for k, s in enumerate(self.samples)}
        self.best = set(np.argsort(-self.quality)[:K].tolist())


class HalvesPasses:
    """The seed workflow: a `halves` pass, then another with the next seed, pairs never
    asked before only."""

    def __init__(self, samples: list[Sample], seed: int) -> None:
        self._samples, self._seed = samples, seed
        self._queue: list[Pair] = []
        self._asked: set[frozenset[str]] = set()

    def next_pair(self) -> Pair | None:
        while not self._queue:
            self._queue = halves(self._samples, self._seed)
            self._seed += 1
        pair = self._queue.pop(0)
        key = frozenset((pair.a.id, pair.b.id))
        if key in self._asked:
            return self.next_pair()
        self._asked.add(key)
        return pair

    def record(self, ratings: list[Rating]) -> None:
        return None

    def settle(self) -> None:
        return None


def make(strategy: str, world: World, seed: int) -> Any:
    samples = world.samples
    if strategy == "random":
        return RandomSource(samples, seed)
    if strategy == "halves":
        return HalvesPasses(samples, seed)
    if strategy == "active":
        return ActiveSource(samples, seed, defer_refit=True)
    if strategy == "model":
        return ModelSource(samples, seed, defer_refit=True)
    return TopSource(samples, seed, best=K, defer_refit=True)


def precision(world: World, chosen: Any) -> float:
    return len(world.best & {int(k) for k in chosen}) / K


def run(strategy: str, world: World, seed: int, cap: int) -> dict[str, Any]:
    """One repetition: ratings until found (or None), and top's calibration points."""
    rng = np.random.default_rng(seed + 7919)
    src = make(strategy, world, seed)
    n = len(world.samples)
    win: list[int] = []
    los: list[int] = []
    scores = np.zeros(n)
    next_check, since, held = 100, 0, 0
    found: int | None = None
    points: list[tuple[float, float]] = []  # (sure, precision of top's own set)
    stops: dict[float, tuple[int, float]] = {}
    settle = getattr(src, "settle", lambda: None)
    t = 0
    while t < cap:
        if strategy == "top":
            src.batch = max(2, t // 100)  # a batch per refit (see the module docstring)
        pair = src.next_pair()
        if pair is None:
            break
        t += 1
        a, b = world.index[pair.a.id], world.index[pair.b.id]
        first = rng.random() < 1.0 / (1.0 + math.exp(world.quality[b] - world.quality[a]))
        win.append(a if first else b)
        los.append(b if first else a)
        src.record(outcome.decide(pair, 0 if first else 1, "sim"))
        since += 1
        if since >= max(2, t // 100):
            settle()
            since = 0
        sure = getattr(src, "sure", None)
        if sure is not None:
            for u in UNTILS:
                if u not in stops and sure >= u:
                    stops[u] = (t, precision(world, [world.index[i] for i in src.chosen]))
        if t < next_check:
            continue
        next_check = max(t + 1, int(t * 1.1))
        scores = bt.fit_arrays(n, np.array(win), np.array(los), x0=scores, tol=1e-6)
        ok = precision(world, np.argsort(-scores)[:K]) >= TARGET
        if sure is not None:
            points.append((sure, precision(world, [world.index[i] for i in src.chosen])))
        if VERBOSE:
            mine = f", its own {points[-1][1]:.1f} at {points[-1][0]:.2f} sure" if points else ""
            print(f"    {strategy} {t}: rank's precision {ok}{mine}", flush=True)
        if ok:
            found = t if found is None else found
            held += 1
            # top runs on for its calibration, to every --until or 3x the ratings it needed
            more = strategy == "top" and len(stops) < len(UNTILS) and t < 3 * found
            if held > CONFIRM and not more:
                break
        else:
            found, held = None, 0
    return {"found": found if held > CONFIRM else None, "ratings": t, "points": points,
            "stops": stops}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--strategies", nargs="+", default=["random", "halves", "active", "model",
                    "top"])  # fmt: skip
    ap.add_argument("--max-ratings", type=int, default=2_000_000)
    ap.add_argument("--model-max", type=int, default=100_000, help="cap for `model`")
    ap.add_argument("--spread", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--first-rep", type=int, default=0, help="repetitions' seeds start here")
    ap.add_argument("--verbose", action="store_true", help="a line per checkpoint")
    args = ap.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    t0 = time.perf_counter()
    world = World(args.seed, args.spread)
    q = np.sort(world.quality)[::-1]
    print(
        f"{len(world.samples)} tunes, hidden quality sd {world.quality.std():.2f}; best 10 "
        f"{q[0]:.2f}..{q[K - 1]:.2f}, 11th {q[K]:.2f}, 12th {q[K + 1]:.2f}; the best 10 "
        f"are {sorted({world.tunes[k].origin for k in world.best})}; built in "
        f"{time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    results: dict[str, list[dict[str, Any]]] = {}
    for strategy in args.strategies:
        cap = args.model_max if strategy == "model" else args.max_ratings
        results[strategy] = []
        for rep in range(args.first_rep, args.first_rep + args.reps):
            t1 = time.perf_counter()
            r = run(strategy, world, rep, cap)
            r["cap"] = cap
            results[strategy].append(r)
            shown = r["found"] if r["found"] is not None else f">{r['ratings']}"
            print(f"  {strategy} rep {rep + 1}: {shown} [{time.perf_counter() - t1:.0f} s]",
                  flush=True)  # fmt: skip
            if strategy == "top" and len(results[strategy]) < args.reps:  # so far, if stopped
                calibration(results[strategy])
    report(results)


def needed(r: dict[str, Any]) -> float:
    return float(r["found"]) if r["found"] is not None else math.inf


def report(results: dict[str, list[dict[str, Any]]]) -> None:
    print(f"ratings until `rank`'s best {K} hold >= {TARGET:.0%} of the true best {K}:")
    med: dict[str, float] = {}
    for strategy, runs in results.items():
        values = [needed(r) for r in runs]
        med[strategy] = statistics.median(values)
        shown = ", ".join(f"{v:g}" if math.isfinite(v) else f">{r['ratings']}"
                          for v, r in zip(values, runs, strict=True))  # fmt: skip
        print(f"  {strategy:>7}: median {med[strategy]:g} ({shown})")
    base = med.get("random", math.nan)
    for strategy in results:
        if strategy != "random" and math.isfinite(base):
            print(f"  {strategy} / random: {med[strategy] / base:.3f} (goal for top: <= 0.25)")
    if "top" in results:
        calibration(results["top"])


def calibration(runs: list[dict[str, Any]]) -> None:
    points = [p for r in runs for p in r["points"]]
    print(f"top: how sure it said it was against the precision of its best {K} "
          f"({len(points)} checkpoints):")  # fmt: skip
    edges = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)
    for lo, hi in zip(edges, edges[1:], strict=False):
        inside = [p for p in points if lo <= p[0] < hi]
        if inside:
            said = statistics.mean(p[0] for p in inside)
            was = statistics.mean(p[1] for p in inside)
            print(f"  said {lo:.2f}-{min(hi, 1):.2f}: mean {said:.3f}, precision {was:.3f} "
                  f"({len(inside)})")  # fmt: skip
    for u in UNTILS:
        hit = [r["stops"][u] for r in runs if u in r["stops"]]
        if not hit:
            print(f"  --until {u}: never reached")
            continue
        right = sum(p >= TARGET for _, p in hit)
        print(
            f"  --until {u}: stopped in {len(hit)} of {len(runs)} after a median "
            f"{statistics.median(t for t, _ in hit):g} ratings; mean precision "
            f"{statistics.mean(p for _, p in hit):.3f}, >= {TARGET} in {right} of {len(hit)}"
        )


if __name__ == "__main__":
    _: Callable[[], None] = main
    main()
