"""How long `rater model fit` takes on 25,000 ratings among 50,000 samples, and its memory.

Corpus: every one-voice tune of music21's ABC collections (O'Neill's, Ryan's, Aird's, Essen,
misc folk; ~12,000) plus tunes from an order-5 character Markov chain at several
temperatures (bench/model_corpus.py) up to `--samples`. Journal: the seed workflow's pairing
(each sample once), decided by the simulated rater of bench/model_corpus.py, 2% ties,
written with the real journal code. Both are built once under `--work`.

Each run is the real command in a subprocess under /usr/bin/time -v (wall time, CPU, peak
memory), each with an empty RATER_CACHE_DIR: nothing is cached between fits, since the notes
are each tune's reading (`rater.core.abc`), read in every fit - so a fit is always cold:
- baseline: `--features text` (no notes needed), measured in the same run;
- cold: `--features both`, every one of the samples read (parsing and playing out the
  clip), in `--workers` processes (default 2).

Measured on branch i19 (50,000 samples, 25,000 ratings, 2 workers, 2 CPUs shared, load
2.9-4.9): cold `--features both`, every tune read: wall 178.3 s (reading and features
130.9 s, cross-validation 21.2 s, final fit 20.0 s), peak 1,229 MB in the main process;
baseline `--features text` 36.2 s (x4.92). Again on main at ed66448 (load 1.6-3.5): cold
122.2 s (reading and features 92.6 s), baseline 21.0 s. Reading alone takes about 1.7 ms of CPU a
sample (parse 1.15, playing out the clip 0.5; `rater.core.abc`), so on two idle cores the
reading of 50,000 is ~45 s: the rest is the load of the shared machine and the features.

    nice -n 10 .venv/bin/python bench/model_speed.py [--samples 50000] [--ratings 25000]
        [--work /tmp/rater-model-speed]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import model_corpus as mc

REPO = Path(__file__).resolve().parent.parent
TEMPERATURES = {"markov": (0.7, 1.0, 1.5), "loops": (0.2, 0.3), "noise": (6.0, 12.0)}
SHARES = {"markov": 0.65, "loops": 0.1, "noise": 0.25}
TIE_SHARE = 0.02
SEED = 25_000


def prepare(work: Path, n_samples: int, n_ratings: int) -> tuple[Path, Path]:
    """The samples file and the journal (built once per size, then reused)."""
    from rater.core.records import Pair
    from rater.rating import outcome
    from rater.rating.journal import Journal

    tag = f"{n_samples}-{n_ratings}"
    corpus, journal = work / f"corpus-{tag}.abc", work / f"ratings-{tag}.jsonl"
    if corpus.is_file() and journal.is_file():
        return corpus, journal
    work.mkdir(parents=True, exist_ok=True)
    humans = len(mc.human_pool(mc.COLLECTIONS)) - mc.MARKOV_TRAINING
    rest = max(0, n_samples - humans)
    counts = {"human": n_samples - rest} | {k: round(v * rest) for k, v in SHARES.items()}
    t0 = time.perf_counter()
    tunes = mc.build(SEED, counts, mc.COLLECTIONS, TEMPERATURES)
    print(f"built {len(tunes)} tunes in {time.perf_counter() - t0:.0f} s", flush=True)
    rng = random.Random(SEED)
    rng.shuffle(tunes)
    half = len(tunes) // 2
    decisions = []
    for k in range(min(n_ratings, half)):
        a, b = tunes[k], tunes[k + half]
        best = "tie" if rng.random() < TIE_SHARE else mc.decide(rng, a, b)
        decisions.append(outcome.decide(Pair(a.sample, b.sample), best, "sim"))
    tmp = journal.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    Journal(tmp).append_many(decisions)
    corpus.write_text("".join(t.sample.text + "\n\n" for t in tunes), encoding="utf-8")
    os.replace(tmp, journal)
    return corpus, journal


def timed(args: list[str], cache: Path) -> dict[str, float]:
    """Run `rater ARGS` under /usr/bin/time -v; wall s, cpu s, peak MB."""
    env = dict(os.environ, RATER_CACHE_DIR=str(cache))
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "rater", *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")

    def field(name: str) -> float:
        m = re.search(rf"{re.escape(name)}: ([0-9.:]+)", proc.stderr)
        return float(m.group(1)) if m else float("nan")

    out = {
        "wall": wall,
        "cpu": field("User time (seconds)") + field("System time (seconds)"),
        "peak_mb": field("Maximum resident set size (kbytes)") / 1024,
    }
    for line in proc.stdout.splitlines():
        if line.startswith(("held-out", "took")):
            print(f"    {line}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=50_000)
    ap.add_argument("--ratings", type=int, default=25_000)
    ap.add_argument("--work", default="/tmp/rater-model-speed")
    ap.add_argument("--prepare-only", action="store_true")
    args = ap.parse_args()
    work = Path(args.work)
    corpus, journal = prepare(work, args.samples, args.ratings)
    if args.prepare_only:
        return
    print(f"uptime: {os.popen('uptime').read().strip()}", flush=True)
    runs = [
        ("baseline: --features text", ["--features", "text"]),
        ("cold: --features both (every tune read)", ["--features", "both"]),
    ]
    results = {}
    for label, extra in runs:
        print(f"{label}", flush=True)
        cache = work / "cache-empty"
        shutil.rmtree(cache, ignore_errors=True)
        out = work / "model.json"
        r = timed(["model", "fit", str(journal), "--out", str(out), *extra], cache)
        results[label] = r
        print(
            f"  wall {r['wall']:.1f} s, cpu {r['cpu']:.1f} s, peak {r['peak_mb']:.0f} MB",
            flush=True,
        )
    base = results[runs[0][0]]
    for label, r in list(results.items())[1:]:
        print(f"{label} / baseline: wall x{r['wall'] / base['wall']:.2f}", flush=True)
    print(json.dumps({k: {m: round(v, 2) for m, v in r.items()} for k, r in results.items()}))


if __name__ == "__main__":
    main()
