"""Nobody writes as someone else: login roles from `grant`, row-level security on the
real server (a rater inserts, leases and undoes only as itself, reads the project; an admin
adds samples and exports)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from team_data import samples

from rater.core.errors import StoreError
from rater.core.settings import PairingSettings, TeamSettings
from rater.rating import outcome
from rater.rating.journal import with_decision
from rater.rating.store.connect import connect
from rater.rating.store.projects import add_samples, grant
from rater.rating.store.team import TeamStore


@pytest.fixture
def team(pg_cluster, team_db: str):  # type: ignore[no-untyped-def]
    """A project and two rater roles and an admin role (names fresh per test: roles belong
    to the whole server). Returns a function role -> URL of the same database as it."""
    dbname = conninfo_to_dict(team_db)["dbname"]
    tag = uuid.uuid4().hex[:6]
    names = {"alice": f"alice_{tag}", "bob": f"bob_{tag}", "admin": f"admin_{tag}"}
    with connect(team_db) as conn:
        add_samples(conn, "p", samples(8), PairingSettings(), TeamSettings())
        grant(conn, names["alice"])
        grant(conn, names["bob"])
        grant(conn, names["admin"], admin=True)
    return names, lambda who: pg_cluster.url(dbname, user=names[who])


def test_a_rater_role_rates_as_itself(team) -> None:  # type: ignore[no-untyped-def]
    names, url = team
    alice = TeamStore(connect(url("alice")), "p", names["alice"])
    lease = alice.lease()
    assert alice.decide(with_decision(outcome.decide(lease.shown, 0, names["alice"])))
    assert alice.progress().decisions == 1
    assert alice.undo()  # its own
    assert alice.last_decision() == []


def test_a_rater_role_writing_as_another_is_refused(team) -> None:  # type: ignore[no-untyped-def]
    names, url = team
    with pytest.raises(StoreError, match="writes only its own decisions"):
        TeamStore(connect(url("alice")), "p", names["bob"])
    # past the client's own check, the server refuses the row itself
    conn = connect(url("alice"))
    store = TeamStore(conn, "p", names["alice"])
    lease = store.lease()
    forged = with_decision(outcome.decide(lease.shown, 1, names["bob"]))
    with pytest.raises(StoreError, match="row-level security"):
        store.decide(forged)
    # a record naming someone else in a row that says alice breaks the table's check
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO decisions (project, decision, rater, a, b, records)"
            " VALUES (%s, 'x', %s, 'a', 'b', '[{\"rater\": \"someone\"}]')",
            (store.project.id, names["alice"]),
        )
    assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0


def test_a_rater_role_cannot_undo_steal_or_add(team) -> None:  # type: ignore[no-untyped-def]
    names, url = team
    bob = TeamStore(connect(url("bob")), "p", names["bob"])
    held = bob.lease()
    assert bob.decide(with_decision(outcome.decide(held.shown, 0, names["bob"])))
    live = bob.lease([])
    alice = connect(url("alice"))
    undone = alice.execute("UPDATE decisions SET undone = now() WHERE rater = %s", (names["bob"],))
    stolen = alice.execute(
        "UPDATE slots SET rater = %s WHERE pair = %s", (names["alice"], live.pair)
    )
    assert (undone.rowcount, stolen.rowcount) == (0, 0)
    with pytest.raises(StoreError, match="permission denied"):
        add_samples(alice, "p", samples(12), PairingSettings(), TeamSettings())
    assert TeamStore(alice, "p", names["alice"]).progress().decisions == 1  # it reads all


def test_an_admin_role_adds_samples_and_sees_every_decision(team) -> None:  # type: ignore[no-untyped-def]
    names, url = team
    admin = connect(url("admin"))
    assert add_samples(admin, "p", samples(12), PairingSettings(), TeamSettings()).pairs == 2
    assert add_samples(admin, "q", samples(4), PairingSettings(), TeamSettings()).pairs == 2


def test_a_rater_roles_second_automatic_record_takes_the_first(pg_cluster, team_db: str) -> None:  # type: ignore[no-untyped-def]
    """Under row-level security too: bob's slot of a pair alice found broken takes alice's
    automatic record (a decision not his own, allowed for exactly that case)."""
    from rater.core.records import Verdict
    from rater.rating.store.team import Written

    dbname = conninfo_to_dict(team_db)["dbname"]
    tag = uuid.uuid4().hex[:6]
    alice_name, bob_name = f"alice_{tag}", f"bob_{tag}"
    with connect(team_db) as conn:
        add_samples(conn, "k", samples(4), PairingSettings(), TeamSettings(overlap=2))
        grant(conn, alice_name)
        grant(conn, bob_name)
    alice = TeamStore(connect(pg_cluster.url(dbname, user=alice_name)), "k", alice_name)
    bob = TeamStore(connect(pg_cluster.url(dbname, user=bob_name)), "k", bob_name)
    la, lb = alice.lease(), bob.lease()
    assert la.pair == lb.pair
    bad, good = Verdict(la.shown.a.id, False, ("empty",)), Verdict(la.shown.b.id, True)
    first = with_decision(outcome.auto_decide(la.shown, bad, good, alice_name))
    second = with_decision(outcome.auto_decide(lb.shown, bad, good, bob_name))
    assert alice.decide(first) == Written.WRITTEN
    assert bob.decide(second) == Written.SUPERSEDED
    assert bob.progress().done == 1
