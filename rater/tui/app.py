"""The rating app: keys -> `Session` calls, session state -> two sample panels.

All slow work happens off the event loop: rendering/judging and "auto-rate the rest" run in
thread workers that post `Message` dataclasses back; playback runs in the player's own
thread. A decision is written (fsync'd) by `Session.decide` before the next pair is drawn;
that write takes milliseconds, so it runs on the loop, which also guarantees the ordering.

There is one wake-up path: every judged sample is announced by the session's judging (from
the pool's thread or the in-process first-pair renderer) as a `SampleJudged` message; a
waiting screen advances on those, never by polling. The 0.1 s timer only moves the play
position display. One timer is armed on failure only: an automatic record that could not
be written (disk full) is retried every WRITE_RETRY_SECONDS until it is.

Deciding and skipping keys are ignored for `min_view_seconds` after a pair is drawn: the next
pair appears within milliseconds of a key, so a double press or key auto-repeat would
otherwise rate a pair the person never saw.
SIGTERM leaves like `x` does (`tui.lifecycle`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from rater.audio.player import Player
from rater.core.printable import printable
from rater.rating.outcome import Best
from rater.rating.session import Session, State
from rater.tui.lifecycle import SIGTERM_STATUS, Lifecycle
from rater.tui.messages import (
    AutorateDone,
    AutorateFailed,
    AutorateProgress,
    JudgingFailed,
    SampleJudged,
)
from rater.tui.screens import AutorateScreen, HelpScreen
from rater.tui.widgets import SamplePanel, position_text, status_text

WRITE_RETRY_SECONDS = 0.1


class RaterApp(App[str]):
    """Two samples side by side; the keys below are the whole interface."""

    # Read as package data (not CSS_PATH, a path next to this file), so an installed wheel
    # or a zipped package finds it too.
    CSS = resources.files(__package__).joinpath("rater.tcss").read_text(encoding="utf-8")
    TITLE = "rater"
    BINDINGS = [
        Binding("1", "decide(0)", "A wins"),
        Binding("2", "decide(1)", "B wins"),
        Binding("3", "decide('tie')", "equal"),
        Binding("enter", "skip", "skip"),
        Binding("space", "replay", "replay"),
        Binding("a", "play('a')", "play A"),
        Binding("b", "play('b')", "play B"),
        Binding("u", "undo", "undo"),
        Binding("r", "autorate", "auto-rate rest"),
        Binding("x", "exit", "exit"),
        Binding("question_mark", "help", "help"),
    ]
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        session: Session,
        player: Player,
        *,
        kind: str,
        journal_path: str = "",
        lifecycle: Lifecycle | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.lifecycle = lifecycle or Lifecycle()
        self.player = player
        self.kind = kind
        self.journal_path = journal_path
        settings = session.settings
        self.min_view_seconds = settings.min_view_seconds
        self.autoplay = settings.autoplay
        self.gap_seconds = settings.gap_seconds
        self.stop_event = threading.Event()
        self.error = ""
        self.summary_line = ""
        self._sides: list[str] = []  # which panel each clip of the playing sequence belongs to
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
        self.judge_samples()
        self.set_interval(0.1, self._tick_position)
        self.set_interval(1.0, self.refresh_status)
        self.lifecycle.start(self.notify, lambda: self.action_exit(SIGTERM_STATUS))
        if self._guard(self.session.advance) not in (None, State.WAITING):
            self.show_current()
        self.refresh_status()

    def on_unmount(self) -> None:
        self.session.judging.listen(None)  # judging threads may outlive the screen
        self.lifecycle.end()

    # -- background work --------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="judging", exit_on_error=False)
    def judge_samples(self) -> None:
        from rater.core.errors import RaterError

        try:
            self.session.run_judging(stop=self.stop_event)
        except RaterError as exc:
            self.post_message(JudgingFailed(str(exc)))
        except Exception as exc:  # a bug, not bad input: end the session with it, never hang
            self.post_message(JudgingFailed(f"rendering stopped: {type(exc).__name__}: {exc}"))

    @work(thread=True, exclusive=True, group="autorate", exit_on_error=False)
    def autorate_rest(self) -> None:
        from rater.core.errors import RaterError
        from rater.rating.autorate import autorate_rest

        try:
            summary = autorate_rest(
                self.session,
                stop=self.stop_event,
                progress=lambda done, total: self.post_message(AutorateProgress(done, total)),
            )
        except (RaterError, OSError) as exc:
            self.post_message(AutorateFailed(f"auto-rating the rest failed: {exc}"))
            return
        except Exception as exc:  # a bug, not bad input: end with one line, never hang
            text = f"auto-rating the rest failed: {type(exc).__name__}: {exc}"
            self.post_message(AutorateFailed(text))
            return
        self.post_message(AutorateDone(summary))

    @work(thread=True, exclusive=True, group="warm")
    def warm_encoder(self) -> None:
        """Load the GPT-2 encoder (~1 s) while the first pair plays, not on the first key."""
        from rater.core import bpe

        bpe.encoding()

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
        if (
            self.session.state == State.WAITING
            and not self._autorating
            and not self.stop_event.is_set()
        ):
            if self._guard(self.session.advance) not in (None, State.WAITING):
                self.show_current()
                return
        self.refresh_status()  # "judged n/m": one row, no layout

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
            clips = [j.render.clip_seconds for j in (ja, jb) if j is not None and j.render]
            seconds = max(clips) if clips else None
            self.query_one("#panel-a", SamplePanel).show(session.current.a, ja, seconds)
            self.query_one("#panel-b", SamplePanel).show(session.current.b, jb, seconds)
            pair_box.display = True
            message.display = False
            self.shown_at = self._view_from = time.perf_counter()
            self.call_after_refresh(self._settle)  # after the pair is painted
            if self.autoplay:
                self._play(["a", "b"])
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
        self.query_one("#status", Static).update(
            status_text(self.session.counters(), self.session.state), layout=False
        )

    def _play(self, sides: list[str]) -> None:
        if self.kind == "text":
            return
        ja, jb = self.session.verdicts()
        judged = {"a": ja, "b": jb}
        paths: list[str] = []
        self._sides = []
        for side in sides:
            j = judged[side]
            if j is not None and j.render is not None and j.render.wav_path:
                paths.append(j.render.wav_path)
                self._sides.append(side)
        if paths:
            self.player.play_sequence(paths, gap=self.gap_seconds)

    def _tick_position(self) -> None:
        """The play position display; nothing else runs on this timer."""
        if self._autorating or self.kind == "text" or self.session.state != State.SHOWING:
            return
        position = self.player.position()
        for side in ("a", "b"):
            panel = self.query_one(f"#panel-{side}", SamplePanel)
            playing = position is not None and self._sides[position.index] == side
            panel.show_position(position_text(position if playing else None, ""))

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
        self.player.stop()
        self._move_on(self.session.decide, best)

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
            self._play(["a", "b"])

    def action_play(self, side: str) -> None:
        if not self._busy() and self.session.state == State.SHOWING:
            self._play([side])

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
