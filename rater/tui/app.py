"""The rating app: keys -> `Session` calls, session state -> two sample panels.

All slow work happens off the event loop: rendering/judging, the pairing strategy's idle
jobs (features, refits, choosing the next batch: `Session.idle_job`) and "auto-rate the
rest" run in thread workers (`tui.workers`) that post `Message` dataclasses back; playback
runs in the player's own thread. A decision is written (fsync'd) by `Session.decide` before
the next pair is drawn; that write takes milliseconds, so it runs on the loop, which also
guarantees the ordering.

There is one wake-up path: every judged sample, and every clip made, is announced by the
session's events (from the pool's thread or the clip maker's) as a `SampleJudged` message;
a waiting screen advances on those, never by polling. The 0.1 s timer only moves the play
position display. One timer is armed on failure only: an automatic record that could not
be written (disk full) is retried every `actions.WRITE_RETRY_SECONDS` until it is.

Deciding and skipping keys within `min_view_seconds` of a pair being drawn are not taken:
the next pair appears within milliseconds of a key, so a double press or key auto-repeat
would otherwise rate a pair the person never saw. Such a key is never dropped silently: the
screen flashes "too soon" (it is not queued either: it was meant for the pair before).
Time comes from the injected `clock`, so these rules are tested without sleeping. Every clip
starts through `rating.listening`, which counts what was heard (and `min_heard`); its
fields go into the record at the key. SIGTERM leaves like `x` does (`tui.lifecycle`). The
key actions are `tui.actions`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from importlib import resources

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from rater.analysis.live import LiveStats, Team
from rater.audio.player import Player
from rater.core.printable import printable
from rater.rating.listening import Listening
from rater.rating.offload import Offload
from rater.rating.session import Clock, Session, State
from rater.tui.actions import Actions
from rater.tui.keys import KEYS
from rater.tui.lifecycle import SIGTERM_STATUS, Lifecycle
from rater.tui.messages import (
    AutorateDone,
    AutorateFailed,
    AutorateProgress,
    JobDone,
    JudgingFailed,
    JudgingWarning,
    SampleJudged,
)
from rater.tui.screens import AutorateScreen
from rater.tui.widgets import KeyBar, SamplePanel, notice_text, position_text, status_text
from rater.tui.workers import Workers

SMALL_HEIGHT = 32  # rows below which the piano rolls shrink, so a tune shows 8+ lines


class RaterApp(Workers, Actions):
    """Two samples side by side; the keys below are the whole interface."""

    # Read as package data (not CSS_PATH, a path next to this file), so an installed wheel
    # or a zipped package finds it too.
    CSS = resources.files(__package__).joinpath("rater.tcss").read_text(encoding="utf-8")
    TITLE = "rater"
    BINDINGS = [Binding(k.key, k.action, k.description) for k in KEYS]  # tui/keys.py
    ENABLE_COMMAND_PALETTE = False
    # A small terminal gets small piano rolls, so each tune still shows 8+ lines. Textual
    # sets the class on every resize of the screen (an App's own `on_resize` ran only for
    # the first size: shrunk from 160x48 to 80x24, the large rolls stayed).
    VERTICAL_BREAKPOINTS = [(0, "-small"), (SMALL_HEIGHT, "-tall")]

    def __init__(
        self,
        session: Session,
        player: Player,
        *,
        kind: str,
        journal_path: str = "",
        lifecycle: Lifecycle | None = None,
        clock: Clock = time.monotonic,
        team_status: Callable[[], str] | None = None,
        live: LiveStats | None = None,
        team: Callable[[], Team | None] | None = None,
    ) -> None:
        """`team_status`: a team project's line for the status row ("team: 4 raters, ...",
        "offline: 3 decisions waiting"); with it, a WAITING session is asked again every
        second (the next lease may come from the server, not from a render). `live`: what
        the `s` screen charts (the session's journal watched, `rating.watch`); `team`: the
        team's progress for it."""
        super().__init__()
        self.session = session
        self.clock = clock
        self.lifecycle = lifecycle or Lifecycle()
        self.player = player
        self.kind = kind
        self.journal_path = journal_path
        self.team_status = team_status
        self.live = live or LiveStats(session.rater)
        self.stats_offload = Offload()  # the stats screen's child, started on its first `s`
        self.team = team
        settings = session.settings
        self.min_view_seconds = settings.min_view_seconds
        self.autoplay = settings.autoplay
        self.gap_seconds = settings.gap_seconds
        self.show_source = settings.show_source
        self.listening = Listening(  # heard, decide time, replays, note: for the record
            player, clock, audio=kind != "text", min_heard=settings.min_heard
        )
        self.stop_event = threading.Event()
        self.error = ""
        self.summary_line = ""
        self.shown_at: float = 0.0  # clock() when the current pair was last drawn
        self._idle_failed = -1  # the decision count at which an idle job last failed
        self._status_rows = 0  # rows the status line took when it was last laid out
        self._exiting = False
        self._warmed = False
        self._autorating = False
        self._last_error: tuple[str, float] = ("", 0.0)
        self._retry_armed = False

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        yield Static(self.player.notice if not self.player.available else "", id="notice")
        audio = self.kind != "text"
        with Horizontal(id="pair"):
            yield SamplePanel("a", show_audio=audio)
            yield SamplePanel("b", show_audio=audio)
        yield Static("", id="message")
        yield Static("", id="note", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        if self.player.available or not self.player.notice:
            self.query_one("#notice").display = False
        self.query_one("#pair").display = False
        self.query_one("#note").display = False
        self.query_one("#message", Static).update("rendering the first pair…")
        # Listen before the first look: a sample judged in between is in the look, one judged
        # after it is a message.
        self.session.events.watch(
            lambda sample_id: self.post_message(SampleJudged(sample_id)),
            lambda _: self.post_message(JudgingWarning()),
            lambda error: self.post_message(JudgingFailed(error)),
        )
        if self.session.events.warnings:  # from the first-pair renders, before the screen
            self.post_message(JudgingWarning())
        self.judge_samples()
        self.set_interval(0.1, self._tick_position)
        self.set_interval(1.0, self.refresh_status)
        self.lifecycle.start(self.notify, lambda: self.action_exit(SIGTERM_STATUS))
        resumed = self.session.resume_line(self.journal_path)
        if resumed:
            self.notify(printable(resumed), title="resuming", timeout=15, markup=False)
        if self._guard(self.session.advance) not in (None, State.WAITING):
            self.show_current()
        self.refresh_status()

    def on_unmount(self) -> None:
        self.session.events.unwatch()  # judging threads may outlive the screen
        self.session.close()
        self.stats_offload.close()
        self.lifecycle.end()

    # -- background work --------------------------------------------------------------------

    def _start_idle_job(self) -> None:
        """The pairing strategy's next idle job (features, refit, next batch) on a worker
        thread; one at a time, never while the auto-rating thread uses the session, and
        after a failed job not again until the next decision."""
        if self._autorating or self.stop_event.is_set():
            return
        if self._idle_failed == self.session.counters().decisions:
            return
        job = self.session.idle_job()
        if job is not None:
            self.run_idle_job(job)

    def on_job_done(self, message: JobDone) -> None:
        if self._autorating:  # the auto-rating thread owns the pair source now
            self.session.finish_job(None)
            return
        self.session.finish_job(message.result)
        if self.session.reached and not self.stop_event.is_set():
            self.summary_line = f"Stopped by itself: {self.session.reached}."
            self.action_exit()
            return
        if message.error:
            self._idle_failed = self.session.counters().decisions
            text = f"choosing pairs from the model failed ({message.error}); the last fit stays"
            self.notify(printable(text), severity="warning", timeout=8, markup=False)
            return
        self._start_idle_job()  # features of more samples, or decisions made meanwhile

    def on_sample_judged(self, message: SampleJudged) -> None:
        self._advance_if_waiting()

    def _advance_if_waiting(self) -> None:
        if (
            self.session.state == State.WAITING
            and not self._autorating
            and not self.stop_event.is_set()
        ):
            if self._guard(self.session.advance) not in (None, State.WAITING):
                self.show_current()
                return
        self.refresh_status()  # "judged n/m": one row, no layout

    def on_judging_warning(self, message: JudgingWarning) -> None:
        notice = self.query_one("#notice", Static)
        notice.update(notice_text(self.player, self.session.events.warnings))
        notice.display = True
        self._advance_if_waiting()  # a pair waiting on a sample the machine failed on moves on

    def on_judging_failed(self, message: JudgingFailed) -> None:
        self.error = message.error
        self.player.stop()
        self.stop_event.set()
        self.exit(return_code=2)

    def on_autorate_failed(self, message: AutorateFailed) -> None:
        c = self.session.counters()
        self.error = (
            f"{message.error}; none of the rest was auto-rated (before that, this session:"
            f" rated {c.rated}, auto-rated {c.auto}, skipped {c.skipped})"
        )
        self.player.stop()
        self.stop_event.set()
        self.exit(return_code=2)

    def on_autorate_progress(self, message: AutorateProgress) -> None:
        screen = self.screen
        if isinstance(screen, AutorateScreen):
            screen.progress(message.done, message.total)

    def on_autorate_done(self, message: AutorateDone) -> None:
        s = message.summary
        pairs = "pair" if s.auto == 1 else "pairs"
        self.summary_line = (
            f"Auto-rated {s.auto} more {pairs} that had a broken sample and left {s.left} "
            f"pairs of two good samples for a person."
        )
        self.action_exit()

    # -- drawing ----------------------------------------------------------------------------

    def show_current(self) -> None:
        """Draw whatever the session says is next, and start playing it."""
        session = self.session
        pair_box = self.query_one("#pair")
        message = self.query_one("#message", Static)
        if session.state == State.SHOWING and session.current is not None:
            ja, jb = session.verdicts()
            clip = tuple(j.render.clip_seconds if j and j.render else 0.0 for j in (ja, jb))
            seconds = max(clip) or None
            pair = session.current
            self.query_one("#panel-a", SamplePanel).show(pair.a, ja, seconds, self.show_source)
            self.query_one("#panel-b", SamplePanel).show(pair.b, jb, seconds, self.show_source)
            pair_box.display = True
            message.display = False
            self.shown_at = self.clock()
            self.listening.show((clip[0], clip[1]))
            self.show_note()
            self.call_after_refresh(self._start_idle_job)  # after the pair is painted
            if self.autoplay:
                self._play("ab")
            if not self._warmed:
                self._warmed = True
                self.warm_encoder()
        else:
            pair_box.display = False
            message.display = True
            self.query_one("#note").display = False
            if session.state == State.DONE and session.reached:
                message.update(f"Found: {session.reached}. Press x to exit.")
            elif session.state == State.DONE:
                message.update("All pairs are decided or skipped. Press x to exit.")
            else:
                message.update("waiting for the next pair to render…")
        self.refresh_status()

    def show_note(self) -> None:
        """The note kept for the pair on screen, if any (one row above the keys)."""
        note = self.query_one("#note", Static)
        text = self.listening.note
        note.display = bool(text)
        if text:
            note.update(printable(f"note: {text}  (c edits it)"))

    def refresh_status(self) -> None:
        """One row, or two when the terminal is too narrow for it (a team project's line is
        a row of its own): the layout is redone only when that changes (the line is redrawn
        every second)."""
        if self.team_status is not None and self.session.state == State.WAITING:
            self._retry()  # a lease may have come free, or the server come back
        status = self.query_one("#status", Static)
        text = self.status_line()
        wide = cell_len(text.plain.split("\n")[0]) > status.content_region.width
        rows = (2 if wide else 1) + (self.team_status is not None)
        status.update(text, layout=rows != self._status_rows)
        self._status_rows = rows

    def status_line(self) -> Text:
        """This sitting's counters, and a team project's line below them (the status row;
        the live stats screen shows it too)."""
        text = status_text(self.session.counters(), self.session.state)
        if self.team_status is not None:
            text.append(f"\n{printable(self.team_status())}", style="bold")
        return text

    def _play(self, sides: str, replay: bool = False) -> None:
        """Play these sides ("ab", "a" or "b") through `listening`, which counts what plays."""
        if self.kind == "text":
            return
        judged = self.session.verdicts()
        played: list[int] = []
        paths: list[str] = []
        for k in ("ab".index(side) for side in sides):
            j = judged[k]
            if j is not None and j.render is not None and j.render.wav_path:
                paths.append(j.render.wav_path)
                played.append(k)
        self.listening.play(played, paths, self.gap_seconds, replay=replay)

    def _tick_position(self) -> None:
        """The play position display; nothing else runs on this timer."""
        if self._autorating or self.kind == "text" or self.session.state != State.SHOWING:
            return
        playing = self.listening.playing()
        for k, side in enumerate("ab"):
            panel = self.query_one(f"#panel-{side}", SamplePanel)
            here = playing[1] if playing is not None and playing[0] == k else None
            panel.show_position(position_text(here, "", panel.position_width()), here)
