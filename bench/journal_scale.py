"""A ~200 MB ratings journal: time and peak memory of stats, rank, export, TUI start and `u`.

The journal is generated from the 256 real folk-rnn tunes (`../shared/data/folk-rnn`) with
real GPT-2 tokens: ~81,000 records of random pairs (variants of the tunes, so the rating
screen below still has undecided pairs), ties and automatic records mixed in, three raters.
Every command runs in a child process; its peak memory is the child's max RSS (`wait4`).

With `--baseline CHECKOUT` (another checkout with its own `.venv`, e.g. a worktree at the
commit before the journal was streamed) the same commands run on the old code in the same
run, and the ratios new/old are printed. Targets (issue 14): peak memory <= 2x the journal's
size for every command, `u` <= 100 ms.

    .venv/bin/python bench/journal_scale.py [--mb 200] [--baseline ../base14] [--keep DIR]

`--small N` (issue 22): N small records instead (~300 bytes each: short text samples, three
raters, ties and automatic records), `rater stats` and `rater rank` only. Measured on main
at be23f3b (2 cores, load 5-6 from other work), 1,000,000 records, 297 MB, against 51e4cfb
(the code the hostile pass ran) in the same run:

                 new s   new MB  x file    old s   old MB  x file
    stats        39.6      183    0.62      57.8     1759    5.92
    rank         28.4      308    1.04      49.6     1770    5.95

(peak memory new/old 0.10 and 0.17; time 0.69 and 0.57). A baseline worktree may share this
checkout's .venv: each command imports the rater of the checkout it measures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _shared_data import REPO, folk_rnn

from rater.core.corpus import read_samples
from rater.core.records import Pair, Sample, Verdict
from rater.rating.lines import encode_line
from rater.rating.outcome import auto_decide, decide

PROBE = Path(__file__).with_name("_tui_probe.py")


def build_journal(path: Path, corpus: Path, megabytes: float) -> int:
    """Random decisions over variants of the real tunes until the file is `megabytes` big."""
    tunes = read_samples([str(folk_rnn())], kind="abc")
    corpus.write_text("".join(json.dumps({"text": s.text}) + "\n" for s in tunes))
    rng = random.Random(14)
    variants = [
        Sample(id=f"{k:04d}{s.id[4:]}", text=f"{s.text}\n% take {k}", source=s.source, number=k + 1)
        for k, s in enumerate(tunes * 8)
    ]
    broken = Verdict("", False, ("repetitive",))
    target = int(megabytes * 1e6)
    size = records = decision = 0
    with open(path, "wb") as f:
        while size < target:
            lines = []
            for _ in range(1000):
                a, b = rng.sample(variants, 2)
                pair = Pair(a, b)
                roll = rng.random()
                rater = ("ann", "bob", "cat")[rng.randrange(3)]
                if roll < 0.05:
                    recs = auto_decide(pair, broken, Verdict("", True), "auto")
                else:
                    recs = decide(pair, "tie" if roll < 0.15 else rng.randrange(2), rater)
                decision += 1
                for r in recs:
                    r.extra["decision"] = f"{decision:016x}"
                    lines.append(encode_line(r))
            data = b"".join(lines)
            f.write(data)
            size += len(data)
            records += len(lines)
    return records


def build_small(path: Path, records: int) -> int:
    """`records` small records (issue 22: a million of ~250 bytes): short text samples from
    a pool of 10,000, three raters, ties and automatic records mixed in, as `rater autorate`
    and a text rating session write them. Returns the file's size."""
    rng = random.Random(22)
    pool = [
        Sample(f"{k:016x}", f"poem {k}", f"g{k % 4}.txt", k, kind="text") for k in range(10_000)
    ]
    broken = Verdict("", False, ("repetitive",))
    written = decision = 0
    with open(path, "wb") as f:
        while written < records:
            lines = []
            for _ in range(min(1000, records - written)):
                a, b = rng.sample(pool, 2)
                roll = rng.random()
                if roll < 0.05:
                    recs = auto_decide(Pair(a, b), broken, Verdict("", True), "auto")
                else:
                    best = "tie" if roll < 0.12 else rng.randrange(2)
                    recs = decide(Pair(a, b), best, ("ann", "bob", "cat")[rng.randrange(3)])
                decision += 1
                for r in recs:
                    r.extra["decision"] = f"{decision:016x}"
                    lines.append(encode_line(r))
            f.write(b"".join(lines))
            written += len(lines)
    return path.stat().st_size


def measure_small(checkout: Path, journal: Path, out_dir: Path) -> dict[str, dict]:
    """Peak memory of `rater stats` and `rater rank` on the small-record journal."""
    python = checkout / ".venv" / "bin" / "python"
    results = {}
    for name in ("stats", "rank"):
        seconds, rss, _ = run(python, ["-m", "rater", name, str(journal)], out_dir, checkout)
        results[name] = {"seconds": seconds, "rss": rss}
    return results


def run(
    python: Path, args: list[str], cwd: Path, code: Path | None = None
) -> tuple[float, int, str]:
    """(seconds, peak RSS in bytes, stdout) of one child process; `code`: the checkout whose
    rater it imports (first on its path, so a baseline worktree may share a .venv)."""
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(code)} if code is not None else None
    child = subprocess.Popen(
        [str(python), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    out = child.stdout.read() if child.stdout else b""  # type: ignore[union-attr]
    err = child.stderr.read() if child.stderr else b""  # type: ignore[union-attr]
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"{python} {' '.join(args)} failed:\n{err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss * 1024, out.decode()


def measure(checkout: Path, journal: Path, corpus: Path, out_dir: Path) -> dict[str, dict]:
    python = checkout / ".venv" / "bin" / "python"
    results: dict[str, dict] = {}
    commands = {
        "stats": ["-m", "rater", "stats", str(journal)],
        "rank": ["-m", "rater", "rank", str(journal)],
        "export": ["-m", "rater", "export", str(journal), "--format", "oa"]
        + ["--out", str(out_dir / "labels.json")],
    }
    for name, argv in commands.items():
        seconds, rss, _ = run(python, argv, out_dir)
        results[name] = {"seconds": seconds, "rss": rss}
    copy = out_dir / "session.jsonl"  # the TUI writes (and undoes) a record: use a copy
    shutil.copyfile(journal, copy)
    seconds, rss, out = run(python, [str(PROBE), str(corpus), str(copy)], out_dir)
    probe = json.loads(out.strip().splitlines()[-1])
    results["TUI start"] = {"seconds": probe["start"], "rss": rss}
    results["u"] = {"seconds": probe["u"], "rss": rss}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=200.0, help="journal size (default 200)")
    parser.add_argument("--baseline", type=Path, help="old checkout with its own .venv")
    parser.add_argument("--keep", type=Path, help="keep the journal in this folder")
    parser.add_argument(
        "--small",
        type=int,
        metavar="N",
        help="instead: N small records (issue 22 used 1,000,000), stats and rank only",
    )
    args = parser.parse_args()
    if args.small:
        small(args)
        return
    if folk_rnn() is None:
        print("journal_scale: no ../shared/data/folk-rnn next to the checkout; skipped")
        return
    work = Path(tempfile.mkdtemp(prefix="journal-scale-"))
    try:
        journal, corpus = work / "big.jsonl", work / "tunes.jsonl"
        start = time.perf_counter()
        records = build_journal(journal, corpus, args.mb)
        size = journal.stat().st_size
        print(
            f"journal: {size / 1e6:.0f} MB, {records} records "
            f"(generated in {time.perf_counter() - start:.0f} s); load {os.getloadavg()}"
        )
        runs = {"new": measure(REPO, journal, corpus, work)}
        if args.baseline is not None:
            runs["old"] = measure(args.baseline.resolve(), journal, corpus, work)
        report(runs, size)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(journal, args.keep / journal.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load after: {os.getloadavg()}")


def small(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="journal-scale-small-"))
    try:
        journal = work / "small.jsonl"
        start = time.perf_counter()
        size = build_small(journal, args.small)
        print(
            f"journal: {size / 1e6:.0f} MB, {args.small} small records "
            f"({size / args.small:.0f} bytes each; generated in "
            f"{time.perf_counter() - start:.0f} s); load {os.getloadavg()}"
        )
        runs = {"new": measure_small(REPO, journal, work)}
        if args.baseline is not None:
            runs["old"] = measure_small(args.baseline.resolve(), journal, work)
        report(runs, size, u_target=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load after: {os.getloadavg()}")


def report(runs: dict[str, dict[str, dict]], size: int, u_target: bool = True) -> None:
    new, old = runs["new"], runs.get("old")
    head = f"{'':10} {'new s':>8} {'new MB':>8} {'x file':>7}"
    if old:
        head += f" {'old s':>8} {'old MB':>8} {'x file':>7}"
        head += f" {'time new/old':>13} {'mem new/old':>12}"
    print(head)
    for name in new:
        n = new[name]
        line = f"{name:10} {n['seconds']:8.3f} {n['rss'] / 1e6:8.0f} {n['rss'] / size:7.2f}"
        if old:
            o = old[name]
            line += (
                f" {o['seconds']:8.3f} {o['rss'] / 1e6:8.0f} {o['rss'] / size:7.2f}"
                f" {n['seconds'] / o['seconds']:13.3f} {n['rss'] / o['rss']:12.2f}"
            )
        print(line)
    worst = max(r["rss"] for r in new.values()) / size
    line = f"targets: peak <= 2x file: {'met' if worst <= 2 else 'MISSED'} (worst {worst:.2f}x)"
    if u_target:
        u = new["u"]["seconds"]
        line += f"; u <= 100 ms: {'met' if u <= 0.1 else 'MISSED'} ({u * 1000:.1f} ms)"
    print(line)


if __name__ == "__main__":
    sys.exit(main())
