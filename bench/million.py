"""A million samples (issue 25): `rater check` throughput and memory, the first pair on a big
corpus and on a 200 MB journal, the model at 50,000 samples, `model score` and the cache cap.

Corpora, made under `--work` once and reused:
- short: generated tunes of 4-8 random bars (~110 bytes each), every one distinct;
- real: the one-voice tunes of music21's O'Neill's, Ryan's, Nottingham and Essen
  collections with light mutations (a note's pitch or length changed in one to three
  places, so each copy is a new sample with real length and shape);
- a ~200 MB journal (bench/journal_scale.py's, from the folk-rnn tunes of ../shared/data).

Measures (each command in a child process; peak memory is the whole process tree's RSS,
sampled every 0.1 s, as the workers count too):
- check: `rater check --json` on both corpora: samples/s, peak RSS, cache growth per 1,000;
- first: the rating screen (Pilot, headless) on the short corpus and on the journal: the
  time to read the corpus, and from the app's start to the first pair on screen; the
  journal twice (the first start makes the side index, the second uses it);
- model: at `--model-samples` judged samples and `--decisions` made, over `--jobs` more:
  a key press (`next_pair`, on the screen's thread), the choice of a batch (bounded
  candidates) and the whole job `settle()` runs (refit + choices, in a child process in
  the rating screen), p50/p95/max;
- score: `rater model score` on the short corpus: samples/s, peak RSS;
- render: `rater render` with a `--render-cap` cache: the cache's largest size seen.

`--baseline CHECKOUT` runs check and first on another checkout's code in the same run
(a worktree of main before the change, sharing this .venv: its code goes first on the
path; its check on the first `OLD_SAMPLES` of each corpus, as it synthesised every tune).
Default sizes are reduced so `make bench` stays short; `--full` is the issue's:

    nice -n 5 .venv/bin/python bench/million.py [--full] [--baseline /tmp/base25]
        [--only check,first,model,score,render] [--work /tmp/rater-million]

Measured on branch i25 (8ed7f2c; model at 7fc28b5) against main at 79ad7a8, reduced sizes,
2 cores at load 8-13 (four other engineers' test suites running): wall-clock rates are a
third to a sixth of an idle machine's, so the CPU-time rate is given too.

    check      real 20,000  new 187/s (42 CPU-s: 962/s on 2 idle cores), peak 213 MB,
                            cache +0 MB per 1,000
                            old (first 2,000) 9/s (60/s idle), 259 MB, +396 MB per 1,000
               short 100k   new 650/s (1,953/s idle), 282 MB, +0 MB
                            old (first 2,000) 28/s (143/s idle), 243 MB, +191 MB per 1,000
    first pair short 100k   new: read 3.6 s + 3.79 s to the pair; old: 4.6 s + 2.87 s
               200 MB jrnl  new: 15.1 s (reads it whole, makes the index), then 1.08 s;
                            old: 33.3 s and 41.7 s (reads it whole every time)
    model 50k  key press p95 0.3 ms; a batch's choice p95 187 ms (max 196); the whole
               job p95 1.8 s (before the bounded candidates: 5.7 s)
    score      short 100k: 751 s (133/s; 540 CPU-s: 370/s on 2 idle cores), peak 262 MB
    render     1,500 real tunes, --cache-size 20MB: at most 20.2 MB seen (a clip written
               before the eviction it triggers), 19.8 MB at the end

`--full`, first only (load 7-9): on 1,000,000 short tunes new read 37.5 s + 13.0 s to the
pair, old 30.2 s + 11.0 s (peak 1.5 GB both: the session holds every sample); the 200 MB
journal new 13.2 s then 1.11 s, old 13.6 s and 13.2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import journal_scale  # bench/journal_scale.py: the 200 MB journal
import psutil
from _shared_data import REPO, folk_rnn

from rater.core.corpus import read_samples
from rater.core.demo import music21_corpus_dir

FULL = {"short": 1_000_000, "real": 100_000, "score": 1_000_000, "render": 100_000}
REDUCED = {"short": 100_000, "real": 20_000, "score": 100_000, "render": 1_500}
COLLECTIONS = ("oneills1850", "ryansMammoth", "nottingham-dataset", "essenFolksong")
PROBE = Path(__file__).with_name("_tui_probe.py")  # shared with bench/journal_scale.py
OLD_SAMPLES = 2_000  # the old code's check synthesised every tune: it runs on the first ones
NOTES = "CDEFGABcdefgab"
KEYS = ("C", "G", "D", "A", "F", "Bb", "Am", "Em", "Dm")


# -- corpora ---------------------------------------------------------------------------------


def short_corpus(path: Path, n: int) -> Path:
    if path.is_file():
        return path
    rng = random.Random(25)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for k in range(n):
            bars = "|".join(
                "".join(rng.choice(NOTES) + rng.choice(("", "2", "", "/2")) for _ in range(6))
                for _ in range(rng.randint(4, 8))
            )
            f.write(f"X:{k + 1}\nT:Gen {k}\nM:4/4\nL:1/8\nK:{rng.choice(KEYS)}\n{bars}|]\n\n")
    os.replace(tmp, path)
    return path


def real_corpus(path: Path, n: int) -> Path:
    if path.is_file():
        return path
    base = music21_corpus_dir()
    tunes = []
    for name in COLLECTIONS:
        for file in sorted((base / name).rglob("*.abc")):
            try:
                tunes += [s.text for s in read_samples([str(file)]) if "V:" not in s.text]
            except Exception as exc:  # a file our reader refuses: reported, not fatal
                print(f"  skipped {file.name}: {exc}")
    print(f"  {len(tunes)} real tunes to mutate")
    rng = random.Random(19)
    note = re.compile(r"(?<![A-Za-z])[A-Ga-g][,']*[0-9/]*")
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for k in range(n):
            text = tunes[k % len(tunes)]
            head, _, body = text.partition("\nK:")
            key_line, _, music = body.partition("\n")
            spots = [m.span() for m in note.finditer(music)]
            for a, b in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
                music = music[:a] + rng.choice(NOTES) + rng.choice(("", "2", "/2")) + music[b:]
            head = re.sub(r"^X:.*$", f"X:{k + 1}", head, count=1, flags=re.M)
            f.write(f"{head}\nK:{key_line}\n{music.strip()}\n\n")
    os.replace(tmp, path)
    return path


# -- running a command and watching its process tree -----------------------------------------


def watched(
    argv: list[str], code: Path = REPO, env: dict | None = None, out=subprocess.DEVNULL, poll=None
) -> dict:
    """Run `python argv` with `code`'s rater first on the path: wall seconds, the peak RSS
    of its process tree (bytes), its stderr's last lines; `poll()` is called as it runs."""
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(code)}
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *argv],
        env=full_env,
        stdout=out,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=code,
    )
    err = tempfile.TemporaryFile()
    import threading

    pump = threading.Thread(target=lambda: shutil.copyfileobj(child.stderr, err), daemon=True)
    pump.start()
    root = psutil.Process(child.pid)
    peak = 0
    cpu: dict[int, float] = {}  # each process's CPU seconds, as last seen
    while child.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            for p in tree:
                t = p.cpu_times()
                cpu[p.pid] = t.user + t.system
        except psutil.Error:
            pass
        if poll is not None:
            poll()
        time.sleep(0.1)
    pump.join()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu[child.pid] = after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime
    err.seek(0)
    tail = err.read().decode("utf-8", "replace")[-3000:]
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(argv)}\n{tail}")
    # CPU: the tree's processes as last sampled (a worker's last 0.1 s may be missed)
    return {"seconds": seconds, "cpu": sum(cpu.values()), "rss": peak, "stderr": tail}


def head(path: Path, n: int) -> Path:
    """The first n tunes of an ABC corpus (tunes are separated by blank lines)."""
    part = path.with_name(f"{path.stem}-first{n}.abc")
    if not part.is_file():
        with open(path, encoding="utf-8") as f:
            tunes = f.read(n * 4000).split("\n\n")[:n]
        part.write_text("\n\n".join(tunes) + "\n", encoding="utf-8")
    return part


def cache_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0


# -- the measures ----------------------------------------------------------------------------


def check(corpora: dict[str, tuple[Path, int]], code: dict[str, Path], work: Path) -> None:
    print("\nrater check --json (2 cores shared; rows to /dev/null)")
    print(
        f"  {'corpus':<8} {'code':<5} {'samples':>9} {'seconds':>8} {'per s':>7} "
        f"{'CPU s':>7} {'per 2 CPU-s':>11} {'peak MB':>8} {'cache/1k':>9}"
    )
    print("  (per 2 CPU-s: samples per second of CPU time x 2, the rate on 2 idle cores)")
    for name, (whole, total) in corpora.items():
        for label, checkout in code.items():
            path, n = whole, total
            if label == "old" and total > OLD_SAMPLES:  # it synthesises every tune: a part
                path, n = head(whole, OLD_SAMPLES), OLD_SAMPLES
            cache = work / f"cache-check-{label}"
            shutil.rmtree(cache, ignore_errors=True)
            r = watched(
                ["-m", "rater", "check", str(path), "--json"],
                checkout,
                {"RATER_CACHE_DIR": str(cache)},
            )
            grown = cache_size(cache) / n * 1000
            print(
                f"  {name:<8} {label:<5} {n:>9,} {r['seconds']:>8.1f} {n / r['seconds']:>7.0f} "
                f"{r['cpu']:>7.0f} {2 * n / r['cpu']:>11.0f} "
                f"{r['rss'] / 1e6:>8.0f} {grown / 1e6:>7.2f}MB",
                flush=True,
            )
            shutil.rmtree(cache, ignore_errors=True)


def first(corpus: Path, journal: Path, jcorpus: Path, code: dict[str, Path], work: Path) -> None:
    print("\nfirst pair (rating screen, Pilot): reading the corpus, then app start -> pair shown")
    for label, checkout in code.items():
        cache = work / f"cache-first-{label}"
        shutil.rmtree(cache, ignore_errors=True)
        env = {"RATER_CACHE_DIR": str(cache)}
        fresh = work / f"first-{label}.jsonl"
        fresh.unlink(missing_ok=True)
        r = probe([str(PROBE), str(corpus), str(fresh), "abc"], checkout, env)
        print(
            f"  {label:<4} short corpus: read {r['read']:.1f} s, first pair {r['start']:.2f} s "
            f"({r['samples']:,} samples; peak {r['rss'] / 1e6:.0f} MB)",
            flush=True,
        )
        copy = work / f"journal-{label}.jsonl"
        shutil.copyfile(journal, copy)
        for run in ("cold", "again"):
            r = probe([str(PROBE), str(jcorpus), str(copy), "text"], checkout, env)
            print(
                f"  {label:<4} 200 MB journal ({run}): first pair {r['start']:.2f} s, "
                f"u {r['u'] * 1000:.0f} ms",
                flush=True,
            )
        for p in copy.parent.glob(f"*{copy.name}*"):
            p.unlink()
        shutil.rmtree(cache, ignore_errors=True)


def probe(argv: list[str], code: Path, env: dict) -> dict:
    with tempfile.TemporaryFile() as out:
        r = watched(argv, code, env, out=out)
        out.seek(0)
        found = json.loads(out.read().decode().strip().splitlines()[-1])
    return {**found, "rss": r["rss"]}


def model(corpus: Path, n: int, decisions: int, jobs: int) -> None:
    """The `model` pairing's jobs at n judged samples (in this process: the real code)."""
    import numpy as np

    from rater.analysis.model.rows import feature_rows
    from rater.core.records import Pair
    from rater.rating import outcome
    from rater.rating.pairing.model import ModelFit, ModelSource

    samples = []
    for s in read_samples([str(corpus)]):
        samples.append(s)
        if len(samples) == n:
            break
    print(f"\nmodel pairing at {len(samples):,} samples, {decisions:,} decisions made")
    source = ModelSource(samples, seed=25, defer_refit=True)
    t = time.perf_counter()
    rows = feature_rows(samples, source.features, workers=2)
    print(f"  features of every sample (2 processes): {time.perf_counter() - t:.0f} s")
    ids = tuple(s.id for s in samples)
    source.adopt(ModelFit(list(range(len(samples))), ids, rows, fitted=False, version=-1))
    rng = random.Random(25)

    def decide(pair: Pair) -> None:  # a simulated rater: longer tunes, with noise
        a, b = len(pair.a.text), len(pair.b.text)
        best = 0 if a + rng.gauss(0, 60) > b else 1
        source.record(outcome.decide(pair, best, "sim"))

    for _ in range(decisions):
        a, b = rng.sample(samples, 2)
        decide(Pair(a, b))
    from rater.rating.pairing import model as strategy

    chose: list[float] = []
    choose = strategy._choose

    def timed_choose(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = choose(*args, **kwargs)
        chose.append(time.perf_counter() - t)
        return out

    strategy._choose = timed_choose
    seconds, keys = [], []
    for _ in range(jobs):
        job = source.prepare()
        if job is not None:
            t = time.perf_counter()
            result = job()
            seconds.append(time.perf_counter() - t)
            source.adopt(result)
        t = time.perf_counter()
        pair = source.next_pair()  # what a key press runs on the screen's thread
        keys.append(time.perf_counter() - t)
        if pair is not None:
            decide(pair)
    strategy._choose = choose
    for name, values in (
        ("key press (next pair, screen thread)", keys),
        ("choice of a batch (bounded candidates)", chose),
        ("whole job: refit + 2 choices (child process)", seconds),
    ):
        ms = np.array(values) * 1000
        print(
            f"  {name}: n {len(ms)}, p50 {np.percentile(ms, 50):.1f} ms, "
            f"p95 {np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms",
            flush=True,
        )


def score(corpus: Path, n: int, work: Path) -> None:
    """`rater model score` with a model fitted on a small journal of the same corpus."""
    from rater.core.records import Pair
    from rater.rating import outcome
    from rater.rating.journal import Journal

    samples = read_samples([str(corpus)])[:400]
    rng = random.Random(3)
    journal = work / "score-ratings.jsonl"
    journal.unlink(missing_ok=True)
    decisions = []
    for _ in range(300):
        a, b = rng.sample(samples, 2)
        best = 0 if len(a.text) + rng.gauss(0, 20) > len(b.text) else 1
        decisions.append(outcome.decide(Pair(a, b), best, "sim"))
    Journal(journal).append_many(decisions)
    model_file = work / "score-model.json"
    watched(["-m", "rater", "model", "fit", str(journal), "--out", str(model_file)])
    csv = work / "scores.csv"
    r = watched(
        [
            "-m",
            "rater",
            "model",
            "score",
            str(corpus),
            "--model",
            str(model_file),
            "--csv",
            str(csv),
            "--workers",
            "2",
        ]
    )
    rows = sum(1 for _ in open(csv)) - 1
    print(
        f"\nrater model score: {rows:,} samples in {r['seconds']:.0f} s "
        f"({rows / r['seconds']:.0f}/s; CPU {r['cpu']:.0f} s, {2 * rows / r['cpu']:.0f}/s on 2 "
        f"idle cores), peak RSS {r['rss'] / 1e6:.0f} MB",
        flush=True,
    )


def render(corpus: Path, n: int, work: Path, cap: str) -> None:
    """`rater render` of n samples with a small cap: the cache's largest size while it runs."""
    part = work / f"render-{n}.abc"
    texts = []
    for s in read_samples([str(corpus)]):
        texts.append(s.text)
        if len(texts) == n:
            break
    part.write_text("\n\n".join(texts) + "\n")
    cache = work / "cache-render"
    shutil.rmtree(cache, ignore_errors=True)
    seen = [0]

    def poll() -> None:
        seen[0] = max(seen[0], cache_size(cache)) if int(time.time() * 10) % 10 == 0 else seen[0]

    r = watched(
        ["-m", "rater", "render", str(part), "--cache-size", cap, "--clip-seconds", "5"],
        env={"RATER_CACHE_DIR": str(cache)},
        poll=poll,
    )
    end = cache_size(cache)
    print(
        f"\nrater render, {n:,} samples, --cache-size {cap}: {r['seconds']:.0f} s, cache at "
        f"most {max(seen[0], end) / 1e6:.1f} MB seen, {end / 1e6:.1f} MB at the end",
        flush=True,
    )
    shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="the issue's sizes (an hour or more)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/rater-million"))
    ap.add_argument("--baseline", type=Path, help="another checkout (check and first)")
    ap.add_argument("--only", default="check,first,model,score,render")
    ap.add_argument("--model-samples", type=int, default=50_000)
    ap.add_argument("--decisions", type=int, default=2_000)
    ap.add_argument("--jobs", type=int, default=40)
    ap.add_argument("--render-cap", default="20MB")
    args = ap.parse_args()
    sizes = FULL if args.full else REDUCED
    only = set(args.only.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"sizes {sizes}; load {os.getloadavg()}; {os.cpu_count()} cores", flush=True)
    t = time.perf_counter()
    short = short_corpus(args.work / f"short-{sizes['short']}.abc", sizes["short"])
    real = real_corpus(args.work / f"real-{sizes['real']}.abc", sizes["real"])
    print(f"corpora ready in {time.perf_counter() - t:.0f} s", flush=True)
    code = {"new": REPO} | ({"old": args.baseline.resolve()} if args.baseline else {})
    if "check" in only:
        check({"real": (real, sizes["real"]), "short": (short, sizes["short"])}, code, args.work)
    if "first" in only:
        if folk_rnn() is None:
            print("first: no ../shared/data/folk-rnn for the journal; skipped")
        else:
            journal, jcorpus = args.work / "big.jsonl", args.work / "journal-tunes.jsonl"
            if not journal.is_file():
                journal_scale.build_journal(journal, jcorpus, 200.0)
            first(short, journal, jcorpus, code, args.work)
    if "model" in only:
        big = real_corpus(args.work / "real-100000.abc", 100_000)
        model(big, args.model_samples, args.decisions, args.jobs)
    if "score" in only:
        score(short if sizes["score"] == sizes["short"] else short, sizes["score"], args.work)
    if "render" in only:
        render(real, sizes["render"], args.work, args.render_cap)
    print(f"\nload after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
