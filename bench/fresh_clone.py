"""README's `make demo` on a fresh clone: seconds from the command to the rating screen.

What a new user waits for the first time: `scripts/setup` (a virtual environment and every
Python package, pip's cache as this machine has it), then the app up to its first pair. The
baseline, measured in the same run, is `rater demo` from this checkout's installed .venv
(same cold render cache): the part no set-up work can remove. `--cold-pip` adds a run with
an empty pip cache (PIP_CACHE_DIR pointed at a new folder), so every package is fetched
again from the index (this machine's pip configuration may also list local wheel folders,
which still count as fetched). Each run ends with `x` and checks exit status 0.

Run: .venv/bin/python bench/fresh_clone.py [--cold-pip]
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from terminal import Terminal, fresh_clone, pair_on_screen  # noqa: E402


def to_screen(command: str, where: Path, env: dict[str, str]) -> float:
    """Seconds from starting `command` in a terminal to the first pair on screen."""
    term = Terminal(command, where / "status", env=env)
    start = time.monotonic()
    try:
        seen, screen = term.wait_for(pair_on_screen, 1800)
        took = time.monotonic() - start
        if not seen:
            raise SystemExit(f"no rating screen after {took:.0f} s:\n{screen}")
        term.press("x")
        if (code := term.wait_exit(30)) != 0:
            raise SystemExit(f"exit status {code} after x")
    finally:
        term.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-pip", action="store_true", help="also time an empty pip cache")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    with tempfile.TemporaryDirectory(prefix="rater-fresh-") as tmp:
        base = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        runs: list[tuple[str, str, dict[str, str]]] = []
        runs.append(
            (
                "installed .venv: rater demo",
                f"cd {shlex.quote(str(REPO))} && "
                ".venv/bin/rater demo --ratings " + shlex.quote(str(base / "b.jsonl")),
                {},
            )
        )
        kinds = [("warm", {})]
        if args.cold_pip:
            kinds.append(("cold", {"PIP_CACHE_DIR": str(base / "pip-cache")}))
        for kind, extra in kinds:
            clone = base / f"clone-{kind}"
            fresh_clone(REPO, clone)
            runs.append(
                (
                    f"fresh clone, {kind} pip cache: make demo",
                    f"cd {shlex.quote(str(clone))} && make demo",
                    extra,
                )
            )
        baseline = None
        for i, (label, command, extra) in enumerate(runs):
            where = base / f"run-{i}"
            where.mkdir()
            run_env = {**env, **extra, "RATER_CACHE_DIR": str(where / "render-cache")}
            seconds = to_screen(command, where, run_env)
            baseline = baseline or seconds
            print(
                f"{label:<44} {seconds:7.1f} s to the rating screen  "
                f"x{seconds / baseline:.1f} baseline"
            )


if __name__ == "__main__":
    main()
