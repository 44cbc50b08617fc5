"""`make_app`: everything the rating app needs, built (and checked) before the screen starts.

Bad input (a corpus, a pairing strategy, a ratings path that cannot work, no SoundFont)
raises a RaterError here, so the CLI prints one line and exits 2 instead of opening a screen
that cannot save. That includes a journal that cannot be written (a read-only file or folder)
and a second session of the same rater on the same journal (`rating.session_lock`). The CLI
and the tests build the app the same way: samples, a journal path and one `RateSettings`;
tests also hand in a recording player, a clock or a judge.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from rater.analysis.live import LiveStats
from rater.audio.player import Player, ScheduledPlayer, make_player
from rater.audio.synth import resolve_soundfont
from rater.core.errors import JournalError
from rater.core.files import make_folders
from rater.core.records import Sample
from rater.core.settings import CorpusSettings, RateSettings
from rater.core.spawn import clean_start
from rater.rating.journal import Journal
from rater.rating.judging import JudgeFn
from rater.rating.session import Clock, Session
from rater.rating.session_lock import SessionLock
from rater.rating.watch import WatchedJournal
from rater.tui.app import RaterApp
from rater.tui.lifecycle import Lifecycle


def make_app(
    samples: Sequence[Sample],
    ratings_path: str | Path,
    settings: RateSettings = RateSettings(),
    *,
    player: Player | None = None,
    clock: Clock = time.monotonic,
    judge: JudgeFn | None = None,
) -> RaterApp:
    """Build the app and everything it needs; bad input raises here, before the screen starts.

    Text samples (`kind="text"`) are shown only: no player, no renders, no SoundFont. An
    unresolved SoundFont (`settings.render.soundfont == ""`) is looked up here.
    """
    kind = "text" if samples and all(s.kind == "text" for s in samples) else CorpusSettings.kind
    if kind != "text" and not settings.render.soundfont and judge is None:
        settings = replace(settings, render=resolve_soundfont(settings.render))
    ratings = Path(ratings_path)
    try:  # here, so a bad ratings path is one line before the screen, not a failed key
        make_folders(ratings.parent)
    except OSError as exc:
        why = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
        raise JournalError(f"{ratings}: cannot create the folder {ratings.parent} ({why})") from exc
    journal = Journal(ratings)  # sets a torn tail aside (warned about below)
    journal.check_writable()
    lock = SessionLock(ratings, settings.rater).acquire()
    live = LiveStats(settings.rater)  # what the `s` screen charts, fed by the journal's calls
    try:
        session = Session(
            samples,
            WatchedJournal(journal, live),  # type: ignore[arg-type]
            settings,
            judge=judge,
            clock=clock,
            defer_refit=True,  # the app settles after drawing the next pair
        )
        if player is None:
            player = ScheduledPlayer(notice="") if kind == "text" else make_player(settings.silent)
        start_resource_tracker()  # render processes and the stats screen's child need it
        session.prefetch_first()  # overlaps the first readings and clips with the start-up
    except BaseException:
        lock.release()
        raise
    warnings = [journal.torn_warning()] if journal.set_aside else []
    lifecycle = Lifecycle(lock, warnings)
    return RaterApp(
        session,
        player,
        kind=kind,
        journal_path=str(ratings),
        lifecycle=lifecycle,
        clock=clock,
        live=live,
    )


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, while sys.stderr is the real stream.

    Once the app runs, Textual replaces sys.stderr with a capture object without a usable
    file descriptor, and the tracker (started lazily by the first render process) passes
    `sys.stderr.fileno()` to its child: "bad value(s) in fds_to_keep", and no renders.
    """
    from multiprocessing import resource_tracker

    with clean_start():
        resource_tracker.ensure_running()
