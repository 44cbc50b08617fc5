"""The lease query on a synthetic 10M-sample, 1M-decision project: its EXPLAIN ANALYZE, and
the time of a lease, a decision and the progress line at that size (DESIGN.md, "Team store").

A throwaway cluster (tests/pg_cluster.py) gets the real schema (every migration) and one
project built in SQL: 10,000,000 samples, their halves schedule of 5,000,000 pairs with
overlap 1, the first 1,000,000 pairs decided by 16 raters, and 48 live leases after them
(16 raters holding 3 pairs each), then VACUUM ANALYZE. The lease query is then explained
inside a transaction that is rolled back, and `TeamStore` leases and decides for real.

    .venv/bin/python bench/team_explain.py [--samples 10000000] [--decisions 1000000]

Takes about 10-20 minutes and ~6 GB of disk on a 2-core machine (most of it loading).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from pg_cluster import Cluster  # noqa: E402

from rater.rating import outcome  # noqa: E402
from rater.rating.journal import with_decision  # noqa: E402
from rater.rating.store import schema  # noqa: E402
from rater.rating.store.connect import connect  # noqa: E402
from rater.rating.store.team import LEASE_SQL, TeamStore  # noqa: E402

LOAD = """
INSERT INTO projects (name, overlap) VALUES ('big', 1);
INSERT INTO samples (project, id, text, source, number)
  SELECT 1, lpad(to_hex(g), 16, '0'), 'X:' || g || E'\\nT:Synthetic\\nM:4/4\\nK:C\\nCDEF GABc|',
         'synthetic.abc', g
  FROM generate_series(1, {samples}) g;
INSERT INTO pairs (project, pair, a, b)
  SELECT 1, g, lpad(to_hex(g), 16, '0'), lpad(to_hex(g + {half}), 16, '0')
  FROM generate_series(1, {half}) g;
INSERT INTO decisions (project, decision, rater, a, b, pair, records, written)
  SELECT 1, 'd' || g, 'rater' || (g % 16), lpad(to_hex(g), 16, '0'),
         lpad(to_hex(g + {half}), 16, '0'), g,
         jsonb_build_array(jsonb_build_object(
           'query', '[]'::jsonb, 'sample0', '[55, 25]'::jsonb, 'sample1', '[34, 25]'::jsonb,
           'best', g % 2, 'rater', 'rater' || (g % 16), 'decision', 'd' || g,
           'ids', jsonb_build_array(lpad(to_hex(g), 16, '0'), lpad(to_hex(g + {half}), 16, '0')))),
         now() - make_interval(secs => {decisions} - g)
  FROM generate_series(1, {decisions}) g;
INSERT INTO slots (project, pair, slot, rater, expires, decision)
  SELECT 1, g, 0,
         CASE WHEN g <= {decisions} THEN 'rater' || (g % 16)
              WHEN g <= {decisions} + 48 THEN 'rater' || (g % 16) END,
         CASE WHEN g > {decisions} AND g <= {decisions} + 48
              THEN now() + interval '10 minutes' END,
         CASE WHEN g <= {decisions} THEN 'd' || g END
  FROM generate_series(1, {half}) g;
"""


def timed(label: str, fn, n: int = 50) -> None:  # type: ignore[no-untyped-def]
    ms = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - start) * 1000)
    ms.sort()
    print(
        f"{label}: p50 {statistics.median(ms):.2f} ms, p95 {ms[int(0.95 * len(ms))]:.2f} ms "
        f"({n} runs)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    args = parser.parse_args()
    cluster = Cluster().start()
    try:
        url = cluster.new_database()
        with connect(url) as conn:
            conn.execute("SET statement_timeout = 0")
            schema.migrate(conn)
            start = time.perf_counter()
            sql = LOAD.format(samples=args.samples, half=args.samples // 2,
                              decisions=args.decisions)  # fmt: skip
            for statement in sql.split(";\n"):
                if statement.strip():
                    conn.execute(statement)  # type: ignore[arg-type]
            conn.execute("VACUUM ANALYZE")
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            print(
                f"loaded {args.samples:,} samples, {args.samples // 2:,} pairs, "
                f"{args.decisions:,} decisions in {time.perf_counter() - start:.0f} s; "
                f"database {size.fetchone()[0]}"
            )
            params = {"project": 1, "rater": "rater99", "held": [], "seconds": 600.0}
            for _ in range(2):  # the second run is the warm one
                with conn.transaction(force_rollback=True):
                    plan = conn.execute(
                        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + LEASE_SQL, params
                    ).fetchall()
            print("EXPLAIN (ANALYZE, BUFFERS) of the lease query (warm):")
            for (line,) in plan:
                print("   ", line)
        store = TeamStore(connect(url), "big", "rater99")
        held: list[int] = []

        def lease() -> None:
            got = store.lease(held)
            assert got is not None
            held.append(got.pair)

        timed("lease (TeamStore.lease, with its pair and samples)", lease)
        pairs = iter(list(held))

        def decide() -> None:
            pair = store._all(  # the lease's pair again, by number
                "SELECT a, b FROM pairs WHERE project = 1 AND pair = %s", (next(pairs),)
            )[0]
            found = store.samples(list(pair))
            from rater.core.records import Pair

            records = with_decision(
                outcome.decide(Pair(found[pair[0]], found[pair[1]]), 0, "rater99")
            )
            store.decide(records)

        timed("decision (TeamStore.decide, plus a pair look-up)", decide)
        timed("progress line (TeamStore.progress)", store.progress, n=5)
        print(store.progress().line())
    finally:
        cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
