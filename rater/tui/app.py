"""The rating app: keys -> `Session` calls, session state -> two sample panels.

All slow work happens off the event loop: rendering/judging and "auto-rate the rest" run in
thread workers (`tui.workers`) that post `Message` dataclasses back; playback runs in the
player's own thread. A decision is written (fsync'd) by `Session.decide` before the next pair
is drawn; that write takes milliseconds, so it runs on the loop, which also guarantees the
ordering.

There is one wake-up path: every judged sample is announced by the session's judging (from
the pool's thread or the in-process first-pair renderer) as a `SampleJudged` message; a
waiting screen advances on those, never by polling. The 0.1 s timer only moves the play
position display. One timer is armed on failure only: an automatic record that could not
be written (disk full) is retried every WRITE_RETRY_SECONDS until it is.

Deciding and skipping keys are ignored for `min_view_seconds` after a pair is drawn: the next
pair appears within milliseconds of a key, so a double press or key auto-repeat would
otherwise rate a pair the person never saw. Every clip starts through `rating.listening`,
which counts what was heard (and `min_heard`); its fields go into the record at the key.
SIGTERM leaves like `x` does (`tui.lifecycle`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from rater.audio.player import Player
from rater.core.printable import printable
from rater.rating.listening import Listening
from rater.rating.outcome import Best
from rater.rating.session import Session, State
from rater.tui.keys import KEYS
from rater.tui.lifecycle import SIGTERM_STATUS, Lifecycle
from rater.tui.messages import (
    AutorateDone,
    AutorateFailed,
    AutorateProgress,
    JudgingFailed,
    JudgingWarning,
    SampleJudged,
)
from rater.tui.screens import AutorateScreen, HelpScreen, NoteScreen
from rater.tui.widgets import SamplePanel, notice_text, position_text, status_text
from rater.tui.workers import Workers

WRITE_RETRY_SECONDS = 0.1


class RaterApp(Workers, App[str]):
    """Two samples side by side; the keys below are the whole interface."""

    # Read as package data (not CSS_PATH, a path next to this file), so an installed wheel
    # or a zipped package finds it too.
    CSS = resources.files(__package__).joinpath("rater.tcss").read_text(encoding="utf-8")
    TITLE = "rater"
    BINDINGS = [Binding(k.key, k.action, k.description) for k in KEYS]  # tui/keys.py
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        session: Session,
        player: Player,
        *,
        kind: str,
        journal_path: str = "",
        lifecycle: Lifecycle | None = None,
        team_status: Callable[[], str] | None = None,
    ) -> None:
        """`team_status`: a team project's line for the status row ("team: 4 raters, ...",
        "offline: 3 decisions waiting"); with it, a WAITING session is asked again every
        second (the next lease may come from the server, not from a render)."""
        super().__init__()
        self.session = session
        self.lifecycle = lifecycle or Lifecycle()
        self.player = player
        self.kind = kind
        self.journal_path = journal_path
        self.team_status = team_status
        settings = session.settings
        self.min_view_seconds = settings.min_view_seconds
        self.autoplay = settings.autoplay
        self.gap_seconds = settings.gap_seconds
        self.listening = Listening(  # heard, decide time, replays, note: for the record
            player, session.clock, audio=kind != "text", min_heard=settings.min_heard
        )
        self.stop_event = threading.Event()
        self.error = ""
        self.summary_line = ""
        self.shown_at: float = 0.0  # perf_counter when the current pair was last drawn
        self._view_from = 0.0  # start of the pair's viewing time (minus the loop's settle time)
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
        yield Footer()

    def on_mount(self) -> None:
        if self.player.available or not self.player.notice:
            self.query_one("#notice").display = False
        self.query_one("#pair").display = False
        self.query_one("#message", Static).update("rendering the first pair…")
        # Listen before the first look: a sample judged in between is in the look, one judged
        # after it is a message.
        self.session.judging.listen(lambda j: self.post_message(SampleJudged(j.sample.id)))
        self.session.judging.on_warning(lambda _: self.post_message(JudgingWarning()))
        if self.session.judging.warnings:  # from the first-pair renders, before the screen
            self.post_message(JudgingWarning())
        self.judge_samples()
        self.set_interval(0.1, self._tick_position)
        self.set_interval(1.0, self.refresh_status)
        self.lifecycle.start(self.notify, lambda: self.action_exit(SIGTERM_STATUS))
        if self._guard(self.session.advance) not in (None, State.WAITING):
            self.show_current()
        self.refresh_status()

    def on_unmount(self) -> None:
        self.session.judging.listen(None)  # judging threads may outlive the screen
        self.session.judging.on_warning(None)
        self.lifecycle.end()

    # -- background work --------------------------------------------------------------------

    def _busy(self) -> bool:
        """True while a dialog is open or the rest is being auto-rated: rating keys wait."""
        return self._autorating or self.stop_event.is_set() or isinstance(self.screen, ModalScreen)

    def _settle(self) -> None:
        """The pairing strategy's idle work (active's refit), never while the auto-rating
        thread uses the session."""
        if not self._autorating:
            start = time.perf_counter()
            self.session.settle()
            # keys queued while the loop was busy here did not see the pair for that long
            self._view_from += time.perf_counter() - start

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
        notice.update(notice_text(self.player, self.session.judging.warnings))
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
        self.summary_line = (
            f"auto-rated {s.auto} more pairs; {s.left} pairs of two good samples left for a person"
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
            self.query_one("#panel-a", SamplePanel).show(session.current.a, ja, seconds)
            self.query_one("#panel-b", SamplePanel).show(session.current.b, jb, seconds)
            pair_box.display = True
            message.display = False
            self.shown_at = self._view_from = time.perf_counter()
            self.listening.show((clip[0], clip[1]))
            self.call_after_refresh(self._settle)  # after the pair is painted
            if self.autoplay:
                self._play("ab")
            if not self._warmed:
                self._warmed = True
                self.warm_encoder()
        else:
            pair_box.display = False
            message.display = True
            if session.state == State.DONE:
                message.update("All pairs are decided or skipped. Press x to exit.")
            else:
                message.update("waiting for the next pair to render…")
        self.refresh_status()

    def refresh_status(self) -> None:
        if self.team_status is not None and self.session.state == State.WAITING:
            self._retry()  # a lease may have come free, or the server come back
        text = status_text(self.session.counters(), self.session.state)
        if self.team_status is not None:
            text.append(f"\n{printable(self.team_status())}", style="bold")
        self.query_one("#status", Static).update(text, layout=False)

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
            here = playing is not None and playing[0] == k
            panel.show_position(position_text(playing[1] if here else None, ""))

    # -- actions (the keys) -----------------------------------------------------------------

    def _guard(self, call: Callable[..., Any], *args: Any, failed: str = "rating NOT saved") -> Any:
        """Run a journal-writing call; a failed write (disk full, read-only) is shown and the
        pair stays on screen, so nothing is lost and the person can retry or exit.
        Returns None on failure, else the call's result (True when it returns None)."""
        from rater.core.errors import RaterError
        from rater.rating.session import AutoRateError

        try:
            result = call(*args)
        except (RaterError, OSError) as exc:
            # An auto-rating's message says itself what was and was not saved.
            text = str(exc) if isinstance(exc, AutoRateError) else f"{failed}: {exc}"
            now = time.monotonic()
            if text != self._last_error[0] or now - self._last_error[1] > 10:
                self._last_error = (text, now)
                self.notify(printable(text), severity="error", timeout=10, markup=False)
            if self.session.state == State.WAITING:  # an automatic record is still to write
                self._retry_soon()
            return None
        return True if result is None else result

    def _retry_soon(self) -> None:
        if not self._retry_armed:
            self._retry_armed = True
            self.set_timer(WRITE_RETRY_SECONDS, self._retry)

    def _retry(self) -> None:
        self._retry_armed = False
        if self.session.state != State.WAITING or self._autorating or self.stop_event.is_set():
            return
        if self._guard(self.session.advance) not in (None, State.WAITING):
            self.show_current()

    def _too_soon(self) -> bool:
        """A decide/skip key within `min_view_seconds` of drawing the pair: a repeat, not a
        judgement of this pair."""
        return time.perf_counter() - self._view_from < self.min_view_seconds

    def _move_on(self, call: Callable[..., Any], *args: Any) -> None:
        """Decide or skip; redraw whenever the pair on screen is no longer the current one
        (also when the person's record was saved but a following auto-rating was not)."""
        shown = self.session.current
        if self._guard(call, *args) or self.session.current is not shown:
            self.show_current()

    def action_decide(self, best: Best) -> None:
        if self._busy():
            return
        if self.session.state != State.SHOWING:
            self.bell()
            return
        if self._too_soon():
            return
        why = self.listening.unheard()  # --min-heard: say why the key did nothing
        if why:
            self.notify(why, severity="warning", timeout=4)
            return
        extra = self.listening.fields()  # as of the key press
        self.player.stop()
        self._move_on(self.session.decide, best, extra)

    def action_skip(self) -> None:
        if self._busy() or self.session.state != State.SHOWING or self._too_soon():
            return
        self.player.stop()
        self._move_on(self.session.skip)

    def action_undo(self) -> None:
        if self._busy():
            return
        self.player.stop()
        undone = self._guard(self.session.undo, failed="undo failed")
        if undone:
            self.show_current()
        elif undone is not None:
            self.notify("nothing to undo", timeout=2)

    def action_replay(self) -> None:
        if not self._busy() and self.session.state == State.SHOWING:
            self._play("ab", replay=True)

    def action_play(self, side: str) -> None:
        if not self._busy() and self.session.state == State.SHOWING:
            self._play(side, replay=True)

    def action_note(self) -> None:
        """A one-line note kept for the pair's record; the pair waits while it is typed."""
        if not self._busy() and self.session.state == State.SHOWING:
            self.push_screen(NoteScreen(self.listening))  # rating keys wait while it is open

    def action_autorate(self) -> None:
        if self._busy():
            return
        self._autorating = True
        self.player.stop()
        self.push_screen(AutorateScreen())
        self.autorate_rest()

    def action_help(self) -> None:
        if self._busy():
            return
        self.push_screen(HelpScreen(list(self.BINDINGS)))

    def action_exit(self, return_code: int = 0) -> None:
        if self._exiting:
            return
        self._exiting = True
        self.player.stop()
        self.stop_event.set()
        c = self.session.counters()
        head = (
            f"rated {c.rated}, auto-rated {c.auto}, skipped {c.skipped} this session"
            f" -> {self.journal_path}"
        )
        self.summary_line = head + (f"; {self.summary_line}" if self.summary_line else "")
        self.exit(self.summary_line, return_code=return_code)
