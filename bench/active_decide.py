"""What `--pairing active` adds to a key press on large corpora, refit now vs deferred.

`Session.decide` is the work between a deciding key and the next pair: build the record
(BPE), append + fsync it, tell the pairing strategy, choose the next pair. With `active` the
strategy refits Bradley-Terry on every decision; the app defers that refit (`defer_refit`)
to just after the next pair is drawn. This bench times `decide` both ways on corpora of
500, 5,000 and 50,000 samples with a journal of earlier random decisions, and `settle` (the
deferred refit) apart. Samples are short texts judged ok without rendering: rendering is not
part of a key press (the render worker runs ahead).

Run: .venv/bin/python bench/active_decide.py [--presses 40]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SIZES = ((500, 5_000), (5_000, 10_000), (50_000, 25_000))


def judge_ok(samples):  # noqa: ANN001, ANN201 - the Session's JudgeFn
    from rater.core.records import Judged, Verdict

    for s in samples:
        yield Judged(s, None, Verdict(s.id, True))


def history(samples: list, n: int, seed: int) -> list:
    from rater.core.records import Pair
    from rater.rating import outcome

    rng = random.Random(seed)
    decisions = []
    while len(decisions) < n:
        a, b = rng.sample(samples, 2)
        decisions.append(outcome.decide(Pair(a=a, b=b), rng.randrange(2), "bench"))
    return decisions


def time_decide(samples: list, journal_path: Path, presses: int, defer: bool) -> tuple:
    from rater.core.settings import PairingSettings, RateSettings
    from rater.rating.journal import Journal
    from rater.rating.session import Session, State

    settings = RateSettings(rater="bench", pairing=PairingSettings("active"))
    session = Session(samples, Journal(journal_path), settings, judge=judge_ok, defer_refit=defer)
    session.run_judging()
    assert session.advance() == State.SHOWING
    decide, settle = [], []
    for k in range(presses):
        t0 = time.perf_counter()
        session.decide(k % 2)
        decide.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        session.settle()
        settle.append(time.perf_counter() - t0)
    return decide, settle


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presses", type=int, default=40)
    args = ap.parse_args()
    from rater.core import bpe
    from rater.core.records import Sample
    from rater.rating.journal import Journal

    bpe.encoding()
    for n, h in SIZES:
        samples = [
            Sample(id=f"s{k:06d}", text=f"tune {k}", source="bench", number=k + 1) for k in range(n)
        ]
        past = history(samples, h, seed=n)
        row = []
        for defer in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "r.jsonl"
                Journal(path).append_many(past)
                decide, settle = time_decide(samples, path, args.presses, defer)
            row.append((statistics.median(decide) * 1000, pct(decide, 0.95), settle))
        (now_med, now_p95, _), (def_med, def_p95, settle) = row
        print(
            f"{n:>6} samples, {h:>6} ratings: decide refit-now median {now_med:.1f} ms "
            f"p95 {now_p95:.1f} ms | deferred median {def_med:.1f} ms p95 {def_p95:.1f} ms "
            f"(ratio {def_p95 / now_p95:.2f}); settle afterwards median "
            f"{statistics.median(settle) * 1000:.1f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
