"""Screens over the rating view: the key help, the note input and the "auto-rating the
rest" progress."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from rater.rating.listening import Listening
from rater.tui.keys import key_label

NOTE_MAX_CHARS = 500


class HelpScreen(ModalScreen[None]):
    """Every key, generated from the app's BINDINGS so the help never disagrees with them."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "close help"),
    ]

    def __init__(self, bindings: list[BindingType]) -> None:
        super().__init__()
        self._keys = bindings

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", justify="right")
        table.add_column()
        for b in self._keys:
            if isinstance(b, Binding):
                table.add_row(key_label(b.key), b.description)
        with Vertical(id="help-box"):
            yield Static(Text("rater: keys", style="bold"), id="help-title")
            yield Static(table, id="help-table")
            yield Static(
                Text(
                    "Each decision is on disk before the next pair appears. Pairs with a "
                    "broken sample are auto-rated and never shown. c writes a note about the "
                    "pair: Enter keeps it for the pair's record, Esc cancels. "
                    "Press ? or Esc to close.",
                    style="dim",
                ),
                id="help-note",
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


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
