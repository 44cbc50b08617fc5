"""The rating screen's keys: each action turns a key into a `Session` call and says what
happened (the undo's "undid: A wins, pair 12", the "too soon" flash, the `r` question).

Mixed into `RaterApp` (`tui.app`), which holds the session, the player, the listening data
and the drawing; kept apart so the app is the layout, the drawing and the messages.
A journal write that fails (disk full, read-only) is shown and the pair stays on screen
(`_guard`), so nothing is lost and the person can retry or exit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App
from textual.screen import ModalScreen

from rater.analysis.live import LiveStats, Team
from rater.audio.player import Player
from rater.core.errors import RaterError
from rater.core.printable import printable
from rater.rating.listening import Listening
from rater.rating.offload import Offload
from rater.rating.outcome import Best
from rater.rating.session import AutoRateError, Clock, Session, State
from rater.rating.undo import Undone
from rater.tui.screens import AutorateScreen, ConfirmScreen, HelpScreen, NoteScreen
from rater.tui.stats import StatsScreen

WRITE_RETRY_SECONDS = 0.1


class Actions(App[str]):
    """The key actions of `RaterApp` (see the module docstring)."""

    session: Session
    player: Player
    listening: Listening
    clock: Clock
    min_view_seconds: float
    shown_at: float
    stop_event: threading.Event
    summary_line: str
    journal_path: str
    _exiting: bool
    _autorating: bool
    _last_error: tuple[str, float]
    _retry_armed: bool
    live: LiveStats
    team: Callable[[], Team | None] | None
    stats_offload: Offload

    def show_current(self) -> None:
        raise NotImplementedError

    def show_note(self) -> None:
        raise NotImplementedError

    def status_line(self) -> Text:
        raise NotImplementedError

    def _play(self, sides: str, replay: bool = False) -> None:
        raise NotImplementedError

    def autorate_rest(self) -> Any:
        raise NotImplementedError

    def _busy(self) -> bool:
        """True while a dialog is open or the rest is being auto-rated: rating keys wait."""
        return self._autorating or self.stop_event.is_set() or isinstance(self.screen, ModalScreen)

    # -- actions (the keys) -----------------------------------------------------------------

    def _guard(self, call: Callable[..., Any], *args: Any, failed: str = "rating NOT saved") -> Any:
        """Run a journal-writing call; a failed write (disk full, read-only) is shown and the
        pair stays on screen, so nothing is lost and the person can retry or exit.
        Returns None on failure, else the call's result (True when it returns None)."""

        try:
            result = call(*args)
        except (RaterError, OSError) as exc:
            # An auto-rating's message says itself what was and was not saved.
            text = str(exc) if isinstance(exc, AutoRateError) else f"{failed}: {exc}"
            now = self.clock()
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
        judgement of this pair. Never silent: the screen flashes "too soon"."""
        seen = self.clock() - self.shown_at
        if seen >= self.min_view_seconds:
            return False
        self.notify(
            f"too soon: the pair has been on screen {seen:.1f} s; keys count after "
            f"{self.min_view_seconds:g} s. Press again.",
            severity="warning",
            timeout=1.5,
            markup=False,
        )
        return True

    def _move_on(self, call: Callable[..., Any], *args: Any) -> None:
        """Decide or skip; redraw whenever the pair on screen is no longer the current one
        (also when the person's record was saved but a following auto-rating was not)."""
        shown = self.session.current
        if self._guard(call, *args) or self.session.current is not shown:
            self.show_current()

    def action_decide(self, best: Best) -> None:
        if self._busy():
            return
        if self.session.state != State.SHOWING:  # never silently: no pair is on screen
            self.bell()
            self.notify("no pair on screen yet: nothing was rated", timeout=2)
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
        """Take back the last decision, say what it was, and bring its pair back with the
        note written for it."""
        if self._busy():
            return
        self.player.stop()
        undone = self._guard(lambda: self.session.undo() or False, failed="undo failed")
        if isinstance(undone, Undone):
            self.show_current()
            self.listening.note = undone.note
            self.show_note()
            self.notify(printable(undone.sentence()), timeout=6, markup=False)
        elif undone is not None:
            self.notify("nothing to undo", timeout=2)

    def action_replay(self) -> None:
        if not self._busy() and self.session.state == State.SHOWING:
            self._play("ab", replay=True)

    def action_play(self, side: str) -> None:
        if not self._busy() and self.session.state == State.SHOWING:
            self._play(side, replay=True)

    def action_scroll(self, pages: int) -> None:
        """PgDn / PgUp: both tunes, together (the mouse wheel scrolls one)."""
        if not self._busy():
            for view in self.query(".abc"):
                view.scroll_relative(y=pages * max(1, view.size.height - 1), animate=False)

    def action_note(self) -> None:
        """A one-line note kept for the pair's record; the pair waits while it is typed."""
        if not self._busy() and self.session.state == State.SHOWING:
            # rating keys wait while it is open
            self.push_screen(NoteScreen(self.listening), lambda _: self.show_note())

    def action_autorate(self) -> None:
        """`r` asks first: it ends the sitting."""
        if self._busy():
            return
        question = "auto-rate the rest and quit? y/n"
        detail = (
            "Every remaining pair with a broken sample gets its automatic record (after the "
            "rest is rendered); pairs of two good samples are left for a person. Then rater "
            "exits."
        )
        self.push_screen(ConfirmScreen(question, detail), self._autorate_answer)

    def _autorate_answer(self, yes: bool | None) -> None:
        if not yes or self._autorating or self.stop_event.is_set():
            return
        self._autorating = True
        self.player.stop()
        self.push_screen(AutorateScreen())
        self.autorate_rest()

    def action_stats(self) -> None:
        """The live stats over the pair (the rating keys still work there)."""
        if not self._busy():
            screen = StatsScreen(self.live, self.status_line, self.team, self.stats_offload)
            self.push_screen(screen)

    def action_help(self) -> None:
        if self._busy():
            return
        self.push_screen(HelpScreen(list(self.BINDINGS), self.min_view_seconds))

    def action_exit(self, return_code: int = 0) -> None:
        if self._exiting:
            return
        self._exiting = True
        self.player.stop()
        self.stop_event.set()
        self.summary_line = " ".join(line for line in (self.summary_line, self._sitting()) if line)
        self.exit(self.summary_line, return_code=return_code)

    def _sitting(self) -> str:
        """What this sitting did, and what the journal holds: a journal with nothing in it
        (or no file at all: the session lock may leave an empty one) is never named as if
        ratings were written to it."""
        c = self.session.counters()
        done = f"This session: {c.rated} rated by you, {c.auto} auto-rated, {c.skipped} skipped;"
        if not self.journal_path:
            return done.rstrip(";") + "."
        if not c.decisions:
            state = "is empty" if Path(self.journal_path).is_file() else "was not made"
            return f"{done} nothing was written ({self.journal_path} {state})."
        held = f"{c.decisions} decision{'s' if c.decisions != 1 else ''}"
        return f"{done} {self.journal_path} holds {held} ({c.mine} yours)."
