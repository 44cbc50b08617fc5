"""Item 11: every numeric option has a documented range, checked before any work with one
line and exit status 2.

Tracebacks: `export --query-length 99999999999999999999` and `encode --length` of the same
(OverflowError), `--query-length 1000000000` (MemoryError), `model fit --seed -1`
(ValueError), `rate --pairing model --seed -1`. Accepted: `--workers` 40 for one tune,
`rank --top -1`, `rate --min-heard 1e20`, `--query-length 3000000` (a 504 MB file).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest
from conftest import Inputs
from hostile import one_line_error, rater

from rater.cli.main import build_parser

HUGE = "99999999999999999999"
WORKERS = 4 * (os.cpu_count() or 1)  # the documented limit: 4 per core


def cases(i: Inputs, out: Path) -> dict[str, tuple[list[str], str]]:
    export = ["export", str(i.journal), "--format", "oa", "--out", str(out)]
    rate = ["rate", str(i.samples), "--kind", "text", "--ratings", str(out)]
    return {
        "query-length huge": ([*export, "--query-length", HUGE], "--query-length must be at most"),
        "query-length 1e9": (
            [*export, "--query-length", "1000000000"],
            "--query-length must be at most",
        ),
        "query-length 3e6": (
            [*export, "--query-length", "3000000"],
            "--query-length must be at most",
        ),
        "encode length huge": (["encode", "--length", HUGE], "--length must be at most"),
        "model fit seed -1": (
            ["model", "fit", str(i.journal), "--out", str(out), "--seed", "-1"],
            "--seed must be at least 0",
        ),
        "rate model seed -1": (
            [*rate, "--pairing", "model", "--seed", "-1"],
            "--seed must be at least 0",
        ),
        "workers": (
            ["check", str(i.samples), "--kind", "text", "--workers", str(WORKERS + 1)],
            f"--workers must be at most {WORKERS}",
        ),
        "model score workers": (
            ["model", "score", str(i.samples), "--model", str(i.model)]
            + ["--workers", str(WORKERS + 1)],
            f"--workers must be at most {WORKERS}",
        ),
        "rank top -1": (["rank", str(i.journal), "--top", "-1"], "--top must be at least 1"),
        "min-heard 1e20": ([*rate, "--min-heard", "1e20"], "--min-heard must be at most 180"),
        "time-limit 1e300": (
            ["check", str(i.samples), "--time-limit", "1e300"],
            "--time-limit must be at most",
        ),
    }


NAMES = list(cases(Inputs(*[Path()] * 5), Path()))


@pytest.mark.parametrize("name", NAMES)
def test_an_option_out_of_range_is_one_line(inputs: Inputs, tmp_path: Path, name: str) -> None:
    out = tmp_path / "out.json"
    args, words = cases(inputs, out)[name]
    done = rater(*args, stdin="X:1", timeout=60)
    one_line_error(done, words)
    assert not out.exists()


def _numeric_options(parser: argparse.ArgumentParser, path: str = "rater") -> list[tuple]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _numeric_options(sub, f"{path} {name}")
        elif action.type in (int, float) and action.option_strings:
            found.append((path, action.option_strings[0], action.help or ""))
    return found


def test_every_numeric_option_documents_its_range() -> None:
    options = _numeric_options(build_parser())
    assert len(options) > 20
    missing = [(cmd, flag) for cmd, flag, text in options if not re.search(r"\d\.\.\d", text)]
    assert not missing, missing
