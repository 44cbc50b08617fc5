"""The rating screen's keys are one table (`rater.tui.keys`): the app's bindings, and so its
footer and help screen, and `rater --help` are made from it; the README must say the same."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from rater.tui.app import RaterApp
from rater.tui.keys import KEYS, key_label

README = Path(__file__).resolve().parent.parent / "README.md"


def test_bindings_are_the_key_table() -> None:
    got = [(b.key, b.action, b.description) for b in RaterApp.BINDINGS]
    assert got == [(k.key, k.action, k.description) for k in KEYS]
    assert any(k.key == "c" and k.action == "note" for k in KEYS)


def test_help_epilog_lists_every_key() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rater", "--help"], capture_output=True, text=True, check=True
    ).stdout
    epilog = " ".join(out[out.index("keys in the rating screen") :].split())
    for k in KEYS:
        assert f"{key_label(k.key)} {k.description}" in epilog, k


def test_readme_lists_every_key() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    start = text.index("Keys in the rating screen:")
    paragraph = text[start : text.index(".", text.index("`?` help", start))]
    for k in KEYS:
        assert re.search(
            rf"`{re.escape(key_label(k.key))}` {re.escape(k.description)}\b", paragraph
        ), k
