"""What the hostile tests share: running the real `rater` command and judging its answer.

Not a test module. Every test in this folder plays someone who hands rater something it
should refuse, survive or ignore (issue 22); the answer is always a clean exit or one line
on stderr with exit status 2, never a traceback or a hang.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("rater")  # the console script people run


def rater(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    script: bool = False,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`rater ARGS` in a child process: `python -m rater`, or the installed console script
    (`script=True`), the way a person starts it from a shell."""
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "rater"]
    return subprocess.run(
        [*command, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit status 2 and exactly one line on stderr, holding each of `words`."""
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr
