"""The text a Pilot-driven app shows right now, as a person would read it (no SVG): the
same frame `App.export_screenshot` composes, exported as plain text, one line per row."""

from __future__ import annotations

import io
import time
from typing import Any

from rich.console import Console
from textual.app import App


def screen_text(app: App) -> str:
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    frame = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(frame)
    return console.export_text().replace("\xa0", " ")


async def shows(pilot: Any, app: App, text: str, timeout: float = 10.0) -> str:
    """Wait until `text` is on screen (a notice is drawn a frame or two after its key)."""
    end = time.monotonic() + timeout
    while text not in (screen := screen_text(app)):
        assert time.monotonic() < end, f"{text!r} never shown:\n{screen}"
        await pilot.pause(0.05)
    return screen
