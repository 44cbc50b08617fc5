"""`make_team_app`: the rating app on a team project (`rater rate --db URL --project NAME`).

The same app and session as with a journal file; the session's pairs are the client's
leases and its journal is the server (`rating.store.team_session`). Nothing local is
needed but the spool: samples come from the database, clips are rendered into the local
render cache. One session per rater and project on this machine (the spool's lock); the
leases still held are given back when the app ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from rater.analysis.live import LiveStats, Team
from rater.audio.player import Player, ScheduledPlayer, make_player
from rater.audio.synth import resolve_soundfont
from rater.core.errors import CorpusError
from rater.core.settings import CorpusSettings, RateSettings
from rater.rating.judging import JudgeFn
from rater.rating.pairing.base import PairSource
from rater.rating.session import Clock, Session
from rater.rating.session_lock import SessionLock
from rater.rating.store.client import TeamClient
from rater.rating.store.team import ADAPTIVE
from rater.rating.store.team_session import (
    ClaimingSource,
    TeamJournal,
    TeamSource,
    all_samples,
    team_samples,
)
from rater.rating.watch import WatchedJournal
from rater.tui.app import RaterApp
from rater.tui.build import start_resource_tracker
from rater.tui.lifecycle import Lifecycle


def make_team_app(
    client: TeamClient,
    settings: RateSettings,
    *,
    player: Player | None = None,
    clock: Clock = time.monotonic,
    judge: JudgeFn | None = None,
) -> RaterApp:
    """Build the app on an open client; bad input raises here, before the screen starts."""
    assert client.store is not None  # a client is made online
    project = client.store.project
    adaptive = project.pairing in ADAPTIVE
    wrap: Callable[[PairSource], PairSource]
    if adaptive:  # the project's strategy, fed every rater's decisions, proposes; claims
        samples = all_samples(client)
        pairing = replace(settings.pairing, strategy=project.pairing, seed=project.seed)
        settings = replace(settings, pairing=pairing)
        wrap = partial(ClaimingSource, client=client)
    else:  # the project's schedule, leased
        samples = team_samples(client)
        wrap = partial(_leases, client)
    settings = replace(settings, rater=client.rater)
    if len(samples) < 2:
        raise CorpusError(f"project {client.project_name}: every pair is decided")
    kind = "text" if all(s.kind == "text" for s in samples) else CorpusSettings.kind
    if kind != "text" and not settings.render.soundfont and judge is None:
        settings = replace(settings, render=resolve_soundfont(settings.render))
    lock = SessionLock(client.spool.path, client.rater).acquire()
    live = LiveStats(client.rater)
    try:
        session = Session(
            samples,
            WatchedJournal(TeamJournal(client), live),  # type: ignore[arg-type]
            settings,
            judge=judge,
            clock=clock,
            defer_refit=True,
            wrap_source=wrap,
        )
        if player is None:
            player = ScheduledPlayer(notice="") if kind == "text" else make_player(settings.silent)
        start_resource_tracker()  # render processes and the stats screen's child need it
        session.prefetch_first()
    except BaseException:
        lock.release()
        raise
    lifecycle = Lifecycle(lock, [], closers=[client.close])
    where = f"project {client.project_name} (team database)"
    return RaterApp(
        session, player, kind=kind, journal_path=where, lifecycle=lifecycle,
        team_status=client.status, live=live, team=partial(_team, client),
    )  # fmt: skip


def _team(client: TeamClient) -> Team | None:
    """The team's progress for the live stats (the last count, read on the stats thread)."""
    progress = client.progress()
    return Team(*progress) if progress is not None else None


def _leases(client: TeamClient, _strategy: PairSource) -> PairSource:
    """A scheduled project's pairs are its leases, whatever the local strategy says."""
    return TeamSource(client)
