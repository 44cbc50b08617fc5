"""Item 1: nothing is imported from the folder rater is started in.

A `mido.py` beside the samples once ran inside every render process (the forkserver starts
as `python -c`, which puts the working folder first on sys.path): every tune came out
`unrenderable` ("module 'mido' has no attribute 'MetaMessage'") and those verdicts were
cached for later runs from a clean folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile import SCRIPT, rater

PLANTED = ("mido", "music21", "numpy", "fluidsynth", "socket", "struct")


@pytest.mark.parametrize(
    ("script", "planted"),
    [(True, ("mido",)), (True, PLANTED), (False, PLANTED)],
    ids=["console-script-mido", "console-script", "python-m"],
)
def test_a_module_in_the_working_folder_never_runs(
    tmp_path: Path, two_tunes: Path, script: bool, planted: tuple[str, ...]
) -> None:
    if script and not SCRIPT.exists():
        pytest.skip(f"no console script at {SCRIPT}")
    work = tmp_path / "work"
    work.mkdir()
    ran = tmp_path / "ran"
    for name in planted:
        (work / f"{name}.py").write_text(
            f"open({str(ran)!r}, 'a').write({name + chr(10)!r})\nMetaMessage = None\n"
        )
    (work / "s.abc").write_text(two_tunes.read_text())
    env = {"RATER_CACHE_DIR": str(tmp_path / "cache")}
    done = rater("check", "s.abc", "--json", cwd=work, env=env, script=script)
    assert not ran.exists(), f"imported from the working folder: {ran.read_text()}"
    assert done.returncode == 0, done.stderr
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(verdicts) == 2 and all(v["ok"] for v in verdicts), verdicts
