"""The pieces of the rating screen: one panel per sample, the status line, the key bar.

Widgets only draw what they are given (a Sample, its Judged result, a play position, the
counters); they hold no session state, so the app can redraw them on every pair cheaply.

The panels are blind by default: a panel is "A" or "B" with the tune, and nothing in it
says where the sample came from (no file, number, generator or id; a tune's `X:` line is
its number in its file, so it is left out of the text shown). `show_source` names the file
and number, for people rating their own data.
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
from rater.core.records import Judged, NoteEvent, Render, Sample
from rater.rating.session import State
from rater.rating.tally import Counters
from rater.tui.keys import KEYS, key_label
from rater.tui.pianoroll import Picture, note_picture

BAR_WIDTH = 24


def clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def notice_text(player: Player, warnings: list[str]) -> Text:
    """The notice row: the player's (running silent) and the machine's (an unwritable
    cache), as plain text: a path may hold markup characters."""
    lines = [player.notice] if player.notice and not player.available else []
    return Text(printable("\n".join(lines + warnings), lines=True))


def position_text(position: Position | None, label: str, width: int = 0) -> str:
    """A text progress bar; drawn by hand so it is cheap and identical in snapshots.
    `width`: the row's width (the bar shrinks to fit a narrow panel; 0: BAR_WIDTH)."""
    if position is None:
        return f"  {label}"
    if position.in_gap:
        return "  ⏸ gap"
    times = f" {position.seconds:4.1f} / {position.duration:.1f} s"
    size = BAR_WIDTH if width <= 0 else max(4, min(BAR_WIDTH, width - 2 - len(times)))
    frac = position.seconds / position.duration if position.duration > 0 else 1.0
    filled = min(size, int(frac * size))
    bar = "━" * filled + "─" * (size - filled)
    return f"▶ {bar}{times}"


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
    """The notes as braille with their axes (`tui.pianoroll.note_picture`: pitch labels,
    the tune's bar lines and numbers), drawn at whatever size the layout gives it, and the
    playhead: the column of the time playing now, in reverse.

    Uses Textual's line API (one Strip per row, no wrapping or markup), because a new pair
    redraws everything and the key -> next pair time is a budget of a few tens of ms; the
    playhead moves by repainting this widget only, and only when its column changes.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._notes: tuple[NoteEvent, ...] = ()
        self._seconds: float | None = None
        self._bars: tuple[float, ...] = ()
        self._picture: Picture | None = None
        self._drawn_for: tuple[int, int] = (0, 0)
        self._style: Style | None = None
        self._playhead: float | None = None
        self.playhead_column: int | None = None

    def notify_style_update(self) -> None:
        self._style = None  # computing rich_style costs ~1 ms: once per style change, not row
        super().notify_style_update()

    def set_notes(
        self, notes: tuple[NoteEvent, ...], seconds: float | None, bars: tuple[float, ...] = ()
    ) -> None:
        self._notes, self._seconds, self._bars = notes, seconds, bars
        self._drawn_for = (0, 0)
        self._playhead = self.playhead_column = None
        self.refresh()

    def set_playhead(self, seconds: float | None) -> None:
        """Where the clip is playing (clip seconds), or None: repaint when the column moves."""
        self._playhead = seconds
        picture = self._picture
        column = picture.column(seconds) if picture is not None and seconds is not None else None
        if column != self.playhead_column:
            self.playhead_column = column
            self.refresh()

    def _draw(self) -> Picture | None:
        width, height = self.size.width, self.size.height
        if (width, height) != self._drawn_for and width > 0 and height > 0:
            self._picture = note_picture(self._notes, width, height, self._seconds, self._bars)
            self._drawn_for = (width, height)
            if self._playhead is not None:
                self.playhead_column = self._picture.column(self._playhead)
        return self._picture

    def render_line(self, y: int) -> Strip:
        picture = self._draw()
        width = self.size.width
        if self._style is None:
            self._style = self.rich_style
        style = self._style
        if picture is None or y >= len(picture.lines):
            return Strip.blank(width, style)
        line = picture.lines[y]
        gutter = picture.gutter
        segments = [Segment(line[:gutter], style + DIM), Segment(line[gutter:], style)]
        col = self.playhead_column
        if col is not None and gutter <= col < len(line):
            segments[1:] = [
                Segment(line[gutter:col], style),
                Segment(line[col], style + REVERSE),
                Segment(line[col + 1 :], style),
            ]
        return Strip(segments, width)


DIM = Style(dim=True)
REVERSE = Style(reverse=True)


class TextLines(ScrollView):
    """Plain text as lines, wrapped at the widget width; scrolls, renders only what shows.

    ABC lines are kept whole unless wider than the panel; the line API avoids re-laying out
    the whole screen for every new pair.
    """

    DEFAULT_CSS = "TextLines { overflow-x: hidden; }"
    can_focus = False  # PageUp/PageDown are the app's: they scroll both tunes

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

    def show(
        self,
        sample: Sample,
        judged: Judged | None,
        seconds: float | None = None,
        show_source: bool = False,
    ) -> None:
        """Draw one sample; `seconds` is the shared time axis of both piano rolls."""
        self.query_one(".title", Static).update(
            header_text(self.side, sample, show_source), layout=False
        )
        self.query_one(".abc", TextLines).set_text(shown_text(sample, show_source))
        if self.show_audio:
            render = judged.render if judged is not None else None
            notes = render.notes if render is not None else ()
            self.query_one(".roll", PianoRoll).set_notes(notes, seconds, bars_of(render))
            self.show_position(position_text(None, ""))
        self.query_one(".verdict", Static).update(verdict_text(judged), layout=False)

    def position_width(self) -> int:
        return self.content_region.width

    def show_position(self, text: str, position: Position | None = None) -> None:
        """Called 10 times a second: repaint one row (and the playhead's column), never
        re-layout the screen."""
        if not self.show_audio:
            return
        playing = position is not None and not position.in_gap
        self.query_one(".roll", PianoRoll).set_playhead(position.seconds if playing else None)
        if text != self._position:
            self._position = text
            self.query_one(".position", Static).update(text, layout=False)


def bars_of(render: Render | None) -> tuple[float, ...]:
    return render.bars if render is not None else ()


def header_text(side: str, sample: Sample, show_source: bool = False) -> Text:
    """A panel's title row: its letter and the tune's own title (ABC content); with
    `show_source`, also its file and number."""
    name = printable(os.path.basename(sample.source)) if sample.source and show_source else ""
    return Text.assemble(
        (f" {side.upper()} ", "bold reverse"),
        " ",
        (printable(sample.title) or "(untitled)", "bold"),
        (f"  {name} #{sample.number}" if name else "", "dim"),
    )


def shown_text(sample: Sample, show_source: bool = False) -> str:
    """The tune as shown: blind, without its `X:` reference number (its place in its file)."""
    if show_source:
        return sample.text
    return "\n".join(line for line in sample.text.split("\n") if not line.startswith("X:"))


def remaining_text(counters: Counters, state: State) -> str:
    """Pairs left as a number, an estimate (~N) or a word, never "?" (see the help)."""
    if state == State.DONE:
        return "0"
    if counters.remaining is not None:
        return str(counters.remaining)
    if counters.estimate:
        return f"~{counters.estimate}"
    return "open"


# Every figure of the status line, in its order, with what it means (the help screen).
STATUS_HELP = (
    ("rated n/N", "your decisions this session / yours in the journal in all"),
    ("auto n/N", "pairs auto-rated (a broken sample) this session / in the journal"),
    ("skip", "pairs skipped (no record: they come back later)"),
    ("left", "pairs still to rate; ~N: an estimate (adaptive pairing: until every sample "
     "has been compared once); open: it can always ask for more"),
    ("/h", "your ratings per hour this session"),
    ("h:mm:ss", "time since this session started"),
    ("judged n/N", "samples rendered and checked so far / in the corpus"),
    ("top K: x% sure", "--pairing top: how sure the best K are (--until)"),
)  # fmt: skip


def status_text(counters: Counters, state: State) -> Text:
    auto_total = counters.decisions - counters.people
    parts: list[tuple[str, str]] = [
        ("rated ", ""),
        (f"{counters.rated}/{counters.mine}", "bold"),
        (" · auto ", ""),
        (f"{counters.auto}/{auto_total}", "bold"),
        (" · skip ", ""),
        (str(counters.skipped), "bold"),
        (" · left ", ""),
        (remaining_text(counters, state), "bold"),
        (f" · {counters.per_hour:.0f}/h", ""),
        (f" · {clock_text(counters.elapsed)}", ""),
        (f" · judged {counters.judged}/{counters.total}", "dim"),
    ]
    if counters.goal:
        parts.append((f" · {counters.goal}", "bold"))
    if state == State.WAITING:
        parts.append(("  waiting for renders…", "bold yellow"))
    return Text.assemble(*parts)


class KeyBar(Widget):
    """The keys, packed into as many rows as the width needs (two at 80 columns), so none
    is cut off: the footer of a small terminal."""

    DEFAULT_CSS = "KeyBar { height: auto; background: $panel; padding: 0 1; }"

    def _rows(self, width: int) -> list[Text]:
        rows: list[Text] = [Text()]
        for k in KEYS:
            if not k.bar:
                continue
            item = Text.assemble((f" {key_label(k.key)} ", "bold reverse"), f" {k.description}")
            if rows[-1].cell_len and rows[-1].cell_len + 2 + item.cell_len > width:
                rows.append(Text())
            if rows[-1].cell_len:
                rows[-1].append("  ")
            rows[-1].append_text(item)
        return rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows(width))

    def render(self) -> Text:
        return Text("\n").join(self._rows(self.content_region.width or 80))
