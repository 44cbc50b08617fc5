"""The live stats screen (`s`): this sitting's pace, the scores so far, self-agreement on
re-checks and the team's progress, as textual-plotext charts that follow every decision.

It is a screen over the rating screen, not a dialog: the rating keys still decide the pair
that is playing, so a person can look and rate. The charts are counted and drawn in a
child process (`analysis.live.drawn_charts`: a fit and some counting over a copy of the
records, then plotext's build of each panel at its size in the app's theme; the niced
child of `rating.offload`, as the model's refit): in a thread of this process that work
held the interpreter lock the keys need (press -> painted p95 1.04-2.09x with the screen
open, bench/key_latency.py --stats-screen). A worker thread only hands the records over
and posts the text back as a `StatsReady` message, so the event loop only paints it. One
count at a time, at most one every MIN_INTERVAL seconds (well within the second a decision
may take to show): a change meanwhile asks for one more when it is done, never for
several.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from plotext._dict import themes
from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from rater.analysis.live import LiveStats, Team, drawn_charts
from rater.analysis.plot.chart import Chart
from rater.rating.offload import Offload
from rater.tui.widgets import KeyBar

PANELS = 4
MIN_INTERVAL = 0.5  # seconds between two counts: a burst of decisions is counted together
TEAM_SECONDS = 1.0  # how often a team project's progress is looked at (a number, no query)


@dataclass
class StatsReady(Message):
    """The charts, computed and drawn in the stats child process: one per panel, with the
    text plotext built for the panel's size."""

    charts: list[tuple[Chart, Text]]


class JournalChanged(Message):
    """The journal gained or lost records (posted from whichever thread changed it: the
    event loop, or the worker auto-rating the rest)."""


class ChartPlot(PlotextPlot):
    """One chart (`analysis.plot.chart.Chart`), drawn at the size the panel had when asked
    in the plotext theme textual-plotext makes of the app's theme; painting shows that text.
    Its title on the border; a chart without points shows its sentence."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.chart: Chart | None = None
        self._text: Text = Text("counting…", style="dim")
        self.theme_name = ""  # plotext's name of the app's theme, read on the event loop

    def on_mount(self) -> None:
        super().on_mount()
        self.theme_name = self._get_plotext_theme_name(self.app.theme)

    def plot_theme(self) -> tuple[str, Any]:
        """The plotext theme's name and colours, for a process that has not registered it."""
        return self.theme_name, themes.get(self.theme_name, themes["default"])

    def show_chart(self, chart: Chart, drawn: Text) -> None:
        self.chart, self._text = chart, drawn
        self.border_title = escape(chart.title)
        self.refresh()

    def render(self) -> RenderResult:
        return self._text


class StatsScreen(Screen[None]):
    """See the module docstring. `status()`: the rating screen's status line, shown here too
    (a key's decision shows at once: the count goes up); `team()`: a team project's progress
    (counted on the client's own thread every few seconds, `rating.store.background`): the
    screen looks at it every TEAM_SECONDS and counts again when it changed."""

    BINDINGS = [Binding("s,escape", "close", "back to the pair")]

    def __init__(
        self,
        live: LiveStats,
        status: Callable[[], Text] = Text,
        team: Callable[[], Team | None] | None = None,
        offload: Offload | None = None,
    ) -> None:
        """`offload`: the child process that counts (the app's, kept while it runs: the
        screen opens without waiting for a child to start); else one of its own."""
        super().__init__()
        self.live = live
        self.status = status
        self.team = team
        self._own_offload = offload is None
        self.offload = offload or Offload()
        self._counting = False
        self._recount = False
        self._last = 0.0  # when the last count started (monotonic)
        self._waiting = False  # a count is due after MIN_INTERVAL
        self._team_seen: Team | None = None
        self.updates = 0  # charts shown so far (tests and the bench count them)

    def compose(self) -> ComposeResult:
        yield Static(self.status(), id="stats-status")
        yield Static(
            Text("live stats: 1 2 3 still decide the pair that plays · s or Esc: back"),
            id="stats-head",
        )
        with Grid(id="stats-grid"):
            for k in range(PANELS):
                yield ChartPlot(id=f"chart-{k}", classes="chart")
        yield KeyBar()  # the rating keys, every one of them at 80 columns

    def on_mount(self) -> None:
        self.live.listen(lambda: self.post_message(JournalChanged()))
        self._changed()
        if self.team is not None:
            self._team_seen = self.team()
            self.set_interval(TEAM_SECONDS, self._team_check)

    def _team_check(self) -> None:
        """Other raters' decisions reach the team's count, not this journal: follow it."""
        now = self.team() if self.team is not None else None
        if now != self._team_seen:
            self._team_seen = now
            self._changed()

    def on_journal_changed(self, message: JournalChanged) -> None:
        self.query_one("#stats-status", Static).update(self.status(), layout=False)
        self._changed()

    def on_unmount(self) -> None:
        self.live.listen(None)
        if self._own_offload:
            self.offload.close()

    def on_resize(self) -> None:
        self._changed()  # the charts were drawn for the old size

    def _changed(self) -> None:
        """A record came or went, or the size changed (on the event loop): count again, one
        count at a time, at most one every MIN_INTERVAL seconds."""
        if self._counting or self._waiting:
            self._recount = self._recount or self._counting
            return
        wait = self._last + MIN_INTERVAL - time.monotonic()
        if wait > 0:
            self._waiting = True
            self.set_timer(wait, self._due)
            return
        self._start()

    def _due(self) -> None:
        self._waiting = False
        self._start()

    def _start(self) -> None:
        self._counting = True
        self._last = time.monotonic()
        panels = list(self.query(ChartPlot))
        self.offload.start()  # a child that died is replaced here
        self._count([(p.size.width, p.size.height) for p in panels], panels[0].plot_theme())

    @work(thread=True, group="live-stats")
    def _count(self, sizes: list[tuple[int, int]], theme: tuple[str, Any]) -> None:
        team = self.team() if self.team is not None else None
        args = (self.live.records(), self.live.rater, self.live.started, team, sizes, theme)
        try:
            drawn = self.offload.call(drawn_charts, *args)
        except (BrokenProcessPool, OSError):  # the machine stopped the child: count here
            drawn = drawn_charts(*args)
        self.post_message(StatsReady([(chart, _text(chart, ansi)) for chart, ansi in drawn]))

    def on_stats_ready(self, message: StatsReady) -> None:
        for k, (chart, drawn) in enumerate(message.charts[:PANELS]):
            self.query_one(f"#chart-{k}", ChartPlot).show_chart(chart, drawn)
        self.updates += 1
        self._counting = False
        if self._recount:
            self._recount = False
            self._changed()

    def action_close(self) -> None:
        self.dismiss(None)


def _text(chart: Chart, ansi: str) -> Text:
    """What a panel paints: plotext's drawing, or the sentence of a chart without points."""
    if ansi:
        return Text.from_ansi(ansi)
    return Text(chart.empty if not chart.points else "", style="dim")
