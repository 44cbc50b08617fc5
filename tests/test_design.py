"""DESIGN.md's module map matches the tree: every module is in it, and nothing else is."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "rater"


def test_module_map_names_every_module_and_only_real_ones() -> None:
    design = (REPO / "DESIGN.md").read_text(encoding="utf-8")
    modules = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py") and p.parent.name != "commands"
    }
    missing = sorted(m for m in modules if f"`{m}`" not in design)
    assert missing == [], f"not in DESIGN.md's module map: {missing}"
    named = set(re.findall(r"`((?:[a-z_]+/)+[a-z_<>]+\.py)`", design))
    stale = sorted(
        n
        for n in named
        if "<" not in n and not (PACKAGE / n).is_file() and not (REPO / n).is_file()
    )
    assert stale == [], f"DESIGN.md names modules that do not exist: {stale}"
