"""Every reason a verdict can carry is named where people look: the Verdict docstring, the
README, `rater check --help`; and the checks produce no reason that is not in the list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rater.core.checks import default_settings, text_verdict
from rater.core.corpus import sample_id
from rater.core.demo import degenerate_examples
from rater.core.records import NOTES, REASONS, Sample, Verdict

REPO = Path(__file__).resolve().parent.parent


def test_every_reason_and_note_is_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    doc = Verdict.__doc__ or ""
    done = subprocess.run(
        [sys.executable, "-m", "rater", "check", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for name in [*REASONS, *NOTES]:
        assert f"`{name}`" in readme, f"README.md does not name {name}"
        assert f'"{name}"' in doc, f"the Verdict docstring does not name {name}"
        assert f"\n  {name} " in done.stdout, f"rater check --help does not list {name}"


def test_the_checks_give_only_listed_reasons() -> None:
    settings = default_settings()
    seen: set[str] = set()
    for text, _ in degenerate_examples().values():
        v = text_verdict(Sample(sample_id(text), text, "t", 0), settings)
        seen.update(v.reasons)
        assert {n.split(":")[0] for n in v.notes} <= set(NOTES)
    assert seen <= set(REASONS), seen - set(REASONS)
    assert {"loop", "bad-header", "repetitive", "unparseable"} <= seen
