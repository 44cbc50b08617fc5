"""The team store against a real PostgreSQL server (tests/pg_cluster.py): schema and
migrations, leasing with overlap, expiry, idempotent decisions, undo, progress."""

from __future__ import annotations

import pytest
from team_data import samples

from rater.core.errors import StoreError
from rater.core.settings import PairingSettings, TeamSettings
from rater.rating import outcome
from rater.rating.journal import with_decision
from rater.rating.store import schema
from rater.rating.store.connect import connect
from rater.rating.store.projects import add_samples
from rater.rating.store.team import TeamStore, Written


def _decision(pair, best, rater):  # type: ignore[no-untyped-def]
    """A decision's records with the id the client makes before its first attempt."""
    return with_decision(outcome.decide(pair, best, rater))


def _project(url: str, count: int = 8, overlap: int = 1, name: str = "p") -> None:
    with connect(url) as conn:
        add_samples(conn, name, samples(count), PairingSettings(), TeamSettings(overlap=overlap))


def _store(url: str, rater: str, name: str = "p") -> TeamStore:
    return TeamStore(connect(url), name, rater)


def test_init_makes_the_latest_schema_and_migrates_an_older_one(pg_cluster) -> None:
    url = pg_cluster.new_database()
    with connect(url) as conn:
        assert schema.version(conn) == 0
        with pytest.raises(StoreError, match="rater db init"):
            schema.require_current(conn)
        assert schema.migrate(conn, target=1) == (0, 1)
        with pytest.raises(StoreError, match="version 1, this rater needs"):
            schema.require_current(conn)
        conn.execute("INSERT INTO projects (name) VALUES ('old')")
        assert schema.migrate(conn) == (1, schema.LATEST)
        assert schema.migrate(conn) == (schema.LATEST, schema.LATEST)  # idempotent
        assert conn.execute("SELECT name FROM projects").fetchall() == [("old",)]
        conn.execute("INSERT INTO rater_migrations (version, name) VALUES (99, 'future')")
        with pytest.raises(StoreError, match="newer than this rater knows"):
            schema.require_current(conn)


def test_add_samples_schedules_halves_once(team_db: str) -> None:
    with connect(team_db) as conn:
        first = add_samples(
            conn, "p", samples(10), PairingSettings(seed=3), TeamSettings(overlap=2)
        )
        again = add_samples(
            conn, "p", samples(10), PairingSettings(seed=3), TeamSettings(overlap=2)
        )
        more = add_samples(conn, "p", samples(14), PairingSettings(seed=3), TeamSettings(overlap=2))
        slots = conn.execute("SELECT count(*) FROM slots").fetchone()[0]
    assert (first.samples, first.pairs) == (10, 5)
    assert (again.samples, again.pairs) == (0, 0)
    assert (more.samples, more.pairs) == (4, 2)
    assert slots == 2 * 7


def test_two_raters_never_hold_one_pair_with_overlap_one(team_db: str) -> None:
    _project(team_db, count=8)
    alice, bob = _store(team_db, "alice"), _store(team_db, "bob")
    got = [alice.lease(), bob.lease(), alice.lease([1]), bob.lease([2])]
    assert [lease.pair for lease in got if lease] == [1, 2, 3, 4]
    assert alice.lease([1, 3]) is None  # every pair is held by someone


def test_overlap_two_gives_each_pair_to_two_raters_never_one_twice(team_db: str) -> None:
    _project(team_db, count=4, overlap=2)
    alice, bob, carol = (_store(team_db, r) for r in ("alice", "bob", "carol"))
    a1 = alice.lease()
    b1 = bob.lease()
    assert a1 and b1 and a1.pair == b1.pair == 1 and a1.slot != b1.slot
    assert carol.lease().pair == 2
    assert alice.lease([1]).pair == 2  # not pair 1 again: alice holds a slot of it
    assert alice.lease([1, 2]) is None  # pair 1 and 2 are hers or full
    alice.decide(_decision(a1.shown, 0, "alice"))
    assert alice.lease([2]) is None  # never a pair she decided


def test_an_expired_lease_goes_to_the_next_rater(team_db: str) -> None:
    _project(team_db, count=2)
    alice, bob = _store(team_db, "alice"), _store(team_db, "bob")
    lease = alice.lease()
    assert bob.lease() is None
    with connect(team_db) as conn:  # time passes: the lease's deadline is behind us
        conn.execute("UPDATE slots SET expires = now() - interval '1 second'")
    again = bob.lease()
    assert again is not None and again.pair == lease.pair
    # alice's late decision is kept (nothing lost) but the pair's one slot is bob's
    assert alice.decide(_decision(lease.shown, 1, "alice"))
    assert bob.decide(_decision(again.shown, 0, "bob"))
    with connect(team_db) as conn:
        assert conn.execute("SELECT rater FROM slots").fetchall() == [("bob",)]
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 2


def test_a_retried_decision_is_written_once(team_db: str) -> None:
    _project(team_db, count=4)
    alice = _store(team_db, "alice")
    lease = alice.lease()
    records = _decision(lease.shown, "tie", "alice")
    assert alice.decide(records) == Written.WRITTEN
    assert alice.decide(records) == Written.PRESENT
    with connect(team_db) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 1
    assert [r.best for r in alice.last_decision()] == [0, 1]
    assert alice.progress() == (1, 1, 2, 1, False)
    assert alice.progress().line() == "team: 1 rater, 1/2 pairs"


def test_undo_takes_back_ones_own_last_decision_and_leases_the_pair_back(team_db: str) -> None:
    _project(team_db, count=4)
    alice, bob = _store(team_db, "alice"), _store(team_db, "bob")
    la, lb = alice.lease(), bob.lease()
    mine = _decision(la.shown, 0, "alice")
    alice.decide(mine)
    bob.decide(_decision(lb.shown, 1, "bob"))
    with pytest.raises(StoreError, match="another one"):
        alice.undo(expect_decision="nope")
    undone = alice.undo(expect_decision=mine[0].extra["decision"])
    assert [r.ids for r in undone] == [r.ids for r in mine]
    assert alice.last_decision() == []
    assert [r.rater for _, recs in bob.records() for r in recs] == ["bob"]
    again = alice.lease([])
    assert again is not None and again.pair == la.pair  # hers again, as the journal's undo
    assert alice.decide(mine) == Written.PRESENT  # an undone id stays undone (a late replay)


def test_a_broken_pair_closes_every_slot(team_db: str) -> None:
    from rater.core.records import Verdict

    _project(team_db, count=4, overlap=3)
    alice = _store(team_db, "alice")
    lease = alice.lease()
    bad = Verdict(lease.shown.a.id, False, ("empty",))
    good = Verdict(lease.shown.b.id, True)
    carol = _store(team_db, "carol")
    held = carol.lease()  # carol holds a slot of pair 1 before it is found broken
    assert held.pair == lease.pair == 1
    alice.decide(with_decision(outcome.auto_decide(lease.shown, bad, good, "alice")))
    bob = _store(team_db, "bob")
    assert bob.lease().pair == 2  # pair 1 needs nobody else
    again = with_decision(outcome.auto_decide(held.shown, bad, good, "carol"))
    assert carol.decide(again) == Written.SUPERSEDED  # one automatic record per pair
    assert carol.decide(again) == Written.SUPERSEDED
    with connect(team_db) as conn:
        slots = conn.execute("SELECT count(*) FROM slots WHERE pair = 1 AND decision IS NULL")
        assert slots.fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 1
    assert alice.progress().done == 1


def test_an_adaptive_project_hands_out_claimed_pairs_once_per_slot(team_db: str) -> None:
    from rater.core.records import Pair

    with connect(team_db) as conn:
        added = add_samples(conn, "a", samples(6), PairingSettings("active"), TeamSettings())
        assert added.pairs == 0  # chosen as the team rates
    alice, bob = _store(team_db, "alice", "a"), _store(team_db, "bob", "a")
    s = samples(6)
    first = alice.claim(Pair(s[0], s[1]))
    assert first is not None and first.pair == 1
    assert bob.claim(Pair(s[1], s[0])) is None  # the same pair, either order: alice holds it
    assert bob.claim(Pair(s[2], s[3])).pair == 2
    assert alice.decide(_decision(first.shown, 0, "alice"))
    assert alice.claim(Pair(s[0], s[1])) is None  # decided: never again
    assert bob.progress().line() == "team: 2 raters, 1 decision"


def test_a_hidden_recheck_is_kept_and_takes_no_slot(team_db: str) -> None:
    from dataclasses import replace

    _project(team_db, count=4, overlap=2)
    alice = _store(team_db, "alice")
    lease = alice.lease()
    first = _decision(lease.shown, 0, "alice")
    assert alice.decide(first) == Written.WRITTEN
    pair = lease.shown
    again = replace(pair, a=pair.b, b=pair.a, recheck_of=str(first[0].extra["decision"]))
    assert alice.decide(_decision(again, 1, "alice")) == Written.WRITTEN
    with connect(team_db) as conn:
        decided = conn.execute("SELECT count(*) FROM slots WHERE decision IS NOT NULL")
        assert decided.fetchone()[0] == 1  # the re-check repeats, it does not count twice
        assert conn.execute("SELECT recheck FROM decisions ORDER BY seq").fetchall() == [
            (False,),
            (True,),
        ]
    assert _store(team_db, "bob").lease().pair == lease.pair  # the second slot is still open
