"""Rating sessions on a team project whose pairs are chosen as the team rates (`active`):
each rater's strategy reads every rater's decisions (the shared state), proposes, and the
client claims the pair on the real server; nobody is given a pair another holds or did."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from consumers import halves_texts, write_corpus

from rater.core.corpus import read_samples
from rater.core.settings import PairingSettings, RateSettings, TeamSettings
from rater.rating.session import Session, State
from rater.rating.store.client import TeamClient
from rater.rating.store.connect import connect
from rater.rating.store.projects import add_samples
from rater.rating.store.team_session import ClaimingSource, TeamJournal, all_samples


def _session(url: str, rater: str, tmp: Path) -> Session:
    client = TeamClient(url, "a", rater, tmp / f"{rater}.spool")
    settings = RateSettings(
        rater=rater, pairing=PairingSettings("active", seed=0), recheck=0.0, min_view_seconds=0
    )
    session = Session(
        all_samples(client), TeamJournal(client), settings,
        wrap_source=partial(ClaimingSource, client=client),
    )  # fmt: skip
    session.start_judging()  # text samples: judged at once, nothing rendered
    return session


def _showing(session: Session) -> None:
    end = time.monotonic() + 30
    while session.advance() != State.SHOWING:
        assert time.monotonic() < end, "no pair came"
        time.sleep(0.02)


def test_two_raters_share_one_adaptive_project(team_db: str, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus.txt", halves_texts()[:12])
    with connect(team_db) as conn:
        add_samples(conn, "a", read_samples([str(corpus)], kind="text"),
                    PairingSettings("active"), TeamSettings(), kind="text")  # fmt: skip
    alice, bob = _session(team_db, "alice", tmp_path), _session(team_db, "bob", tmp_path)
    shown: list[frozenset[str]] = []
    for _ in range(3):
        for session in (alice, bob):
            _showing(session)
            assert session.current is not None
            shown.append(frozenset((session.current.a.id, session.current.b.id)))
            session.decide(0)
    assert len(set(shown)) == 6  # no pair twice
    with connect(team_db) as conn:
        rows = conn.execute("SELECT rater, pair FROM decisions ORDER BY seq").fetchall()
    assert [r for r, _ in rows] == ["alice", "bob"] * 3
    assert len({p for _, p in rows}) == 6


def test_a_raters_journal_brings_the_others_decisions(team_db: str, tmp_path: Path) -> None:
    """What feeds each rater's strategy the shared state: the history at the start, and
    `news` (the session reads it before every pair) with the others' decisions since."""
    corpus = write_corpus(tmp_path / "corpus.txt", halves_texts()[:12])
    with connect(team_db) as conn:
        add_samples(conn, "a", read_samples([str(corpus)], kind="text"),
                    PairingSettings("active"), TeamSettings(), kind="text")  # fmt: skip
    alice = _session(team_db, "alice", tmp_path)
    _showing(alice)
    first = alice.decide(0)
    bob_journal = TeamJournal(TeamClient(team_db, "a", "bob", tmp_path / "bob.spool"))
    assert [r.extra["decision"] for r in bob_journal.follow()] == [first[0].extra["decision"]]
    assert bob_journal.news() == []
    _showing(alice)
    second = alice.decide(1)
    news = bob_journal.news()
    assert [(r.ids, r.best, r.rater) for r in news] == [(second[0].ids, 1, "alice")]


def test_a_deferred_strategy_refits_on_a_team_project(team_db: str, tmp_path: Path) -> None:
    """The rating screen defers a strategy's refits to jobs (`prepare` / `adopt`); through
    the claims wrapper they used to reach nothing (a `model` project stayed on its halves
    start); a `top` project races, and the status line says how sure its best are."""
    corpus = write_corpus(tmp_path / "corpus.txt", halves_texts()[:16])
    with connect(team_db) as conn:
        add_samples(conn, "a", read_samples([str(corpus)], kind="text"),
                    PairingSettings("top"), TeamSettings(), kind="text")  # fmt: skip
    client = TeamClient(team_db, "a", "alice", tmp_path / "alice.spool")
    settings = RateSettings(
        rater="alice", pairing=PairingSettings("top", best=3), recheck=0.0, min_view_seconds=0
    )
    session = Session(
        all_samples(client), TeamJournal(client), settings, defer_refit=True,
        wrap_source=partial(ClaimingSource, client=client),
    )  # fmt: skip
    session.start_judging()
    assert session.counters().goal == "top 3: …"
    for _ in range(12):  # past the halves start (BOOT decisions)
        _showing(session)
        session.decide(0)
        while (job := session.idle_job()) is not None:
            session.finish_job(job())
    assert session.counters().goal.startswith("top 3: ") and "% sure" in session.counters().goal
    session.close()
