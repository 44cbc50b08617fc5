"""A rater's TeamClient against a real server that goes away: the spool, its replay,
undo offline, and the fault tests (a rater killed with leases held, the server restarted
with `-m immediate` mid-run). Each test that stops a server has a cluster of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from team_data import samples

from rater.core.settings import PairingSettings, TeamSettings
from rater.rating import outcome
from rater.rating.journal import Journal, with_decision
from rater.rating.store import schema
from rater.rating.store.client import TeamClient
from rater.rating.store.connect import connect
from rater.rating.store.projects import add_samples

RATER = Path(__file__).resolve().parent / "team_rater.py"


class Clock:
    """An injected clock: the client's retry rule needs no real waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _project(url: str, count: int, overlap: int = 1, lease: float = 600.0) -> None:
    with connect(url) as conn:
        schema.migrate(conn)
        add_samples(
            conn, "p", samples(count), PairingSettings(), TeamSettings(overlap=overlap,
            lease_seconds=lease),
        )  # fmt: skip


def _stored(url: str) -> list[tuple[str, str]]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT decision, rater FROM decisions WHERE undone IS NULL ORDER BY seq"
        ).fetchall()


def test_offline_decisions_spool_and_replay_in_order(own_cluster, tmp_path: Path) -> None:
    url = own_cluster.new_database()
    _project(url, count=12)
    clock = Clock()
    client = TeamClient(url, "p", "alice", tmp_path / "spool.jsonl", TeamSettings(ahead=2),
                        clock=clock)  # fmt: skip
    made = []
    pair = client.next_pair()
    made.append(client.decide(outcome.decide(pair, 0, "alice")))
    assert client.status() == "team: 1 rater, 1/6 pairs"

    own_cluster.stop("immediate")
    for best in (1, "tie"):  # rating goes on for the pairs already leased
        pair = client.next_pair()
        assert pair is not None
        made.append(client.decide(outcome.decide(pair, best, "alice")))
    assert not client.online
    assert client.status() == "team: 1 rater, 1/6 pairs · offline: 2 decisions waiting"
    assert client.next_pair() is None  # nothing more leased while the server is away
    undone = client.undo()  # the spool's last decision
    assert [r.best for r in undone] == [0, 1] and client.waiting() == 1
    again = client.next_pair()  # the undone pair comes back to the front
    assert again is not None and {again.a.id, again.b.id} == set(undone[0].ids)
    made[-1] = client.decide(outcome.decide(again, 0, "alice"))

    own_cluster.resume()
    assert client.next_pair() is None and not client.online  # not retried yet
    clock.now += TeamSettings().retry_seconds
    assert client.next_pair() is not None and client.online
    assert client.waiting() == 0 and client.spool_empty()
    assert [d for d, _ in _stored(url)] == [str(m[0].extra["decision"]) for m in made]
    assert client.status() == "team: 1 rater, 3/6 pairs"
    client.close()


def test_a_replay_cut_short_is_replayed_without_duplicates(own_cluster, tmp_path: Path) -> None:
    url = own_cluster.new_database()
    _project(url, count=8)
    first = TeamClient(url, "p", "alice", tmp_path / "other.jsonl")
    first.next_pair()
    spool = Journal(tmp_path / "spool.jsonl")
    decisions = [
        spool.append(with_decision(outcome.decide(lease.shown, k % 2, "alice")))
        for k, lease in enumerate(first.held[:2])
    ]
    first.store.decide(decisions[0])  # a crash after sending it, before the spool emptied
    first.close()
    client = TeamClient(url, "p", "alice", tmp_path / "spool.jsonl")  # replays at start
    assert client.spool_empty()
    assert sorted(d for d, _ in _stored(url)) == sorted(
        str(d[0].extra["decision"]) for d in decisions
    )
    client.close()


def _rater(url: str, name: str, tmp: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RATER), "db", url, "p", name, str(tmp / f"{name}.spool"),
         str(tmp / f"{name}.json"), *extra],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_a_killed_rater_loses_nothing_and_its_leases_come_back(own_cluster, tmp_path: Path):
    url = own_cluster.new_database()
    _project(url, count=12, lease=2.0)
    proc = _rater(url, "alice", tmp_path, "--count", "2", "--pause", "60")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    with connect(url) as conn:
        held = conn.execute(
            "SELECT pair FROM slots WHERE rater = 'alice' AND decision IS NULL ORDER BY pair"
        ).fetchall()
    assert len(held) == 2  # the pair after the decided one, and one ahead
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    bob = TeamClient(url, "p", "bob", tmp_path / "bob.spool", TeamSettings(ahead=5))
    bob.next_pair()
    assert {h.pair for h in bob.held}.isdisjoint(p for (p,) in held)  # still alice's
    time.sleep(2.2)  # the lease time of the project
    bob.held = []  # bob starts over: the expired leases are the first open slots again
    bob.next_pair()
    assert {p for (p,) in held} <= {h.pair for h in bob.held}
    assert [r for _, r in _stored(url)] == ["alice"]  # alice's decision is kept
    bob.close()


@pytest.mark.slow
def test_a_server_restarted_immediately_mid_run_loses_nothing(own_cluster, tmp_path: Path):
    url = own_cluster.new_database()
    _project(url, count=120, overlap=2)
    procs = [_rater(url, f"r{k}", tmp_path, "--pause", "0.02") for k in range(3)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    own_cluster.stop("immediate")  # a crash: the raters spool what they decide meanwhile
    time.sleep(1.0)
    own_cluster.resume()
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    results = [json.loads((tmp_path / f"r{k}.json").read_text()) for k in range(3)]
    written = [d for r in results for d in r["decisions"]]
    assert sum(r["offline"] for r in results) > 0  # the restart did hit decisions
    assert all(r["spool_left"] == 0 for r in results)
    stored = _stored(url)
    assert sorted(d for d, _ in stored) == sorted(written)  # nothing lost, nothing twice
    with connect(url) as conn:
        per_pair = conn.execute(
            "SELECT count(*), count(DISTINCT rater) FROM decisions GROUP BY pair"
        ).fetchall()
    assert len(per_pair) == 60 and set(per_pair) == {(2, 2)}


def test_a_screen_keeps_its_leases_while_a_person_looks(team_db: str, tmp_path: Path) -> None:
    with connect(team_db) as conn:
        add_samples(conn, "p", samples(8), PairingSettings(), TeamSettings(lease_seconds=60))
    clock = Clock()
    client = TeamClient(team_db, "p", "alice", tmp_path / "spool.jsonl", clock=clock)
    client.next_pair()

    def deadlines() -> list[object]:
        with connect(team_db) as conn:
            rows = conn.execute("SELECT expires FROM slots WHERE rater = 'alice' ORDER BY pair")
            return [e for (e,) in rows.fetchall()]

    before = deadlines()
    assert len(before) == 3
    clock.now += 29  # under half the lease: nothing to push yet
    client.status()
    assert deadlines() == before
    clock.now += 1  # half the lease has gone by: the screen's next status pushes them
    client.status()
    after = deadlines()
    assert all(b > a for a, b in zip(before, after, strict=True))
    client.close()


def test_a_decision_spooled_while_the_spool_is_sent_is_sent_too(team_db: str, tmp_path: Path):
    """The spool is emptied only if nothing came while it was being sent: a decision the
    screen spooled meanwhile (its next key, on the UI thread) is sent as well, not cut unsent
    (it was: the spool was emptied after sending what it held when the replay began)."""
    with connect(team_db) as conn:
        add_samples(conn, "p", samples(8), PairingSettings(), TeamSettings())
    client = TeamClient(team_db, "p", "alice", tmp_path / "spool.jsonl", TeamSettings(ahead=2))
    client.next_pair()
    first, second = (with_decision(outcome.decide(h.shown, 0, "alice")) for h in client.held[:2])
    client.spool.append(first)
    assert client.store is not None
    send = client.store.decide

    def send_while_a_key_is_pressed(records):  # type: ignore[no-untyped-def]
        if records[0].extra["decision"] == first[0].extra["decision"]:
            client.spool.append(second)
        return send(records)

    client.store.decide = send_while_a_key_is_pressed  # type: ignore[method-assign]
    assert client.replay() == 2
    assert client.spool_empty()
    assert sorted(d for d, _ in _stored(team_db)) == sorted(
        str(d[0].extra["decision"]) for d in (first, second)
    )
    client.close()
