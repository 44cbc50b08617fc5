"""`make_app`: everything the rating app needs, built (and checked) before the screen starts.

Bad input (a corpus, a pairing strategy, a ratings path that cannot work) raises a RaterError
here, so the CLI prints one line and exits 2 instead of opening a screen that cannot save.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rater.audio.player import ScheduledPlayer, make_player
from rater.core.records import Sample
from rater.rating.session import Clock, JudgeFn, Session
from rater.tui.app import MIN_VIEW_SECONDS, RaterApp


def make_app(
    samples: Sequence[Sample] | None = None,
    *,
    paths: Sequence[str] | None = None,
    kind: str = "abc",
    ratings_path: str | Path,
    rater: str = "anonymous",
    seed: int = 0,
    pairing: str = "halves",
    prefix_chars: int = 20,
    render_settings: Any = None,
    check_settings: Any = None,
    workers: int = 2,
    player: ScheduledPlayer | None = None,
    silent: bool = False,
    clock: Clock = time.monotonic,
    judge: JudgeFn | None = None,
    autoplay: bool = True,
    min_view_seconds: float = MIN_VIEW_SECONDS,
) -> RaterApp:
    """Build the app and everything it needs; bad input raises here, before the screen starts.

    Give `samples` or `paths` (read with `corpus.read_samples(paths, kind)`). Missing render or
    check settings get the defaults. Tests pass a RecordingPlayer and a fixed clock.
    `min_view_seconds`: how long after a pair is drawn its decide/skip keys are ignored.
    """
    from rater.core.errors import JournalError
    from rater.rating.journal import Journal

    if samples is None:
        from rater.core import corpus

        samples = corpus.read_samples(list(paths or []), kind=kind)
    if render_settings is None or check_settings is None:
        rs, cs = _default_settings()
        render_settings = render_settings or rs
        check_settings = check_settings or cs
    ratings = Path(ratings_path)
    try:  # here, so a bad --ratings path is one line before the screen, not a failed key
        ratings.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
        raise JournalError(f"{ratings}: cannot create the folder {ratings.parent} ({why})") from exc
    session = Session(
        samples,
        Journal(ratings),
        rater=rater,
        seed=seed,
        pairing=pairing,
        prefix_chars=prefix_chars,
        judge=judge,
        render_settings=render_settings,
        check_settings=check_settings,
        workers=workers,
        clock=clock,
        defer_refit=True,  # the app settles after drawing the next pair
    )
    if player is None:
        player = ScheduledPlayer(notice="") if kind == "text" else make_player(silent=silent)
    if kind != "text":
        _start_resource_tracker()
        session.prefetch_first()  # overlaps the first renders with the app's start-up
    return RaterApp(
        session,
        player,
        kind=kind,
        journal_path=str(ratings),
        autoplay=autoplay,
        min_view_seconds=min_view_seconds,
    )


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, while sys.stderr is the real stream.

    Once the app runs, Textual replaces sys.stderr with a capture object without a usable
    file descriptor, and the tracker (started lazily by the first render process) passes
    `sys.stderr.fileno()` to its child: "bad value(s) in fds_to_keep", and no renders.
    """
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


def _default_settings() -> tuple[Any, Any]:
    """Defaults as the CLI would build them with no options given."""
    import argparse

    from rater.audio import pipeline

    args = argparse.Namespace(
        soundfont=None, clip_seconds=10.0, speed=1.1, workers=2, time_limit=10.0, blacklist=None
    )
    return pipeline.settings_from_args(args)
