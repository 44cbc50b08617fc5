"""The rating app: keys -> `Session` calls, session state -> two sample panels.

All slow work happens off the event loop: rendering/judging and "auto-rate the rest" run in
thread workers that post `Message` dataclasses back; playback runs in the player's own
thread. A decision is written (fsync'd) by `Session.decide` before the next pair is drawn;
that write takes milliseconds, so it runs on the loop, which also guarantees the ordering.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from rater.player import ScheduledPlayer, make_player
from rater.records import Sample
from rater.session import DONE, SHOWING, WAITING, AutorateSummary, Clock, JudgeFn, Session
from rater.tui.screens import AutorateScreen, HelpScreen
from rater.tui.widgets import SamplePanel, position_text, status_text

GAP_SECONDS = 1.0


@dataclass
class SampleJudged(Message):
    """A sample finished rendering + checks (posted from the judging thread)."""

    sample_id: str


@dataclass
class JudgingFailed(Message):
    """Rendering cannot run at all (no SoundFont...): the session ends with this message."""

    error: str


@dataclass
class AutorateProgress(Message):
    done: int
    total: int


@dataclass
class AutorateDone(Message):
    summary: AutorateSummary


class RaterApp(App[str]):
    """Two samples side by side; the keys below are the whole interface."""

    CSS_PATH = "rater.tcss"
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
        player: ScheduledPlayer,
        *,
        kind: str = "abc",
        journal_path: str = "",
        autoplay: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.player = player
        self.kind = kind
        self.journal_path = journal_path
        self.autoplay = autoplay
        self.stop_event = threading.Event()
        self.error = ""
        self.summary_line = ""
        self._sides: list[str] = []  # which panel each clip of the playing sequence belongs to
        self.shown_at: float = 0.0  # perf_counter when the current pair was last drawn
        self._exiting = False
        self._warmed = False
        self._autorating = False
        self._last_error: tuple[str, float] = ("", 0.0)

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
        self.judge_samples()
        self.set_interval(0.1, self._tick_position)
        self.set_interval(1.0, self.refresh_status)
        if self.session.advance() != WAITING:
            self.show_current()
        self.refresh_status()

    # -- background work --------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="judging", exit_on_error=False)
    def judge_samples(self) -> None:
        from rater.errors import RaterError

        try:
            self.session.run_judging(
                stop=self.stop_event,
                on_judged=lambda j: self.post_message(SampleJudged(j.sample.id)),
            )
        except RaterError as exc:
            self.post_message(JudgingFailed(str(exc)))
        except Exception as exc:  # a bug, not bad input: end the session with it, never hang
            self.post_message(JudgingFailed(f"rendering stopped: {type(exc).__name__}: {exc}"))

    @work(thread=True, exclusive=True, group="autorate")
    def autorate_rest(self) -> None:
        summary = self.session.autorate_rest(
            stop=self.stop_event,
            progress=lambda done, total: self.post_message(AutorateProgress(done, total)),
        )
        self.post_message(AutorateDone(summary))

    @work(thread=True, exclusive=True, group="warm")
    def warm_encoder(self) -> None:
        """Load the GPT-2 encoder (~1 s) while the first pair plays, not on the first key."""
        from rater import bpe

        bpe.encoding()

    def _busy(self) -> bool:
        """True while a dialog is open or the rest is being auto-rated: rating keys wait."""
        return self._autorating or self.stop_event.is_set() or isinstance(self.screen, ModalScreen)

    def on_sample_judged(self, message: SampleJudged) -> None:
        if self.session.state == WAITING and not self._autorating and not self.stop_event.is_set():
            if self._guard(self.session.advance) not in (None, WAITING):
                self.show_current()
                return
        self.refresh_status()  # "judged n/m": one row, no layout

    def on_judging_failed(self, message: JudgingFailed) -> None:
        self.error = message.error
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
        if session.state == SHOWING and session.current is not None:
            ja, jb = session.verdicts()
            clips = [j.render.clip_seconds for j in (ja, jb) if j is not None and j.render]
            seconds = max(clips) if clips else None
            self.query_one("#panel-a", SamplePanel).show(session.current.a, ja, seconds)
            self.query_one("#panel-b", SamplePanel).show(session.current.b, jb, seconds)
            pair_box.display = True
            message.display = False
            self.shown_at = time.perf_counter()
            if self.autoplay:
                self._play(["a", "b"])
            if not self._warmed:
                self._warmed = True
                self.warm_encoder()
        else:
            pair_box.display = False
            message.display = True
            if session.state == DONE:
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
            self.player.play_sequence(paths, gap=GAP_SECONDS)

    def _tick_position(self) -> None:
        if self._autorating:
            return
        if self.session.state == WAITING and not self.stop_event.is_set():
            # Samples judged without a message (the in-process first pair) are picked up here.
            if self._guard(self.session.advance) not in (None, WAITING):
                self.show_current()
            return
        if self.kind == "text" or self.session.state != SHOWING:
            return
        position = self.player.position()
        for side in ("a", "b"):
            panel = self.query_one(f"#panel-{side}", SamplePanel)
            playing = position is not None and self._sides[position.index] == side
            panel.show_position(position_text(position if playing else None, ""))

    # -- actions (the keys) -----------------------------------------------------------------

    def _guard(self, call: Any, *args: Any) -> Any:
        """Run a journal-writing call; a failed write (disk full, read-only) is shown and the
        pair stays on screen, so nothing is lost and the person can retry or exit.
        Returns None on failure, else the call's result (True when it returns None)."""
        from rater.errors import RaterError

        try:
            result = call(*args)
        except (RaterError, OSError) as exc:
            text = f"rating NOT saved: {exc}"
            now = time.monotonic()
            if text != self._last_error[0] or now - self._last_error[1] > 10:
                self._last_error = (text, now)
                self.notify(text, severity="error", timeout=10)
            return None
        return True if result is None else result

    def action_decide(self, best: Any) -> None:
        if self._busy():
            return
        if self.session.state != SHOWING:
            self.bell()
            return
        self.player.stop()
        if self._guard(self.session.decide, best):
            self.show_current()

    def action_skip(self) -> None:
        if self._busy() or self.session.state != SHOWING:
            return
        self.player.stop()
        if self._guard(self.session.skip):
            self.show_current()

    def action_undo(self) -> None:
        if self._busy():
            return
        self.player.stop()
        undone = self._guard(self.session.undo)
        if undone:
            self.show_current()
        elif undone is not None:
            self.notify("nothing to undo", timeout=2)

    def action_replay(self) -> None:
        if not self._busy() and self.session.state == SHOWING:
            self._play(["a", "b"])

    def action_play(self, side: str) -> None:
        if not self._busy() and self.session.state == SHOWING:
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

    def action_exit(self) -> None:
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
        self.exit(self.summary_line, return_code=0)


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
) -> RaterApp:
    """Build the app and everything it needs; bad input raises here, before the screen starts.

    Give `samples` or `paths` (read with `corpus.read_samples(paths, kind)`). Missing render or
    check settings get the defaults. Tests pass a RecordingPlayer and a fixed clock.
    """
    from rater.journal import Journal

    if samples is None:
        from rater import corpus

        samples = corpus.read_samples(list(paths or []), kind=kind)
    if render_settings is None or check_settings is None:
        rs, cs = _default_settings()
        render_settings = render_settings or rs
        check_settings = check_settings or cs
    ratings = Path(ratings_path)
    ratings.parent.mkdir(parents=True, exist_ok=True)
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
    )
    if player is None:
        player = ScheduledPlayer(notice="") if kind == "text" else make_player(silent=silent)
    if kind != "text":
        _start_resource_tracker()
        session.prefetch_first()  # overlaps the first renders with the app's start-up
    return RaterApp(session, player, kind=kind, journal_path=str(ratings), autoplay=autoplay)


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

    from rater import pipeline

    args = argparse.Namespace(
        soundfont=None, clip_seconds=10.0, speed=1.1, workers=2, time_limit=10.0, blacklist=None
    )
    return pipeline.settings_from_args(args)
