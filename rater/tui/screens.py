"""Screens over the rating view: the key help and the "auto-rating the rest" progress."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


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
                    "broken sample are auto-rated and never shown. Press ? or Esc to close.",
                    style="dim",
                ),
                id="help-note",
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def key_label(key: str) -> str:
    names = {"question_mark": "?", "space": "space", "enter": "Enter"}
    return " / ".join(names.get(k, k) for k in key.split(","))


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
