"""Team rating on PostgreSQL: 16 rater processes x 300 decisions, overlap 2, on a local
server (a throwaway cluster, tests/pg_cluster.py), against the same run's file journal.

Each rater is a process (tests/team_rater.py) with a real `TeamClient`: it leases the next
pair (2 held ahead), decides it with real GPT-2 BPE records and writes it under its own
decision id. The project has exactly raters x decisions / overlap pairs and every rater
rates until the project is done, so the decisions per rater come out near 300 each (a
rater stopping at a fixed count could leave the last pair's second slot to nobody: the
only raters left may have decided its first).

Printed: decisions lost (a rater wrote it, the server lacks it), duplicated (two rows for
one pair and rater, or one id twice), pairs not decided by exactly 2 distinct raters, and
the p50/p95/max milliseconds of "next pair leased" and "decision written".
The baseline: the same 16 processes on one JSONL journal (halves schedule, overlap 1: the
file journal has no overlap), reading what the others appended before each pair.

    .venv/bin/python bench/team.py [--raters 16] [--decisions 300]

Measured on i23 (2 cores shared with other work, fsync on, Debian's PostgreSQL 15):
see the closing note of issue 23 and DESIGN.md ("Team store").
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from pg_cluster import Cluster  # noqa: E402
from team_data import samples, write_corpus  # noqa: E402

from rater.core.settings import PairingSettings, TeamSettings  # noqa: E402
from rater.rating.store import schema  # noqa: E402
from rater.rating.store.connect import connect  # noqa: E402
from rater.rating.store.projects import add_samples  # noqa: E402

RATER = REPO / "tests" / "team_rater.py"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(label: str, results: list[dict], seconds: float) -> tuple[float, float]:
    lease = [x for r in results for x in r["lease_ms"]]
    write = [x for r in results for x in r["write_ms"]]
    count = sum(len(r["decisions"]) for r in results)
    print(
        f"{label}: {count} decisions in {seconds:.1f} s ({count / seconds:.0f}/s); "
        f"next pair p50 {statistics.median(lease):.2f} p95 {pct(lease, 0.95):.2f} "
        f"max {max(lease):.1f} ms; decision written p50 {statistics.median(write):.2f} "
        f"p95 {pct(write, 0.95):.2f} max {max(write):.1f} ms"
    )
    return pct(lease, 0.95), pct(write, 0.95)


def run(commands: list[list[str]], outs: list[Path]) -> tuple[list[dict], float]:
    """Start the processes, let them all get ready, then say go at once."""
    go = outs[0].with_suffix(".go")
    procs = [
        subprocess.Popen([*c, "--go", str(go)], stdout=subprocess.PIPE, text=True) for c in commands
    ]
    for p in procs:
        assert p.stdout is not None
        p.stdout.readline()  # "waiting": imported, connected, encoder warm
    start = time.perf_counter()
    go.touch()
    codes = [p.wait(timeout=900) for p in procs]
    seconds = time.perf_counter() - start
    if any(codes):
        raise SystemExit(f"rater processes failed: exit codes {codes}")
    return [json.loads(o.read_text()) for o in outs], seconds


def check_db(url: str, results: list[dict], overlap: int) -> bool:
    written = [d for r in results for d in r["decisions"]]
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT decision, rater, pair FROM decisions WHERE undone IS NULL"
        ).fetchall()
        per_pair = conn.execute(
            "SELECT count(*), count(DISTINCT rater) FROM decisions WHERE undone IS NULL"
            " GROUP BY pair"
        ).fetchall()
        pairs = conn.execute("SELECT count(*) FROM pairs").fetchone()[0]
    stored = {d for d, _, _ in rows}
    lost = len(set(written) - stored)
    duplicated = (len(written) - len(set(written))) + (len(rows) - len(stored))
    duplicated += sum(1 for n, distinct in per_pair if distinct < n)
    unexpected = len(stored - set(written))
    not_k = sum(1 for n, distinct in per_pair if not n == distinct == overlap)
    undecided = pairs - len(per_pair)
    counts = sorted(len(r["decisions"]) for r in results)
    print(
        f"team check: {len(written)} decisions written by raters ({counts[0]}..{counts[-1]} "
        f"each), {len(rows)} on the server; lost {lost}, duplicated {duplicated}, "
        f"unexpected {unexpected}; pairs {pairs}: {not_k} not decided by exactly "
        f"{overlap} distinct raters, {undecided} undecided"
    )
    return lost == duplicated == unexpected == not_k == undecided == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=16)
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--overlap", type=int, default=2)
    parser.add_argument(
        "--think", type=float, default=0.0,
        help="seconds each rater waits between decisions (0: full speed, a stress test; a "
        "person takes ~20 s)",
    )  # fmt: skip
    args = parser.parse_args()
    pairs = args.raters * args.decisions // args.overlap
    work = Path(tempfile.mkdtemp(prefix="rater-team-bench-"))
    cluster = Cluster().start()
    try:
        url = cluster.new_database()
        with connect(url) as conn:
            schema.migrate(conn)
            add_samples(
                conn, "bench", samples(2 * pairs), PairingSettings(),
                TeamSettings(overlap=args.overlap),
            )  # fmt: skip
        print(
            f"{args.raters} rater processes x {args.decisions} decisions, overlap "
            f"{args.overlap}: {pairs} pairs, think time {args.think:g} s, "
            f"PostgreSQL at {cluster.bin}"
        )
        outs = [work / f"db-{k}.json" for k in range(args.raters)]
        commands = [
            [sys.executable, str(RATER), "db", url, "bench", f"rater{k}",
             str(work / f"spool-{k}.jsonl"), str(outs[k]), "--count", str(2 * args.decisions),
             "--pause", str(args.think)]
            for k in range(args.raters)
        ]  # fmt: skip
        db_results, db_seconds = run(commands, outs)
        ok = check_db(url, db_results, args.overlap)
        db_lease, db_write = summary("team (PostgreSQL)", db_results, db_seconds)

        corpus = write_corpus(work / "corpus.abc", 2 * pairs)
        outs = [work / f"file-{k}.json" for k in range(args.raters)]
        commands = [
            [sys.executable, str(RATER), "file", str(work / "ratings.jsonl"), str(corpus),
             f"rater{k}", str(outs[k]), "--count", str(args.decisions),
             "--pause", str(args.think)]
            for k in range(args.raters)
        ]  # fmt: skip
        file_results, file_seconds = run(commands, outs)
        written = [d for r in file_results for d in r["decisions"]]
        print(
            f"file check: {len(written)} decisions, {len(written) - len(set(written))} "
            "duplicated ids"
        )
        file_lease, file_write = summary("file journal (baseline)", file_results, file_seconds)
        print(
            f"ratios team/file: next pair p95 {db_lease / file_lease:.2f}x, decision written "
            f"p95 {db_write / file_write:.2f}x; goal <= 20 ms each: "
            f"{'met' if db_lease <= 20 and db_write <= 20 else 'MISSED'}"
        )
        return 0 if ok else 1
    finally:
        cluster.close()


if __name__ == "__main__":
    sys.exit(main())
