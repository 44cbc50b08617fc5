"""The rating screen on a team project, driven by Pilot against the real server: keys ->
decisions on the server, undo of one's own, the team line, offline spooling on screen."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from consumers import halves_texts, write_corpus
from fakes import RecordingPlayer

from rater.core.corpus import read_samples
from rater.core.settings import PairingSettings, RateSettings, TeamSettings
from rater.rating import outcome
from rater.rating.store import schema
from rater.rating.store.client import TeamClient
from rater.rating.store.connect import connect
from rater.rating.store.projects import add_samples
from rater.rating.store.screen_client import ScreenClient
from rater.tui.stats import ChartPlot, StatsScreen
from rater.tui.team import make_team_app


def _stored(url: str) -> list[tuple[str, int, bool]]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT rater, (records->0->>'best')::int, undone IS NOT NULL FROM decisions"
            " ORDER BY seq"
        ).fetchall()


def _text_project(url: str, tmp_path: Path, name: str = "p", pairing: str = "halves") -> str:
    """Project `name`: twelve good texts (shown only: nothing to render)."""
    corpus = write_corpus(tmp_path / "corpus.txt", halves_texts()[:12])
    with connect(url) as conn:
        add_samples(conn, name, read_samples([str(corpus)], kind="text"),
                    PairingSettings(pairing), TeamSettings(), kind="text")  # fmt: skip
    return url


@pytest.fixture
def project(team_db: str, tmp_path: Path) -> str:
    return _text_project(team_db, tmp_path)


def _app(url: str, name: str, tmp_path: Path, team: TeamSettings = TeamSettings()):  # type: ignore[no-untyped-def]
    """alice's screen on project `name` (a recording player: no audio device here)."""
    client = ScreenClient(url, name, "alice", tmp_path / "alice.spool", team)
    settings = RateSettings(rater="alice", min_view_seconds=0.0, recheck=0.0)
    return make_team_app(client, settings, player=RecordingPlayer())


async def _until(pilot, seen: Callable[[], object], timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for `seen()`: the screen's decisions reach the server on the courier's thread."""
    end = time.monotonic() + timeout
    while not seen():
        assert time.monotonic() < end, "the server never got there"
        await pilot.pause(0.1)


async def _showing(pilot, app, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while app.session.state != "showing":
        assert time.monotonic() < end, "no pair became ready"
        await pilot.pause(0.05)


def test_keys_write_to_the_server_and_undo_takes_ones_own_back(
    project: str, tmp_path: Path
) -> None:
    asyncio.run(_keys(project, tmp_path))


async def _keys(project: str, tmp_path: Path) -> None:
    app = _app(project, "p", tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _showing(pilot, app)
        first = app.session.current
        await pilot.press("1")
        await _showing(pilot, app)
        await pilot.press("2")
        await _showing(pilot, app)
        await _until(pilot, lambda: _stored(project) == [("alice", 0, False), ("alice", 1, False)])
        await pilot.press("u")
        await _showing(pilot, app)
        assert _stored(project)[-1] == ("alice", 1, True)  # undone, kept as undone
        await pilot.press("enter")  # skip: set aside, not shown again this sitting
        await _showing(pilot, app)
        await pilot.pause(5.5)  # the progress thread's first count is in
        status = str(app.query_one("#status").render())
        assert "team: 1 rater, 1/6 pairs" in status
        await pilot.press("x")
    assert first is not None
    with connect(project) as conn:  # every lease given back at exit
        held = conn.execute(
            "SELECT count(*) FROM slots WHERE decision IS NULL AND rater IS NOT NULL"
        )
        assert held.fetchone()[0] == 0


def test_the_screen_rates_on_offline_and_says_what_waits(own_cluster, tmp_path: Path) -> None:
    url = own_cluster.new_database()
    with connect(url) as conn:
        schema.migrate(conn)
    _text_project(url, tmp_path)
    asyncio.run(_offline(own_cluster, url, tmp_path))


async def _offline(cluster, url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = _app(url, "p", tmp_path, TeamSettings(retry_seconds=0.2, connect_timeout=2))
    async with app.run_test(size=(160, 48)) as pilot:
        await _showing(pilot, app)
        await pilot.press("1")
        await _showing(pilot, app)
        cluster.stop("immediate")
        await pilot.press("2")  # the next leased pair: on screen, decided, spooled
        await _showing(pilot, app)
        await pilot.pause(1.2)
        status = str(app.query_one("#status").render())
        assert "offline: 1 decision waiting" in status
        cluster.resume()
        end = time.monotonic() + 30
        while "offline" in str(app.query_one("#status").render()):
            assert time.monotonic() < end, "the screen never came back online"
            await pilot.pause(0.3)
        await pilot.press("x")
    assert [(r, b) for r, b, _ in _stored(url)] == [("alice", 0), ("alice", 1)]


def test_the_screen_rates_an_active_project(team_db: str, tmp_path: Path) -> None:
    _text_project(team_db, tmp_path, "a", "active")
    asyncio.run(_active(team_db, tmp_path))


async def _active(url: str, tmp_path: Path) -> None:
    app = _app(url, "a", tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        for key in "1213":
            await _showing(pilot, app)
            await pilot.press(key)
        await _showing(pilot, app)
        await pilot.press("x")
    with connect(url) as conn:
        rows = conn.execute("SELECT rater, pair FROM decisions WHERE undone IS NULL").fetchall()
    assert len(rows) == 4 and len({p for _, p in rows}) == 4


def test_live_stats_show_the_teams_progress(project: str, tmp_path: Path) -> None:
    """`s` on a team project: the fourth chart is the team's share of pairs decided, and it
    follows another rater's decision made on another machine (bob's, straight to the
    server), which never reaches this sitting's journal."""
    asyncio.run(_live_team(project, tmp_path))


async def _live_team(url: str, tmp_path: Path) -> None:
    app = _app(url, "p", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        for key in "12":
            await _showing(pilot, app)
            await pilot.press(key)
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, StatsScreen)

        def team_title() -> str:
            chart = screen.query_one("#chart-3", ChartPlot).chart
            return chart.title if chart is not None else ""

        end = time.monotonic() + 20
        while team_title() != "Team: 1 rater, 2/6 pairs (33%)":
            assert time.monotonic() < end, team_title()
            await pilot.pause(0.2)
        bob = TeamClient(url, "p", "bob", tmp_path / "bob.spool", TeamSettings())
        pair = bob.next_pair()
        assert pair is not None
        bob.decide(outcome.decide(pair, 0, "bob"))
        bob.close()
        end = time.monotonic() + 20  # the client counts every few seconds
        while team_title() != "Team: 2 raters, 3/6 pairs (50%)":
            assert time.monotonic() < end, team_title()
            await pilot.pause(0.2)
        await pilot.press("x")


def test_keys_never_wait_for_a_server_that_stopped_answering(own_cluster, tmp_path: Path) -> None:
    """The screen's connection stops answering (its server process stopped: a request sent
    is never answered, and the server's own statement timeout cannot end that). The pairs
    leased ahead are decided at once, into the spool; the hung request is cut after
    `statement_timeout + connect_timeout`, the client reconnects, and both decisions reach
    the server exactly once, while the stopped process is still stopped. (Before, the key
    waited on the server: the second decision came only after the process went on.)"""
    url = own_cluster.new_database()
    with connect(url) as conn:
        schema.migrate(conn)
    _text_project(url, tmp_path)
    asyncio.run(_hung(url, tmp_path))


async def _hung(url: str, tmp_path: Path) -> None:
    team = TeamSettings(ahead=2, retry_seconds=0.2, connect_timeout=1, statement_timeout=2.0)
    client = ScreenClient(url, "p", "alice", tmp_path / "alice.spool", team)
    settings = RateSettings(rater="alice", min_view_seconds=0.0, recheck=0.0)
    app = make_team_app(client, settings, player=RecordingPlayer())
    resumed = threading.Event()

    def resume() -> None:
        resumed.set()
        os.kill(backend, signal.SIGCONT)

    async with app.run_test(size=(160, 48)) as pilot:
        await _showing(pilot, app)
        assert client.store is not None
        backend = client.store.conn.info.backend_pid
        os.kill(backend, signal.SIGSTOP)
        guard = threading.Timer(40, resume)  # the old screen waited for this
        guard.start()
        try:
            for key in "12":
                await pilot.press(key)
                await _showing(pilot, app)
            assert app.session.rated == 2 and not resumed.is_set()
            await _until(pilot, lambda: len(_stored(url)) == 2, timeout=30)
            assert not resumed.is_set()  # the hung request was cut, not waited for
        finally:
            guard.cancel()
            if not resumed.is_set():
                resume()
        await pilot.press("x")
    assert [(r, b, u) for r, b, u in _stored(url)] == [("alice", 0, False), ("alice", 1, False)]
