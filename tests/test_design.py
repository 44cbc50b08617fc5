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


def test_the_cut_names_every_module_of_each_folder() -> None:
    """The tree at the top of DESIGN.md ("The cut") lists each folder's modules: every module
    of a folder with a line of its own is named there, and every sub-package as `name/`."""
    design = (REPO / "DESIGN.md").read_text(encoding="utf-8")
    tree = design.split("    rater/\n", 1)[1].split("\n\n", 1)[0]
    blocks: dict[str, str] = {}
    parent = ""
    for line in tree.splitlines():
        m = re.match(r"( +)([a-z]+)/ ", line)
        if m:
            folder = m.group(2) if len(m.group(1)) <= 6 else f"{parent}/{m.group(2)}"
            parent = parent if len(m.group(1)) > 6 else folder
            blocks[folder] = ""
        blocks[folder] += line[m.end() if m else 0 :] + "\n"
    assert {"core", "core/abc", "audio", "analysis", "rating", "tui", "cli"} <= set(blocks)
    unnamed = []
    for folder, text in blocks.items():
        here = PACKAGE / folder
        words = set(re.findall(r"[a-z_]+/?", text))
        for p in sorted(here.iterdir()):
            if p.suffix == ".py" and p.stem not in ("__init__", "__main__"):
                name = p.stem
            elif (p / "__init__.py").is_file() and f"{folder}/{p.name}" not in blocks:
                name = p.name + "/"
            else:
                continue
            if name not in words:
                unnamed.append(f"{folder}/{name}")
    assert unnamed == [], f"not in DESIGN.md's cut: {unnamed}"
