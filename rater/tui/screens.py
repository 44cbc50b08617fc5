"""Screens over the rating view: the help, the yes/no question of `r`, the note input and
the "auto-rating the rest" progress."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from rater.rating.listening import Listening
from rater.tui.keys import key_label
from rater.tui.widgets import STATUS_HELP

NOTE_MAX_CHARS = 500


class HelpScreen(ModalScreen[None]):
    """Every key (generated from the app's BINDINGS, so the help never disagrees with
    them), every figure of the status line, and the rules a person meets: the "too soon"
    guard, scrolling, notes. Scrolls itself on a small terminal."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "close help"),
    ]

    def __init__(self, bindings: list[BindingType], min_view_seconds: float = 0.0) -> None:
        super().__init__()
        self._keys = bindings
        self._min_view = min_view_seconds

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold cyan", justify="right")
        keys.add_column()
        for b in self._keys:
            if isinstance(b, Binding):
                keys.add_row(key_label(b.key), b.description)
        figures = Table.grid(padding=(0, 2))
        figures.add_column(style="bold cyan", justify="right")
        figures.add_column()
        for name, meaning in STATUS_HELP:
            figures.add_row(name, meaning)
        with VerticalScroll(id="help-box"):
            yield Static(
                Text.assemble(("rater: keys", "bold"), ("  (PgDn / PgUp scroll this help)", "dim")),
                id="help-title",
            )
            yield Static(keys, classes="help-table")
            yield Static(Text("the status line", style="bold"))
            yield Static(figures, classes="help-table")
            yield Static(Text(self._rules(), style="dim"), id="help-note")

    def _rules(self) -> str:
        too_soon = (
            f"A deciding key (1, 2, 3, Enter) pressed within {self._min_view:g} s of a pair "
            'appearing is not taken: the screen flashes "too soon" and you press again. It '
            "was most likely meant for the pair before (a double press, key repeat), so it is "
            "neither counted nor kept for the new pair. "
            if self._min_view > 0
            else ""
        )
        return (
            "Each decision is on disk before the next pair appears. Pairs with a broken "
            "sample are auto-rated and never shown. Panels are A and B only: nothing on "
            "screen says where a sample came from (--show-source names the file). "
            + too_soon
            + "A tune longer than its pane has a scrollbar: PgDn / PgUp scroll both tunes, the "
            "mouse wheel scrolls one. c writes a note about the pair: Enter keeps it for the "
            "pair's record, Esc cancels; u brings a pair back with its note. "
            "Press ? or Esc to close."
        )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y answers yes, n or Esc no."""

    BINDINGS = [
        Binding("y", "answer(True)", "yes"),
        Binding("n,escape", "answer(False)", "no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self._question = question
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self._question, style="bold"))
            if self._detail:
                yield Static(Text(self._detail, style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class AutorateScreen(ModalScreen[None]):
    """Shown while the rest of the corpus renders so its broken pairs can be auto-rated."""

    BINDINGS = [Binding("x", "app.exit", "exit now (nothing auto-rated)")]

    def compose(self) -> ComposeResult:
        with Vertical(id="autorate-box"):
            yield Static(Text("auto-rating the rest", style="bold"))
            yield Static("waiting for renders…", id="autorate-progress")
            yield Static(
                Text(
                    "Pairs with a broken sample get their automatic record; pairs of two good "
                    "samples are left for a person. x exits without auto-rating.",
                    style="dim",
                )
            )

    def progress(self, done: int, total: int) -> None:
        self.query_one("#autorate-progress", Static).update(f"judged {done} / {total} samples")


class NoteScreen(ModalScreen[None]):
    """One line about the pair on screen, kept in its `Listening` for the pair's record.
    Every key goes into the input while it is open (a `1` is text, not a decision); Enter
    keeps the note, Esc leaves the pair's note as it was."""

    BINDINGS = [Binding("escape", "cancel", "cancel the note")]

    def __init__(self, listening: Listening) -> None:
        super().__init__()
        self._listening = listening

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(Text("note about this pair (Enter keeps it, Esc cancels)", style="bold"))
            yield Input(self._listening.note, max_length=NOTE_MAX_CHARS, id="note-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._listening.note = event.value.strip()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
