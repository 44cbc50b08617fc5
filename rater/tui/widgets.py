"""The pieces of the rating screen: one panel per sample and the status line.

Widgets only draw what they are given (a Sample, its Judged result, a play position, the
counters); they hold no session state, so the app can redraw them on every pair cheaply.
"""

from __future__ import annotations

import os
import textwrap

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from rater.audio.player import Player, Position
from rater.core.printable import printable
from rater.core.records import Judged, NoteEvent, Sample
from rater.rating.session import Counters, State
from rater.tui.pianoroll import piano_roll

BAR_WIDTH = 24


def clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def notice_text(player: Player, warnings: list[str]) -> Text:
    """The notice row: the player's (running silent) and the machine's (an unwritable
    cache), as plain text: a path may hold markup characters."""
    lines = [player.notice] if player.notice and not player.available else []
    return Text(printable("\n".join(lines + warnings), lines=True))


def position_text(position: Position | None, label: str) -> str:
    """A text progress bar; drawn by hand so it is cheap and identical in snapshots."""
    if position is None:
        return f"  {label}"
    if position.in_gap:
        return "  ⏸ gap"
    frac = position.seconds / position.duration if position.duration > 0 else 1.0
    filled = min(BAR_WIDTH, int(frac * BAR_WIDTH))
    bar = "━" * filled + "─" * (BAR_WIDTH - filled)
    return f"▶ {bar} {position.seconds:4.1f} / {position.duration:.1f} s"


def verdict_text(judged: Judged | None) -> Text:
    if judged is None:
        return Text("rendering…", style="dim")
    verdict, render = judged.verdict, judged.render
    if not verdict.ok:
        return Text("broken: " + ", ".join(verdict.reasons), style="bold red")
    if render is None or not render.ok:
        return Text("ok (text)", style="green")
    return Text(f"ok · clip {render.clip_seconds:.1f} s · {len(render.notes)} notes", style="green")


class PianoRoll(Widget):
    """The notes as braille, drawn at whatever size the layout gives it.

    Uses Textual's line API (one Strip per row, no wrapping or markup), because a new pair
    redraws everything and the key -> next pair time is a budget of a few tens of ms.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._notes: tuple[NoteEvent, ...] = ()
        self._seconds: float | None = None
        self._lines: list[str] = []
        self._drawn_for: tuple[int, int] = (0, 0)
        self._style: Style | None = None

    def notify_style_update(self) -> None:
        self._style = None  # computing rich_style costs ~1 ms: once per style change, not row
        super().notify_style_update()

    def set_notes(self, notes: tuple[NoteEvent, ...], seconds: float | None) -> None:
        self._notes, self._seconds = notes, seconds
        self._drawn_for = (0, 0)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        if (width, height) != self._drawn_for and width > 0 and height > 0:
            self._lines = piano_roll(self._notes, width, height, self._seconds)
            self._drawn_for = (width, height)
        if self._style is None:
            self._style = self.rich_style
        if y >= len(self._lines):
            return Strip.blank(width, self._style)
        return Strip([Segment(self._lines[y], self._style)], width)


class TextLines(ScrollView):
    """Plain text as lines, wrapped at the widget width; scrolls, renders only what shows.

    ABC lines are kept whole unless wider than the panel; the line API avoids re-laying out
    the whole screen for every new pair.
    """

    DEFAULT_CSS = "TextLines { overflow-x: hidden; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._text = ""
        self._lines: list[str] = []
        self._width = 0
        self._style: Style | None = None

    def notify_style_update(self) -> None:
        self._style = None
        super().notify_style_update()

    def set_text(self, text: str) -> None:
        """Lines are drawn as raw segments, which no later stage filters: the one way in
        makes untrusted text safe (`core.printable`)."""
        self._text = printable(text, lines=True)
        self._width = 0
        self._wrap()
        self.scroll_home(animate=False)
        self.refresh()

    def _wrap(self) -> None:
        width = max(10, self.scrollable_content_region.width or 80)
        if width == self._width:
            return
        self._width = width
        lines: list[str] = []
        for line in self._text.split("\n"):
            lines += textwrap.wrap(
                line, width, drop_whitespace=False, replace_whitespace=False
            ) or [""]
        self._lines = lines
        self.virtual_size = Size(width, len(lines))

    def on_resize(self) -> None:
        self._wrap()

    def render_line(self, y: int) -> Strip:
        self._wrap()
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if self._style is None:
            self._style = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, self._style)
        line = self._lines[index]
        return Strip([Segment(line, self._style)]).extend_cell_length(width, self._style)


class SamplePanel(Vertical):
    """One side of the comparison: title, ABC text (scrolls), piano roll, verdict, position."""

    def __init__(self, side: str, show_audio: bool = True, **kwargs: object) -> None:
        super().__init__(id=f"panel-{side}", classes="panel", **kwargs)  # type: ignore[arg-type]
        self.side = side
        self.show_audio = show_audio
        self._position = ""

    def compose(self) -> ComposeResult:
        yield Static("", classes="title")
        yield TextLines(classes="abc")
        if self.show_audio:
            yield PianoRoll(classes="roll")
        yield Static("", classes="verdict")
        if self.show_audio:
            yield Static("", classes="position", markup=False)

    def show(self, sample: Sample, judged: Judged | None, seconds: float | None = None) -> None:
        """Draw one sample; `seconds` is the shared time axis of both piano rolls."""
        name = printable(os.path.basename(sample.source)) if sample.source else ""
        title = Text.assemble(
            (f" {self.side.upper()} ", "bold reverse"),
            " ",
            (printable(sample.title) or "(untitled)", "bold"),
            (f"  {name} #{sample.number}" if name else "", "dim"),
        )
        self.query_one(".title", Static).update(title, layout=False)
        self.query_one(".abc", TextLines).set_text(sample.text)
        if self.show_audio:
            render = judged.render if judged is not None else None
            notes = render.notes if render is not None else ()
            self.query_one(".roll", PianoRoll).set_notes(notes, seconds)
            self.show_position(position_text(None, ""))
        self.query_one(".verdict", Static).update(verdict_text(judged), layout=False)

    def show_position(self, text: str) -> None:
        """Called 10 times a second: repaint one row, never re-layout the screen."""
        if self.show_audio and text != self._position:
            self._position = text
            self.query_one(".position", Static).update(text, layout=False)


def status_text(counters: Counters, state: State) -> Text:
    remaining = "?" if counters.remaining is None else str(counters.remaining)
    parts = [
        ("rated ", ""),
        (str(counters.rated), "bold"),
        ("  auto-rated ", ""),
        (str(counters.auto), "bold"),
        ("  skipped ", ""),
        (str(counters.skipped), "bold"),
        ("  remaining ", ""),
        (remaining, "bold"),
        (f"  {counters.per_hour:.0f} ratings/h", ""),
        (f"  session {clock_text(counters.elapsed)}", ""),
        (f"  judged {counters.judged}/{counters.total}", "dim"),
    ]
    if state == State.WAITING:
        parts.append(("  waiting for renders…", "bold yellow"))
    return Text.assemble(*parts)
