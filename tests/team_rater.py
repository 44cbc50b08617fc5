"""One rater as a process, for bench/team.py and the team fault tests (not a test module).

    python tests/team_rater.py db URL PROJECT RATER SPOOL OUT [--count N] [--ahead N]
    python tests/team_rater.py file JOURNAL SAMPLES RATER OUT [--count N]

`db`: a real `TeamClient` (leases held ahead, spool while the server is away) decides
pairs until the project is done or it made `--count` decisions, waiting (bounded) while
the server is down or every open pair is held by others. `file`: the file-journal
baseline: the halves schedule of SAMPLES, one shared journal, each process reading what
the others appended (`news`) and writing only undecided pairs (`unless_decided`).
OUT gets JSON: the decision ids it wrote, and per decision the milliseconds of "next pair
leased" (the call that returns the next pair) and "decision written" (the write's return).
A line "ready" on stdout says the first pair is decided (the fault tests wait for it).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rater.core.corpus import read_samples  # noqa: E402
from rater.core.errors import OfflineError  # noqa: E402
from rater.core.settings import TeamSettings  # noqa: E402
from rater.rating import outcome  # noqa: E402
from rater.rating.journal import Journal  # noqa: E402
from rater.rating.pairing.schedule import halves  # noqa: E402
from rater.rating.store.client import TeamClient  # noqa: E402

WAIT_LIMIT = 120.0  # seconds a rater waits for the server or for work before it gives up


def _wait_for(go: str | None) -> None:
    """Start together: every process has imported, connected and warmed its encoder first
    (16 processes starting on 2 cores would otherwise time each other's imports)."""
    if not go:
        return
    from rater.core import bpe

    bpe.encode("X:1")
    print("waiting", flush=True)
    deadline = time.monotonic() + WAIT_LIMIT
    while not Path(go).exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def run_db(args: argparse.Namespace) -> dict[str, object]:
    settings = TeamSettings(ahead=args.ahead, retry_seconds=0.2, connect_timeout=2)
    client = TeamClient(args.url, args.project, args.rater, args.spool, settings)
    _wait_for(args.go)
    rng = random.Random(args.rater)
    ids: list[str] = []
    lease_ms: list[float] = []
    write_ms: list[float] = []
    waited_since: float | None = None
    offline_seen = 0
    while len(ids) < args.count:
        start = time.perf_counter()
        pair = client.next_pair()
        took = _ms(start)
        if pair is None:
            progress = client.progress() if client.online else None
            if progress is not None and progress.done >= progress.total:
                break  # every pair has its K raters
            waited_since = waited_since or time.monotonic()
            if time.monotonic() - waited_since > WAIT_LIMIT:
                break
            time.sleep(0.05)
            continue
        waited_since = None
        online = client.online
        start = time.perf_counter()
        written = client.decide(outcome.decide(pair, rng.choice((0, 1, "tie")), args.rater))
        if online and client.online:
            lease_ms.append(took)
            write_ms.append(_ms(start))
        else:
            offline_seen += 1
        ids.append(str(written[0].extra["decision"]))
        if len(ids) == 1:
            print("ready", flush=True)
        if args.pause:
            time.sleep(args.pause)
    # the spool must reach the server before the rater leaves
    deadline = time.monotonic() + WAIT_LIMIT
    while not client.spool_empty() and time.monotonic() < deadline:
        client.next_pair()
        time.sleep(0.1)
    left = client.waiting()
    client.close()
    return {
        "rater": args.rater,
        "decisions": ids,
        "lease_ms": lease_ms,
        "write_ms": write_ms,
        "offline": offline_seen,
        "spool_left": left,
    }


def run_file(args: argparse.Namespace) -> dict[str, object]:
    pairs = halves(read_samples([args.samples]), 0)
    journal = Journal(args.journal)
    journal.follow()
    _wait_for(args.go)
    rng = random.Random(args.rater)
    ids: list[str] = []
    lease_ms: list[float] = []
    write_ms: list[float] = []
    k = 0
    while len(ids) < args.count:
        start = time.perf_counter()
        journal.news()  # what the other raters appended
        while k < len(pairs) and journal.is_decided((pairs[k].a.id, pairs[k].b.id)):
            k += 1
        took = _ms(start)
        if k >= len(pairs):
            break
        start = time.perf_counter()
        written = journal.append(
            outcome.decide(pairs[k], rng.choice((0, 1, "tie")), args.rater), unless_decided=True
        )
        if written:
            lease_ms.append(took)
            write_ms.append(_ms(start))
            ids.append(str(written[0].extra["decision"]))
        if args.pause:
            time.sleep(args.pause)
    return {"rater": args.rater, "decisions": ids, "lease_ms": lease_ms, "write_ms": write_ms}


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    db = sub.add_parser("db")
    for name in ("url", "project", "rater", "spool", "out"):
        db.add_argument(name)
    db.add_argument("--count", type=int, default=300)
    db.add_argument("--ahead", type=int, default=TeamSettings.ahead)
    db.add_argument("--pause", type=float, default=0.0)
    db.add_argument("--go", help="start once this file exists")
    db.set_defaults(run=run_db)
    file = sub.add_parser("file")
    for name in ("journal", "samples", "rater", "out"):
        file.add_argument(name)
    file.add_argument("--count", type=int, default=300)
    file.add_argument("--go", help="start once this file exists")
    file.add_argument("--pause", type=float, default=0.0)
    file.set_defaults(run=run_file)
    args = parser.parse_args()
    try:
        result = args.run(args)
    except OfflineError as exc:
        print(f"team_rater: {exc}", file=sys.stderr)
        return 3
    Path(args.out).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
