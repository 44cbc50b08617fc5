"""Every reason a verdict can carry is a `Reason` (one closed set, not strings typed in
several modules), named where people look (the README, `rater check --help`); and the
checks produce no reason that is not in the set."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from rater.core.checks import default_settings, text_verdict
from rater.core.corpus import sample_id
from rater.core.demo import degenerate_examples
from rater.core.records import NOTES, REASONS, Note, Reason, Sample

REPO = Path(__file__).resolve().parent.parent


def test_every_reason_and_note_is_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert list(REASONS) == list(Reason) and list(NOTES) == list(Note)
    done = subprocess.run(
        [sys.executable, "-m", "rater", "check", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for name, meaning in [*REASONS.items(), *NOTES.items()]:
        assert f"`{name}`" in readme, f"README.md does not name {name}"
        assert f"\n  {name} " in done.stdout, f"rater check --help does not list {name}"
        assert meaning in " ".join(done.stdout.split()), f"--help does not explain {name}"


# String constants that happen to spell a reason but are not one.
NOT_REASONS = {("analysis/model/music.py", "compressible")}  # a feature's name


def test_no_module_types_a_reason_as_a_string() -> None:
    codes = {str(r) for r in Reason} | {Note.CUT_OFF}  # "dialect" is also a field's name
    package = REPO / "rater"
    typed = []
    for path in sorted(package.rglob("*.py")):
        where = str(path.relative_to(package))
        if where == "core/records.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in codes:
                if (where, node.value) not in NOT_REASONS:
                    typed.append(f"{where}:{node.lineno} {node.value!r}")
    assert typed == []


def test_the_checks_give_only_listed_reasons() -> None:
    settings = default_settings()
    seen: set[str] = set()
    for text, _ in degenerate_examples().values():
        v = text_verdict(Sample(sample_id(text), text, "t", 0), settings)
        seen.update(v.reasons)
        assert {n.split(":")[0] for n in v.notes} <= set(NOTES)
    assert seen <= set(REASONS), seen - set(REASONS)
    assert {Reason.LOOP, Reason.BAD_HEADER, Reason.REPETITIVE, Reason.UNPARSEABLE} <= seen
