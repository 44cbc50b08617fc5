"""Nothing outside rater/tui imports textual: the core runs headless (autorate, export, CI)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import rater

CHECK = """
import importlib, sys
names = {names!r}
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(len(names), len(loaded))
sys.exit(1 if loaded else 0)
"""


def core_modules() -> list[str]:
    root = Path(rater.__file__).parent
    names = ["rater"]
    for info in pkgutil.walk_packages([str(root)], prefix="rater."):
        if info.name in ("rater.tui", "rater.__main__") or info.name.startswith("rater.tui."):
            continue
        names.append(info.name)
    return names


def test_core_modules_do_not_import_textual() -> None:
    names = core_modules()
    assert "rater.rating.session" in names and "rater.audio.player" in names
    assert "rater.cli.commands.rate" in names
    proc = subprocess.run(
        [sys.executable, "-c", CHECK.format(names=names)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"textual was imported: {proc.stdout} {proc.stderr}"
    assert proc.stdout.split()[0] == str(len(names))


def test_the_tui_package_does_import_textual() -> None:
    """The check above can fail: importing the app does load textual."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, rater.tui.app; sys.exit(0 if 'textual' in sys.modules else 1)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0
